/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Multi-thread soak: 2 to 4 threads, each with channels of two modules,
 * run a seeded random mix of get, get with a wait entry, abort, put,
 * get_bulk, put_bulk, for_each_entry and poll on tiny pools, so waits and
 * hand-offs happen all the time. Every thread checks as it goes:
 *
 * - a buffer is never held twice at once (stamps written on get, checked
 *   on put);
 * - callbacks run only for waiting entries, once, in FIFO order per thread
 *   and class (SPEC §4.2), never for an aborted entry;
 * - no barging: a channel without cache gets nothing while older entries
 *   of the class wait on its thread (SPEC §4b);
 * - for_each_entry visits exactly this module's waiting entries, small
 *   queue then large, each in queue order.
 *
 * At the end every thread returns what it holds and polls until all its
 * entries are served (SPEC §4.5), within a bound that fails the test rather
 * than hanging; then conservation and iobuf_finish() == 0 (teardown).
 *
 * IOBUF_SOAK_OPS sets the total operations (all threads together),
 * IOBUF_SOAK_THREADS the thread count, IOBUF_SOAK_SEED the seed.
 */

#include "mt_util.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* About 1.5 s alone on two cores; sanitizers and debug checks are slower. */
#define SOAK_OPS_DEFAULT (MT_TSAN ? 1000000 : MT_DEBUG_CHECKS ? 3000000 : \
			  MT_ASAN ? 8000000 : 30000000)
#define SOAK_THREADS_DEFAULT 4
#define SOAK_SEED_DEFAULT 0x50a4
#define SOAK_NREQ 12
#define SOAK_MAXHELD 32
#define SOAK_END_LIMIT_NS (15ull * 1000000000ull)

enum { REQ_FREE, REQ_WAITING };

struct soak_thread;

struct soak_req {
	struct iobuf_entry entry;
	struct soak_thread *t;
	int state;
	int mod;
	int cls;
	uint64_t len;
	uint64_t qseq;
};

struct soak_held {
	void *buf;
	uint64_t tag;
};

struct soak_thread {
	pthread_t tid;
	int idx;
	uint64_t ops_target;
	pthread_barrier_t *sync;  /* after the channels open, before the end */
	uint32_t *pending;        /* threads not done waiting, shared */
	struct mt_rng rng;
	struct iobuf_channel *ch[2];
	uint32_t cache[2][IOBUF_CLASS_COUNT];
	struct soak_req req[SOAK_NREQ];
	struct soak_held held[SOAK_MAXHELD];
	uint32_t nheld;
	uint32_t nwaiting;
	uint32_t nwaiting_cls[IOBUF_CLASS_COUNT];
	uint64_t qseq_next[IOBUF_CLASS_COUNT];
	uint64_t last_served[IOBUF_CLASS_COUNT];
	uint64_t serial;
	bool ending;
	/* results, read by the main thread after join */
	int init_rc;
	uint64_t ops, waits, served, aborted, bulk_ok, bulk_nomem;
	uint64_t foreach_visits, cb_puts;
	uint64_t bad_cb, bad_fifo, bad_stamp, bad_barge, bad_rc, bad_foreach;
	uint64_t unserved, stuck_end;
};

static const char *const soak_module[2] = { "soak_a", "soak_b" };

static uint64_t class_len(struct soak_thread *t, int cls)
{
	if (cls == IOBUF_CLASS_LARGE)
		return TEST_SMALL_SIZE + 1 + mt_rng_below(&t->rng,
			TEST_LARGE_SIZE - TEST_SMALL_SIZE);
	return 1 + mt_rng_below(&t->rng, TEST_SMALL_SIZE);
}

static void take(struct soak_thread *t, void *buf)
{
	uint64_t tag = ((uint64_t)(t->idx + 1) << 48) | ++t->serial;

	mt_stamp(buf, tag);
	t->held[t->nheld].buf = buf;
	t->held[t->nheld].tag = tag;
	t->nheld++;
}

/* Remove held[i] after checking its stamp; returns the buffer. */
static void *release(struct soak_thread *t, uint32_t i)
{
	struct soak_held h = t->held[i];

	if (!mt_stamp_ok(h.buf, h.tag))
		t->bad_stamp++;
	t->held[i] = t->held[--t->nheld];
	return h.buf;
}

static void unwait(struct soak_thread *t, struct soak_req *r)
{
	r->state = REQ_FREE;
	t->nwaiting--;
	t->nwaiting_cls[r->cls]--;
}

static void soak_cb(struct iobuf_entry *entry, void *buf)
{
	struct soak_req *r = TEST_CONTAINER_OF(entry, struct soak_req, entry);
	struct soak_thread *t = r->t;

	if (r->state != REQ_WAITING) {
		/* Not ours to keep: it would be held twice. */
		t->bad_cb++;
		return;
	}
	if (r->qseq <= t->last_served[r->cls])
		t->bad_fifo++;
	t->last_served[r->cls] = r->qseq;
	unwait(t, r);
	t->served++;
	if (!t->ending && mt_rng_below(&t->rng, 8) == 0) {
		/* Straight back from inside the callback (SPEC §3). */
		t->cb_puts++;
		iobuf_put(t->ch[r->mod], buf, r->len);
		return;
	}
	take(t, buf);
}

/* Whether a get through ch[mod] of cls must not be served from the ring. */
static bool barred(struct soak_thread *t, int mod, int cls)
{
	return t->cache[mod][cls] == 0 && t->nwaiting_cls[cls] > 0;
}

static void op_get(struct soak_thread *t, int mod, int cls, bool wait)
{
	bool bar = barred(t, mod, cls);
	struct soak_req *r = NULL;
	void *buf;

	if (wait) {
		for (int i = 0; i < SOAK_NREQ && r == NULL; i++)
			if (t->req[i].state == REQ_FREE)
				r = &t->req[i];
		if (r == NULL)
			return;
		r->mod = mod;
		r->cls = cls;
		r->len = class_len(t, cls);
	}
	errno = 0;
	buf = iobuf_get(t->ch[mod], wait ? r->len : class_len(t, cls),
			wait ? &r->entry : NULL, wait ? soak_cb : NULL);
	if (buf != NULL) {
		if (bar)
			t->bad_barge++;
		take(t, buf);
		return;
	}
	if (errno != ENOMEM) {
		t->bad_rc++;
		return;
	}
	if (wait) {
		r->state = REQ_WAITING;
		r->qseq = ++t->qseq_next[cls];
		t->nwaiting++;
		t->nwaiting_cls[cls]++;
		t->waits++;
	}
}

static void op_abort(struct soak_thread *t)
{
	struct soak_req *r = &t->req[mt_rng_below(&t->rng, SOAK_NREQ)];
	int other = !r->mod;

	if (r->state != REQ_WAITING) {
		/* A no-op for an entry that is not waiting. */
		if (r->len != 0)
			iobuf_entry_abort(t->ch[r->mod], &r->entry, r->len);
		return;
	}
	if (mt_rng_below(&t->rng, 4) == 0) {
		/*
		 * Through the other module's channel: a no-op (SPEC §4b). Were
		 * it removed, it would never be served and the end would
		 * find it still waiting.
		 */
		iobuf_entry_abort(t->ch[other], &r->entry, r->len);
		return;
	}
	iobuf_entry_abort(t->ch[r->mod], &r->entry, r->len);
	unwait(t, r);
	t->aborted++;
}

static void op_put(struct soak_thread *t)
{
	void *buf;

	if (t->nheld == 0)
		return;
	buf = release(t, mt_rng_below(&t->rng, t->nheld));
	iobuf_put(t->ch[mt_rng_below(&t->rng, 2)], buf, 1);
}

static void op_get_bulk(struct soak_thread *t, int mod, int cls)
{
	uint32_t n = 1 + mt_rng_below(&t->rng, 4);
	bool bar = barred(t, mod, cls);
	void *bufs[4];
	int rc;

	if (t->nheld + t->nwaiting + n > SOAK_MAXHELD)
		return;
	rc = iobuf_get_bulk(t->ch[mod], class_len(t, cls), bufs, n);
	if (rc == 0) {
		if (bar)
			t->bad_barge++;
		t->bulk_ok++;
		for (uint32_t i = 0; i < n; i++)
			take(t, bufs[i]);
	} else if (rc == -ENOMEM) {
		t->bulk_nomem++;
	} else {
		t->bad_rc++;
	}
}

static void op_put_bulk(struct soak_thread *t, uint32_t n)
{
	void *bufs[SOAK_MAXHELD];

	if (n > t->nheld)
		n = t->nheld;
	if (n == 0)
		return;
	for (uint32_t i = 0; i < n; i++)
		bufs[i] = release(t, mt_rng_below(&t->rng, t->nheld));
	if (iobuf_put_bulk(t->ch[mt_rng_below(&t->rng, 2)], bufs, n) != 0)
		t->bad_rc++;
}

struct fe_ctx {
	struct soak_thread *t;
	int mod;
	uint32_t visited;
	int last_cls;
	uint64_t last_qseq;
	bool abort_some;
};

static int fe_fn(struct iobuf_channel *ch, struct iobuf_entry *entry, void *arg)
{
	struct fe_ctx *c = arg;
	struct soak_req *r = TEST_CONTAINER_OF(entry, struct soak_req, entry);
	struct soak_thread *t = c->t;

	if (r->t != t || r->state != REQ_WAITING || r->mod != c->mod ||
	    r->cls < c->last_cls ||
	    (r->cls == c->last_cls && r->qseq <= c->last_qseq)) {
		t->bad_foreach++;
		return 1;
	}
	c->last_cls = r->cls;
	c->last_qseq = r->qseq;
	c->visited++;
	if (c->abort_some && mt_rng_below(&t->rng, 3) == 0) {
		/* fn may abort the entry it is given. */
		iobuf_entry_abort(ch, entry, r->len);
		unwait(t, r);
		t->aborted++;
	}
	return 0;
}

static void op_for_each(struct soak_thread *t, int mod)
{
	struct fe_ctx c = {
		.t = t,
		.mod = mod,
		.abort_some = mt_rng_below(&t->rng, 2) == 0,
	};
	uint32_t expect = 0;
	int rc;

	for (int i = 0; i < SOAK_NREQ; i++)
		expect += t->req[i].state == REQ_WAITING &&
			  t->req[i].mod == mod;
	rc = iobuf_for_each_entry(t->ch[mod], fe_fn, &c);
	if (rc != 0 || c.visited != expect)
		t->bad_foreach++;
	t->foreach_visits += c.visited;
}

static void soak_step(struct soak_thread *t)
{
	uint32_t r = mt_rng_below(&t->rng, 100);
	int mod = (int)mt_rng_below(&t->rng, 2);
	/* One large request in four: the large pool is 16 buffers. */
	int cls = mt_rng_below(&t->rng, 4) == 0 ? IOBUF_CLASS_LARGE :
		  IOBUF_CLASS_SMALL;
	bool room = t->nheld + t->nwaiting < SOAK_MAXHELD;

	if (r < 22) {
		if (room)
			op_get(t, mod, cls, false);
	} else if (r < 37) {
		if (room)
			op_get(t, mod, cls, true);
	} else if (r < 42) {
		op_abort(t);
	} else if (r < 72) {
		op_put(t);
	} else if (r < 78) {
		op_get_bulk(t, mod, cls);
	} else if (r < 84) {
		op_put_bulk(t, 1 + mt_rng_below(&t->rng, 6));
	} else if (r < 87) {
		op_for_each(t, mod);
	} else {
		iobuf_thread_poll();
	}
}

static void release_all(struct soak_thread *t)
{
	/* A put may serve one of our entries, which then holds a buffer. */
	while (t->nheld > 0)
		op_put_bulk(t, t->nheld);
}

/* Return everything, then poll until every entry of ours is served. */
static void soak_end(struct soak_thread *t)
{
	uint64_t deadline = mt_now_ns() + SOAK_END_LIMIT_NS;
	uint64_t spins = 0;

	t->ending = true;
	release_all(t);
	while (t->nwaiting > 0) {
		if ((++spins & 1023) == 0 && mt_now_ns() > deadline)
			break;
		if (iobuf_thread_poll() == 0)
			sched_yield();
		release_all(t);
	}
	t->unserved = t->nwaiting;
	for (int i = 0; i < SOAK_NREQ; i++) {
		struct soak_req *r = &t->req[i];

		if (r->state == REQ_WAITING) {
			iobuf_entry_abort(t->ch[r->mod], &r->entry, r->len);
			unwait(t, r);
		}
	}
	/* Others may wait for buffers idle in our caches: keep polling. */
	__atomic_sub_fetch(t->pending, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(t->pending, __ATOMIC_ACQUIRE) > 0) {
		if ((++spins & 1023) == 0 && mt_now_ns() > deadline) {
			t->stuck_end++;
			break;
		}
		iobuf_thread_poll();
		sched_yield();
	}
}

static void *soak_main(void *arg)
{
	struct soak_thread *t = arg;
	static const uint32_t small_cache[] = { 0, 4, 16 };
	static const uint32_t large_cache[] = { 0, 1, 2 };

	for (int m = 0; m < 2; m++) {
		t->cache[m][IOBUF_CLASS_SMALL] =
			small_cache[mt_rng_below(&t->rng, 3)];
		t->cache[m][IOBUF_CLASS_LARGE] =
			large_cache[mt_rng_below(&t->rng, 3)];
	}
	for (int i = 0; i < SOAK_NREQ; i++)
		t->req[i].t = t;
	for (int m = 0; m < 2 && t->init_rc == 0; m++)
		t->init_rc = iobuf_channel_init(&t->ch[m], soak_module[m],
						t->cache[m][IOBUF_CLASS_SMALL],
						t->cache[m][IOBUF_CLASS_LARGE]);
	/* Every cache is filled before anyone takes buffers. */
	pthread_barrier_wait(t->sync);
	if (t->init_rc == 0) {
		for (t->ops = 0; t->ops < t->ops_target; t->ops++)
			soak_step(t);
	}
	/*
	 * The end starts together: a thread still busy with its share would
	 * eat into the others' bound.
	 */
	pthread_barrier_wait(t->sync);
	if (t->init_rc != 0) {
		__atomic_sub_fetch(t->pending, 1, __ATOMIC_ACQ_REL);
		if (t->ch[0] != NULL)
			iobuf_channel_fini(t->ch[0]);
		return NULL;
	}
	soak_end(t);
	iobuf_channel_fini(t->ch[0]);
	iobuf_channel_fini(t->ch[1]);
	return NULL;
}

static void soak_keeps_every_invariant_under_random_load(void **state)
{
	uint64_t total = mt_env_u64("IOBUF_SOAK_OPS", SOAK_OPS_DEFAULT);
	uint64_t nthreads = mt_env_u64("IOBUF_SOAK_THREADS",
				       SOAK_THREADS_DEFAULT);
	uint64_t seed = mt_env_u64("IOBUF_SOAK_SEED", SOAK_SEED_DEFAULT);
	struct soak_thread *t;
	pthread_barrier_t sync;
	uint32_t pending;
	uint64_t start, ops = 0, waits = 0, served = 0, aborted = 0;
	uint64_t bulk_ok = 0, bulk_nomem = 0, visits = 0, cb_puts = 0;

	(void)state;
	if (nthreads < 2 || nthreads > 4) {
		fprintf(stderr, "# IOBUF_SOAK_THREADS=%" PRIu64 " is outside "
			"[2, 4]; using %d\n", nthreads, SOAK_THREADS_DEFAULT);
		nthreads = SOAK_THREADS_DEFAULT;
	}
	pending = (uint32_t)nthreads;
	assert_int_equal(pthread_barrier_init(&sync, NULL, (unsigned)nthreads),
			 0);
	t = calloc(nthreads, sizeof(*t));
	assert_non_null(t);
	assert_int_equal(iobuf_register_module(soak_module[0]), 0);
	assert_int_equal(iobuf_register_module(soak_module[1]), 0);

	start = mt_now_ns();
	for (uint64_t i = 0; i < nthreads; i++) {
		t[i].idx = (int)i;
		t[i].ops_target = total / nthreads;
		t[i].pending = &pending;
		t[i].sync = &sync;
		mt_rng_seed(&t[i].rng, seed * 31 + i);
		assert_int_equal(pthread_create(&t[i].tid, NULL, soak_main,
						&t[i]), 0);
	}
	for (uint64_t i = 0; i < nthreads; i++)
		assert_int_equal(pthread_join(t[i].tid, NULL), 0);
	pthread_barrier_destroy(&sync);

	for (uint64_t i = 0; i < nthreads; i++) {
		struct soak_thread *x = &t[i];

		fprintf(stderr, "# soak thread %" PRIu64 ": caches %u/%u "
			"%u/%u, %" PRIu64 " ops, %" PRIu64 " waits, %" PRIu64
			" served, %" PRIu64 " aborted\n", i,
			x->cache[0][0], x->cache[0][1], x->cache[1][0],
			x->cache[1][1], x->ops, x->waits, x->served,
			x->aborted);
		ops += x->ops;
		waits += x->waits;
		served += x->served;
		aborted += x->aborted;
		bulk_ok += x->bulk_ok;
		bulk_nomem += x->bulk_nomem;
		visits += x->foreach_visits;
		cb_puts += x->cb_puts;
	}
	fprintf(stderr, "# soak: %" PRIu64 " threads, seed %#" PRIx64 ", %"
		PRIu64 " ops in %.2f s: %" PRIu64 " waits, %" PRIu64
		" served, %" PRIu64 " aborted, %" PRIu64 " put from callbacks, "
		"get_bulk %" PRIu64 " ok %" PRIu64 " refused, %" PRIu64
		" entries visited\n", nthreads, seed, ops,
		(double)(mt_now_ns() - start) / 1e9, waits, served, aborted,
		cb_puts, bulk_ok, bulk_nomem, visits);

	for (uint64_t i = 0; i < nthreads; i++) {
		struct soak_thread *x = &t[i];

		assert_int_equal(x->init_rc, 0);
		assert_int_equal(x->bad_cb, 0);
		assert_int_equal(x->bad_fifo, 0);
		assert_int_equal(x->bad_stamp, 0);
		assert_int_equal(x->bad_barge, 0);
		assert_int_equal(x->bad_rc, 0);
		assert_int_equal(x->bad_foreach, 0);
		assert_int_equal(x->unserved, 0);
		assert_int_equal(x->stuck_end, 0);
	}
	/* The mix must actually have waited and handed buffers over. */
	assert_true(waits > 0);
	assert_true(served > 0);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			soak_keeps_every_invariant_under_random_load,
			test_setup, test_teardown),
	};

	return cmocka_run_group_tests_name("mt_soak", tests, test_group_setup,
					   test_group_teardown);
}
