/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Multi-buffer requests, all or nothing (iobuf_get_multi, SPEC §4c): served
 * at once from the cache and the ring; refused without a trace on bad
 * input; FIFO with single gets of the class and no barging; a gathering
 * entry collects returned buffers from puts, from another channel's idle
 * cache and from the ring, and is called back once, on its own thread,
 * with the caller's array; abort gives back everything gathered or handed;
 * iobuf_for_each_entry sees multi entries; several channels of one module
 * on one thread. Tests that need a second thread drive a worker from
 * test/mt/mt_util.h; every assertion runs on the main thread.
 */

#include <errno.h>
#include <string.h>

#include "mt_util.h"
#include "test_bufs.h"
#include "test_held.h"
#include "test_snapshot.h"

#define SMALL 1
#define LARGE TEST_LARGE_SIZE
#define NSMALL TEST_SMALL_COUNT
#define NLARGE TEST_LARGE_COUNT
#define S IOBUF_CLASS_SMALL
#define L IOBUF_CLASS_LARGE

static int multi_setup(void **state)
{
	test_held_reset();
	return test_setup(state);
}

/* A multi-buffer request with its entry; ids share test_served_order. */
struct mreq {
	struct iobuf_entry entry;
	int id;
	struct iobuf_channel *ch;
	uint64_t len;
	uint32_t n;
	void *bufs[NSMALL];
	int called;
	void **cb_bufs;
	uint32_t cb_n;
};

static void mreq_cb(struct iobuf_entry *entry, void **bufs, uint32_t n)
{
	struct mreq *r = TEST_CONTAINER_OF(entry, struct mreq, entry);

	if (test_served_count < (int)(sizeof(test_served_order) /
				      sizeof(test_served_order[0])))
		test_served_order[test_served_count] = r->id;
	test_served_count++;
	r->called++;
	r->cb_bufs = bufs;
	r->cb_n = n;
}

static void mreq_init(struct mreq *r, int id, struct iobuf_channel *ch,
		      uint64_t len, uint32_t n)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->ch = ch;
	r->len = len;
	r->n = n;
}

/* Queue r: asserts iobuf_get_multi() returned -ENOMEM. */
static void mreq_queue(struct mreq *r)
{
	assert_int_equal(iobuf_get_multi(r->ch, r->len, r->bufs, r->n,
					 &r->entry, mreq_cb), -ENOMEM);
	assert_int_equal(r->called, 0);
}

/* r was called back once with its own array of n distinct buffers. */
static void mreq_assert_served(const struct mreq *r)
{
	assert_int_equal(r->called, 1);
	assert_ptr_equal(r->cb_bufs, r->bufs);
	assert_int_equal(r->cb_n, r->n);
	test_assert_distinct(r->bufs, r->n);
	for (uint32_t i = 0; i < r->n; i++)
		assert_true(iobuf_iova(r->bufs[i]) != UINT64_MAX);
}

static void mreq_put_back(struct mreq *r)
{
	assert_int_equal(iobuf_put_bulk(r->ch, r->bufs, r->n), 0);
}

static void assert_served(const int *ids, int n)
{
	assert_int_equal(test_served_count, n);
	for (int i = 0; i < n; i++)
		assert_int_equal(test_served_order[i], ids[i]);
}

/* The pool's and the module's gathered count of class c are both want. */
static void assert_gathered(const char *name, int c, uint64_t want)
{
	assert_int_equal(test_pool_now().gathered[c], want);
	assert_int_equal(test_module_now(name).gathered[c], want);
}

/* ---- served at once ------------------------------------------------------ */

static void multi_is_served_at_once_from_cache_and_ring(void **state)
{
	struct iobuf_module_stats m0, m;
	struct iobuf_channel *a;
	struct iobuf_stats st;
	struct mreq r, whole;

	(void)state;
	a = test_channel("mu_a", 8, 2);
	m0 = test_module_now("mu_a");
	mreq_init(&r, 1, a, SMALL, 12);
	assert_int_equal(iobuf_get_multi(a, SMALL, r.bufs, 12, &r.entry,
					 mreq_cb), 0);
	/* Served at once: no callback. */
	assert_int_equal(r.called, 0);
	test_assert_distinct(r.bufs, 12);
	test_assert_disjoint(r.bufs, 12, TEST_SMALL_SIZE);
	m = test_module_now("mu_a");
	/* Counted per buffer, as iobuf_get_bulk counts: 8 cached, 4 ring. */
	assert_int_equal(m.cls[S].cache - m0.cls[S].cache, 8);
	assert_int_equal(m.cls[S].main - m0.cls[S].main, 4);
	assert_int_equal(m.cls[S].retry, 0);
	assert_int_equal(m.cls[S].out, 12);
	assert_int_equal(m.cls[S].waiting, 0);
	assert_int_equal(m.gathered[S], 0);
	st = test_pool_now();
	assert_int_equal(st.pool[S].cached, 0);
	assert_int_equal(st.pool[S].free, NSMALL - 12);
	assert_int_equal(st.pool[S].out, 12);
	assert_int_equal(st.gathered[S], 0);
	test_assert_conservation();

	/* The whole large pool in one request, without an entry. */
	mreq_init(&whole, 2, a, LARGE, NLARGE);
	assert_int_equal(iobuf_get_multi(a, LARGE, whole.bufs, NLARGE, NULL,
					 NULL), 0);
	test_assert_disjoint(whole.bufs, NLARGE, TEST_LARGE_SIZE);
	st = test_pool_now();
	assert_int_equal(st.pool[L].free, 0);
	assert_int_equal(st.pool[L].cached, 0);
	assert_int_equal(st.pool[L].out, NLARGE);
	m = test_module_now("mu_a");
	assert_int_equal(m.cls[L].cache - m0.cls[L].cache, 2);
	assert_int_equal(m.cls[L].main - m0.cls[L].main, NLARGE - 2);
	test_assert_conservation();

	mreq_put_back(&r);
	mreq_put_back(&whole);
	assert_int_equal(test_served_count, 0);
	iobuf_channel_fini(a);
}

/* ---- bad input ----------------------------------------------------------- */

static void multi_rejects_bad_arguments_and_changes_nothing(void **state)
{
	struct iobuf_module_opts lim = {
		.opts_size = sizeof(lim),
		.limit = { 4, 0 },
	};
	struct iobuf_channel *a, *l;
	struct test_snapshot s;
	struct test_req w;
	struct mreq wm, r;

	(void)state;
	a = test_channel("mu_a", 4, 1);
	assert_int_equal(iobuf_register_module_ext("mu_lim", &lim), 0);
	assert_int_equal(iobuf_channel_init(&l, "mu_lim", 0, 0), 0);
	/* Two large entries wait: one single, one multi. */
	test_held_drain(a, LARGE, NLARGE);
	test_req_init(&w, 1, a, LARGE);
	test_req_queue(&w);
	mreq_init(&wm, 2, a, LARGE, 2);
	mreq_queue(&wm);
	mreq_init(&r, 3, a, SMALL, 2);

	test_snapshot_take(&s);
	assert_int_equal(iobuf_get_multi(NULL, SMALL, r.bufs, 1, NULL, NULL),
			 -EINVAL);
	assert_int_equal(iobuf_get_multi(NULL, SMALL, r.bufs, 1, &r.entry,
					 mreq_cb), -EINVAL);
	test_snapshot_assert_unchanged(&s);
	assert_int_equal(iobuf_get_multi(a, SMALL, NULL, 1, NULL, NULL),
			 -EINVAL);
	assert_int_equal(iobuf_get_multi(a, LARGE, NULL, 1, &r.entry, mreq_cb),
			 -EINVAL);
	test_snapshot_assert_unchanged(&s);
	assert_int_equal(iobuf_get_multi(a, SMALL, r.bufs, 0, NULL, NULL),
			 -EINVAL);
	assert_int_equal(iobuf_get_multi(a, LARGE, r.bufs, 0, &r.entry,
					 mreq_cb), -EINVAL);
	test_snapshot_assert_unchanged(&s);
	assert_int_equal(iobuf_get_multi(a, SMALL, r.bufs, NSMALL + 1, NULL,
					 NULL), -EINVAL);
	assert_int_equal(iobuf_get_multi(a, SMALL, r.bufs, NSMALL + 1,
					 &r.entry, mreq_cb), -EINVAL);
	assert_int_equal(iobuf_get_multi(a, LARGE, r.bufs, NLARGE + 1,
					 &r.entry, mreq_cb), -EINVAL);
	assert_int_equal(iobuf_get_multi(a, LARGE, r.bufs, UINT32_MAX,
					 &r.entry, mreq_cb), -EINVAL);
	test_snapshot_assert_unchanged(&s);
	/* Above the module's limit: could never complete. */
	assert_int_equal(iobuf_get_multi(l, SMALL, r.bufs, 5, NULL, NULL),
			 -EINVAL);
	assert_int_equal(iobuf_get_multi(l, SMALL, r.bufs, 5, &r.entry,
					 mreq_cb), -EINVAL);
	test_snapshot_assert_unchanged(&s);
	assert_int_equal(iobuf_get_multi(a, 0, r.bufs, 1, NULL, NULL),
			 -EINVAL);
	assert_int_equal(iobuf_get_multi(a, LARGE + 1, r.bufs, 1, &r.entry,
					 mreq_cb), -EINVAL);
	assert_int_equal(iobuf_get_multi(a, UINT64_MAX, r.bufs, 1, &r.entry,
					 mreq_cb), -EINVAL);
	test_snapshot_assert_unchanged(&s);
	/* An entry without a callback, whether or not it would queue. */
	assert_int_equal(iobuf_get_multi(a, SMALL, r.bufs, 2, &r.entry, NULL),
			 -EINVAL);
	assert_int_equal(iobuf_get_multi(a, LARGE, r.bufs, 2, &r.entry, NULL),
			 -EINVAL);
	test_snapshot_assert_unchanged(&s);
	/* Entries that wait already, single and multi, of either class. */
	assert_int_equal(iobuf_get_multi(a, LARGE, r.bufs, 1, &w.entry,
					 mreq_cb), -EINVAL);
	assert_int_equal(iobuf_get_multi(a, LARGE, r.bufs, 2, &wm.entry,
					 mreq_cb), -EINVAL);
	assert_int_equal(iobuf_get_multi(a, SMALL, r.bufs, 1, &w.entry,
					 mreq_cb), -EINVAL);
	assert_int_equal(iobuf_get_multi(a, SMALL, r.bufs, 1, &wm.entry,
					 mreq_cb), -EINVAL);
	test_snapshot_assert_unchanged(&s);
	assert_int_equal(r.called + wm.called + w.served, 0);

	/* Both still wait and are served in order. */
	test_held_put_one(a);
	assert_int_equal(w.served, 1);
	test_held_put_one(a);
	test_held_put_one(a);
	mreq_assert_served(&wm);
	iobuf_put(a, w.buf, 1);
	mreq_put_back(&wm);
	test_held_return(a, 0);
	iobuf_channel_fini(l);
	iobuf_channel_fini(a);
}

static void multi_without_entry_fails_with_enomem_and_changes_nothing(
	void **state)
{
	struct iobuf_channel *a, *b;
	struct test_snapshot s;
	struct mreq r;

	(void)state;
	a = test_channel("mu_a", 4, 0);
	b = test_channel("mu_b", 0, 0);
	/* a's cache holds 4, the ring 3: 7 can be had, 8 cannot. */
	test_held_take(b, SMALL, NSMALL - 4 - 3);
	test_held_drain(b, LARGE, NLARGE);
	mreq_init(&r, 1, a, SMALL, 8);

	test_snapshot_take(&s);
	assert_int_equal(iobuf_get_multi(a, SMALL, r.bufs, 8, NULL, NULL),
			 -ENOMEM);
	test_snapshot_assert_unchanged(&s);
	assert_int_equal(iobuf_get_multi(b, SMALL, r.bufs, 4, NULL, NULL),
			 -ENOMEM);
	test_snapshot_assert_unchanged(&s);
	assert_int_equal(iobuf_get_multi(a, LARGE, r.bufs, 1, NULL, NULL),
			 -ENOMEM);
	test_snapshot_assert_unchanged(&s);

	/* 7 can. */
	assert_int_equal(iobuf_get_multi(a, SMALL, r.bufs, 7, NULL, NULL), 0);
	test_assert_distinct(r.bufs, 7);
	assert_int_equal(test_pool_now().pool[S].free, 0);
	assert_int_equal(test_pool_now().pool[S].cached, 0);
	assert_int_equal(iobuf_put_bulk(a, r.bufs, 7), 0);
	test_held_return(b, 0);
	iobuf_channel_fini(a);
	iobuf_channel_fini(b);
}

/* ---- order on one thread ------------------------------------------------- */

static void single_queued_before_a_multi_is_served_first(void **state)
{
	struct iobuf_channel *a;
	struct test_req r1;
	struct mreq m2;
	const int order[] = { 1, 2 };
	void *given[3];

	(void)state;
	a = test_channel("mu_a", 0, 0);
	test_held_drain(a, SMALL, NSMALL);
	test_req_init(&r1, 1, a, SMALL);
	test_req_queue(&r1);
	mreq_init(&m2, 2, a, SMALL, 3);
	mreq_queue(&m2);
	assert_int_equal(test_pool_now().pool[S].waiting, 2);

	given[0] = test_held_put_one(a);
	assert_int_equal(r1.served, 1);
	assert_ptr_equal(r1.buf, given[0]);
	assert_int_equal(m2.called, 0);
	assert_gathered("mu_a", S, 0);

	given[0] = test_held_put_one(a);
	assert_gathered("mu_a", S, 1);
	assert_int_equal(test_pool_now().pool[S].free, 0);
	test_assert_conservation();
	given[1] = test_held_put_one(a);
	assert_gathered("mu_a", S, 2);
	assert_int_equal(m2.called, 0);
	given[2] = test_held_put_one(a);
	mreq_assert_served(&m2);
	test_assert_all_among(m2.bufs, 3, given, 3);
	assert_gathered("mu_a", S, 0);
	assert_int_equal(test_pool_now().pool[S].waiting, 0);
	assert_served(order, 2);
	test_assert_conservation();

	iobuf_put(a, r1.buf, 1);
	mreq_put_back(&m2);
	test_held_return(a, 0);
	iobuf_channel_fini(a);
}

static void single_queued_behind_a_gathering_multi_waits_for_it(void **state)
{
	struct iobuf_channel *a;
	struct test_req r2;
	struct mreq m1, m3, none;
	const int order[] = { 1, 2, 3 };
	void *extra;

	(void)state;
	a = test_channel("mu_a", 0, 0);
	test_held_drain(a, SMALL, NSMALL);
	mreq_init(&m1, 1, a, SMALL, 3);
	mreq_queue(&m1);
	test_held_put_one(a);
	assert_gathered("mu_a", S, 1);

	/* No barging past the gathering entry, with or without an entry. */
	test_req_init(&r2, 2, a, SMALL);
	test_req_queue(&r2);
	errno = 0;
	assert_null(iobuf_get(a, SMALL, NULL, NULL));
	assert_int_equal(errno, ENOMEM);
	mreq_init(&none, 9, a, SMALL, 1);
	assert_int_equal(iobuf_get_multi(a, SMALL, none.bufs, 1, NULL, NULL),
			 -ENOMEM);
	mreq_init(&m3, 3, a, SMALL, 2);
	mreq_queue(&m3);
	assert_int_equal(test_pool_now().pool[S].waiting, 3);

	test_held_put_one(a);
	assert_int_equal(r2.served, 0);
	assert_gathered("mu_a", S, 2);
	test_held_put_one(a);
	mreq_assert_served(&m1);
	assert_int_equal(r2.served, 0);
	assert_int_equal(m3.called, 0);
	extra = test_held_put_one(a);
	assert_int_equal(r2.served, 1);
	assert_ptr_equal(r2.buf, extra);
	assert_gathered("mu_a", S, 0);
	test_held_put_one(a);
	assert_gathered("mu_a", S, 1);
	test_held_put_one(a);
	mreq_assert_served(&m3);
	assert_served(order, 3);
	assert_int_equal(test_pool_now().pool[S].waiting, 0);
	test_assert_conservation();

	mreq_put_back(&m1);
	mreq_put_back(&m3);
	iobuf_put(a, r2.buf, 1);
	test_held_return(a, 0);
	iobuf_channel_fini(a);
}

static void multis_are_served_in_the_order_they_queued(void **state)
{
	struct iobuf_channel *a, *b;
	struct mreq m[4];
	const int order[] = { 0, 1, 2, 3 };

	(void)state;
	a = test_channel("mu_a", 0, 0);
	b = test_channel("mu_b", 0, 0);
	test_held_drain(a, LARGE, NLARGE);
	/* Two modules, sizes mixed: a small one behind a big one waits. */
	mreq_init(&m[0], 0, a, LARGE, 4);
	mreq_init(&m[1], 1, b, LARGE, 1);
	mreq_init(&m[2], 2, a, LARGE, NLARGE);
	mreq_init(&m[3], 3, b, LARGE, 2);
	for (int i = 0; i < 4; i++)
		mreq_queue(&m[i]);
	for (int i = 0; i < 4; i++) {
		test_held_put_one(i % 2 ? a : b);
		assert_int_equal(m[1].called, 0);
	}
	mreq_assert_served(&m[0]);
	test_held_put_one(a);
	mreq_assert_served(&m[1]);
	/* m[2] wants the whole pool: m[3] waits until m[2] is served. */
	test_held_return(b, 0);
	assert_int_equal(m[2].called, 0);
	mreq_put_back(&m[0]);
	assert_int_equal(m[2].called, 0);
	assert_gathered("mu_a", L, NLARGE - 1);
	assert_int_equal(m[3].called, 0);
	mreq_put_back(&m[1]);
	mreq_assert_served(&m[2]);
	assert_int_equal(m[3].called, 0);
	assert_gathered("mu_a", L, 0);
	mreq_put_back(&m[2]);
	mreq_assert_served(&m[3]);
	assert_served(order, 4);
	test_assert_conservation();
	mreq_put_back(&m[3]);
	assert_int_equal(test_pool_now().pool[L].free, NLARGE);
	iobuf_channel_fini(a);
	iobuf_channel_fini(b);
}

static void small_multi_waiting_does_not_hold_back_large_gets(void **state)
{
	struct iobuf_channel *a;
	struct mreq m, big;

	(void)state;
	a = test_channel("mu_a", 0, 0);
	test_held_drain(a, SMALL, NSMALL);
	mreq_init(&m, 1, a, SMALL, 2);
	mreq_queue(&m);
	mreq_init(&big, 2, a, LARGE, NLARGE);
	assert_int_equal(iobuf_get_multi(a, LARGE, big.bufs, NLARGE, NULL,
					 NULL), 0);
	mreq_put_back(&big);
	assert_int_equal(m.called, 0);
	assert_int_equal(test_pool_now().pool[L].free, NLARGE);
	test_held_put_one(a);
	test_held_put_one(a);
	mreq_assert_served(&m);
	mreq_put_back(&m);
	test_held_return(a, 0);
	iobuf_channel_fini(a);
}

/* m1's callback queues m1 again, into a second array, once. */
static void *second[4];
static struct mreq *again;

static void queue_again_cb(struct iobuf_entry *entry, void **bufs, uint32_t n)
{
	mreq_cb(entry, bufs, n);
	if (again != NULL) {
		struct mreq *r = again;

		again = NULL;
		memcpy(second, bufs, n * sizeof(*bufs));
		assert_int_equal(iobuf_get_multi(r->ch, r->len, r->bufs, r->n,
						 &r->entry, mreq_cb), -ENOMEM);
	}
}

static void multi_queued_again_from_its_callback_keeps_its_place(void **state)
{
	struct iobuf_channel *a;
	struct test_req r2;
	struct mreq m1;
	const int order[] = { 1, 1, 2 };

	(void)state;
	a = test_channel("mu_a", 0, 0);
	test_held_drain(a, SMALL, NSMALL);
	mreq_init(&m1, 1, a, SMALL, 2);
	assert_int_equal(iobuf_get_multi(a, SMALL, m1.bufs, 2, &m1.entry,
					 queue_again_cb), -ENOMEM);
	test_req_init(&r2, 2, a, SMALL);
	test_req_queue(&r2);
	again = &m1;
	test_held_put_one(a);
	test_held_put_one(a);
	assert_int_equal(m1.called, 1);
	assert_null(again);
	/* Queued again at the head: the next two puts are m1's, not r2's. */
	test_held_put_one(a);
	assert_int_equal(r2.served, 0);
	assert_gathered("mu_a", S, 1);
	test_held_put_one(a);
	assert_int_equal(m1.called, 2);
	assert_int_equal(r2.served, 0);
	test_held_put_one(a);
	assert_served(order, 3);
	test_assert_conservation();

	assert_int_equal(iobuf_put_bulk(a, second, 2), 0);
	mreq_put_back(&m1);
	iobuf_put(a, r2.buf, 1);
	test_held_return(a, 0);
	iobuf_channel_fini(a);
}

/* ---- where a gathering entry gathers from ------------------------------- */

static void multi_gathers_another_channels_idle_cache_at_its_put(void **state)
{
	struct iobuf_channel *a, *c;
	struct iobuf_stats st;
	struct mreq m;
	void *first;

	(void)state;
	c = test_channel("mu_cache", 8, 0);
	a = test_channel("mu_a", 0, 0);
	test_held_drain(a, SMALL, NSMALL - 8);
	mreq_init(&m, 1, a, SMALL, 10);
	assert_int_equal(test_pool_now().pool[S].cached, 8);
	mreq_queue(&m);

	/* The put buffer and c's eight idle ones all go to the entry. */
	first = test_held_put_one(c);
	st = test_pool_now();
	assert_int_equal(st.pool[S].cached, 0);
	assert_int_equal(st.pool[S].free, 0);
	assert_int_equal(st.gathered[S], 9);
	assert_int_equal(test_module_now("mu_a").gathered[S], 9);
	assert_int_equal(m.called, 0);
	test_assert_conservation();
	test_held_put_one(a);
	mreq_assert_served(&m);
	test_assert_disjoint(m.bufs, 10, TEST_SMALL_SIZE);
	test_assert_all_among(&first, 1, m.bufs, 10);
	assert_gathered("mu_a", S, 0);
	test_assert_conservation();

	mreq_put_back(&m);
	test_held_return(a, 0);
	iobuf_channel_fini(a);
	iobuf_channel_fini(c);
}

static void multi_gathers_another_channels_idle_cache_at_a_poll(void **state)
{
	struct iobuf_channel *a, *c;
	struct mreq m;

	(void)state;
	c = test_channel("mu_cache", 8, 0);
	a = test_channel("mu_a", 0, 0);
	test_held_drain(a, SMALL, NSMALL - 8);
	mreq_init(&m, 1, a, SMALL, 10);
	mreq_queue(&m);

	assert_int_equal(iobuf_thread_poll(), 0);
	assert_int_equal(test_pool_now().pool[S].cached, 0);
	assert_gathered("mu_a", S, 8);
	test_assert_conservation();
	test_held_put_one(a);
	assert_int_equal(m.called, 0);
	test_held_put_one(a);
	mreq_assert_served(&m);

	mreq_put_back(&m);
	test_held_return(a, 0);
	iobuf_channel_fini(a);
	iobuf_channel_fini(c);
}

static void multi_gathers_what_the_ring_holds_by_a_poll(void **state)
{
	struct iobuf_channel *a;
	struct mreq m;

	(void)state;
	a = test_channel("mu_a", 0, 0);
	test_held_drain(a, SMALL, NSMALL);
	test_held_return(a, NSMALL - 3);
	assert_int_equal(test_pool_now().pool[S].free, 3);
	mreq_init(&m, 1, a, SMALL, 5);
	mreq_queue(&m);
	/* The ring's three go to the entry, at its queueing or this poll. */
	assert_int_equal(iobuf_thread_poll(), 0);
	assert_int_equal(test_pool_now().pool[S].free, 0);
	assert_gathered("mu_a", S, 3);
	test_assert_conservation();
	test_held_put_one(a);
	test_held_put_one(a);
	mreq_assert_served(&m);
	assert_int_equal(iobuf_thread_poll(), 0);
	assert_int_equal(m.called, 1);

	mreq_put_back(&m);
	test_held_return(a, 0);
	iobuf_channel_fini(a);
}

static void whole_pool_request_completes_once_every_buffer_returns(
	void **state)
{
	struct iobuf_channel *a;
	struct mreq m;

	(void)state;
	a = test_channel("mu_a", 0, 0);
	test_held_drain(a, LARGE, NLARGE);
	mreq_init(&m, 1, a, LARGE, NLARGE);
	mreq_queue(&m);
	for (uint32_t i = 1; i < NLARGE; i++) {
		test_held_put_one(a);
		assert_gathered("mu_a", L, i);
		assert_int_equal(m.called, 0);
	}
	test_held_put_one(a);
	mreq_assert_served(&m);
	test_assert_disjoint(m.bufs, NLARGE, TEST_LARGE_SIZE);
	mreq_put_back(&m);
	iobuf_channel_fini(a);
}

/* ---- handed by another thread ------------------------------------------- */

/* The main thread waits; worker b holds the pool and returns it. */
struct duo {
	struct mt_worker b;
	struct iobuf_channel *a;
	struct iobuf_channel *chb;
	void *large[NLARGE];
};

static void duo_start(struct duo *d)
{
	memset(d, 0, sizeof(*d));
	d->a = test_channel("mu_a", 0, 0);
	assert_int_equal(iobuf_register_module("mu_b"), 0);
	mt_worker_start(&d->b);
	d->chb = mt_open(&d->b, "mu_b", 0, 0);
	assert_int_equal(mt_drain(&d->b, d->chb, LARGE, d->large, NLARGE),
			 NLARGE);
}

static void duo_end(struct duo *d, uint32_t still_held_from)
{
	mt_put(&d->b, d->chb, d->large + still_held_from,
	       NLARGE - still_held_from);
	mt_close(&d->b, d->chb);
	mt_worker_stop(&d->b);
	iobuf_channel_fini(d->a);
}

static void multi_handed_by_another_thread_is_called_back_at_its_poll(
	void **state)
{
	struct test_snapshot s;
	struct duo d;
	struct mreq m;
	void *other[1];

	(void)state;
	duo_start(&d);
	mreq_init(&m, 1, d.a, LARGE, 4);
	mreq_queue(&m);
	mt_put(&d.b, d.chb, d.large, 3);
	assert_gathered("mu_a", L, 3);
	assert_int_equal(m.called, 0);
	mt_put(&d.b, d.chb, d.large + 3, 1);
	/* b's put runs no callback of ours: it waits for our poll. */
	assert_int_equal(m.called, 0);
	assert_int_equal(test_module_now("mu_a").cls[L].waiting, 1);
	assert_int_equal(test_pool_now().pool[L].free, 0);
	test_assert_conservation();
	/* Until then it still waits: it cannot be queued again. */
	test_snapshot_take(&s);
	assert_int_equal(iobuf_get_multi(d.a, LARGE, other, 1, &m.entry,
					 mreq_cb), -EINVAL);
	errno = 0;
	assert_null(iobuf_get(d.a, LARGE, &m.entry, test_req_cb));
	assert_int_equal(errno, EINVAL);
	test_snapshot_assert_unchanged(&s);
	assert_int_equal(m.called, 0);

	assert_int_equal(iobuf_thread_poll(), 1);
	mreq_assert_served(&m);
	test_assert_all_among(m.bufs, 4, d.large, 4);
	assert_int_equal(test_module_now("mu_a").cls[L].waiting, 0);
	assert_int_equal(test_module_now("mu_a").cls[L].out, 4);
	assert_int_equal(iobuf_thread_poll(), 0);
	assert_int_equal(m.called, 1);
	test_assert_conservation();

	mreq_put_back(&m);
	duo_end(&d, 4);
}

/*
 * An entry waits until its callback starts (iobuf_entry_abort), so the
 * buffers handed to it count as gathered for a waiting entry until then.
 */
static void handed_multi_counts_as_gathered_until_called_back(void **state)
{
	struct iobuf_module_stats mod;
	struct iobuf_stats st;
	struct duo d;
	struct mreq m;
	int called;

	(void)state;
	duo_start(&d);
	mreq_init(&m, 1, d.a, LARGE, 4);
	mreq_queue(&m);
	mt_put(&d.b, d.chb, d.large, 4);
	called = m.called;
	st = test_pool_now();
	mod = test_module_now("mu_a");
	test_assert_conservation();
	/* Record, clean up, then judge: a failure must not strand b. */
	assert_int_equal(iobuf_thread_poll(), 1);
	mreq_assert_served(&m);
	assert_gathered("mu_a", L, 0);
	mreq_put_back(&m);
	duo_end(&d, 4);

	assert_int_equal(called, 0);
	assert_int_equal(st.pool[L].waiting, 1);
	assert_int_equal(mod.cls[L].waiting, 1);
	assert_int_equal(st.gathered[L], 4);
	assert_int_equal(mod.gathered[L], 4);
}

/* ---- abort --------------------------------------------------------------- */

static void abort_of_a_partly_gathered_multi_returns_every_buffer(void **state)
{
	struct iobuf_module_stats mod;
	struct iobuf_channel *a, *b;
	struct test_snapshot s;
	struct iobuf_stats st;
	struct mreq m;

	(void)state;
	a = test_channel("mu_a", 0, 0);
	b = test_channel("mu_b", 0, 0);
	test_held_drain(a, SMALL, NSMALL);
	mreq_init(&m, 1, a, SMALL, 5);
	mreq_queue(&m);
	for (int i = 0; i < 3; i++)
		test_held_put_one(a);
	assert_gathered("mu_a", S, 3);
	st = test_pool_now();
	assert_int_equal(st.pool[S].free, 0);
	assert_int_equal(st.pool[S].out, NSMALL);
	test_assert_conservation();

	/* Through another module's channel: not its entry, a no-op. */
	test_snapshot_take(&s);
	iobuf_entry_abort(b, &m.entry, SMALL);
	test_snapshot_assert_unchanged(&s);

	iobuf_entry_abort(a, &m.entry, SMALL);
	assert_int_equal(m.called, 0);
	assert_gathered("mu_a", S, 0);
	st = test_pool_now();
	assert_int_equal(st.pool[S].free, 3);
	assert_int_equal(st.pool[S].out, NSMALL - 3);
	assert_int_equal(st.pool[S].waiting, 0);
	mod = test_module_now("mu_a");
	assert_int_equal(mod.cls[S].out, NSMALL - 3);
	assert_int_equal(mod.cls[S].waiting, 0);
	test_assert_conservation();

	/* Aborted means gone: no callback later, a second abort is a no-op. */
	test_snapshot_take(&s);
	iobuf_entry_abort(a, &m.entry, SMALL);
	assert_int_equal(iobuf_thread_poll(), 0);
	test_snapshot_assert_unchanged(&s);
	test_held_return(a, 0);
	assert_int_equal(m.called, 0);
	assert_int_equal(test_pool_now().pool[S].free, NSMALL);
	iobuf_channel_fini(a);
	iobuf_channel_fini(b);
}

static void abort_hands_the_gathered_buffers_to_the_next_entries(void **state)
{
	struct iobuf_channel *a;
	struct test_req r3;
	struct mreq m1, m2;
	const int order[] = { 2, 3 };

	(void)state;
	a = test_channel("mu_a", 0, 0);
	test_held_drain(a, SMALL, NSMALL);
	mreq_init(&m1, 1, a, SMALL, 5);
	mreq_queue(&m1);
	mreq_init(&m2, 2, a, SMALL, 2);
	mreq_queue(&m2);
	test_req_init(&r3, 3, a, SMALL);
	test_req_queue(&r3);
	for (int i = 0; i < 3; i++)
		test_held_put_one(a);
	assert_gathered("mu_a", S, 3);

	/* Two of m1's three complete m2, the third serves r3. */
	iobuf_entry_abort(a, &m1.entry, SMALL);
	assert_int_equal(test_pool_now().pool[S].free, 0);
	test_assert_conservation();
	/* Callbacks run only in a put or a poll. */
	assert_int_equal(test_served_count, 0);
	assert_int_equal(iobuf_thread_poll(), 2);
	assert_served(order, 2);
	mreq_assert_served(&m2);
	assert_non_null(r3.buf);
	assert_int_equal(m1.called, 0);
	assert_int_equal(test_pool_now().pool[S].waiting, 0);
	assert_gathered("mu_a", S, 0);

	mreq_put_back(&m2);
	iobuf_put(a, r3.buf, 1);
	test_held_return(a, 0);
	assert_int_equal(test_pool_now().pool[S].free, NSMALL);
	iobuf_channel_fini(a);
}

static void abort_of_a_multi_handed_everything_returns_its_buffers(
	void **state)
{
	struct iobuf_module_stats mod;
	struct iobuf_stats st;
	struct duo d;
	struct mreq m;

	(void)state;
	duo_start(&d);
	mreq_init(&m, 1, d.a, LARGE, 4);
	mreq_queue(&m);
	mt_put(&d.b, d.chb, d.large, 4);
	assert_int_equal(m.called, 0);

	iobuf_entry_abort(d.a, &m.entry, LARGE);
	st = test_pool_now();
	assert_int_equal(st.pool[L].free, 4);
	assert_int_equal(st.pool[L].waiting, 0);
	assert_int_equal(st.gathered[L], 0);
	mod = test_module_now("mu_a");
	assert_int_equal(mod.cls[L].out, 0);
	assert_int_equal(mod.cls[L].waiting, 0);
	assert_int_equal(mod.gathered[L], 0);
	test_assert_conservation();
	assert_int_equal(iobuf_thread_poll(), 0);
	assert_int_equal(m.called, 0);
	duo_end(&d, 4);
	assert_int_equal(test_pool_now().pool[L].free, NLARGE);
}

/* ---- iobuf_for_each_entry ------------------------------------------------ */

/* Entries the visitor may meet, so it can name them. */
struct known {
	struct iobuf_entry *entry;
	int id;
	uint64_t len;
};

struct visit {
	const struct known *known;
	int nknown;
	int ids[16];
	int n;
	int abort_id;   /* abort the entry with this id when met; 0 none */
	int stop_at;    /* return 7 after this many visits; 0 never */
};

static int record_visit(struct iobuf_channel *ch, struct iobuf_entry *entry,
			void *ctx)
{
	struct visit *v = ctx;
	int id = -1;
	uint64_t len = 0;

	for (int i = 0; i < v->nknown; i++) {
		if (v->known[i].entry == entry) {
			id = v->known[i].id;
			len = v->known[i].len;
		}
	}
	if (v->n < 16)
		v->ids[v->n] = id;
	v->n++;
	if (id == v->abort_id && id > 0)
		iobuf_entry_abort(ch, entry, len);
	return v->n == v->stop_at ? 7 : 0;
}

static void assert_visits(struct iobuf_channel *ch, const struct known *k,
			  int nk, const int *ids, int n)
{
	struct visit v = { .known = k, .nknown = nk };

	assert_int_equal(iobuf_for_each_entry(ch, record_visit, &v), 0);
	assert_int_equal(v.n, n);
	for (int i = 0; i < n; i++)
		assert_int_equal(v.ids[i], ids[i]);
}

static void for_each_entry_visits_multi_entries_in_order(void **state)
{
	struct iobuf_channel *a, *b;
	struct test_req r1, x;
	struct mreq m2, m3;
	struct known k[4];
	struct visit stop;
	const int all[] = { 1, 2, 3 }, other[] = { 9 }, after1[] = { 2, 3 };
	const int left[] = { 3 };

	(void)state;
	a = test_channel("mu_a", 0, 0);
	b = test_channel("mu_b", 0, 0);
	test_held_drain(a, SMALL, NSMALL);
	test_req_init(&r1, 1, a, SMALL);
	mreq_init(&m2, 2, a, SMALL, 2);
	test_req_init(&x, 9, b, SMALL);
	mreq_init(&m3, 3, a, SMALL, 3);
	k[0] = (struct known){ &r1.entry, 1, SMALL };
	k[1] = (struct known){ &m2.entry, 2, SMALL };
	k[2] = (struct known){ &x.entry, 9, SMALL };
	k[3] = (struct known){ &m3.entry, 3, SMALL };
	test_req_queue(&r1);
	mreq_queue(&m2);
	test_req_queue(&x);
	mreq_queue(&m3);

	assert_visits(a, k, 4, all, 3);
	assert_visits(b, k, 4, other, 1);
	stop = (struct visit){ .known = k, .nknown = 4, .stop_at = 2 };
	assert_int_equal(iobuf_for_each_entry(a, record_visit, &stop), 7);
	assert_int_equal(stop.n, 2);

	test_held_put_one(a);
	assert_int_equal(r1.served, 1);
	assert_visits(a, k, 4, after1, 2);
	test_held_put_one(a);
	assert_gathered("mu_a", S, 1);
	/* The gathering entry is still visited, ahead of m3. */
	assert_visits(a, k, 4, after1, 2);

	/* Aborting m2 from the visitor: its buffer goes to the next, x. */
	stop = (struct visit){ .known = k, .nknown = 4, .abort_id = 2 };
	assert_int_equal(iobuf_for_each_entry(a, record_visit, &stop), 0);
	assert_int_equal(stop.n, 2);
	assert_int_equal(stop.ids[0], 2);
	assert_int_equal(stop.ids[1], 3);
	assert_visits(a, k, 4, left, 1);
	assert_gathered("mu_a", S, 0);
	assert_int_equal(m2.called, 0);
	assert_int_equal(iobuf_thread_poll(), 1);
	assert_int_equal(x.served, 1);
	test_assert_conservation();

	test_held_put_one(a);
	test_held_put_one(a);
	test_held_put_one(a);
	mreq_assert_served(&m3);
	assert_visits(a, k, 4, NULL, 0);
	mreq_put_back(&m3);
	iobuf_put(a, r1.buf, 1);
	iobuf_put(b, x.buf, 1);
	test_held_return(a, 0);
	iobuf_channel_fini(a);
	iobuf_channel_fini(b);
}

static void for_each_entry_visits_handed_entries_first(void **state)
{
	struct iobuf_channel *a;
	struct test_req r3;
	struct mreq m1, m2;
	struct known k[3];
	const int order[] = { 2, 3 };

	(void)state;
	a = test_channel("mu_a", 0, 0);
	test_held_drain(a, SMALL, NSMALL);
	mreq_init(&m1, 1, a, SMALL, 4);
	mreq_init(&m2, 2, a, SMALL, 2);
	test_req_init(&r3, 3, a, SMALL);
	k[0] = (struct known){ &m1.entry, 1, SMALL };
	k[1] = (struct known){ &m2.entry, 2, SMALL };
	k[2] = (struct known){ &r3.entry, 3, SMALL };
	mreq_queue(&m1);
	mreq_queue(&m2);
	test_req_queue(&r3);
	test_held_put_one(a);
	test_held_put_one(a);
	/* m1's two complete m2, which is then handed, not yet called. */
	iobuf_entry_abort(a, &m1.entry, SMALL);
	assert_visits(a, k, 3, order, 2);
	test_held_put_one(a);
	assert_served(order, 2);
	mreq_assert_served(&m2);
	assert_visits(a, k, 3, NULL, 0);
	mreq_put_back(&m2);
	iobuf_put(a, r3.buf, 1);
	test_held_return(a, 0);
	iobuf_channel_fini(a);
}

/* ---- several channels of one module on one thread ----------------------- */

static void two_channels_of_a_module_on_one_thread_share_its_entries(
	void **state)
{
	struct iobuf_channel *c1, *c2 = NULL;
	struct test_req r2, r4;
	struct mreq m1, m3, now;
	struct known k[4];
	const int both[] = { 1, 2 }, only4[] = { 4 };
	uint64_t cached;
	void *b;

	(void)state;
	c1 = test_channel("mu_dup", 2, 0);
	assert_int_equal(iobuf_channel_init(&c2, "mu_dup", 0, 0), 0);
	assert_non_null(c2);
	assert_ptr_not_equal(c1, c2);
	assert_int_equal(test_module_now("mu_dup").channels, 2);

	/* Both serve gets: c1 from its cache, c2 from the ring. */
	b = iobuf_get(c1, SMALL, NULL, NULL);
	assert_non_null(b);
	iobuf_put(c2, b, 1);
	mreq_init(&now, 9, c2, SMALL, 3);
	assert_int_equal(iobuf_get_multi(c2, SMALL, now.bufs, 3, NULL, NULL),
			 0);
	assert_int_equal(iobuf_put_bulk(c1, now.bufs, 3), 0);
	cached = test_pool_now().pool[S].cached;
	assert_in_range(cached, 2, 4);

	/* c2 takes the ring; c1's cache stays idle. */
	test_held_drain(c2, SMALL, NSMALL - (uint32_t)cached);
	mreq_init(&m1, 1, c1, SMALL, 5);
	test_req_init(&r2, 2, c2, SMALL);
	mreq_init(&m3, 3, c1, SMALL, 5);
	test_req_init(&r4, 4, c2, SMALL);
	k[0] = (struct known){ &m1.entry, 1, SMALL };
	k[1] = (struct known){ &r2.entry, 2, SMALL };
	k[2] = (struct known){ &m3.entry, 3, SMALL };
	k[3] = (struct known){ &r4.entry, 4, SMALL };
	mreq_queue(&m1);
	test_req_queue(&r2);
	/* Either channel sees the module's entries on this thread. */
	assert_visits(c1, k, 4, both, 2);
	assert_visits(c2, k, 4, both, 2);
	/* And either may abort them. */
	iobuf_entry_abort(c2, &m1.entry, SMALL);
	assert_visits(c1, k, 4, both + 1, 1);

	mreq_queue(&m3);
	test_req_queue(&r4);
	/*
	 * Closing c1 drops m3, queued through it, and returns c1's cached
	 * buffers to the pool, so to r2 and r4, called back at the next
	 * poll; the rest go to the ring.
	 */
	iobuf_channel_fini(c1);
	assert_int_equal(test_module_now("mu_dup").channels, 1);
	assert_int_equal(m3.called, 0);
	assert_int_equal(iobuf_thread_poll(), 2);
	assert_int_equal(r2.served, 1);
	assert_int_equal(r4.served, 1);
	assert_int_equal(test_pool_now().pool[S].waiting, 0);
	assert_int_equal(test_pool_now().pool[S].free, cached - 2);
	assert_visits(c2, k, 4, NULL, 0);
	test_assert_conservation();

	/* c2 keeps working, waiting included. */
	iobuf_put(c2, r2.buf, 1);
	iobuf_put(c2, r4.buf, 1);
	mreq_init(&m1, 1, c2, SMALL, (uint32_t)cached);
	assert_int_equal(iobuf_get_multi(c2, SMALL, m1.bufs, m1.n, &m1.entry,
					 mreq_cb), 0);
	assert_int_equal(m1.called, 0);
	test_req_init(&r4, 4, c2, SMALL);
	test_req_queue(&r4);
	assert_visits(c2, k, 4, only4, 1);
	mreq_put_back(&m1);
	assert_int_equal(r4.served, 1);
	iobuf_put(c2, r4.buf, 1);
	test_held_return(c2, 0);
	assert_int_equal(test_pool_now().pool[S].free, NSMALL);
	iobuf_channel_fini(c2);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, multi_setup, test_teardown)
	const struct CMUnitTest tests[] = {
		T(multi_is_served_at_once_from_cache_and_ring),
		T(multi_rejects_bad_arguments_and_changes_nothing),
		T(multi_without_entry_fails_with_enomem_and_changes_nothing),
		T(single_queued_before_a_multi_is_served_first),
		T(single_queued_behind_a_gathering_multi_waits_for_it),
		T(multis_are_served_in_the_order_they_queued),
		T(small_multi_waiting_does_not_hold_back_large_gets),
		T(multi_queued_again_from_its_callback_keeps_its_place),
		T(multi_gathers_another_channels_idle_cache_at_its_put),
		T(multi_gathers_another_channels_idle_cache_at_a_poll),
		T(multi_gathers_what_the_ring_holds_by_a_poll),
		T(whole_pool_request_completes_once_every_buffer_returns),
		T(multi_handed_by_another_thread_is_called_back_at_its_poll),
		T(handed_multi_counts_as_gathered_until_called_back),
		T(abort_of_a_partly_gathered_multi_returns_every_buffer),
		T(abort_hands_the_gathered_buffers_to_the_next_entries),
		T(abort_of_a_multi_handed_everything_returns_its_buffers),
		T(for_each_entry_visits_multi_entries_in_order),
		T(for_each_entry_visits_handed_entries_first),
		T(two_channels_of_a_module_on_one_thread_share_its_entries),
	};
#undef T

	return cmocka_run_group_tests_name("unit_multi", tests,
					   test_group_setup,
					   test_group_teardown);
}
