/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Wait entries on one thread (SPEC §3, §4b): FIFO over several channels and
 * modules, hand-off on put, no barging, abort anywhere in the queue and of
 * entries that are not waiting, for_each_entry filtered by module, and
 * callbacks that get, put or queue their own entry again.
 */

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "test_env.h"

#define SMALL 1
#define LARGE TEST_LARGE_SIZE

static void *held[TEST_SMALL_COUNT + TEST_LARGE_COUNT];
static uint32_t nheld;

static int wq_setup(void **state)
{
	nheld = 0;
	return test_setup(state);
}

/* Take every free buffer of the class that fits len through ch. */
static void drain(struct iobuf_channel *ch, uint64_t len, uint32_t expect)
{
	uint32_t n = test_drain(ch, len, held + nheld,
				TEST_SMALL_COUNT + TEST_LARGE_COUNT - nheld);

	assert_int_equal(n, expect);
	nheld += n;
}

/* Hand back what drain() took that no waiter consumed, from index `from`. */
static void return_held(struct iobuf_channel *ch, uint32_t from)
{
	test_put_all(ch, held + from, nheld - from, 0);
	nheld = from;
}

static uint64_t module_waiting(const char *module, enum iobuf_class c)
{
	struct iobuf_module_stats m;

	test_module_stats(module, &m);
	return m.cls[c].waiting;
}

static uint64_t pool_waiting(enum iobuf_class c)
{
	struct iobuf_stats st;

	test_pool_stats(&st);
	return st.pool[c].waiting;
}

static void assert_served(const int *ids, int n)
{
	assert_int_equal(test_served_count, n);
	for (int i = 0; i < n; i++)
		assert_int_equal(test_served_order[i], ids[i]);
}

struct visit {
	int ids[32];
	int n;
	int stop_at;
	int abort_each;
};

static int record_visit(struct iobuf_channel *ch, struct iobuf_entry *entry,
			void *ctx)
{
	struct test_req *req = TEST_CONTAINER_OF(entry, struct test_req, entry);
	struct visit *v = ctx;

	if (v->n < 32)
		v->ids[v->n] = req->id;
	v->n++;
	if (v->abort_each)
		iobuf_entry_abort(ch, entry, req->len);
	return v->n == v->stop_at ? 7 : 0;
}

static void assert_visits(struct iobuf_channel *ch, const int *ids, int n)
{
	struct visit v = { .n = 0 };

	assert_int_equal(iobuf_for_each_entry(ch, record_visit, &v), 0);
	assert_int_equal(v.n, n);
	for (int i = 0; i < n; i++)
		assert_int_equal(v.ids[i], ids[i]);
}

static void get_on_empty_pool_with_entry_queues_it_and_counts_a_retry(void **state)
{
	struct iobuf_module_stats m;
	struct iobuf_channel *a;
	struct test_req r;

	(void)state;
	a = test_channel("wq_a", 0, 0);
	drain(a, SMALL, TEST_SMALL_COUNT);
	test_req_init(&r, 1, a, SMALL);
	test_req_queue(&r);
	assert_int_equal(module_waiting("wq_a", IOBUF_CLASS_SMALL), 1);
	assert_int_equal(pool_waiting(IOBUF_CLASS_SMALL), 1);

	/* Without an entry nothing is queued and no retry is counted. */
	errno = 0;
	assert_null(iobuf_get(a, SMALL, NULL, NULL));
	assert_int_equal(errno, ENOMEM);
	test_module_stats("wq_a", &m);
	assert_int_equal(m.cls[IOBUF_CLASS_SMALL].retry, 1);
	assert_int_equal(m.cls[IOBUF_CLASS_SMALL].waiting, 1);
	assert_int_equal(m.cls[IOBUF_CLASS_LARGE].retry, 0);

	iobuf_put(a, held[--nheld], SMALL);
	assert_int_equal(r.served, 1);
	assert_ptr_equal(r.buf, held[nheld]);
	assert_int_equal(pool_waiting(IOBUF_CLASS_SMALL), 0);
	test_assert_conservation();

	/* A served entry may be used again. */
	test_req_queue(&r);
	iobuf_put(a, r.buf, SMALL);
	assert_int_equal(r.served, 2);
	assert_ptr_equal(r.buf, held[nheld]);
	iobuf_put(a, r.buf, SMALL);
	return_held(a, 0);
	iobuf_channel_fini(a);
}

static void put_with_waiters_hands_buffer_and_idle_cache_to_them(void **state)
{
	struct iobuf_channel *a, *c;
	struct test_req r1, r2;
	struct iobuf_stats st;
	const int order[] = { 1, 2 };

	(void)state;
	c = test_channel("wq_cached", 4, 0);
	a = test_channel("wq_a", 0, 0);
	drain(a, SMALL, TEST_SMALL_COUNT - 4);
	test_req_init(&r1, 1, a, SMALL);
	test_req_init(&r2, 2, a, SMALL);
	test_req_queue(&r1);
	test_req_queue(&r2);

	/*
	 * Through a channel with idle buffers in its cache: the put buffer
	 * goes to the oldest waiter, the idle ones to the next waiters and
	 * the rest to the ring (SPEC §4.5); nothing is cached.
	 */
	iobuf_put(c, held[0], SMALL);
	assert_int_equal(r1.served, 1);
	assert_ptr_equal(r1.buf, held[0]);
	assert_int_equal(r2.served, 1);
	assert_ptr_not_equal(r2.buf, held[0]);
	assert_served(order, 2);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].cached, 0);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].free, 3);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].waiting, 0);
	test_assert_conservation();

	/* Nobody waits any more: the cache takes puts again. */
	iobuf_put(c, held[1], SMALL);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].cached, 1);

	iobuf_put(a, r1.buf, SMALL);
	iobuf_put(a, r2.buf, SMALL);
	return_held(a, 2);
	iobuf_channel_fini(a);
	iobuf_channel_fini(c);
}

static void waiters_are_served_fifo_across_channels_and_modules(void **state)
{
	const char *names[] = { "wq_a", "wq_b", "wq_c" };
	struct iobuf_channel *ch[3];
	struct test_req r[9];
	int order[9];

	(void)state;
	for (int i = 0; i < 3; i++)
		ch[i] = test_channel(names[i], 0, 0);
	drain(ch[0], SMALL, TEST_SMALL_COUNT);
	for (int i = 0; i < 9; i++) {
		test_req_init(&r[i], i, ch[i % 3], SMALL);
		test_req_queue(&r[i]);
		order[i] = i;
	}
	assert_int_equal(pool_waiting(IOBUF_CLASS_SMALL), 9);
	for (int i = 0; i < 3; i++)
		assert_int_equal(module_waiting(names[i], IOBUF_CLASS_SMALL), 3);
	test_assert_conservation();

	/* Puts through any channel of the thread serve the thread's oldest. */
	for (int i = 0; i < 9; i++) {
		iobuf_put(ch[(i + 1) % 3], held[i], SMALL);
		assert_ptr_equal(r[i].buf, held[i]);
	}
	assert_served(order, 9);
	assert_int_equal(pool_waiting(IOBUF_CLASS_SMALL), 0);
	test_assert_conservation();

	for (int i = 0; i < 9; i++)
		iobuf_put(r[i].ch, r[i].buf, SMALL);
	return_held(ch[0], 9);
	for (int i = 0; i < 3; i++)
		iobuf_channel_fini(ch[i]);
}

static void small_and_large_waiters_queue_separately(void **state)
{
	struct iobuf_channel *a;
	struct test_req s, l;
	const int order[] = { 1, 2 };
	void *large;

	(void)state;
	a = test_channel("wq_a", 0, 0);
	drain(a, SMALL, TEST_SMALL_COUNT);
	test_req_init(&s, 1, a, SMALL);
	test_req_queue(&s);

	/* A small waiter does not hold back large gets. */
	large = iobuf_get(a, LARGE, NULL, NULL);
	assert_non_null(large);
	iobuf_put(a, large, LARGE);

	drain(a, LARGE, TEST_LARGE_COUNT);
	test_req_init(&l, 2, a, LARGE);
	test_req_queue(&l);
	assert_int_equal(pool_waiting(IOBUF_CLASS_SMALL), 1);
	assert_int_equal(pool_waiting(IOBUF_CLASS_LARGE), 1);

	iobuf_put(a, held[0], SMALL);
	assert_int_equal(s.served, 1);
	assert_int_equal(l.served, 0);
	iobuf_put(a, held[TEST_SMALL_COUNT], LARGE);
	assert_int_equal(l.served, 1);
	assert_ptr_equal(l.buf, held[TEST_SMALL_COUNT]);
	assert_served(order, 2);

	iobuf_put(a, s.buf, SMALL);
	iobuf_put(a, l.buf, LARGE);
	test_put_all(a, held + 1, TEST_SMALL_COUNT - 1, 0);
	test_put_all(a, held + TEST_SMALL_COUNT + 1, TEST_LARGE_COUNT - 1, 0);
	nheld = 0;
	iobuf_channel_fini(a);
}

struct other_thread {
	pthread_barrier_t barrier;
	int rc;
	uint32_t got;
};

/* Holds 4 buffers while main drains and queues, then returns them to the ring. */
static void *hold_then_return(void *arg)
{
	struct other_thread *t = arg;
	struct iobuf_channel *ch = NULL;
	void *bufs[4];

	t->rc = iobuf_channel_init(&ch, "wq_other", 0, 0);
	while (t->rc == 0 && t->got < 4 &&
	       (bufs[t->got] = iobuf_get(ch, SMALL, NULL, NULL)) != NULL)
		t->got++;
	pthread_barrier_wait(&t->barrier);
	pthread_barrier_wait(&t->barrier);
	for (uint32_t i = 0; i < t->got; i++)
		iobuf_put(ch, bufs[i], SMALL);
	if (t->rc == 0)
		iobuf_channel_fini(ch);
	return NULL;
}

/*
 * While an entry waits, a get on the thread queues behind it, and buffers
 * returned on another thread go to the waiting entries in order, not to
 * the ring: the waiters are called back at this thread's next poll.
 */
static void get_without_barging_queues_behind_older_waiters(void **state)
{
	struct other_thread t = { .rc = -1, .got = 0 };
	struct iobuf_module_stats m;
	struct iobuf_channel *a, *b;
	struct test_req r1, r2;
	struct iobuf_stats st, queued;
	const int order[] = { 1, 2 };
	void *first, *second, *none, *late;
	int err_entry, err_none;
	pthread_t tid;

	(void)state;
	a = test_channel("wq_a", 0, 0);
	b = test_channel("wq_b", 0, 0);
	assert_int_equal(iobuf_register_module("wq_other"), 0);
	test_req_init(&r1, 1, a, SMALL);
	test_req_init(&r2, 2, b, SMALL);

	/* No assertion between the barriers: a failure must not strand the thread. */
	pthread_barrier_init(&t.barrier, NULL, 2);
	assert_int_equal(pthread_create(&tid, NULL, hold_then_return, &t), 0);
	pthread_barrier_wait(&t.barrier);
	while (nheld < TEST_SMALL_COUNT &&
	       (held[nheld] = iobuf_get(a, SMALL, NULL, NULL)) != NULL)
		nheld++;
	first = iobuf_get(a, SMALL, &r1.entry, test_req_cb);
	errno = 0;
	second = iobuf_get(b, SMALL, &r2.entry, test_req_cb);
	err_entry = errno;
	errno = 0;
	none = iobuf_get(b, SMALL, NULL, NULL);
	err_none = errno;
	iobuf_get_stats(&queued, sizeof(queued), NULL, 0, 0);
	pthread_barrier_wait(&t.barrier);
	pthread_join(tid, NULL);
	pthread_barrier_destroy(&t.barrier);

	assert_int_equal(t.rc, 0);
	assert_int_equal(t.got, 4);
	assert_int_equal(nheld, TEST_SMALL_COUNT - 4);
	assert_null(first);
	assert_null(second);
	assert_int_equal(err_entry, ENOMEM);
	assert_null(none);
	assert_int_equal(err_none, ENOMEM);
	assert_int_equal(queued.pool[IOBUF_CLASS_SMALL].waiting, 2);
	test_module_stats("wq_b", &m);
	assert_int_equal(m.cls[IOBUF_CLASS_SMALL].retry, 1);

	/* The other thread's four returns: one to each entry, two to the ring. */
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].free, 2);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].waiting, 2);
	assert_int_equal(test_served_count, 0);
	test_assert_conservation();

	assert_int_equal(iobuf_thread_poll(), 2);
	assert_served(order, 2);
	assert_non_null(r1.buf);
	assert_non_null(r2.buf);
	assert_ptr_not_equal(r1.buf, r2.buf);

	/* Nobody waits any more: the ring serves gets again. */
	late = iobuf_get(b, SMALL, NULL, NULL);
	assert_non_null(late);
	iobuf_put(b, late, SMALL);
	iobuf_put(a, r1.buf, SMALL);
	iobuf_put(b, r2.buf, SMALL);
	return_held(a, 0);
	iobuf_channel_fini(a);
	iobuf_channel_fini(b);
}

static void abort_removes_head_middle_and_tail(void **state)
{
	struct iobuf_module_stats m;
	struct iobuf_channel *a;
	struct test_req r[5];
	const int left[] = { 1, 3 };

	(void)state;
	a = test_channel("wq_a", 0, 0);
	drain(a, SMALL, TEST_SMALL_COUNT);
	for (int i = 0; i < 5; i++) {
		test_req_init(&r[i], i, a, SMALL);
		test_req_queue(&r[i]);
	}
	iobuf_entry_abort(a, &r[0].entry, SMALL);
	assert_int_equal(module_waiting("wq_a", IOBUF_CLASS_SMALL), 4);
	iobuf_entry_abort(a, &r[2].entry, SMALL);
	iobuf_entry_abort(a, &r[4].entry, SMALL);
	assert_int_equal(module_waiting("wq_a", IOBUF_CLASS_SMALL), 2);
	assert_int_equal(pool_waiting(IOBUF_CLASS_SMALL), 2);
	assert_visits(a, left, 2);
	test_assert_conservation();

	iobuf_put(a, held[0], SMALL);
	iobuf_put(a, held[1], SMALL);
	assert_served(left, 2);
	/* Nobody is left: this one goes back to the pool. */
	iobuf_put(a, held[2], SMALL);
	assert_int_equal(test_served_count, 2);
	test_module_stats("wq_a", &m);
	assert_int_equal(m.cls[IOBUF_CLASS_SMALL].retry, 5);
	assert_int_equal(m.cls[IOBUF_CLASS_SMALL].waiting, 0);

	iobuf_put(a, r[1].buf, SMALL);
	iobuf_put(a, r[3].buf, SMALL);
	return_held(a, 3);
	iobuf_channel_fini(a);
}

static void abort_of_an_entry_not_waiting_is_a_noop(void **state)
{
	struct iobuf_channel *a;
	struct test_req r1, r2, never, r4;
	const int order[] = { 1, 4 };

	(void)state;
	a = test_channel("wq_a", 0, 0);
	drain(a, SMALL, TEST_SMALL_COUNT);
	test_req_init(&r1, 1, a, SMALL);
	test_req_init(&r2, 2, a, SMALL);
	test_req_init(&never, 3, a, SMALL);
	test_req_init(&r4, 4, a, SMALL);
	test_req_queue(&r1);
	test_req_queue(&r2);

	iobuf_entry_abort(a, &never.entry, SMALL);
	assert_int_equal(pool_waiting(IOBUF_CLASS_SMALL), 2);

	iobuf_put(a, held[0], SMALL);
	assert_int_equal(r1.served, 1);
	/* Served already. */
	iobuf_entry_abort(a, &r1.entry, SMALL);
	assert_int_equal(pool_waiting(IOBUF_CLASS_SMALL), 1);
	iobuf_entry_abort(a, &r2.entry, SMALL);
	/* Aborted already. */
	iobuf_entry_abort(a, &r2.entry, SMALL);
	assert_int_equal(pool_waiting(IOBUF_CLASS_SMALL), 0);

	/* A len no get accepts is logged and ignored: the entry still waits. */
	test_req_queue(&r4);
	iobuf_entry_abort(a, &r4.entry, 0);
	iobuf_entry_abort(a, &r4.entry, LARGE + 1);
	assert_int_equal(pool_waiting(IOBUF_CLASS_SMALL), 1);

	/* The queue is intact after all of that. */
	iobuf_put(a, held[1], SMALL);
	assert_served(order, 2);
	assert_int_equal(r2.served, 0);
	assert_int_equal(never.served, 0);

	iobuf_put(a, r1.buf, SMALL);
	iobuf_put(a, r4.buf, SMALL);
	return_held(a, 2);
	iobuf_channel_fini(a);
}

static void abort_and_for_each_through_another_module_see_nothing(void **state)
{
	struct iobuf_channel *a, *b;
	struct test_req r;
	const int mine[] = { 1 };

	(void)state;
	a = test_channel("wq_a", 0, 0);
	b = test_channel("wq_b", 0, 0);
	drain(a, SMALL, TEST_SMALL_COUNT);
	test_req_init(&r, 1, a, SMALL);
	test_req_queue(&r);

	iobuf_entry_abort(b, &r.entry, SMALL);
	assert_int_equal(module_waiting("wq_a", IOBUF_CLASS_SMALL), 1);
	assert_visits(b, NULL, 0);
	assert_visits(a, mine, 1);

	iobuf_entry_abort(a, &r.entry, SMALL);
	assert_int_equal(pool_waiting(IOBUF_CLASS_SMALL), 0);
	return_held(a, 0);
	iobuf_channel_fini(a);
	iobuf_channel_fini(b);
}

static void for_each_entry_visits_its_module_small_then_large_in_order(void **state)
{
	struct iobuf_channel *a, *b;
	struct test_req r[6];
	/* Queued a0 b1 a2 b3 small, then a4 b5 large. */
	const uint64_t lens[] = { SMALL, SMALL, SMALL, SMALL, LARGE, LARGE };
	const int of_a[] = { 0, 2, 4 }, of_b[] = { 1, 3, 5 };

	(void)state;
	a = test_channel("wq_a", 0, 0);
	b = test_channel("wq_b", 0, 0);
	drain(a, SMALL, TEST_SMALL_COUNT);
	drain(a, LARGE, TEST_LARGE_COUNT);
	for (int i = 0; i < 6; i++) {
		test_req_init(&r[i], i, i % 2 ? b : a, lens[i]);
		test_req_queue(&r[i]);
	}
	assert_visits(a, of_a, 3);
	assert_visits(b, of_b, 3);
	assert_int_equal(module_waiting("wq_a", IOBUF_CLASS_SMALL), 2);
	assert_int_equal(module_waiting("wq_a", IOBUF_CLASS_LARGE), 1);
	test_assert_conservation();

	for (int i = 0; i < 6; i++)
		iobuf_entry_abort(r[i].ch, &r[i].entry, lens[i]);
	assert_visits(a, NULL, 0);
	assert_int_equal(test_served_count, 0);
	return_held(a, 0);
	iobuf_channel_fini(a);
	iobuf_channel_fini(b);
}

static void for_each_entry_stops_at_the_first_nonzero_return(void **state)
{
	struct iobuf_channel *a;
	struct test_req r[4];
	struct visit v = { .n = 0, .stop_at = 2 };

	(void)state;
	a = test_channel("wq_a", 0, 0);
	drain(a, SMALL, TEST_SMALL_COUNT);
	for (int i = 0; i < 4; i++) {
		test_req_init(&r[i], i, a, SMALL);
		test_req_queue(&r[i]);
	}
	assert_int_equal(iobuf_for_each_entry(a, record_visit, &v), 7);
	assert_int_equal(v.n, 2);
	assert_int_equal(v.ids[0], 0);
	assert_int_equal(v.ids[1], 1);
	assert_int_equal(pool_waiting(IOBUF_CLASS_SMALL), 4);

	for (int i = 0; i < 4; i++)
		iobuf_entry_abort(a, &r[i].entry, SMALL);
	return_held(a, 0);
	iobuf_channel_fini(a);
}

static void for_each_entry_callback_may_abort_the_entry_it_is_given(void **state)
{
	struct iobuf_channel *a, *b;
	struct test_req r[6];
	struct visit v = { .n = 0, .abort_each = 1 };
	const int of_b[] = { 1, 3, 5 };

	(void)state;
	a = test_channel("wq_a", 0, 0);
	b = test_channel("wq_b", 0, 0);
	drain(a, SMALL, TEST_SMALL_COUNT);
	for (int i = 0; i < 6; i++) {
		test_req_init(&r[i], i, i % 2 ? b : a, SMALL);
		test_req_queue(&r[i]);
	}
	assert_int_equal(iobuf_for_each_entry(a, record_visit, &v), 0);
	assert_int_equal(v.n, 3);
	assert_int_equal(module_waiting("wq_a", IOBUF_CLASS_SMALL), 0);
	assert_visits(b, of_b, 3);

	/* Only b's entries are left to serve, in their order. */
	for (int i = 0; i < 3; i++)
		iobuf_put(a, held[i], SMALL);
	assert_served(of_b, 3);
	for (int i = 1; i < 6; i += 2)
		iobuf_put(b, r[i].buf, SMALL);
	return_held(a, 3);
	iobuf_channel_fini(a);
	iobuf_channel_fini(b);
}

static void for_each_entry_rejects_null_and_visits_nothing_when_empty(void **state)
{
	struct iobuf_channel *a;
	struct visit v = { .n = 0 };

	(void)state;
	a = test_channel("wq_a", 0, 0);
	assert_int_equal(iobuf_for_each_entry(NULL, record_visit, &v), -EINVAL);
	assert_int_equal(iobuf_for_each_entry(a, NULL, &v), -EINVAL);
	assert_int_equal(iobuf_for_each_entry(a, record_visit, &v), 0);
	assert_int_equal(v.n, 0);
	iobuf_channel_fini(a);
}

static void put_back_from_callback(struct test_req *req, void *buf)
{
	iobuf_put(req->ch, buf, req->len);
}

static void callback_may_put_its_buffer_to_serve_the_next_waiter(void **state)
{
	struct iobuf_channel *a, *b;
	struct test_req r1, r2;
	const int order[] = { 1, 2 };

	(void)state;
	a = test_channel("wq_a", 0, 0);
	b = test_channel("wq_b", 0, 0);
	drain(a, SMALL, TEST_SMALL_COUNT);
	test_req_init(&r1, 1, a, SMALL);
	r1.on_served = put_back_from_callback;
	test_req_init(&r2, 2, b, SMALL);
	test_req_queue(&r1);
	test_req_queue(&r2);

	iobuf_put(a, held[0], SMALL);
	assert_served(order, 2);
	assert_ptr_equal(r1.buf, held[0]);
	assert_ptr_equal(r2.buf, held[0]);
	assert_int_equal(pool_waiting(IOBUF_CLASS_SMALL), 0);
	test_assert_conservation();

	iobuf_put(b, r2.buf, SMALL);
	return_held(a, 1);
	iobuf_channel_fini(a);
	iobuf_channel_fini(b);
}

struct cb_gets {
	void *large;
	void *small;
	int small_errno;
};

static void get_from_callback(struct test_req *req, void *buf)
{
	struct cb_gets *g = req->ctx;

	(void)buf;
	g->large = iobuf_get(req->ch, LARGE, NULL, NULL);
	errno = 0;
	g->small = iobuf_get(req->ch, SMALL, NULL, NULL);
	g->small_errno = errno;
}

static void callback_may_get_more_buffers(void **state)
{
	struct cb_gets g = { NULL, NULL, 0 };
	struct iobuf_channel *a;
	struct test_req r;

	(void)state;
	a = test_channel("wq_a", 0, 0);
	drain(a, SMALL, TEST_SMALL_COUNT);
	test_req_init(&r, 1, a, SMALL);
	r.on_served = get_from_callback;
	r.ctx = &g;
	test_req_queue(&r);

	iobuf_put(a, held[0], SMALL);
	assert_int_equal(r.served, 1);
	assert_non_null(g.large);
	/* The small pool is still empty. */
	assert_null(g.small);
	assert_int_equal(g.small_errno, ENOMEM);
	test_assert_conservation();

	iobuf_put(a, g.large, LARGE);
	iobuf_put(a, r.buf, SMALL);
	return_held(a, 1);
	iobuf_channel_fini(a);
}

struct requeue {
	void *first;
	void *get_ret;
	int get_errno;
};

/* Wants two buffers: keeps the first and asks again with the same entry. */
static void requeue_once(struct test_req *req, void *buf)
{
	struct requeue *q = req->ctx;

	if (req->served != 1)
		return;
	q->first = buf;
	errno = 0;
	q->get_ret = iobuf_get(req->ch, req->len, &req->entry, test_req_cb);
	q->get_errno = errno;
}

static void callback_that_requeues_its_entry_keeps_its_place_at_the_head(void **state)
{
	struct requeue q = { NULL, NULL, 0 };
	struct iobuf_module_stats m;
	struct iobuf_channel *a, *b;
	struct test_req r1, r2;
	const int head_first[] = { 1, 2 }, order[] = { 1, 1, 2 };

	(void)state;
	a = test_channel("wq_a", 0, 0);
	b = test_channel("wq_b", 0, 0);
	drain(a, SMALL, TEST_SMALL_COUNT);
	test_req_init(&r1, 1, a, SMALL);
	r1.on_served = requeue_once;
	r1.ctx = &q;
	test_req_init(&r2, 2, a, SMALL);
	test_req_queue(&r1);
	test_req_queue(&r2);

	iobuf_put(b, held[0], SMALL);
	assert_int_equal(r1.served, 1);
	assert_ptr_equal(q.first, held[0]);
	assert_null(q.get_ret);
	assert_int_equal(q.get_errno, ENOMEM);
	assert_int_equal(pool_waiting(IOBUF_CLASS_SMALL), 2);
	assert_visits(a, head_first, 2);

	iobuf_put(b, held[1], SMALL);
	assert_int_equal(r1.served, 2);
	assert_ptr_equal(r1.buf, held[1]);
	assert_int_equal(r2.served, 0);
	iobuf_put(b, held[2], SMALL);
	assert_served(order, 3);
	assert_ptr_equal(r2.buf, held[2]);
	test_module_stats("wq_a", &m);
	assert_int_equal(m.cls[IOBUF_CLASS_SMALL].retry, 3);
	test_assert_conservation();

	iobuf_put(a, q.first, SMALL);
	iobuf_put(a, r1.buf, SMALL);
	iobuf_put(a, r2.buf, SMALL);
	return_held(a, 3);
	iobuf_channel_fini(a);
	iobuf_channel_fini(b);
}

static void fini_drops_its_modules_entries_without_callback(void **state)
{
	struct iobuf_channel *a, *b;
	struct test_req r1, r2, r3;
	const int order[] = { 2 };

	(void)state;
	a = test_channel("wq_a", 0, 0);
	b = test_channel("wq_b", 0, 0);
	drain(b, SMALL, TEST_SMALL_COUNT);
	test_req_init(&r1, 1, a, SMALL);
	test_req_init(&r2, 2, b, SMALL);
	test_req_init(&r3, 3, a, SMALL);
	test_req_queue(&r1);
	test_req_queue(&r2);
	test_req_queue(&r3);

	iobuf_channel_fini(a);
	assert_int_equal(module_waiting("wq_a", IOBUF_CLASS_SMALL), 0);
	assert_int_equal(module_waiting("wq_b", IOBUF_CLASS_SMALL), 1);
	assert_int_equal(pool_waiting(IOBUF_CLASS_SMALL), 1);
	test_assert_conservation();

	iobuf_put(b, held[0], SMALL);
	iobuf_put(b, held[1], SMALL);
	assert_served(order, 1);
	assert_int_equal(r1.served, 0);
	assert_int_equal(r3.served, 0);

	iobuf_put(b, r2.buf, SMALL);
	return_held(b, 2);
	iobuf_channel_fini(b);
}

static void entry_needs_no_initialisation_before_first_use(void **state)
{
	struct iobuf_channel *a;
	struct test_req r[3];
	const int order[] = { 0, 1, 2 };

	(void)state;
	a = test_channel("wq_a", 0, 0);
	drain(a, SMALL, TEST_SMALL_COUNT);
	for (int i = 0; i < 3; i++) {
		test_req_init(&r[i], i, a, SMALL);
		memset(&r[i].entry, 0xA5, sizeof(r[i].entry));
		test_req_queue(&r[i]);
	}
	for (int i = 0; i < 3; i++)
		iobuf_put(a, held[i], SMALL);
	assert_served(order, 3);
	for (int i = 0; i < 3; i++)
		iobuf_put(a, r[i].buf, SMALL);
	return_held(a, 3);
	iobuf_channel_fini(a);
}

static void thread_poll_with_nobody_waiting_serves_none(void **state)
{
	struct iobuf_channel *a;

	(void)state;
	assert_int_equal(iobuf_thread_poll(), 0);
	a = test_channel("wq_a", 2, 1);
	assert_int_equal(iobuf_thread_poll(), 0);
	iobuf_channel_fini(a);
}

/*
 * Last on purpose (with the next one): an implementation that trusts the
 * contents of an entry it never queued may crash here, and should not take
 * the others with it.
 */
static void abort_of_an_uninitialised_never_queued_entry_is_a_noop(void **state)
{
	struct iobuf_channel *a;
	struct test_req r1, r2, never;
	const int order[] = { 1, 2 };

	(void)state;
	a = test_channel("wq_a", 0, 0);
	drain(a, SMALL, TEST_SMALL_COUNT);
	test_req_init(&r1, 1, a, SMALL);
	test_req_init(&r2, 2, a, SMALL);
	test_req_init(&never, 3, a, SMALL);
	test_req_queue(&r1);
	test_req_queue(&r2);

	memset(&never.entry, 0xA5, sizeof(never.entry));
	iobuf_entry_abort(a, &never.entry, SMALL);
	assert_int_equal(pool_waiting(IOBUF_CLASS_SMALL), 2);

	iobuf_put(a, held[0], SMALL);
	iobuf_put(a, held[1], SMALL);
	assert_served(order, 2);
	iobuf_put(a, r1.buf, SMALL);
	iobuf_put(a, r2.buf, SMALL);
	return_held(a, 2);
	iobuf_channel_fini(a);
}

/*
 * A struct copy of a request whose entry waits (a retry path cloning a
 * request, say) holds the same private bytes, but the copy never queued.
 */
static void abort_of_a_copy_of_a_waiting_entry_is_a_noop(void **state)
{
	struct iobuf_channel *a;
	struct test_req r1, r2, copy;
	const int order[] = { 1, 2 };
	int served, served_order[2];
	uint64_t waiting;

	(void)state;
	a = test_channel("wq_a", 0, 0);
	drain(a, SMALL, TEST_SMALL_COUNT);
	test_req_init(&r1, 1, a, SMALL);
	test_req_init(&r2, 2, a, SMALL);
	test_req_queue(&r1);
	test_req_queue(&r2);

	copy = r2;
	iobuf_entry_abort(a, &copy.entry, SMALL);
	waiting = pool_waiting(IOBUF_CLASS_SMALL);
	iobuf_put(a, held[0], SMALL);
	iobuf_put(a, held[1], SMALL);
	served = test_served_count;
	memcpy(served_order, test_served_order, sizeof(served_order));

	/* Give everything back before asserting, so a failure stays here. */
	if (r1.served)
		iobuf_put(a, r1.buf, SMALL);
	if (r2.served)
		iobuf_put(a, r2.buf, SMALL);
	return_held(a, 2);
	iobuf_channel_fini(a);

	assert_int_equal(waiting, 2);
	assert_int_equal(served, 2);
	assert_memory_equal(served_order, order, sizeof(order));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, wq_setup, test_teardown)
		T(get_on_empty_pool_with_entry_queues_it_and_counts_a_retry),
		T(put_with_waiters_hands_buffer_and_idle_cache_to_them),
		T(waiters_are_served_fifo_across_channels_and_modules),
		T(small_and_large_waiters_queue_separately),
		T(get_without_barging_queues_behind_older_waiters),
		T(abort_removes_head_middle_and_tail),
		T(abort_of_an_entry_not_waiting_is_a_noop),
		T(abort_and_for_each_through_another_module_see_nothing),
		T(for_each_entry_visits_its_module_small_then_large_in_order),
		T(for_each_entry_stops_at_the_first_nonzero_return),
		T(for_each_entry_callback_may_abort_the_entry_it_is_given),
		T(for_each_entry_rejects_null_and_visits_nothing_when_empty),
		T(callback_may_put_its_buffer_to_serve_the_next_waiter),
		T(callback_may_get_more_buffers),
		T(callback_that_requeues_its_entry_keeps_its_place_at_the_head),
		T(fini_drops_its_modules_entries_without_callback),
		T(entry_needs_no_initialisation_before_first_use),
		T(thread_poll_with_nobody_waiting_serves_none),
		T(abort_of_an_uninitialised_never_queued_entry_is_a_noop),
		T(abort_of_a_copy_of_a_waiting_entry_is_a_noop),
#undef T
	};

	return cmocka_run_group_tests_name("waitq", tests, test_group_setup,
					   test_group_teardown);
}
