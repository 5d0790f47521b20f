/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Waiters across threads (SPEC §4.2, §4.5, §4b): a thread that waits is
 * served once buffers are free anywhere, whether they sit in another
 * thread's cache, in the ring, or in a channel being closed; waiters on
 * several threads are each served once and in FIFO order per thread and
 * class; and once nobody waits, caches fill again.
 */

#include "mt_util.h"
#include "test_bufs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NSMALL TEST_SMALL_COUNT
#define NLARGE TEST_LARGE_COUNT

/* A holds the pools, B waits: the cast of the two-thread tests. */
struct duo {
	struct mt_worker a;
	struct mt_worker b;
	struct iobuf_channel *cha;
	struct iobuf_channel *chb;
	void *small[NSMALL];
	void *large[NLARGE];
	struct mt_log log[IOBUF_CLASS_COUNT];
	struct mt_req req[4];  /* 3 small, then 1 large */
};

static struct duo *duo_start(uint32_t a_small, uint32_t a_large)
{
	struct duo *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	assert_int_equal(iobuf_register_module("a"), 0);
	assert_int_equal(iobuf_register_module("b"), 0);
	mt_worker_start(&d->a);
	mt_worker_start(&d->b);
	d->cha = mt_open(&d->a, "a", a_small, a_large);
	d->chb = mt_open(&d->b, "b", 0, 0);
	return d;
}

/* A takes every buffer of both pools. */
static void duo_a_takes_all(struct duo *d)
{
	struct iobuf_stats st;

	assert_int_equal(mt_drain(&d->a, d->cha, TEST_SMALL_SIZE, d->small,
				  NSMALL), NSMALL);
	assert_int_equal(mt_drain(&d->a, d->cha, TEST_LARGE_SIZE, d->large,
				  NLARGE), NLARGE);
	test_pool_stats(&st);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		assert_int_equal(st.pool[c].free, 0);
		assert_int_equal(st.pool[c].cached, 0);
	}
}

/* A returns every buffer it took. */
static void duo_a_returns_all(struct duo *d)
{
	mt_put(&d->a, d->cha, d->small, NSMALL);
	mt_put(&d->a, d->cha, d->large, NLARGE);
}

/* B queues three small and one large request; none can be served now. */
static void duo_b_waits(struct duo *d)
{
	struct iobuf_stats st;

	for (uint32_t i = 0; i < 4; i++) {
		int cls = i < 3 ? IOBUF_CLASS_SMALL : IOBUF_CLASS_LARGE;

		mt_req_init(&d->req[i], d->chb, &d->log[cls],
			    cls == IOBUF_CLASS_SMALL ? TEST_SMALL_SIZE :
			    TEST_LARGE_SIZE, i < 3 ? i : 0);
	}
	mt_queue(&d->b, d->req, 4);
	for (uint32_t i = 0; i < 4; i++) {
		assert_false(d->req[i].immediate);
		assert_int_equal(d->req[i].err, ENOMEM);
	}
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].waiting, 3);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].waiting, 1);
}

/* B's requests were each served once, in order, with distinct buffers. */
static void duo_check_served(struct duo *d)
{
	void *bufs[4];
	struct iobuf_stats st;

	assert_true(mt_wait_served(d->req, 4));
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(mt_req_served(&d->req[i]), 1);
		assert_non_null(d->req[i].buf);
		bufs[i] = d->req[i].buf;
	}
	test_assert_distinct(bufs, 4);
	assert_int_equal(mt_log_count(&d->log[IOBUF_CLASS_SMALL]), 3);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(d->log[IOBUF_CLASS_SMALL].seq[i], i);
	assert_int_equal(mt_log_count(&d->log[IOBUF_CLASS_LARGE]), 1);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].waiting, 0);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].waiting, 0);
}

/* Stop polling, B returns what it was served, both close, threads exit. */
static void duo_end(struct duo *d)
{
	void *bufs[4];

	/* A may have exited already. */
	if (d->a.started)
		mt_worker_set_poll(&d->a, false);
	mt_worker_set_poll(&d->b, false);
	for (uint32_t i = 0; i < 4; i++)
		bufs[i] = d->req[i].buf;
	mt_put(&d->b, d->chb, bufs, 4);
	mt_close(&d->b, d->chb);
	if (d->cha != NULL)
		mt_close(&d->a, d->cha);
	mt_worker_stop(&d->a);
	mt_worker_stop(&d->b);
	free(d);
}

static void waiter_is_served_from_buffers_idle_in_another_threads_cache(
	void **state)
{
	/* A's caches hold the whole pools. */
	struct duo *d = duo_start(NSMALL, NLARGE);
	struct iobuf_stats st;

	(void)state;
	duo_a_takes_all(d);
	duo_a_returns_all(d);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].cached, NSMALL);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].cached, NLARGE);

	duo_b_waits(d);
	mt_worker_set_poll(&d->b, true);
	/* A does nothing but idle in its event loop. */
	mt_worker_set_poll(&d->a, true);
	duo_check_served(d);
	duo_end(d);
}

static void waiter_is_served_from_ring_when_other_thread_caches_nothing(
	void **state)
{
	struct duo *d = duo_start(0, 0);

	(void)state;
	duo_a_takes_all(d);
	duo_b_waits(d);
	mt_worker_set_poll(&d->b, true);
	/* A never polls: its puts alone must reach B. */
	duo_a_returns_all(d);
	duo_check_served(d);
	duo_end(d);
}

static void put_on_other_thread_while_b_waits_goes_to_ring(void **state)
{
	struct duo *d = duo_start(16, 2);

	(void)state;
	duo_a_takes_all(d);
	duo_b_waits(d);
	mt_worker_set_poll(&d->b, true);
	/* A has a cache but never polls: a put under pressure skips it. */
	duo_a_returns_all(d);
	duo_check_served(d);
	duo_end(d);
}

static void waiter_is_served_when_other_thread_closes_its_channel(
	void **state)
{
	struct duo *d = duo_start(NSMALL, NLARGE);

	(void)state;
	duo_b_waits(d);
	mt_worker_set_poll(&d->b, true);
	/* A never gets, puts nor polls: it closes its channel and exits. */
	mt_close(&d->a, d->cha);
	d->cha = NULL;
	mt_worker_stop(&d->a);
	duo_check_served(d);
	duo_end(d);
}

/* ---- several waiting threads -------------------------------------------- */

#define NWAITERS 3
#define ROUNDS 4
#define SMALL_PER_ROUND 5
#define LARGE_PER_ROUND 1
#define SMALL_PER_WAITER (ROUNDS * SMALL_PER_ROUND)
#define LARGE_PER_WAITER (ROUNDS * LARGE_PER_ROUND)
#define REQS_PER_WAITER (SMALL_PER_WAITER + LARGE_PER_WAITER)

struct waiter {
	struct mt_worker w;
	struct iobuf_channel *ch[2];  /* two modules share the thread's queue */
	struct mt_log log[IOBUF_CLASS_COUNT];
	struct mt_req req[REQS_PER_WAITER];
};

static void waiters_on_several_threads_are_each_served_once_in_fifo_order(
	void **state)
{
	struct waiter *wt = calloc(NWAITERS, sizeof(*wt));
	void *small[NSMALL], *large[NLARGE];
	void *all[NWAITERS * REQS_PER_WAITER];
	uint32_t small_back = 0, large_back = 0, nall = 0;
	struct mt_worker a;
	struct iobuf_channel *cha;

	(void)state;
	assert_non_null(wt);
	assert_int_equal(iobuf_register_module("src"), 0);
	assert_int_equal(iobuf_register_module("w1"), 0);
	assert_int_equal(iobuf_register_module("w2"), 0);
	mt_worker_start(&a);
	cha = mt_open(&a, "src", 8, 1);
	assert_int_equal(mt_drain(&a, cha, TEST_SMALL_SIZE, small, NSMALL),
			 NSMALL);
	assert_int_equal(mt_drain(&a, cha, TEST_LARGE_SIZE, large, NLARGE),
			 NLARGE);
	/* A serves its cache to waiters elsewhere only when it polls. */
	mt_worker_set_poll(&a, true);

	for (int t = 0; t < NWAITERS; t++) {
		mt_worker_start(&wt[t].w);
		/* No cache, so every get competes in the thread's queue. */
		wt[t].ch[0] = mt_open(&wt[t].w, "w1", 0, 0);
		wt[t].ch[1] = mt_open(&wt[t].w, "w2", 0, 0);
		mt_worker_set_poll(&wt[t].w, true);
	}

	for (int r = 0; r < ROUNDS; r++) {
		for (int t = 0; t < NWAITERS; t++) {
			struct waiter *x = &wt[t];
			struct mt_req *req = &x->req[r * (SMALL_PER_ROUND +
							  LARGE_PER_ROUND)];
			uint32_t k = 0;

			for (uint32_t i = 0; i < SMALL_PER_ROUND; i++, k++) {
				uint32_t seq = r * SMALL_PER_ROUND + i;

				mt_req_init(&req[k], x->ch[seq & 1],
					    &x->log[IOBUF_CLASS_SMALL],
					    TEST_SMALL_SIZE, seq);
			}
			for (uint32_t i = 0; i < LARGE_PER_ROUND; i++, k++) {
				uint32_t seq = r * LARGE_PER_ROUND + i;

				mt_req_init(&req[k], x->ch[(seq + 1) & 1],
					    &x->log[IOBUF_CLASS_LARGE],
					    TEST_LARGE_SIZE, seq);
			}
			mt_queue(&x->w, req, k);
		}
		/* Fewer buffers than waiters: some wait into the next round. */
		mt_put(&a, cha, &small[small_back], 11);
		small_back += 11;
		mt_put(&a, cha, &large[large_back], 2);
		large_back += 2;
	}
	mt_put(&a, cha, &small[small_back], NSMALL - small_back);
	mt_put(&a, cha, &large[large_back], NLARGE - large_back);

	test_ptrs_sort(small, NSMALL);
	test_ptrs_sort(large, NLARGE);
	for (int t = 0; t < NWAITERS; t++) {
		struct waiter *x = &wt[t];

		assert_true(mt_wait_served(x->req, REQS_PER_WAITER));
		for (uint32_t i = 0; i < REQS_PER_WAITER; i++) {
			struct mt_req *req = &x->req[i];

			assert_int_equal(mt_req_served(req), 1);
			if (req->len == TEST_SMALL_SIZE)
				assert_true(test_ptr_in_sorted(small, NSMALL,
							       req->buf));
			else
				assert_true(test_ptr_in_sorted(large, NLARGE,
							       req->buf));
			all[nall++] = req->buf;
		}
		/* FIFO per thread and class, across its two modules. */
		assert_int_equal(mt_log_count(&x->log[IOBUF_CLASS_SMALL]),
				 SMALL_PER_WAITER);
		for (uint32_t i = 0; i < SMALL_PER_WAITER; i++)
			assert_int_equal(x->log[IOBUF_CLASS_SMALL].seq[i], i);
		assert_int_equal(mt_log_count(&x->log[IOBUF_CLASS_LARGE]),
				 LARGE_PER_WAITER);
		for (uint32_t i = 0; i < LARGE_PER_WAITER; i++)
			assert_int_equal(x->log[IOBUF_CLASS_LARGE].seq[i], i);
	}
	test_assert_distinct(all, nall);

	mt_worker_set_poll(&a, false);
	mt_close(&a, cha);
	mt_worker_stop(&a);
	for (int t = 0; t < NWAITERS; t++) {
		struct waiter *x = &wt[t];
		void *bufs[REQS_PER_WAITER];

		mt_worker_set_poll(&x->w, false);
		/* Each buffer goes back through the module that took it. */
		for (int m = 0; m < 2; m++) {
			uint32_t n = 0;

			for (uint32_t i = 0; i < REQS_PER_WAITER; i++)
				if (x->req[i].ch == x->ch[m])
					bufs[n++] = x->req[i].buf;
			mt_put(&x->w, x->ch[m], bufs, n);
		}
		mt_close(&x->w, x->ch[0]);
		mt_close(&x->w, x->ch[1]);
		mt_worker_stop(&x->w);
	}
	free(wt);
}

/* ---- pressure ends ------------------------------------------------------ */

static void cache_fills_again_once_pressure_ends(void **state)
{
	struct duo *d = duo_start(16, 0);
	struct iobuf_module_stats before, after;
	struct iobuf_stats st;
	void *got[5];

	(void)state;
	/* No background polling: every step below happens when we say. */
	assert_int_equal(mt_drain(&d->a, d->cha, TEST_SMALL_SIZE, d->small,
				  NSMALL), NSMALL);
	mt_put(&d->a, d->cha, d->small, 20);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].cached, 20);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].free, 0);

	for (uint32_t i = 0; i < 2; i++)
		mt_req_init(&d->req[i], d->chb, &d->log[IOBUF_CLASS_SMALL],
			    TEST_SMALL_SIZE, i);
	mt_queue(&d->b, d->req, 2);
	assert_int_equal(d->req[0].err, ENOMEM);
	assert_int_equal(d->req[1].err, ENOMEM);

	/*
	 * Pressure: A's put sends the buffer and its idle cache to B's
	 * entries, in order, and the rest to the ring; B's entries still
	 * count as waiting until B calls them back.
	 */
	mt_put(&d->a, d->cha, &d->small[20], 1);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].cached, 0);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].free, 19);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].waiting, 2);

	/* Pressure: a get that must refill takes one buffer, not a batch. */
	test_module_stats("a", &before);
	assert_int_equal(mt_drain(&d->a, d->cha, TEST_SMALL_SIZE, got, 1), 1);
	test_module_stats("a", &after);
	assert_int_equal(after.cls[IOBUF_CLASS_SMALL].main,
			 before.cls[IOBUF_CLASS_SMALL].main + 1);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].cached, 0);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].free, 18);
	mt_put(&d->a, d->cha, got, 1);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].cached, 0);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].free, 19);

	assert_int_equal(mt_poll(&d->b), 2);
	assert_int_equal(mt_req_served(&d->req[0]), 1);
	assert_int_equal(mt_req_served(&d->req[1]), 1);
	assert_int_equal(d->log[IOBUF_CLASS_SMALL].seq[0], 0);
	assert_int_equal(d->log[IOBUF_CLASS_SMALL].seq[1], 1);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].waiting, 0);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].free, 19);

	/* Nobody waits any more: A's puts are cached again... */
	mt_put(&d->a, d->cha, &d->small[21], 10);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].cached, 10);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].free, 19);

	/* ...and A's gets hit its cache again. */
	test_module_stats("a", &before);
	assert_int_equal(mt_drain(&d->a, d->cha, TEST_SMALL_SIZE, got, 5), 5);
	test_module_stats("a", &after);
	assert_int_equal(after.cls[IOBUF_CLASS_SMALL].cache,
			 before.cls[IOBUF_CLASS_SMALL].cache + 5);
	assert_int_equal(after.cls[IOBUF_CLASS_SMALL].main,
			 before.cls[IOBUF_CLASS_SMALL].main);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].cached, 5);

	mt_put(&d->a, d->cha, got, 5);
	mt_put(&d->a, d->cha, &d->small[31], NSMALL - 31);
	mt_put(&d->b, d->chb, (void *[]){ d->req[0].buf, d->req[1].buf }, 2);
	mt_close(&d->b, d->chb);
	mt_close(&d->a, d->cha);
	mt_worker_stop(&d->a);
	mt_worker_stop(&d->b);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			waiter_is_served_from_buffers_idle_in_another_threads_cache,
			test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(
			waiter_is_served_from_ring_when_other_thread_caches_nothing,
			test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(
			put_on_other_thread_while_b_waits_goes_to_ring,
			test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(
			waiter_is_served_when_other_thread_closes_its_channel,
			test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(
			waiters_on_several_threads_are_each_served_once_in_fifo_order,
			test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(
			cache_fills_again_once_pressure_ends,
			test_setup, test_teardown),
	};

	return cmocka_run_group_tests_name("mt_waiters", tests,
					   test_group_setup, test_group_teardown);
}
