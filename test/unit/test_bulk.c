/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * iobuf_get_bulk / iobuf_put_bulk on one thread (iobuf.h): a get takes all
 * n buffers from cache and ring or nothing, refuses to pass older waiters
 * of its class, and counts each buffer by the path it took; a put returns
 * each buffer to its class, hands buffers to waiting entries in FIFO order,
 * flushes the cache in batches without ever holding more than twice the
 * cache size idle, and returns none of n buffers when one pointer is
 * refused. Refusals and failures are checked against a snapshot of every
 * statistic. Several threads: test/mt/test_mt_bulk.c.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_bufs.h"
#include "test_env.h"
#include "test_snapshot.h"

#define S TEST_SMALL_SIZE
#define L TEST_LARGE_SIZE
#define SMALL IOBUF_CLASS_SMALL
#define LARGE IOBUF_CLASS_LARGE

/* What the statistics must say about one module and its class's pool. */
struct expect {
	uint64_t cache;
	uint64_t main;
	int64_t out;
	uint64_t free;
	uint64_t cached;
};

static void assert_counters(const char *module, int cls,
			    const struct expect *e)
{
	struct iobuf_module_stats m;
	struct iobuf_stats st;

	test_pool_stats(&st);
	test_module_stats(module, &m);
	assert_int_equal(m.cls[cls].cache, e->cache);
	assert_int_equal(m.cls[cls].main, e->main);
	assert_int_equal(m.cls[cls].retry, 0);
	assert_int_equal(m.cls[cls].out, e->out);
	assert_int_equal(m.cls[cls].waiting, 0);
	assert_int_equal(st.pool[cls].free, e->free);
	assert_int_equal(st.pool[cls].cached, e->cached);
}

static void assert_get_fails_changing_nothing(struct iobuf_channel *ch,
					      uint64_t len, uint32_t n)
{
	void **bufs = calloc(n, sizeof(*bufs));
	struct test_snapshot before;

	assert_non_null(bufs);
	test_snapshot_take(&before);
	assert_int_equal(iobuf_get_bulk(ch, len, bufs, n), -ENOMEM);
	test_snapshot_assert_unchanged(&before);
	free(bufs);
}

/*
 * The documented batch policy, one put at a time: a cache of size n holds
 * up to n + TEST_BATCH(n); a put that finds it full flushes TEST_BATCH(n)
 * to the ring and keeps the new buffer. A cache of 0 sends every put to
 * the ring.
 */
static void model_put(uint32_t size, uint64_t *cached, uint64_t *free_bufs)
{
	uint32_t batch = TEST_BATCH(size);

	if (size == 0) {
		(*free_bufs)++;
	} else if (*cached == (uint64_t)size + batch) {
		*free_bufs += batch;
		*cached -= batch - 1;
	} else {
		(*cached)++;
	}
}

/* ---- get ---------------------------------------------------------------- */

static void get_bulk_takes_all_n_from_cache_and_ring_or_nothing(void **state)
{
	void *cached[8], *held[TEST_SMALL_COUNT], *bufs[TEST_SMALL_COUNT];
	void *large[TEST_LARGE_COUNT + 1];
	struct iobuf_channel *a, *h;
	uint32_t nheld;

	(void)state;
	a = test_channel("bk_all", 8, 2);
	h = test_channel("bk_hold", 0, 0);
	/* Learn what a's cache holds: take it whole and put it back. */
	assert_int_equal(iobuf_get_bulk(a, S, cached, 8), 0);
	assert_int_equal(iobuf_put_bulk(a, cached, 8), 0);
	/* Leave exactly 5 known buffers in the ring. */
	nheld = test_drain(h, S, held, TEST_SMALL_COUNT);
	assert_int_equal(nheld, TEST_SMALL_COUNT - 8);
	nheld -= 5;
	test_put_all(h, &held[nheld], 5, S);

	/* 8 cached + 5 in the ring: 14 is one too many. */
	assert_get_fails_changing_nothing(a, S, 14);
	assert_int_equal(iobuf_get_bulk(a, S, bufs, 13), 0);
	test_assert_distinct(bufs, 13);
	test_assert_all_among(cached, 8, bufs, 13);
	test_assert_all_among(&held[nheld], 5, bufs, 13);
	assert_counters("bk_all", SMALL, &(struct expect){
		.cache = 16, .main = 5, .out = 13, .free = 0, .cached = 0 });
	errno = 0;
	assert_null(iobuf_get(a, S, NULL, NULL));
	assert_int_equal(errno, ENOMEM);

	/* Large: 2 cached, 14 in the ring, so all 16 or nothing. */
	assert_get_fails_changing_nothing(a, L, TEST_LARGE_COUNT + 1);
	assert_int_equal(iobuf_get_bulk(a, L, large, TEST_LARGE_COUNT), 0);
	test_assert_disjoint(large, TEST_LARGE_COUNT, L);
	assert_counters("bk_all", LARGE, &(struct expect){
		.cache = 2, .main = TEST_LARGE_COUNT - 2,
		.out = TEST_LARGE_COUNT, .free = 0, .cached = 0 });

	assert_int_equal(iobuf_put_bulk(a, bufs, 13), 0);
	assert_int_equal(iobuf_put_bulk(a, large, TEST_LARGE_COUNT), 0);
	test_put_all(h, held, nheld, S);
	iobuf_channel_fini(a);
	iobuf_channel_fini(h);
}

static void get_bulk_that_fails_with_enomem_changes_nothing(void **state)
{
	void *held[TEST_SMALL_COUNT], *bufs[16], *large[TEST_LARGE_COUNT];
	struct iobuf_channel *a, *h;
	uint32_t nheld, nlarge;

	(void)state;
	a = test_channel("bk_fail", 8, 2);
	h = test_channel("bk_hold", 0, 0);

	/* More than the whole pool. */
	assert_get_fails_changing_nothing(a, S, TEST_SMALL_COUNT + 1);
	assert_get_fails_changing_nothing(a, L, TEST_LARGE_COUNT + 1);

	/* Cache full, ring short: the cache is left as it was. */
	nheld = test_drain(h, S, held, TEST_SMALL_COUNT - 8 - 3);
	assert_int_equal(nheld, TEST_SMALL_COUNT - 8 - 3);
	assert_get_fails_changing_nothing(a, S, 12);
	assert_get_fails_changing_nothing(a, S, 16);

	/* Cache empty, ring short. */
	assert_int_equal(iobuf_get_bulk(a, S, bufs, 8), 0);
	assert_get_fails_changing_nothing(a, S, 4);
	/* Nothing went missing: exactly what is left can be had. */
	assert_int_equal(iobuf_get_bulk(a, S, &bufs[8], 3), 0);
	test_assert_distinct(bufs, 11);
	assert_counters("bk_fail", SMALL, &(struct expect){
		.cache = 8, .main = 3, .out = 11, .free = 0, .cached = 0 });

	/* Large: 2 cached, one left in the ring. */
	nlarge = test_drain(h, L, large, TEST_LARGE_COUNT - 2 - 1);
	assert_int_equal(nlarge, TEST_LARGE_COUNT - 2 - 1);
	assert_get_fails_changing_nothing(a, L, 4);
	assert_int_equal(iobuf_get_bulk(a, L, &large[nlarge], 3), 0);
	test_assert_distinct(large, TEST_LARGE_COUNT);
	assert_counters("bk_fail", LARGE, &(struct expect){
		.cache = 2, .main = 1, .out = 3, .free = 0, .cached = 0 });

	assert_int_equal(iobuf_put_bulk(a, bufs, 11), 0);
	assert_int_equal(iobuf_put_bulk(a, large, TEST_LARGE_COUNT), 0);
	assert_int_equal(iobuf_put_bulk(a, held, nheld), 0);
	iobuf_channel_fini(a);
	iobuf_channel_fini(h);
}

static uint32_t multi_called;
static void **multi_bufs;

static void multi_cb(struct iobuf_entry *entry, void **bufs, uint32_t n)
{
	(void)entry;
	multi_called++;
	multi_bufs = bufs;
	assert_int_equal(n, 10);
}

/*
 * While entries of another module wait, a bulk get that needs the pool is
 * refused; a closing channel's cached buffers go to those entries in
 * order, not to the ring (a waiting multi-get gathers them); the
 * channel's own cache is its module's floor.
 */
static void get_bulk_never_takes_from_the_pool_ahead_of_waiters(void **state)
{
	void *held[TEST_SMALL_COUNT], *bufs[9], *large[2], *gather[10];
	struct iobuf_channel *a, *b, *c;
	struct iobuf_entry me;
	struct iobuf_stats st;
	struct test_req r;
	uint32_t nheld;

	(void)state;
	multi_called = 0;
	a = test_channel("bk_late", 4, 1);
	b = test_channel("bk_closing", 8, 1);
	c = test_channel("bk_waiting", 0, 0);
	nheld = test_drain(c, S, held, TEST_SMALL_COUNT);
	assert_int_equal(nheld, TEST_SMALL_COUNT - 4 - 8);
	test_req_init(&r, 1, c, S);
	test_req_queue(&r);
	assert_int_equal(iobuf_get_multi(c, S, gather, 10, &me, multi_cb),
			 -ENOMEM);
	iobuf_channel_fini(b);
	test_pool_stats(&st);
	assert_int_equal(st.pool[SMALL].free, 0);
	assert_int_equal(st.pool[SMALL].waiting, 2);
	assert_int_equal(st.gathered[SMALL], 7);
	test_assert_conservation();

	/* One more than a's cache: refused. */
	assert_get_fails_changing_nothing(a, S, 5);
	assert_get_fails_changing_nothing(c, S, 1);
	assert_int_equal(r.served, 0);

	/* The other class has no waiter: its ring is open. */
	assert_int_equal(iobuf_get_bulk(a, L, large, 2), 0);
	assert_int_equal(iobuf_put_bulk(a, large, 2), 0);

	/* A channel's own cache is its module's floor. */
	assert_int_equal(iobuf_get_bulk(a, S, bufs, 4), 0);
	assert_counters("bk_late", SMALL, &(struct expect){
		.cache = 4, .main = 0, .out = 4, .free = 0, .cached = 0 });

	/* r got the first returned buffer; it is called back at the poll. */
	assert_int_equal(iobuf_thread_poll(), 1);
	assert_int_equal(r.served, 1);
	assert_non_null(r.buf);

	/* Three more returns complete the multi-get, inside the put. */
	assert_int_equal(iobuf_put_bulk(a, bufs, 3), 0);
	assert_int_equal(multi_called, 1);
	assert_ptr_equal(multi_bufs, gather);
	test_assert_distinct(gather, 10);
	test_pool_stats(&st);
	assert_int_equal(st.pool[SMALL].waiting, 0);
	assert_int_equal(st.gathered[SMALL], 0);

	/* Nobody waits any more: the pool serves bulk gets again. */
	assert_int_equal(iobuf_put_bulk(c, gather, 10), 0);
	assert_int_equal(iobuf_get_bulk(a, S, &bufs[4], 5), 0);
	assert_int_equal(iobuf_put_bulk(a, &bufs[3], 6), 0);
	iobuf_put(c, r.buf, S);
	assert_int_equal(iobuf_put_bulk(c, held, nheld), 0);
	iobuf_channel_fini(a);
	iobuf_channel_fini(c);
}

/* ---- put ---------------------------------------------------------------- */

static void put_bulk_returns_mixed_classes_each_to_its_own_cache(void **state)
{
	void *small[30], *large[12], *mixed[42], *back[9];
	uint64_t cached[IOBUF_CLASS_COUNT], free_bufs[IOBUF_CLASS_COUNT];
	struct iobuf_module_stats m0, m1;
	struct iobuf_stats st0, st1;
	struct iobuf_channel *a;
	uint32_t n = 0;

	(void)state;
	a = test_channel("bk_mixed", 8, 4);

	/* Within the caches' room: every buffer lands in its class's cache. */
	assert_int_equal(iobuf_get_bulk(a, S, small, 6), 0);
	assert_int_equal(iobuf_get_bulk(a, L, large, 3), 0);
	for (uint32_t i = 0, s = 0, l = 0; i < 9; i++)
		mixed[i] = i % 3 == 1 ? large[l++] : small[s++];
	test_pool_stats(&st0);
	test_module_stats("bk_mixed", &m0);
	assert_int_equal(iobuf_put_bulk(a, mixed, 9), 0);
	test_pool_stats(&st1);
	test_module_stats("bk_mixed", &m1);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		uint64_t k = c == SMALL ? 6 : 3;

		assert_int_equal(st1.pool[c].cached, st0.pool[c].cached + k);
		assert_int_equal(st1.pool[c].free, st0.pool[c].free);
		assert_int_equal(st1.pool[c].out, st0.pool[c].out - (int64_t)k);
		assert_int_equal(m1.cls[c].out, m0.cls[c].out - (int64_t)k);
		assert_int_equal(m1.cls[c].cache, m0.cls[c].cache);
		assert_int_equal(m1.cls[c].main, m0.cls[c].main);
		assert_int_equal(m1.cls[c].retry, 0);
	}
	/* The next gets return exactly them. */
	assert_int_equal(iobuf_get_bulk(a, S, back, 6), 0);
	test_assert_all_among(small, 6, back, 6);
	assert_int_equal(iobuf_get_bulk(a, L, &back[6], 3), 0);
	test_assert_all_among(large, 3, &back[6], 3);
	assert_int_equal(iobuf_put_bulk(a, back, 9), 0);

	/* Past the caches' room, interleaved: each class by its own policy. */
	assert_int_equal(iobuf_get_bulk(a, S, small, 30), 0);
	assert_int_equal(iobuf_get_bulk(a, L, large, 12), 0);
	for (uint32_t s = 0, l = 0; s < 30 || l < 12;) {
		if (s < 30)
			mixed[n++] = small[s++];
		if (s < 30)
			mixed[n++] = small[s++];
		if (l < 12)
			mixed[n++] = large[l++];
	}
	assert_int_equal(n, 42);
	test_pool_stats(&st0);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		assert_int_equal(st0.pool[c].cached, 0);
		cached[c] = 0;
		free_bufs[c] = st0.pool[c].free;
	}
	for (uint32_t i = 0; i < 30; i++)
		model_put(8, &cached[SMALL], &free_bufs[SMALL]);
	for (uint32_t i = 0; i < 12; i++)
		model_put(4, &cached[LARGE], &free_bufs[LARGE]);
	assert_int_equal(iobuf_put_bulk(a, mixed, 42), 0);
	test_pool_stats(&st1);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		assert_int_equal(st1.pool[c].cached, cached[c]);
		assert_int_equal(st1.pool[c].free, free_bufs[c]);
		assert_int_equal(st1.pool[c].out, 0);
	}
	iobuf_channel_fini(a);
}

/*
 * Cache sizes 0, 1, 8 (a batch of the whole size) and 40 (a batch of 32):
 * puts of several lengths, some fitting the room left and some not. After
 * each, cache and ring hold what the batch policy says, the ring grew by
 * whole batches, and the cache holds at most twice its size.
 */
static void put_bulk_flushes_batches_and_holds_at_most_twice_the_cache(
	void **state)
{
	static const uint32_t sizes[] = { 0, 1, 8, 40 };
	static const uint32_t chunks[] = { 7, 13, 1, 30, 49 };
	const size_t nchunks = sizeof(chunks) / sizeof(chunks[0]);
	void *bufs[100];

	(void)state;
	for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
		uint32_t size = sizes[z], batch = TEST_BATCH(size), done = 0;
		struct iobuf_module_stats m0, m1;
		struct iobuf_channel *ch;
		struct iobuf_stats st;
		uint64_t cached, free_bufs;
		char name[32];

		snprintf(name, sizeof(name), "bk_flush_%u", size);
		ch = test_channel(name, size, 0);
		assert_int_equal(iobuf_get_bulk(ch, S, bufs, 100), 0);
		test_pool_stats(&st);
		assert_int_equal(st.pool[SMALL].cached, 0);
		cached = 0;
		free_bufs = st.pool[SMALL].free;
		test_module_stats(name, &m0);

		for (size_t k = 0; k < nchunks; k++) {
			uint64_t ring_before = st.pool[SMALL].free;

			for (uint32_t i = 0; i < chunks[k]; i++)
				model_put(size, &cached, &free_bufs);
			assert_int_equal(iobuf_put_bulk(ch, &bufs[done],
							chunks[k]), 0);
			done += chunks[k];
			test_pool_stats(&st);
			assert_int_equal(st.pool[SMALL].cached, cached);
			assert_int_equal(st.pool[SMALL].free, free_bufs);
			assert_true(st.pool[SMALL].cached <= 2ull * size);
			if (batch > 0)
				assert_int_equal((st.pool[SMALL].free -
						  ring_before) % batch, 0);
		}
		assert_int_equal(done, 100);
		/* Puts count no get. */
		test_module_stats(name, &m1);
		assert_int_equal(m1.cls[SMALL].cache, m0.cls[SMALL].cache);
		assert_int_equal(m1.cls[SMALL].main, m0.cls[SMALL].main);
		assert_int_equal(m1.cls[SMALL].out, 0);
		iobuf_channel_fini(ch);
	}
}

/* 4 KiB aligned but in no pool: static storage is not in the DMA region. */
static _Alignas(4096) unsigned char outside[4096];

static void put_bulk_with_a_refused_pointer_returns_none_of_the_buffers(
	void **state)
{
	void *small[TEST_SMALL_COUNT], *large[2], *arr[8];
	void *bad[3];
	struct test_snapshot before;
	struct iobuf_channel *ch;
	struct test_req r;
	uint32_t ns;

	(void)state;
	/* No cache, and a waiter: any small buffer put would reach it. */
	ch = test_channel("bk_refused", 0, 0);
	ns = test_drain(ch, S, small, TEST_SMALL_COUNT);
	assert_int_equal(ns, TEST_SMALL_COUNT);
	assert_int_equal(iobuf_get_bulk(ch, L, large, 2), 0);
	test_req_init(&r, 1, ch, S);
	test_req_queue(&r);

	bad[0] = outside;                     /* aligned, in no pool */
	bad[1] = (char *)small[7] + 64;       /* inside a buffer, unaligned */
	bad[2] = NULL;
	for (uint32_t b = 0; b < 3; b++) {
		static const uint32_t at[] = { 0, 3, 7 };

		/* The refused pointer first, in the middle and last. */
		for (uint32_t p = 0; p < 3; p++) {
			char needle[32];
			char *log;
			int rc;

			for (uint32_t i = 0, s = 0, l = 0; i < 8; i++)
				arr[i] = i == at[p] ? bad[b] :
					 i % 4 == 1 ? large[l++] : small[s++];
			test_snapshot_take(&before);
			test_log_begin();
			rc = iobuf_put_bulk(ch, arr, 8);
			log = test_log_end();
			assert_int_equal(rc, -EINVAL);
			snprintf(needle, sizeof(needle), "bufs[%u]", at[p]);
			if (strstr(log, needle) == NULL)
				fail_msg("the log (above) does not name %s",
					 needle);
			free(log);
			test_snapshot_assert_unchanged(&before);
			assert_int_equal(r.served, 0);
		}
	}

	/* All good now: the waiter gets the first small buffer. */
	assert_int_equal(iobuf_put_bulk(ch, small, ns), 0);
	assert_int_equal(r.served, 1);
	assert_ptr_equal(r.buf, small[0]);
	assert_int_equal(iobuf_put_bulk(ch, large, 2), 0);
	iobuf_put(ch, r.buf, S);
	iobuf_channel_fini(ch);
}

/*
 * Entries of two modules wait on this thread, small ones and a large one;
 * one put_bulk of mixed classes serves them each in its class's queue
 * order, and the buffer left over goes where no waiter is.
 */
static void put_bulk_hands_buffers_to_waiting_entries_in_fifo_order(
	void **state)
{
	void *small[TEST_SMALL_COUNT], *large[TEST_LARGE_COUNT], *arr[6];
	const int order[] = { 1, 5, 2, 3, 4 };
	struct iobuf_module_stats ma, mb;
	struct test_req r[5];
	struct iobuf_channel *a, *b;
	struct iobuf_stats st;

	(void)state;
	a = test_channel("bk_fifo_a", 0, 0);
	b = test_channel("bk_fifo_b", 0, 0);
	assert_int_equal(test_drain(a, S, small, TEST_SMALL_COUNT),
			 TEST_SMALL_COUNT);
	assert_int_equal(test_drain(a, L, large, TEST_LARGE_COUNT),
			 TEST_LARGE_COUNT);
	test_req_init(&r[0], 1, a, S);
	test_req_init(&r[1], 2, b, S);
	test_req_init(&r[2], 3, a, S);
	test_req_init(&r[3], 4, b, S);
	test_req_init(&r[4], 5, b, L);
	for (int i = 0; i < 5; i++)
		test_req_queue(&r[i]);
	test_pool_stats(&st);
	assert_int_equal(st.pool[SMALL].waiting, 4);
	assert_int_equal(st.pool[LARGE].waiting, 1);

	arr[0] = small[0];
	arr[1] = large[0];
	arr[2] = small[1];
	arr[3] = small[2];
	arr[4] = small[3];
	arr[5] = small[4];
	assert_int_equal(iobuf_put_bulk(a, arr, 6), 0);

	assert_int_equal(test_served_count, 5);
	assert_memory_equal(test_served_order, order, sizeof(order));
	for (int i = 0; i < 4; i++) {
		assert_int_equal(r[i].served, 1);
		assert_ptr_equal(r[i].buf, small[i]);
	}
	assert_int_equal(r[4].served, 1);
	assert_ptr_equal(r[4].buf, large[0]);

	/* Nobody waits now: the sixth went to the ring (no cache). */
	test_pool_stats(&st);
	assert_int_equal(st.pool[SMALL].waiting, 0);
	assert_int_equal(st.pool[LARGE].waiting, 0);
	assert_int_equal(st.pool[SMALL].free, 1);
	assert_int_equal(st.pool[LARGE].free, 0);
	test_module_stats("bk_fifo_a", &ma);
	test_module_stats("bk_fifo_b", &mb);
	assert_int_equal(ma.cls[SMALL].retry, 2);
	assert_int_equal(mb.cls[SMALL].retry, 2);
	assert_int_equal(mb.cls[LARGE].retry, 1);
	assert_int_equal(ma.cls[SMALL].waiting + mb.cls[SMALL].waiting, 0);
	assert_int_equal(mb.cls[LARGE].waiting, 0);

	for (int i = 0; i < 5; i++)
		iobuf_put(r[i].ch, r[i].buf, r[i].len);
	assert_int_equal(iobuf_put_bulk(a, &small[5], TEST_SMALL_COUNT - 5), 0);
	assert_int_equal(iobuf_put_bulk(a, &large[1], TEST_LARGE_COUNT - 1), 0);
	iobuf_channel_fini(a);
	iobuf_channel_fini(b);
}

/* ---- counters ----------------------------------------------------------- */

/*
 * A bulk get counts each buffer: `cache` for those its cache held, `main`
 * for those it dequeued from the ring. A bulk put counts no get.
 */
static void bulk_counters_count_each_buffer_by_the_path_it_took(void **state)
{
	void *small[30], *large[3];
	struct iobuf_channel *ch;
	const uint64_t nfree = TEST_SMALL_COUNT - 8;
	const uint64_t lfree = TEST_LARGE_COUNT - 2;

	(void)state;
	ch = test_channel("bk_count", 8, 2);
	assert_counters("bk_count", SMALL, &(struct expect){
		.cache = 0, .main = 0, .out = 0, .free = nfree, .cached = 8 });

	/* From the cache only. */
	assert_int_equal(iobuf_get_bulk(ch, S, small, 5), 0);
	assert_counters("bk_count", SMALL, &(struct expect){
		.cache = 5, .main = 0, .out = 5, .free = nfree, .cached = 3 });
	/* The cache's last 3 and 4 from the ring. */
	assert_int_equal(iobuf_get_bulk(ch, S, &small[5], 7), 0);
	assert_counters("bk_count", SMALL, &(struct expect){
		.cache = 8, .main = 4, .out = 12, .free = nfree - 4,
		.cached = 0 });
	/* Back into the cache: no get counted. */
	assert_int_equal(iobuf_put_bulk(ch, &small[5], 7), 0);
	assert_counters("bk_count", SMALL, &(struct expect){
		.cache = 8, .main = 4, .out = 5, .free = nfree - 4,
		.cached = 7 });
	/* 7 from the cache, 18 from the ring. */
	assert_int_equal(iobuf_get_bulk(ch, S, &small[5], 25), 0);
	assert_counters("bk_count", SMALL, &(struct expect){
		.cache = 15, .main = 22, .out = 30, .free = nfree - 22,
		.cached = 0 });
	test_assert_disjoint(small, 30, S);

	/* The large class is counted apart. */
	assert_int_equal(iobuf_get_bulk(ch, L, large, 2), 0);
	assert_int_equal(iobuf_get_bulk(ch, L, &large[2], 1), 0);
	assert_counters("bk_count", LARGE, &(struct expect){
		.cache = 2, .main = 1, .out = 3, .free = lfree - 1,
		.cached = 0 });
	assert_counters("bk_count", SMALL, &(struct expect){
		.cache = 15, .main = 22, .out = 30, .free = nfree - 22,
		.cached = 0 });

	assert_int_equal(iobuf_put_bulk(ch, large, 3), 0);
	assert_int_equal(iobuf_put_bulk(ch, small, 30), 0);
	assert_counters("bk_count", LARGE, &(struct expect){
		.cache = 2, .main = 1, .out = 0, .free = lfree - 1,
		.cached = 3 });
	iobuf_channel_fini(ch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)
		T(get_bulk_takes_all_n_from_cache_and_ring_or_nothing),
		T(get_bulk_that_fails_with_enomem_changes_nothing),
		T(get_bulk_never_takes_from_the_pool_ahead_of_waiters),
		T(put_bulk_returns_mixed_classes_each_to_its_own_cache),
		T(put_bulk_flushes_batches_and_holds_at_most_twice_the_cache),
		T(put_bulk_with_a_refused_pointer_returns_none_of_the_buffers),
		T(put_bulk_hands_buffers_to_waiting_entries_in_fifo_order),
		T(bulk_counters_count_each_buffer_by_the_path_it_took),
#undef T
	};

	return cmocka_run_group_tests_name("bulk", tests, test_group_setup,
					   test_group_teardown);
}
