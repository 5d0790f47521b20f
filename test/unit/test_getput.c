/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * iobuf_get / iobuf_put / iobuf_iova (SPEC §3, §5): alignment, distinct
 * buffers, class by len on get and by address on put, refused pointers,
 * and the batch refill and flush of the caches as the statistics show them.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test_bufs.h"
#include "test_env.h"
#include "test_snapshot.h"

struct counters {
	uint64_t free_bufs;
	uint64_t cached;
	uint64_t cache_hits;
	uint64_t main_gets;
};

static void read_counters(const char *module, enum iobuf_class c,
			  struct counters *k)
{
	struct iobuf_module_stats m;
	struct iobuf_stats st;

	test_pool_stats(&st);
	test_module_stats(module, &m);
	k->free_bufs = st.pool[c].free;
	k->cached = st.pool[c].cached;
	k->cache_hits = m.cls[c].cache;
	k->main_gets = m.cls[c].main;
}

static void get_returns_4k_aligned_writable_buffers(void **state)
{
	const uint64_t lens[] = { 1, TEST_SMALL_SIZE, TEST_SMALL_SIZE + 1,
				  TEST_LARGE_SIZE };
	struct iobuf_channel *ch;

	(void)state;
	ch = test_channel("gp_align", 4, 2);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint64_t size = lens[i] <= TEST_SMALL_SIZE ? TEST_SMALL_SIZE :
							    TEST_LARGE_SIZE;
		void *buf = iobuf_get(ch, lens[i], NULL, NULL);

		assert_non_null(buf);
		assert_int_equal((uintptr_t)buf % 4096, 0);
		memset(buf, 0x5a, size);
		iobuf_put(ch, buf, lens[i]);
	}
	iobuf_channel_fini(ch);
}

static void gets_hand_out_distinct_buffers_until_the_pool_is_empty(void **state)
{
	void *all[TEST_SMALL_COUNT + TEST_LARGE_COUNT];
	void *small[TEST_SMALL_COUNT + 1], *large[TEST_LARGE_COUNT + 1];
	struct iobuf_channel *ch;
	uint32_t ns, nl;

	(void)state;
	ch = test_channel("gp_distinct", 8, 2);
	ns = test_drain(ch, 1, small, TEST_SMALL_COUNT + 1);
	nl = test_drain(ch, TEST_LARGE_SIZE, large, TEST_LARGE_COUNT + 1);
	assert_int_equal(ns, TEST_SMALL_COUNT);
	assert_int_equal(nl, TEST_LARGE_COUNT);

	errno = 0;
	assert_null(iobuf_get(ch, 1, NULL, NULL));
	assert_int_equal(errno, ENOMEM);
	errno = 0;
	assert_null(iobuf_get(ch, TEST_LARGE_SIZE, NULL, NULL));
	assert_int_equal(errno, ENOMEM);

	/* The large size bounds both: no buffer overlaps another of either class. */
	memcpy(all, small, ns * sizeof(void *));
	memcpy(all + ns, large, nl * sizeof(void *));
	test_assert_disjoint(small, ns, TEST_SMALL_SIZE);
	test_assert_disjoint(large, nl, TEST_LARGE_SIZE);
	test_assert_distinct(all, ns + nl);
	for (uint32_t i = 0; i < ns; i++)
		for (uint32_t j = 0; j < nl; j++)
			assert_true((uintptr_t)small[i] + TEST_SMALL_SIZE <=
					    (uintptr_t)large[j] ||
				    (uintptr_t)large[j] + TEST_LARGE_SIZE <=
					    (uintptr_t)small[i]);

	test_put_all(ch, small, ns, 1);
	test_put_all(ch, large, nl, TEST_LARGE_SIZE);
	iobuf_channel_fini(ch);
}

static void get_picks_the_smallest_class_that_fits(void **state)
{
	const uint64_t small_lens[] = { 1, 512, TEST_SMALL_SIZE };
	const uint64_t large_lens[] = { TEST_SMALL_SIZE + 1, TEST_LARGE_SIZE };
	void *bufs[5];
	struct iobuf_channel *ch;
	struct iobuf_stats st;
	int n = 0;

	(void)state;
	ch = test_channel("gp_class", 0, 0);
	for (size_t i = 0; i < 3; i++)
		bufs[n++] = iobuf_get(ch, small_lens[i], NULL, NULL);
	for (size_t i = 0; i < 2; i++)
		bufs[n++] = iobuf_get(ch, large_lens[i], NULL, NULL);
	for (int i = 0; i < n; i++)
		assert_non_null(bufs[i]);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].out, 3);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].out, 2);
	test_put_all(ch, bufs, 3, 1);
	test_put_all(ch, bufs + 3, 2, TEST_LARGE_SIZE);
	iobuf_channel_fini(ch);
}

static void get_with_bad_len_returns_einval_and_queues_nothing(void **state)
{
	const uint64_t bad[] = { 0, TEST_LARGE_SIZE + 1, UINT64_MAX };
	void *bufs[TEST_SMALL_COUNT];
	struct iobuf_channel *ch;
	struct test_req req;
	struct test_snapshot before;
	uint32_t n;

	(void)state;
	ch = test_channel("gp_badlen", 0, 0);
	/* An empty pool, where a queueing implementation would queue. */
	n = test_drain(ch, 1, bufs, TEST_SMALL_COUNT);
	test_snapshot_take(&before);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		test_req_init(&req, 1, ch, bad[i]);
		errno = 0;
		assert_null(iobuf_get(ch, bad[i], &req.entry, test_req_cb));
		assert_int_equal(errno, EINVAL);
		errno = 0;
		assert_null(iobuf_get(ch, bad[i], NULL, NULL));
		assert_int_equal(errno, EINVAL);
	}
	test_snapshot_assert_unchanged(&before);

	test_put_all(ch, bufs, n, 1);
	assert_int_equal(test_served_count, 0);
	iobuf_channel_fini(ch);
}

static void get_with_entry_but_no_callback_on_empty_pool_returns_einval(void **state)
{
	void *bufs[TEST_SMALL_COUNT];
	struct iobuf_channel *ch;
	struct test_req req;
	struct test_snapshot before;
	uint32_t n;

	(void)state;
	ch = test_channel("gp_nocb", 0, 0);
	test_req_init(&req, 1, ch, 1);
	n = test_drain(ch, 1, bufs, TEST_SMALL_COUNT);
	test_snapshot_take(&before);
	errno = 0;
	assert_null(iobuf_get(ch, 1, &req.entry, NULL));
	assert_int_equal(errno, EINVAL);
	test_snapshot_assert_unchanged(&before);

	test_put_all(ch, bufs, n, 1);
	iobuf_channel_fini(ch);
}

/*
 * The header lists "entry is given without cb" among the EINVAL cases of
 * iobuf_get() without a condition on the pool, so a call that could be
 * served is refused as well.
 */
/*
 * entry and cb matter only when the get would queue: with a buffer to be
 * had, the get succeeds; with none, it refuses to queue an entry that has
 * no callback, and nothing waits afterwards.
 */
static void get_with_entry_but_no_callback_is_einval_only_when_queueing(void **state)
{
	struct iobuf_channel *ch;
	struct iobuf_stats st;
	struct test_req req;
	void *bufs[TEST_SMALL_COUNT];
	void *got, *refused;
	uint32_t n;
	int err;

	(void)state;
	ch = test_channel("gp_nocb", 0, 0);
	test_req_init(&req, 1, ch, 1);
	got = iobuf_get(ch, 1, &req.entry, NULL);
	n = test_drain(ch, 1, bufs, TEST_SMALL_COUNT);
	errno = 0;
	refused = iobuf_get(ch, 1, &req.entry, NULL);
	err = errno;
	test_pool_stats(&st);
	test_put_all(ch, bufs, n, 1);
	if (got != NULL)
		iobuf_put(ch, got, 1);
	iobuf_channel_fini(ch);
	assert_non_null(got);
	assert_int_equal(n, TEST_SMALL_COUNT - 1);
	assert_null(refused);
	assert_int_equal(err, EINVAL);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].waiting, 0);
}

static void get_on_null_channel_returns_einval(void **state)
{
	(void)state;
	errno = 0;
	assert_null(iobuf_get(NULL, 1, NULL, NULL));
	assert_int_equal(errno, EINVAL);
}

static void put_decides_the_class_by_address_not_len(void **state)
{
	struct iobuf_channel *ch;
	struct iobuf_stats st;
	void *small, *large;

	(void)state;
	ch = test_channel("gp_byaddr", 0, 0);
	small = iobuf_get(ch, 1, NULL, NULL);
	large = iobuf_get(ch, TEST_LARGE_SIZE, NULL, NULL);
	assert_non_null(small);
	assert_non_null(large);

	iobuf_put(ch, small, TEST_LARGE_SIZE);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].out, 0);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].free, TEST_SMALL_COUNT);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].out, 1);

	iobuf_put(ch, large, 0);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].out, 0);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].free, TEST_LARGE_COUNT);
	iobuf_channel_fini(ch);
}

/* First refused put of the executable: later ones may be rate-limited. */
static void put_of_a_foreign_pointer_is_refused_and_logged(void **state)
{
	/* Room for one extra of each class, should the pool hand out too many. */
	void *all[TEST_SMALL_COUNT + TEST_LARGE_COUNT + 2];
	unsigned char stack_buf[64];
	struct iobuf_channel *ch;
	struct test_snapshot before;
	void *heap;
	uint32_t n;
	char *log;

	(void)state;
	ch = test_channel("gp_foreign", 4, 1);
	heap = aligned_alloc(4096, TEST_LARGE_SIZE);
	assert_non_null(heap);
	test_snapshot_take(&before);

	test_log_begin();
	iobuf_put(ch, heap, TEST_SMALL_SIZE);
	log = test_log_end();
	assert_true(strlen(log) > 0);
	free(log);
	iobuf_put(ch, heap, TEST_LARGE_SIZE);
	iobuf_put(ch, stack_buf, 1);
	test_snapshot_assert_unchanged(&before);

	/* Never entered a pool: draining everything never hands it out. */
	n = test_drain(ch, 1, all, TEST_SMALL_COUNT + 1);
	assert_int_equal(n, TEST_SMALL_COUNT);
	n += test_drain(ch, TEST_LARGE_SIZE, all + n, TEST_LARGE_COUNT + 1);
	assert_int_equal(n, TEST_SMALL_COUNT + TEST_LARGE_COUNT);
	for (uint32_t i = 0; i < n; i++) {
		assert_true(all[i] != heap);
		assert_true(all[i] != (void *)stack_buf);
	}
	test_put_all(ch, all, n, 1);
	iobuf_channel_fini(ch);
	free(heap);
}

static void put_of_null_or_misaligned_pointer_is_refused(void **state)
{
	const size_t offsets[] = { 1, 64, 2048, TEST_SMALL_SIZE - 1 };
	struct iobuf_channel *ch;
	struct test_snapshot before;
	void *small, *large;

	(void)state;
	ch = test_channel("gp_misaligned", 4, 1);
	small = iobuf_get(ch, 1, NULL, NULL);
	large = iobuf_get(ch, TEST_LARGE_SIZE, NULL, NULL);
	assert_non_null(small);
	assert_non_null(large);
	test_snapshot_take(&before);

	iobuf_put(ch, NULL, 1);
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		iobuf_put(ch, (char *)small + offsets[i], 1);
		iobuf_put(ch, (char *)large + offsets[i], TEST_LARGE_SIZE);
	}
	test_snapshot_assert_unchanged(&before);

	/* The real buffers are still out and still go back. */
	iobuf_put(ch, small, 1);
	iobuf_put(ch, large, TEST_LARGE_SIZE);
	iobuf_channel_fini(ch);
}

/*
 * Empty cache: the get takes a batch of TEST_BATCH(cache) from the ring,
 * returns one and caches the rest; the next refill in a row takes twice
 * that, up to the cache size. `main` counts those gets, `cache` the gets
 * served from the cache.
 */
static void check_refill(uint32_t cache)
{
	const uint32_t batch = TEST_BATCH(cache);
	void *bufs[TEST_SMALL_COUNT];
	struct iobuf_channel *ch;
	struct counters k;
	uint32_t n = 0;

	ch = test_channel("gp_refill", cache, 0);
	while (n < cache) {
		bufs[n] = iobuf_get(ch, 1, NULL, NULL);
		assert_non_null(bufs[n++]);
	}
	read_counters("gp_refill", IOBUF_CLASS_SMALL, &k);
	assert_int_equal(k.cache_hits, cache);
	assert_int_equal(k.main_gets, 0);
	assert_int_equal(k.cached, 0);
	assert_int_equal(k.free_bufs, TEST_SMALL_COUNT - cache);

	bufs[n] = iobuf_get(ch, 1, NULL, NULL);
	assert_non_null(bufs[n++]);
	read_counters("gp_refill", IOBUF_CLASS_SMALL, &k);
	assert_int_equal(k.main_gets, 1);
	assert_int_equal(k.cache_hits, cache);
	assert_int_equal(k.cached, batch - 1);
	assert_int_equal(k.free_bufs, TEST_SMALL_COUNT - cache - batch);

	while (n < cache + batch) {
		bufs[n] = iobuf_get(ch, 1, NULL, NULL);
		assert_non_null(bufs[n++]);
	}
	read_counters("gp_refill", IOBUF_CLASS_SMALL, &k);
	assert_int_equal(k.main_gets, 1);
	assert_int_equal(k.cache_hits, cache + batch - 1);
	assert_int_equal(k.cached, 0);

	/* A second refill in a row: a one-way flow doubles its batch. */
	bufs[n] = iobuf_get(ch, 1, NULL, NULL);
	assert_non_null(bufs[n++]);
	read_counters("gp_refill", IOBUF_CLASS_SMALL, &k);
	assert_int_equal(k.main_gets, 2);
	assert_int_equal(k.cached, TEST_BATCH_GROWN(cache, batch) - 1);
	test_assert_conservation();

	test_put_all(ch, bufs, n, 1);
	iobuf_channel_fini(ch);
}

static void empty_cache_refills_a_batch_from_the_ring(void **state)
{
	(void)state;
	check_refill(4);
}

static void batch_is_capped_for_a_large_cache(void **state)
{
	(void)state;
	check_refill(40);
}

static void refill_takes_what_the_ring_has_when_short(void **state)
{
	void *held[TEST_SMALL_COUNT], *bufs[8];
	struct iobuf_channel *ch, *hog;
	struct counters k;
	uint32_t n_held;

	(void)state;
	ch = test_channel("gp_short", 4, 0);
	hog = test_channel("gp_short_hog", 0, 0);
	n_held = test_drain(hog, 1, held, TEST_SMALL_COUNT - 4 - 2);
	assert_int_equal(n_held, TEST_SMALL_COUNT - 4 - 2);

	for (int i = 0; i < 6; i++) {
		bufs[i] = iobuf_get(ch, 1, NULL, NULL);
		assert_non_null(bufs[i]);
		if (i == 4) {
			read_counters("gp_short", IOBUF_CLASS_SMALL, &k);
			assert_int_equal(k.main_gets, 1);
			assert_int_equal(k.cached, 1);
			assert_int_equal(k.free_bufs, 0);
		}
	}
	errno = 0;
	assert_null(iobuf_get(ch, 1, NULL, NULL));
	assert_int_equal(errno, ENOMEM);
	read_counters("gp_short", IOBUF_CLASS_SMALL, &k);
	assert_int_equal(k.cache_hits, 5);
	assert_int_equal(k.main_gets, 1);
	assert_int_equal(k.cached, 0);

	test_put_all(ch, bufs, 6, 1);
	test_put_all(hog, held, n_held, 1);
	iobuf_channel_fini(ch);
	iobuf_channel_fini(hog);
}

/*
 * From an empty cache, put buffers back one by one. The cache keeps up to
 * cache + batch - 1 without touching the ring; beyond, it flushes a batch
 * at a time, the first of TEST_BATCH(cache) and each next one grown
 * (TEST_BATCH_GROWN), keeps at least its size, and never holds more than
 * cache + the batch it will flush next: at most twice its size (SPEC §5).
 */
static void check_flush(uint32_t cache)
{
	uint32_t batch = TEST_BATCH(cache), n = 0;
	void *bufs[TEST_SMALL_COUNT];
	struct iobuf_channel *ch;
	struct counters k;
	uint64_t free0, last_free;

	ch = test_channel("gp_flush", cache, 0);
	/* Take buffers until the cache is empty (refills grow in a row). */
	do {
		bufs[n] = iobuf_get(ch, 1, NULL, NULL);
		assert_non_null(bufs[n++]);
		read_counters("gp_flush", IOBUF_CLASS_SMALL, &k);
	} while (n < cache + 2 * batch || k.cached > 0);
	free0 = last_free = k.free_bufs;

	for (uint32_t i = 1; i <= n; i++) {
		iobuf_put(ch, bufs[i - 1], 1);
		read_counters("gp_flush", IOBUF_CLASS_SMALL, &k);
		assert_int_equal(k.cached + (k.free_bufs - free0), i);
		assert_true(k.cached <= cache + batch);
		assert_true(k.cached <= 2 * cache);
		if (i < cache + TEST_BATCH(cache)) {
			assert_int_equal(k.free_bufs, free0);
		} else if (k.free_bufs != last_free) {
			assert_int_equal(k.free_bufs - last_free, batch);
			assert_true(k.cached >= cache);
			batch = TEST_BATCH_GROWN(cache, batch);
		}
		last_free = k.free_bufs;
	}
	assert_true(last_free > free0);
	test_assert_conservation();
	iobuf_channel_fini(ch);
}

static void full_cache_flushes_a_batch_to_the_ring(void **state)
{
	(void)state;
	check_flush(4);
}

static void large_cache_flushes_a_capped_batch(void **state)
{
	(void)state;
	check_flush(40);
}

/*
 * Put every buffer of the pool back through ch, one at a time; record the
 * size of each flush to the ring and check the cache never holds more than
 * twice its size.
 */
static uint32_t put_back_all(struct iobuf_channel *ch, const char *name,
			     void **bufs, uint32_t cache, uint32_t *flushes)
{
	struct counters k;
	uint64_t last_free;
	uint32_t nflush = 0;

	read_counters(name, IOBUF_CLASS_SMALL, &k);
	last_free = k.free_bufs;
	for (uint32_t i = 0; i < TEST_SMALL_COUNT; i++) {
		iobuf_put(ch, bufs[i], 1);
		read_counters(name, IOBUF_CLASS_SMALL, &k);
		assert_true(k.cached <= 2 * cache);
		if (k.free_bufs != last_free)
			flushes[nflush++] = (uint32_t)(k.free_bufs - last_free);
		last_free = k.free_bufs;
	}
	return nflush;
}

/*
 * A one-way flow moves more per ring operation: the second flush in a row
 * doubles the batch, up to the cache size (the cache then holds up to
 * twice its size, never more), and a refill starts flushing over at the
 * first batch.
 */
static void one_way_flow_grows_its_batch_up_to_the_cache_size(void **state)
{
	enum { CACHE = 40 };
	const uint32_t batch = TEST_BATCH(CACHE);
	void *bufs[TEST_SMALL_COUNT];
	struct iobuf_channel *ch;
	uint32_t flushes[8], n;

	(void)state;
	ch = test_channel("gp_flow", CACHE, 0);
	for (int round = 0; round < 2; round++) {
		/* Gets drain cache and ring, refilling: flushing starts over. */
		assert_int_equal(test_drain(ch, 1, bufs, TEST_SMALL_COUNT),
				 TEST_SMALL_COUNT);
		/* 128 puts: full at 72 (flush 32), then at 80 (flush 40). */
		n = put_back_all(ch, "gp_flow", bufs, CACHE, flushes);
		assert_int_equal(n, 2);
		assert_int_equal(flushes[0], batch);
		assert_int_equal(flushes[1], TEST_BATCH_GROWN(CACHE, batch));
	}
	test_assert_conservation();
	iobuf_channel_fini(ch);
}

static void cache_size_zero_sends_every_get_and_put_to_the_ring(void **state)
{
	struct iobuf_channel *ch;
	struct counters k;

	(void)state;
	ch = test_channel("gp_nocache", 0, 0);
	for (int i = 1; i <= 3; i++) {
		void *buf = iobuf_get(ch, 1, NULL, NULL);

		assert_non_null(buf);
		read_counters("gp_nocache", IOBUF_CLASS_SMALL, &k);
		assert_int_equal(k.main_gets, i);
		assert_int_equal(k.cache_hits, 0);
		assert_int_equal(k.cached, 0);
		assert_int_equal(k.free_bufs, TEST_SMALL_COUNT - 1);
		iobuf_put(ch, buf, 1);
		read_counters("gp_nocache", IOBUF_CLASS_SMALL, &k);
		assert_int_equal(k.cached, 0);
		assert_int_equal(k.free_bufs, TEST_SMALL_COUNT);
	}
	iobuf_channel_fini(ch);
}

static void iova_maps_pool_buffers_and_nothing_else(void **state)
{
	struct iobuf_channel *ch;
	unsigned char stack_buf[16];
	void *a, *b, *large;
	uint64_t ia, ib, il;

	(void)state;
	ch = test_channel("gp_iova", 0, 0);
	a = iobuf_get(ch, 1, NULL, NULL);
	b = iobuf_get(ch, 1, NULL, NULL);
	large = iobuf_get(ch, TEST_LARGE_SIZE, NULL, NULL);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(large);

	ia = iobuf_iova(a);
	ib = iobuf_iova(b);
	il = iobuf_iova(large);
	assert_true(ia != UINT64_MAX);
	assert_true(ib != UINT64_MAX);
	assert_true(il != UINT64_MAX);
	assert_true(ia != ib);
	/* Each buffer is IOVA-contiguous. */
	assert_int_equal(iobuf_iova((char *)a + 100), ia + 100);
	assert_int_equal(iobuf_iova((char *)a + TEST_SMALL_SIZE - 1),
			 ia + TEST_SMALL_SIZE - 1);
	assert_int_equal(iobuf_iova((char *)large + TEST_LARGE_SIZE - 1),
			 il + TEST_LARGE_SIZE - 1);

	assert_int_equal(iobuf_iova(NULL), UINT64_MAX);
	assert_int_equal(iobuf_iova(stack_buf), UINT64_MAX);

	iobuf_put(ch, a, 1);
	iobuf_put(ch, b, 1);
	iobuf_put(ch, large, TEST_LARGE_SIZE);
	iobuf_channel_fini(ch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)
		T(get_returns_4k_aligned_writable_buffers),
		T(gets_hand_out_distinct_buffers_until_the_pool_is_empty),
		T(get_picks_the_smallest_class_that_fits),
		T(get_with_bad_len_returns_einval_and_queues_nothing),
		T(get_with_entry_but_no_callback_on_empty_pool_returns_einval),
		T(get_with_entry_but_no_callback_is_einval_only_when_queueing),
		T(get_on_null_channel_returns_einval),
		T(put_decides_the_class_by_address_not_len),
		T(put_of_a_foreign_pointer_is_refused_and_logged),
		T(put_of_null_or_misaligned_pointer_is_refused),
		T(empty_cache_refills_a_batch_from_the_ring),
		T(batch_is_capped_for_a_large_cache),
		T(refill_takes_what_the_ring_has_when_short),
		T(full_cache_flushes_a_batch_to_the_ring),
		T(large_cache_flushes_a_capped_batch),
		T(one_way_flow_grows_its_batch_up_to_the_cache_size),
		T(cache_size_zero_sends_every_get_and_put_to_the_ring),
		T(iova_maps_pool_buffers_and_nothing_else),
#undef T
	};

	return cmocka_run_group_tests_name("getput", tests, test_group_setup,
					   test_group_teardown);
}
