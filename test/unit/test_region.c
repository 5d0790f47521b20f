/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * iobuf_get_region (SPEC §4c, memory registration): the region and each
 * class's place in it agree with the options, with iobuf_iova() and with
 * every buffer a channel hands out; the struct is versioned by size; bad
 * input and calls outside initialize .. finish write nothing and change
 * nothing.
 */

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test_env.h"
#include "test_snapshot.h"

#define GUARD 0x5a

static void assert_guarded(const unsigned char *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (p[i] != GUARD)
			fail_msg("byte %zu, past the caller's size, was written", i);
}

static void region(struct iobuf_region *r)
{
	memset(r, GUARD, sizeof(*r));
	assert_int_equal(iobuf_get_region(r, sizeof(*r)), 0);
}

/*
 * Drain every buffer of each class through a channel without a cache and
 * check each against the region: inside [addr, addr + len), at a whole
 * buffer of its class, seen once, with the IOVA the region gives; the
 * lowest of each class is its first.
 */
static void assert_buffers_match(const struct iobuf_region *r, const char *module)
{
	const uintptr_t addr = (uintptr_t)r->addr;
	struct iobuf_channel *ch = test_channel(module, 0, 0);

	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		const struct iobuf_region_class *k = &r->cls[c];
		const uintptr_t first = (uintptr_t)k->first;
		uint64_t len = k->bufsize;
		uintptr_t lowest = UINTPTR_MAX;
		void **bufs = test_calloc(k->count + 1, sizeof(*bufs));
		bool *seen = test_calloc(k->count, sizeof(*seen));
		uint32_t n;

		n = test_drain(ch, len, bufs, (uint32_t)k->count + 1);
		assert_int_equal(n, k->count);
		for (uint32_t i = 0; i < n; i++) {
			uintptr_t b = (uintptr_t)bufs[i];
			uint64_t idx;

			assert_true(b >= addr && b + k->bufsize <= addr + r->len);
			assert_true(b >= first);
			assert_int_equal((b - first) % k->bufsize, 0);
			idx = (b - first) / k->bufsize;
			assert_true(idx < k->count);
			assert_false(seen[idx]);
			seen[idx] = true;
			assert_int_equal(iobuf_iova(bufs[i]), r->iova + (b - addr));
			if (b < lowest)
				lowest = b;
		}
		assert_int_equal(lowest, first);
		test_put_all(ch, bufs, n, len);
		test_free(seen);
		test_free(bufs);
	}
	iobuf_channel_fini(ch);
}

/* What the options and iobuf_iova() say, whatever the buffers. */
static void assert_region_follows_opts(const struct iobuf_region *r)
{
	const struct iobuf_region_class *s = &r->cls[IOBUF_CLASS_SMALL];
	const struct iobuf_region_class *l = &r->cls[IOBUF_CLASS_LARGE];
	struct iobuf_opts o;

	iobuf_get_opts(&o, sizeof(o));
	assert_int_equal(s->count, o.small_pool_count);
	assert_int_equal(s->bufsize, o.small_bufsize);
	assert_int_equal(l->count, o.large_pool_count);
	assert_int_equal(l->bufsize, o.large_bufsize);
	assert_int_equal((uintptr_t)r->addr % 4096, 0);
	assert_int_equal(r->len % 4096, 0);
	assert_int_equal(iobuf_iova(r->addr), r->iova);
	assert_int_equal(iobuf_iova((char *)r->addr + r->len - 1),
			 r->iova + r->len - 1);
	assert_int_equal(iobuf_iova((char *)r->addr + r->len), UINT64_MAX);
	/* Each class inside the region, the two apart. */
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		uintptr_t first = (uintptr_t)r->cls[c].first;

		assert_true(first >= (uintptr_t)r->addr);
		assert_true(first + r->cls[c].count * r->cls[c].bufsize <=
			    (uintptr_t)r->addr + r->len);
	}
	assert_true((uintptr_t)s->first + s->count * s->bufsize <=
		    (uintptr_t)l->first ||
		    (uintptr_t)l->first + l->count * l->bufsize <=
		    (uintptr_t)s->first);
}

static void region_matches_the_opts_and_every_buffer(void **state)
{
	struct iobuf_region r;

	(void)state;
	region(&r);
	assert_int_equal(r.cls[IOBUF_CLASS_SMALL].count, TEST_SMALL_COUNT);
	assert_int_equal(r.cls[IOBUF_CLASS_SMALL].bufsize, TEST_SMALL_SIZE);
	assert_int_equal(r.cls[IOBUF_CLASS_LARGE].count, TEST_LARGE_COUNT);
	assert_int_equal(r.cls[IOBUF_CLASS_LARGE].bufsize, TEST_LARGE_SIZE);
	assert_region_follows_opts(&r);
	assert_buffers_match(&r, "rg_default");
}

static void region_follows_sizes_that_are_not_powers_of_two(void **state)
{
	struct iobuf_region r;
	struct iobuf_opts o;

	(void)state;
	iobuf_get_opts(&o, sizeof(o));
	o.small_pool_count = 70;
	o.large_pool_count = 9;
	o.small_bufsize = 3 * 4096 - 100;	/* rounded up to 12 KiB */
	o.large_bufsize = 5 * 4096;
	assert_int_equal(iobuf_set_opts(&o), 0);
	assert_int_equal(iobuf_initialize(), 0);
	region(&r);
	assert_int_equal(r.cls[IOBUF_CLASS_SMALL].bufsize, 3 * 4096);
	assert_int_equal(r.cls[IOBUF_CLASS_SMALL].count, 70);
	assert_int_equal(r.cls[IOBUF_CLASS_LARGE].bufsize, 5 * 4096);
	assert_int_equal(r.cls[IOBUF_CLASS_LARGE].count, 9);
	assert_region_follows_opts(&r);
	assert_buffers_match(&r, "rg_odd");
}

static void *region_elsewhere(void *arg)
{
	return (void *)(intptr_t)iobuf_get_region(arg, sizeof(struct iobuf_region));
}

static void region_from_a_thread_without_channels_is_the_same(void **state)
{
	struct iobuf_region here, there;
	pthread_t tid;
	void *rc;

	(void)state;
	region(&here);
	memset(&there, GUARD, sizeof(there));
	assert_int_equal(pthread_create(&tid, NULL, region_elsewhere, &there), 0);
	assert_int_equal(pthread_join(tid, &rc), 0);
	assert_int_equal((intptr_t)rc, 0);
	assert_memory_equal(&here, &there, sizeof(here));
}

/* ---- versioned by size -------------------------------------------------- */

static void smaller_old_structs_get_whole_fields_only(void **state)
{
	const size_t sizes[] = {
		sizeof(void *),                                   /* addr */
		offsetof(struct iobuf_region, len) + 4,           /* len cut */
		offsetof(struct iobuf_region, cls),               /* no class */
		offsetof(struct iobuf_region, cls[1]),            /* small only */
		offsetof(struct iobuf_region, cls[1].bufsize) + 7,
		sizeof(struct iobuf_region) - 1,
	};
	unsigned char buf[sizeof(struct iobuf_region)];
	struct iobuf_region full;

	(void)state;
	region(&full);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t size = sizes[k];
		size_t written = size / 8 * 8;

		memset(buf, GUARD, sizeof(buf));
		assert_int_equal(iobuf_get_region((struct iobuf_region *)(void *)buf,
						  size), 0);
		assert_memory_equal(buf, &full, written);
		assert_guarded(buf, written, sizeof(buf));
	}
}

static void larger_newer_structs_get_a_zeroed_tail(void **state)
{
	enum { MORE = 40 };
	unsigned char buf[sizeof(struct iobuf_region) + MORE + 8];
	const unsigned char zero[MORE] = { 0 };
	struct iobuf_region full;

	(void)state;
	region(&full);
	memset(buf, GUARD, sizeof(buf));
	assert_int_equal(iobuf_get_region((struct iobuf_region *)(void *)buf,
					  sizeof(full) + MORE), 0);
	assert_memory_equal(buf, &full, sizeof(full));
	assert_memory_equal(buf + sizeof(full), zero, MORE);
	assert_guarded(buf, sizeof(full) + MORE, sizeof(buf));
}

/* ---- bad input and the lifecycle ------------------------------------------ */

/* rc from get_region, with nothing written and the library unchanged. */
static void assert_refused(struct iobuf_region *r, size_t size, int rc)
{
	unsigned char *p = (unsigned char *)r;
	struct test_snapshot before;
	char *log;

	test_snapshot_take(&before);
	if (p != NULL)
		memset(p, GUARD, sizeof(*r));
	test_log_begin();
	assert_int_equal(iobuf_get_region(r, size), rc);
	log = test_log_end();
	assert_non_null(strstr(log, "iobuf_get_region"));
	free(log);
	if (p != NULL)
		assert_guarded(p, 0, sizeof(*r));
	test_snapshot_assert_unchanged(&before);
}

static void null_and_sizes_below_one_field_are_einval(void **state)
{
	struct iobuf_region r;

	(void)state;
	assert_refused(NULL, sizeof(r), -EINVAL);
	assert_refused(&r, 0, -EINVAL);
	assert_refused(&r, sizeof(void *) - 1, -EINVAL);
	/* the pools still work, and the region is still there */
	region(&r);
	test_use_pools_once("rg_bad");
}

static void before_initialize_is_enodev(void **state)
{
	struct iobuf_region r;

	(void)state;
	assert_refused(&r, sizeof(r), -ENODEV);
	/* size is checked first */
	assert_refused(&r, 1, -EINVAL);
}

static void after_finish_is_enodev(void **state)
{
	struct iobuf_region r;

	(void)state;
	assert_int_equal(iobuf_initialize(), 0);
	region(&r);
	assert_int_equal(iobuf_finish(), 0);
	assert_refused(&r, sizeof(r), -ENODEV);
	/* and again once initialized anew */
	assert_int_equal(iobuf_initialize(), 0);
	region(&r);
	assert_region_follows_opts(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)
#define B(f) cmocka_unit_test_setup_teardown(f, test_setup_bare, test_teardown)
		T(region_matches_the_opts_and_every_buffer),
		B(region_follows_sizes_that_are_not_powers_of_two),
		T(region_from_a_thread_without_channels_is_the_same),
		T(smaller_old_structs_get_whole_fields_only),
		T(larger_newer_structs_get_a_zeroed_tail),
		T(null_and_sizes_below_one_field_are_einval),
		B(before_initialize_is_enodev),
		B(after_finish_is_enodev),
#undef B
#undef T
	};

	return cmocka_run_group_tests_name("region", tests, test_group_setup,
					   test_group_teardown);
}
