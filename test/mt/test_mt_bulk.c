/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Bulk calls with other threads around: iobuf_get_bulk is all or nothing
 * (a refused call changes no statistic), mixes with single gets, and
 * iobuf_put_bulk returns each buffer to its class by address, refusing the
 * whole array when one pointer is foreign. Last, threads mixing bulk and
 * single calls never hold the same buffer at once.
 */

#include "mt_util.h"
#include "test_bufs.h"
#include "test_snapshot.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define NSMALL TEST_SMALL_COUNT
#define NLARGE TEST_LARGE_COUNT

static void get_bulk_takes_nothing_when_fewer_than_n_can_be_had(void **state)
{
	struct iobuf_channel *ch = test_channel("m", 8, 2);
	void *held[NSMALL], *bufs[16], *large[NLARGE + 1];
	const struct iobuf_module_stats *mb, *ma;
	struct test_snapshot before, after;
	struct iobuf_channel *cha;
	struct mt_worker a;
	void *one;

	(void)state;
	assert_int_equal(iobuf_register_module("a"), 0);
	mt_worker_start(&a);
	cha = mt_open(&a, "a", 0, 0);
	/* Another thread holds every small buffer not in our cache. */
	assert_int_equal(mt_drain(&a, cha, TEST_SMALL_SIZE, held, NSMALL),
			 NSMALL - 8);

	test_snapshot_take(&before);
	assert_int_equal(iobuf_get_bulk(ch, TEST_SMALL_SIZE, bufs, 9), -ENOMEM);
	test_snapshot_take(&after);
	test_snapshot_assert_same(&before, &after);

	mt_put(&a, cha, held, 3);
	test_snapshot_take(&before);
	assert_int_equal(before.pools.pool[IOBUF_CLASS_SMALL].free, 3);
	assert_int_equal(iobuf_get_bulk(ch, TEST_SMALL_SIZE, bufs, 12),
			 -ENOMEM);
	test_snapshot_take(&after);
	test_snapshot_assert_same(&before, &after);

	/* Exactly what cache and ring hold together: all of it. */
	assert_int_equal(iobuf_get_bulk(ch, TEST_SMALL_SIZE, bufs, 11), 0);
	test_assert_distinct(bufs, 11);
	test_snapshot_take(&after);
	mb = test_snapshot_module(&before, "m");
	ma = test_snapshot_module(&after, "m");
	assert_int_equal(after.pools.pool[IOBUF_CLASS_SMALL].free, 0);
	assert_int_equal(after.pools.pool[IOBUF_CLASS_SMALL].cached, 0);
	assert_int_equal(ma->cls[IOBUF_CLASS_SMALL].cache,
			 mb->cls[IOBUF_CLASS_SMALL].cache + 8);
	assert_int_equal(ma->cls[IOBUF_CLASS_SMALL].main,
			 mb->cls[IOBUF_CLASS_SMALL].main + 3);
	assert_int_equal(ma->cls[IOBUF_CLASS_SMALL].out, 11);

	/* Mixed with singles: two back, one out again, then a bulk of two. */
	iobuf_put(ch, bufs[10], TEST_SMALL_SIZE);
	iobuf_put(ch, bufs[9], TEST_SMALL_SIZE);
	one = iobuf_get(ch, TEST_SMALL_SIZE, NULL, NULL);
	assert_true(one == bufs[9] || one == bufs[10]);
	test_snapshot_take(&before);
	assert_int_equal(iobuf_get_bulk(ch, TEST_SMALL_SIZE, &bufs[11], 2),
			 -ENOMEM);
	test_snapshot_take(&after);
	test_snapshot_assert_same(&before, &after);
	mt_put(&a, cha, &held[3], 1);
	assert_int_equal(iobuf_get_bulk(ch, TEST_SMALL_SIZE, &bufs[11], 2), 0);
	/* The one left in the cache and the one in the ring, in some order. */
	assert_true(bufs[11] == bufs[9] || bufs[11] == bufs[10] ||
		    bufs[11] == held[3]);
	assert_true(bufs[12] == bufs[9] || bufs[12] == bufs[10] ||
		    bufs[12] == held[3]);
	assert_true(bufs[11] != one && bufs[12] != one);
	assert_ptr_not_equal(bufs[11], bufs[12]);
	errno = 0;
	assert_null(iobuf_get(ch, TEST_SMALL_SIZE, NULL, NULL));
	assert_int_equal(errno, ENOMEM);
	/* We hold bufs[0..8], one and bufs[11..12]: gather them first. */
	bufs[9] = one;
	bufs[10] = bufs[12];

	/* The large class: cache of 2 and 14 in the ring. */
	test_snapshot_take(&before);
	assert_int_equal(iobuf_get_bulk(ch, TEST_LARGE_SIZE, large,
					NLARGE + 1), -ENOMEM);
	test_snapshot_take(&after);
	test_snapshot_assert_same(&before, &after);
	assert_int_equal(iobuf_get_bulk(ch, TEST_LARGE_SIZE, large, NLARGE), 0);
	test_assert_distinct(large, NLARGE);

	assert_int_equal(iobuf_put_bulk(ch, large, NLARGE), 0);
	assert_int_equal(iobuf_put_bulk(ch, bufs, 12), 0);
	mt_put(&a, cha, &held[4], NSMALL - 8 - 4);
	mt_close(&a, cha);
	mt_worker_stop(&a);
	iobuf_channel_fini(ch);
}

/*
 * A worker takes 6 small and 3 large buffers; this thread returns them in
 * one interleaved array and checks where each landed.
 */
static void put_bulk_mixed(uint32_t small_cache, uint32_t large_cache)
{
	struct iobuf_channel *ch = test_channel("m", small_cache, large_cache);
	void *small[6], *large[3], *mixed[9], *back[9];
	struct iobuf_stats before, after;
	struct iobuf_channel *cha;
	struct mt_worker a;

	assert_int_equal(iobuf_register_module("a"), 0);
	mt_worker_start(&a);
	cha = mt_open(&a, "a", 0, 0);
	assert_int_equal(mt_drain(&a, cha, TEST_SMALL_SIZE, small, 6), 6);
	assert_int_equal(mt_drain(&a, cha, TEST_LARGE_SIZE, large, 3), 3);
	for (uint32_t i = 0, s = 0, l = 0; i < 9; i++)
		mixed[i] = i % 3 == 1 ? large[l++] : small[s++];

	test_pool_stats(&before);
	assert_int_equal(iobuf_put_bulk(ch, mixed, 9), 0);
	test_pool_stats(&after);
	assert_int_equal(after.pool[IOBUF_CLASS_SMALL].out,
			 before.pool[IOBUF_CLASS_SMALL].out - 6);
	assert_int_equal(after.pool[IOBUF_CLASS_LARGE].out,
			 before.pool[IOBUF_CLASS_LARGE].out - 3);
	assert_int_equal(after.pool[IOBUF_CLASS_SMALL].free +
			 after.pool[IOBUF_CLASS_SMALL].cached,
			 before.pool[IOBUF_CLASS_SMALL].free +
			 before.pool[IOBUF_CLASS_SMALL].cached + 6);
	assert_int_equal(after.pool[IOBUF_CLASS_LARGE].free +
			 after.pool[IOBUF_CLASS_LARGE].cached,
			 before.pool[IOBUF_CLASS_LARGE].free +
			 before.pool[IOBUF_CLASS_LARGE].cached + 3);
	if (small_cache >= 6 && large_cache >= 3) {
		/* They sit in our caches: the next gets return exactly them. */
		assert_int_equal(after.pool[IOBUF_CLASS_SMALL].cached,
				 before.pool[IOBUF_CLASS_SMALL].cached + 6);
		assert_int_equal(after.pool[IOBUF_CLASS_LARGE].cached,
				 before.pool[IOBUF_CLASS_LARGE].cached + 3);
		for (uint32_t i = 0; i < 6; i++)
			back[i] = iobuf_get(ch, TEST_SMALL_SIZE, NULL, NULL);
		for (uint32_t i = 6; i < 9; i++)
			back[i] = iobuf_get(ch, TEST_LARGE_SIZE, NULL, NULL);
		test_assert_all_among(back, 6, small, 6);
		test_assert_all_among(&back[6], 3, large, 3);
		test_assert_distinct(back, 9);
		assert_int_equal(iobuf_put_bulk(ch, back, 9), 0);
	}

	mt_close(&a, cha);
	mt_worker_stop(&a);
	iobuf_channel_fini(ch);
}

static void put_bulk_returns_each_buffer_to_its_class_cache(void **state)
{
	(void)state;
	put_bulk_mixed(16, 8);
}

static void put_bulk_returns_each_buffer_to_its_class_ring(void **state)
{
	(void)state;
	put_bulk_mixed(0, 0);
}

/* A request waiting on another thread: it must see nothing of a refused put. */
struct remote_waiter {
	struct iobuf_channel *ch;
	struct mt_req req;
	struct mt_log log;
};

static void put_bulk_with_a_foreign_pointer_returns_nothing(void **state)
{
	struct iobuf_channel *ch = test_channel("m", 4, 1);
	void *small[NSMALL], *large[NLARGE], *arr[6];
	struct test_snapshot before, after;
	struct mt_worker b;
	struct remote_waiter w = { 0 };
	char *outside = aligned_alloc(4096, 4096);
	void *foreign[3];

	(void)state;
	assert_non_null(outside);
	/* Hold every buffer so a waiter elsewhere would take anything put. */
	assert_int_equal(test_drain(ch, TEST_SMALL_SIZE, small, NSMALL),
			 NSMALL);
	assert_int_equal(test_drain(ch, TEST_LARGE_SIZE, large, NLARGE),
			 NLARGE);
	assert_int_equal(iobuf_register_module("b"), 0);
	mt_worker_start(&b);
	w.ch = mt_open(&b, "b", 0, 0);
	mt_req_init(&w.req, w.ch, &w.log, TEST_SMALL_SIZE, 0);
	mt_queue(&b, &w.req, 1);
	assert_int_equal(w.req.err, ENOMEM);

	foreign[0] = outside;              /* aligned, outside the pools */
	foreign[1] = (char *)small[5] + 64; /* inside a buffer, unaligned */
	foreign[2] = NULL;
	for (uint32_t f = 0; f < 3; f++) {
		static const uint32_t at[] = { 0, 2, 5 };

		/* The bad pointer first, in the middle, and last. */
		for (uint32_t p = 0; p < 3; p++) {
			for (uint32_t i = 0, s = 0; i < 6; i++)
				arr[i] = i == at[p] ? foreign[f] :
					 i == 3 ? large[0] : small[s++];
			test_snapshot_take(&before);
			assert_int_equal(iobuf_put_bulk(ch, arr, 6), -EINVAL);
			test_snapshot_take(&after);
			test_snapshot_assert_same(&before, &after);
			assert_int_equal(mt_poll(&b), 0);
			assert_int_equal(mt_req_served(&w.req), 0);
		}
	}
	free(outside);

	/* Everything back, no bad pointer: the waiter gets a buffer. */
	assert_int_equal(iobuf_put_bulk(ch, small, NSMALL), 0);
	assert_int_equal(iobuf_put_bulk(ch, large, NLARGE), 0);
	assert_int_equal(mt_poll(&b), 1);
	assert_int_equal(mt_req_served(&w.req), 1);
	mt_put(&b, w.ch, &w.req.buf, 1);
	mt_close(&b, w.ch);
	mt_worker_stop(&b);
	iobuf_channel_fini(ch);
}

/* ---- threads mixing bulk and single calls ------------------------------- */

#define MIX_THREADS 3
#define MIX_HOLD 24

struct mixer {
	pthread_t tid;
	pthread_barrier_t *start;
	int idx;
	uint64_t ops;
	uint32_t small_cache;
	uint32_t large_cache;
	/* results, read by the main thread after join */
	int init_rc;
	uint64_t bad_stamp;
	uint64_t bad_rc;
	uint64_t bulk_ok;
	uint64_t bulk_nomem;
	uint64_t gets;
	uint64_t held_twice;
};

struct held {
	void *buf;
	uint64_t tag;
};

static void mix_release(struct mixer *m, struct iobuf_channel *ch,
			struct held *h, uint32_t *nheld, uint32_t n)
{
	void *bufs[MIX_HOLD];

	for (uint32_t i = 0; i < n; i++) {
		struct held *x = &h[*nheld - n + i];

		if (!mt_stamp_ok(x->buf, x->tag))
			m->bad_stamp++;
		bufs[i] = x->buf;
	}
	if (n == 1)
		iobuf_put(ch, bufs[0], TEST_SMALL_SIZE);
	else if (iobuf_put_bulk(ch, bufs, n) != 0)
		m->bad_rc++;
	*nheld -= n;
}

static void mix_take(struct mixer *m, struct held *h, uint32_t *nheld,
		     void *buf, uint64_t *serial)
{
	uint64_t tag = ((uint64_t)m->idx << 48) | ++*serial;

	for (uint32_t i = 0; i < *nheld; i++)
		if (h[i].buf == buf)
			m->held_twice++;
	mt_stamp(buf, tag);
	h[*nheld].buf = buf;
	h[*nheld].tag = tag;
	++*nheld;
}

static void *mixer_main(void *arg)
{
	struct mixer *m = arg;
	struct iobuf_channel *ch = NULL;
	struct held h[MIX_HOLD];
	uint32_t nheld = 0;
	uint64_t serial = 0;
	struct mt_rng rng;
	char name[16];

	mt_rng_seed(&rng, 0xb01c + (uint64_t)m->idx);
	snprintf(name, sizeof(name), "mix%d", m->idx);
	m->init_rc = iobuf_channel_init(&ch, name, m->small_cache,
					m->large_cache);
	/* Every cache is filled before anyone takes buffers. */
	pthread_barrier_wait(m->start);
	if (m->init_rc != 0)
		return NULL;
	for (uint64_t op = 0; op < m->ops; op++) {
		uint32_t r = mt_rng_below(&rng, 100);
		uint64_t len = mt_rng_below(&rng, 4) == 0 ? TEST_LARGE_SIZE :
			       1 + mt_rng_below(&rng, TEST_SMALL_SIZE);

		if (r < 30 && nheld < MIX_HOLD) {
			void *buf = iobuf_get(ch, len, NULL, NULL);

			m->gets++;
			if (buf != NULL)
				mix_take(m, h, &nheld, buf, &serial);
			else if (errno != ENOMEM)
				m->bad_rc++;
		} else if (r < 55 && nheld < MIX_HOLD) {
			uint32_t n = 1 + mt_rng_below(&rng, MIX_HOLD - nheld);
			void *bufs[MIX_HOLD];
			int rc = iobuf_get_bulk(ch, len, bufs, n);

			if (rc == 0) {
				m->bulk_ok++;
				for (uint32_t i = 0; i < n; i++)
					mix_take(m, h, &nheld, bufs[i],
						 &serial);
			} else if (rc == -ENOMEM) {
				m->bulk_nomem++;
			} else {
				m->bad_rc++;
			}
		} else if (r < 75 && nheld > 0) {
			mix_release(m, ch, h, &nheld, 1);
		} else if (r < 95 && nheld > 0) {
			mix_release(m, ch, h, &nheld,
				    1 + mt_rng_below(&rng, nheld));
		} else {
			iobuf_thread_poll();
		}
	}
	if (nheld > 0)
		mix_release(m, ch, h, &nheld, nheld);
	iobuf_channel_fini(ch);
	return NULL;
}

static void threads_mixing_bulk_and_single_calls_never_share_a_buffer(
	void **state)
{
	struct mixer m[MIX_THREADS];
	pthread_barrier_t start;
	uint64_t ops = MT_TSAN ? 3000 : 30000;
	uint64_t ok = 0, nomem = 0;

	(void)state;
	memset(m, 0, sizeof(m));
	assert_int_equal(pthread_barrier_init(&start, NULL, MIX_THREADS), 0);
	for (int i = 0; i < MIX_THREADS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "mix%d", i);
		assert_int_equal(iobuf_register_module(name), 0);
		m[i].idx = i;
		m[i].ops = ops;
		m[i].start = &start;
		/* 0 makes every call go to the ring. */
		m[i].small_cache = (uint32_t)i * 8;
		m[i].large_cache = (uint32_t)i;
	}
	for (int i = 0; i < MIX_THREADS; i++)
		assert_int_equal(pthread_create(&m[i].tid, NULL, mixer_main,
						&m[i]), 0);
	for (int i = 0; i < MIX_THREADS; i++)
		assert_int_equal(pthread_join(m[i].tid, NULL), 0);
	pthread_barrier_destroy(&start);
	for (int i = 0; i < MIX_THREADS; i++) {
		assert_int_equal(m[i].init_rc, 0);
		assert_int_equal(m[i].bad_stamp, 0);
		assert_int_equal(m[i].bad_rc, 0);
		assert_int_equal(m[i].held_twice, 0);
		ok += m[i].bulk_ok;
		nomem += m[i].bulk_nomem;
	}
	/* The mix must have exercised both outcomes of the bulk get. */
	assert_true(ok > 0);
	assert_true(nomem > 0);
	fprintf(stderr, "# mixers: %d threads x %" PRIu64 " ops, get_bulk ok %"
		PRIu64 " refused %" PRIu64 "\n", MIX_THREADS, ops, ok, nomem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			get_bulk_takes_nothing_when_fewer_than_n_can_be_had,
			test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(
			put_bulk_returns_each_buffer_to_its_class_cache,
			test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(
			put_bulk_returns_each_buffer_to_its_class_ring,
			test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(
			put_bulk_with_a_foreign_pointer_returns_nothing,
			test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(
			threads_mixing_bulk_and_single_calls_never_share_a_buffer,
			test_setup, test_teardown),
	};

	return cmocka_run_group_tests_name("mt_bulk", tests, test_group_setup,
					   test_group_teardown);
}
