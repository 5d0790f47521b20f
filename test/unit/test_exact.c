/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Exact buffer starts (SPEC §4c): iobuf_put and iobuf_put_bulk accept a
 * pointer only if it is the first byte of a pool buffer, in every build.
 * A page inside a buffer would otherwise be handed out again and overlap
 * the buffer its owner still holds. Each geometry below is walked page by
 * page: every buffer start is accepted, every other page of the region,
 * the gap before the large pool and the pages around the region are
 * refused and leave the statistics as they were.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "test_env.h"

#define MOD "exact"
#define PAGE 4096u
#define MAX_BUFS 256

struct geometry {
	uint64_t small_count, large_count;
	uint32_t small_size, large_size;
};

/*
 * Buffer sizes of 1, 2, 3, 5 and 6 pages for the small class and 9, 5,
 * 33, 6 and 7 for the large one (132 KiB is the default large size), with
 * small pools whose bytes are not a multiple of the large size, so a gap
 * precedes the large pool.
 */
static const struct geometry geometries[] = {
	{ 64, 8, 4 * 1024, 36 * 1024 },
	{ 64, 8, 8 * 1024, 20 * 1024 },
	{ 100, 8, 12 * 1024, 132 * 1024 },
	{ 70, 8, 20 * 1024, 24 * 1024 },
	{ 64, 16, 24 * 1024, 28 * 1024 },
};

struct world {
	struct iobuf_channel *ch;
	void *small[MAX_BUFS], *large[MAX_BUFS];
	uint32_t nsmall, nlarge;
	const struct geometry *g;
};

static void
snapshot_equal(const struct iobuf_stats *a, const struct iobuf_stats *b)
{
	assert_memory_equal(a, b, sizeof(*a));
}

static void
world_open(struct world *w, const struct geometry *g)
{
	struct iobuf_opts opts;

	test_opts_default(&opts);
	opts.small_pool_count = g->small_count;
	opts.large_pool_count = g->large_count;
	opts.small_bufsize = g->small_size;
	opts.large_bufsize = g->large_size;
	assert_int_equal(iobuf_set_opts(&opts), 0);
	assert_int_equal(iobuf_initialize(), 0);
	w->g = g;
	w->ch = test_channel(MOD, 4, 2);
	w->nsmall = test_drain(w->ch, g->small_size, w->small, MAX_BUFS);
	w->nlarge = test_drain(w->ch, g->large_size, w->large, MAX_BUFS);
	assert_int_equal(w->nsmall, g->small_count);
	assert_int_equal(w->nlarge, g->large_count);
}

static void
world_close(struct world *w)
{
	test_put_all(w->ch, w->small, w->nsmall, w->g->small_size);
	test_put_all(w->ch, w->large, w->nlarge, w->g->large_size);
	iobuf_channel_fini(w->ch);
}

static uintptr_t
lowest(void *const *bufs, uint32_t n)
{
	uintptr_t low = UINTPTR_MAX;

	for (uint32_t i = 0; i < n; i++)
		if ((uintptr_t)bufs[i] < low)
			low = (uintptr_t)bufs[i];
	return low;
}

static bool
is_start(const struct world *w, uintptr_t a)
{
	for (uint32_t i = 0; i < w->nsmall; i++)
		if ((uintptr_t)w->small[i] == a)
			return true;
	for (uint32_t i = 0; i < w->nlarge; i++)
		if ((uintptr_t)w->large[i] == a)
			return true;
	return false;
}

/* Put p, which is not a buffer start: nothing may change. */
static void
put_refused(struct world *w, uintptr_t p)
{
	struct iobuf_stats before, after;

	test_pool_stats(&before);
	iobuf_put(w->ch, (void *)p, 1);
	test_pool_stats(&after);
	snapshot_equal(&before, &after);
}

static void
every_page_but_the_starts_is_refused(void **state)
{
	(void)state;
	for (size_t gi = 0; gi < sizeof(geometries) / sizeof(geometries[0]); gi++) {
		const struct geometry *g = &geometries[gi];
		struct world w;
		uintptr_t small_base, large_base, region_end, refused = 0;

		world_open(&w, g);
		small_base = lowest(w.small, w.nsmall);
		large_base = lowest(w.large, w.nlarge);
		region_end = large_base + g->large_count * g->large_size;
		/* the gap before the large pool is refused too */
		assert_true(large_base >= small_base + g->small_count * g->small_size);

		put_refused(&w, small_base - PAGE);
		for (uintptr_t p = small_base; p < region_end + 2 * PAGE; p += PAGE) {
			if (p < region_end && is_start(&w, p))
				continue;
			put_refused(&w, p);
			refused++;
		}
		/* Misaligned pointers just past each start. */
		for (uint32_t i = 0; i < w.nsmall; i++)
			put_refused(&w, (uintptr_t)w.small[i] + 64);
		for (uint32_t i = 0; i < w.nlarge; i++)
			put_refused(&w, (uintptr_t)w.large[i] + 1);
		assert_int_equal(refused, (region_end + 2 * PAGE - small_base) /
				 PAGE - g->small_count - g->large_count);

		world_close(&w);
		test_assert_conservation();
		assert_int_equal(iobuf_finish(), 0);
		assert_int_equal(iobuf_unregister_module(MOD), 0);
	}
}

static void
interior_pointer_is_never_handed_out(void **state)
{
	const struct geometry *g = &geometries[2];   /* 12 KiB and 132 KiB */
	struct world w;
	void *again[MAX_BUFS];
	uint32_t n;

	(void)state;
	world_open(&w, g);
	/* The second page of a small buffer and the last of a large one. */
	iobuf_put(w.ch, (char *)w.small[0] + PAGE, g->small_size);
	iobuf_put(w.ch, (char *)w.large[0] + g->large_size - PAGE, g->large_size);
	/* The pools are empty: every get fails, none returns the pointers. */
	n = test_drain(w.ch, g->small_size, again, MAX_BUFS);
	assert_int_equal(n, 0);
	n = test_drain(w.ch, g->large_size, again, MAX_BUFS);
	assert_int_equal(n, 0);
	world_close(&w);
	assert_int_equal(iobuf_finish(), 0);
	assert_int_equal(iobuf_unregister_module(MOD), 0);
}

static void
put_bulk_with_an_interior_pointer_returns_none(void **state)
{
	const struct geometry *g = &geometries[2];
	struct iobuf_stats before, after;
	struct world w;
	void *bufs[4];

	(void)state;
	world_open(&w, g);
	bufs[0] = w.small[0];
	bufs[1] = w.large[0];
	bufs[2] = (char *)w.large[1] + 32 * PAGE;
	bufs[3] = w.small[1];
	test_pool_stats(&before);
	assert_int_equal(iobuf_put_bulk(w.ch, bufs, 4), -EINVAL);
	test_pool_stats(&after);
	snapshot_equal(&before, &after);

	bufs[2] = (char *)w.small[2] + 2 * PAGE;
	assert_int_equal(iobuf_put_bulk(w.ch, bufs, 4), -EINVAL);
	test_pool_stats(&after);
	snapshot_equal(&before, &after);
	world_close(&w);
	assert_int_equal(iobuf_finish(), 0);
	assert_int_equal(iobuf_unregister_module(MOD), 0);
}

static void
refusal_names_the_buffer_and_the_offset(void **state)
{
	const struct geometry *g = &geometries[2];
	struct world w;
	char want[128];
	char *log;

	(void)state;
	world_open(&w, g);
	test_log_begin();
	iobuf_put(w.ch, (char *)w.large[3] + 5 * PAGE, g->large_size);
	log = test_log_end();
	snprintf(want, sizeof(want), "%p is %u bytes into large buffer",
		 (void *)((char *)w.large[3] + 5 * PAGE), 5 * PAGE);
	assert_non_null(strstr(log, want));
	assert_non_null(strstr(log, "not its start; refused"));
	free(log);
	world_close(&w);
	assert_int_equal(iobuf_finish(), 0);
	assert_int_equal(iobuf_unregister_module(MOD), 0);
}

int
main(void)
{
	/* The log check runs first: refusals share a rate-limited message. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(refusal_names_the_buffer_and_the_offset,
						test_setup_bare, test_teardown),
		cmocka_unit_test_setup_teardown(every_page_but_the_starts_is_refused,
						test_setup_bare, test_teardown),
		cmocka_unit_test_setup_teardown(interior_pointer_is_never_handed_out,
						test_setup_bare, test_teardown),
		cmocka_unit_test_setup_teardown(put_bulk_with_an_interior_pointer_returns_none,
						test_setup_bare, test_teardown),
	};

	return cmocka_run_group_tests_name("exact", tests, test_group_setup,
					   test_group_teardown);
}
