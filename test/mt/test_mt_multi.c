/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Multi-buffer requests across threads (SPEC §4c): two layers that each
 * need 5 of 8 large buffers at once for every request complete all their
 * requests with iobuf_get_multi(), where single gets that hold partial
 * sets stall for good; two threads competing with such requests are
 * served fairly; step by step, at most one request per class ever holds
 * a partial set, so the pool is never split between two of them; and a
 * module's limit holds while its threads compete with another module.
 *
 * No timing is asserted: the free-running tests fail only when progress
 * stops for MT_WAIT_LIMIT_MS.
 */

#include "mt_util.h"
#include "test_snapshot.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LARGE TEST_LARGE_SIZE
#define L IOBUF_CLASS_LARGE
/* The pool and the request: two requests need more than the pool. */
#define POOL 8
#define NEED 5

static int mm_setup(void **state)
{
	struct iobuf_opts o;

	test_setup_bare(state);
	test_opts_default(&o);
	o.large_pool_count = POOL;
	if (iobuf_set_opts(&o) != 0 || iobuf_initialize() != 0)
		return -1;
	return 0;
}

static struct iobuf_stats pool(void)
{
	struct iobuf_stats st;

	test_pool_stats(&st);
	return st;
}

static void pause_a_little(void)
{
	const struct timespec ts = { .tv_nsec = 20 * 1000 };

	nanosleep(&ts, NULL);
}

/* ---- free-running layers ------------------------------------------------- */

enum { IDLE, WAITING, HELD };

struct layer;

struct slot {
	struct iobuf_entry entry;
	struct layer *layer;
	void *bufs[NEED];
	int state;
	uint32_t hold;
	uint64_t tag;
};

/*
 * One thread of a pipeline stage: keeps one or two requests of NEED large
 * buffers in flight, holds each set for a few loop turns, returns it with
 * iobuf_put() or iobuf_put_bulk(), and polls in between. Everything but
 * done and finished is the thread's own until it is joined.
 */
struct layer {
	pthread_t tid;
	const char *module;
	uint32_t large_cache;
	uint64_t nreqs;         /* stop after this many; UINT64_MAX: never */
	bool always_two;        /* two requests in flight, not one or two */
	pthread_barrier_t *start;
	struct slot slot[2];
	struct mt_rng rng;
	uint64_t done;          /* atomic: requests completed and returned */
	uint64_t waited;        /* requests that queued */
	int finished;           /* atomic */
	const char *err;        /* first thing that went wrong */
};

static int layers_stop;         /* atomic: the main thread gives up */

static void layer_fail(struct layer *l, const char *what)
{
	if (l->err == NULL)
		l->err = what;
}

static void slot_hold(struct slot *s)
{
	struct layer *l = s->layer;

	s->state = HELD;
	s->hold = mt_rng_below(&l->rng, 3);
	s->tag = mt_rng_next(&l->rng);
	for (uint32_t i = 0; i < NEED; i++)
		mt_stamp(s->bufs[i], s->tag + i);
}

static void slot_cb(struct iobuf_entry *entry, void **bufs, uint32_t n)
{
	struct slot *s = TEST_CONTAINER_OF(entry, struct slot, entry);

	if (s->state != WAITING)
		layer_fail(s->layer, "callback of a request not waiting");
	if (bufs != s->bufs || n != NEED)
		layer_fail(s->layer, "callback with another array or count");
	slot_hold(s);
}

/* Queue s, or hold its set when served at once. */
static void slot_issue(struct layer *l, struct iobuf_channel *ch,
		       struct slot *s)
{
	int rc;

	s->state = WAITING;
	rc = iobuf_get_multi(ch, LARGE, s->bufs, NEED, &s->entry, slot_cb);
	if (rc == 0) {
		slot_hold(s);
	} else if (rc == -ENOMEM) {
		l->waited++;
	} else {
		s->state = IDLE;
		layer_fail(l, "iobuf_get_multi failed");
	}
}

static void slot_release(struct layer *l, struct iobuf_channel *ch,
			 struct slot *s, bool bulk)
{
	for (uint32_t k = 0; k < NEED; k++)
		if (!mt_stamp_ok(s->bufs[k], s->tag + k))
			layer_fail(l, "a held buffer was written by someone "
				   "else");
	/* The puts may call the other slot back. */
	s->state = IDLE;
	if (bulk) {
		if (iobuf_put_bulk(ch, s->bufs, NEED) != 0)
			layer_fail(l, "iobuf_put_bulk failed");
	} else {
		for (uint32_t k = 0; k < NEED; k++)
			iobuf_put(ch, s->bufs[k], LARGE);
	}
}

static void *layer_main(void *arg)
{
	struct layer *l = arg;
	struct iobuf_channel *ch = NULL;
	uint64_t issued = 0, done = 0;

	if (iobuf_channel_init(&ch, l->module, 0, l->large_cache) != 0)
		layer_fail(l, "iobuf_channel_init failed");
	/* Both layers compete from their first request on. */
	for (int i = 0; ch != NULL && i < (l->always_two ? 2 : 1); i++) {
		slot_issue(l, ch, &l->slot[i]);
		issued++;
	}
	pthread_barrier_wait(l->start);
	if (ch == NULL) {
		__atomic_store_n(&l->finished, 1, __ATOMIC_RELEASE);
		return NULL;
	}
	while (!__atomic_load_n(&layers_stop, __ATOMIC_ACQUIRE) &&
	       done < l->nreqs && l->err == NULL) {
		bool busy = iobuf_thread_poll() > 0;

		for (int i = 0; i < 2; i++) {
			struct slot *s = &l->slot[i];

			if (s->state == HELD && s->hold > 0) {
				s->hold--;
				busy = true;
			} else if (s->state == HELD) {
				slot_release(l, ch, s, done & 1);
				done++;
				__atomic_store_n(&l->done, done,
						 __ATOMIC_RELEASE);
				busy = true;
			}
			/* Unless always_two, slot 1 is in flight at times. */
			if (s->state == IDLE && issued < l->nreqs &&
			    (i == 0 || l->always_two ||
			     mt_rng_below(&l->rng, 4) == 0)) {
				slot_issue(l, ch, s);
				issued++;
				busy = true;
			}
		}
		if (!busy)
			pause_a_little();
	}
	/* Stopped early: give everything back. */
	for (int i = 0; i < 2; i++) {
		struct slot *s = &l->slot[i];

		if (s->state == WAITING)
			iobuf_entry_abort(ch, &s->entry, LARGE);
		else if (s->state == HELD)
			slot_release(l, ch, s, true);
		s->state = IDLE;
	}
	iobuf_channel_fini(ch);
	__atomic_store_n(&l->finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

static uint64_t layer_done(const struct layer *l)
{
	return __atomic_load_n(&l->done, __ATOMIC_ACQUIRE);
}

struct progress {
	struct layer *layers;
	int n;
	uint64_t stop_at;       /* completions in all; UINT64_MAX: run out */
};

/*
 * Start the layers, watch them until they finish (or, with stop_at,
 * until that many requests completed in all), and join them. Fails the
 * test when no request completed for MT_WAIT_LIMIT_MS.
 */
static void run_layers(struct progress *p)
{
	uint64_t last = 0, since = mt_now_ns();
	pthread_barrier_t start;
	bool stalled = false;

	__atomic_store_n(&layers_stop, 0, __ATOMIC_RELEASE);
	assert_int_equal(pthread_barrier_init(&start, NULL, (unsigned)p->n), 0);
	for (int i = 0; i < p->n; i++) {
		struct slot *s = p->layers[i].slot;

		s[0].layer = s[1].layer = &p->layers[i];
		p->layers[i].start = &start;
		mt_rng_seed(&p->layers[i].rng, 0x5eed + (uint64_t)i);
		assert_int_equal(pthread_create(&p->layers[i].tid, NULL,
						layer_main, &p->layers[i]), 0);
	}
	for (;;) {
		const struct timespec tick = { .tv_nsec = 5 * 1000 * 1000 };
		uint64_t total = 0;
		int finished = 0;

		for (int i = 0; i < p->n; i++) {
			total += layer_done(&p->layers[i]);
			finished += __atomic_load_n(&p->layers[i].finished,
						    __ATOMIC_ACQUIRE);
		}
		if (finished == p->n)
			break;
		if (total >= p->stop_at)
			__atomic_store_n(&layers_stop, 1, __ATOMIC_RELEASE);
		if (total != last) {
			last = total;
			since = mt_now_ns();
		} else if (mt_now_ns() - since >
			   MT_WAIT_LIMIT_MS * 1000000ull && !stalled) {
			/* Stuck: show where the buffers are, then unwind. */
			iobuf_dump(stderr);
			stalled = true;
			__atomic_store_n(&layers_stop, 1, __ATOMIC_RELEASE);
		}
		nanosleep(&tick, NULL);
	}
	for (int i = 0; i < p->n; i++)
		assert_int_equal(pthread_join(p->layers[i].tid, NULL), 0);
	pthread_barrier_destroy(&start);
	for (int i = 0; i < p->n; i++)
		if (p->layers[i].err != NULL)
			fail_msg("layer '%s': %s", p->layers[i].module,
				 p->layers[i].err);
	if (stalled)
		fail_msg("no request completed for %d ms: the layers are "
			 "stuck (dump above)", MT_WAIT_LIMIT_MS);
	test_assert_conservation();
	assert_int_equal(pool().pool[L].free, POOL);
	assert_int_equal(pool().pool[L].waiting, 0);
}

/* Requests each layer completes; IOBUF_MULTI_REQUESTS overrides it. */
static uint64_t layer_requests(void)
{
	return mt_env_u64("IOBUF_MULTI_REQUESTS", 10000);
}

static void two_layers_needing_five_of_eight_complete_every_request(
	void **state)
{
	struct layer ls[2];
	struct progress p = { .layers = ls, .n = 2, .stop_at = UINT64_MAX };
	uint64_t n = layer_requests();

	(void)state;
	memset(ls, 0, sizeof(ls));
	assert_int_equal(iobuf_register_module("layer_a"), 0);
	assert_int_equal(iobuf_register_module("layer_b"), 0);
	ls[0].module = "layer_a";
	ls[1].module = "layer_b";
	/* One layer keeps an idle cache: waiting must drain it. */
	ls[1].large_cache = 2;
	ls[0].nreqs = ls[1].nreqs = n;
	run_layers(&p);
	assert_int_equal(layer_done(&ls[0]), n);
	assert_int_equal(layer_done(&ls[1]), n);
	fprintf(stderr, "# %" PRIu64 " requests per layer, %" PRIu64 " and %"
		PRIu64 " waited\n", n, ls[0].waited, ls[1].waited);
}

static void threads_competing_for_five_of_eight_are_served_fairly(
	void **state)
{
	struct layer ls[2];
	struct progress p = { .layers = ls, .n = 2 };
	uint64_t a, b;

	(void)state;
	memset(ls, 0, sizeof(ls));
	assert_int_equal(iobuf_register_module("fair_a"), 0);
	assert_int_equal(iobuf_register_module("fair_b"), 0);
	ls[0].module = "fair_a";
	ls[1].module = "fair_b";
	ls[0].nreqs = ls[1].nreqs = UINT64_MAX;
	ls[0].always_two = ls[1].always_two = true;
	p.stop_at = layer_requests() / 2;
	run_layers(&p);
	a = layer_done(&ls[0]);
	b = layer_done(&ls[1]);
	fprintf(stderr, "# completed: %" PRIu64 " and %" PRIu64 "\n", a, b);
	assert_true(a + b >= p.stop_at);
	if (a * 4 < b || b * 4 < a)
		fail_msg("one thread completed %" PRIu64 " requests, the other "
			 "%" PRIu64 ": less than a quarter", a < b ? a : b,
			 a < b ? b : a);
}

/* ---- commands for workers driven step by step ---------------------------- */

/* A request of NEED large buffers on a worker. */
struct sreq {
	struct iobuf_entry entry;
	const char *module;
	struct mt_worker *w;
	struct iobuf_channel *ch;
	void *bufs[NEED];
	int state;              /* written on the worker, read after sync */
	uint32_t returned;      /* of bufs, while HELD */
	uint32_t completions;
	int rc;
	bool bad_cb;
};

static void sreq_cb(struct iobuf_entry *entry, void **bufs, uint32_t n)
{
	struct sreq *r = TEST_CONTAINER_OF(entry, struct sreq, entry);

	if (r->state != WAITING || bufs != r->bufs || n != NEED)
		r->bad_cb = true;
	r->state = HELD;
	r->returned = 0;
	r->completions++;
}

static void issue_fn(void *arg)
{
	struct sreq *r = arg;

	r->state = WAITING;
	r->rc = iobuf_get_multi(r->ch, LARGE, r->bufs, NEED, &r->entry,
				sreq_cb);
	if (r->rc == 0) {
		r->state = HELD;
		r->returned = 0;
		r->completions++;
	} else if (r->rc != -ENOMEM) {
		r->state = IDLE;
	}
}

/* Queue or serve r on its worker; returns iobuf_get_multi()'s result. */
static int sreq_issue(struct sreq *r)
{
	mt_worker_run(r->w, issue_fn, r);
	assert_false(r->bad_cb);
	return r->rc;
}

static void return_one_fn(void *arg)
{
	struct sreq *r = arg;
	void *buf = r->bufs[r->returned++];

	if (r->returned == NEED)
		r->state = IDLE;
	iobuf_put(r->ch, buf, LARGE);
}

static void return_all_fn(void *arg)
{
	struct sreq *r = arg;

	r->rc = iobuf_put_bulk(r->ch, r->bufs, NEED);
	r->state = IDLE;
}

struct abort_cmd {
	struct iobuf_channel *ch;
	struct iobuf_entry *entry;
};

static void abort_entry_fn(void *arg)
{
	struct abort_cmd *c = arg;

	iobuf_entry_abort(c->ch, c->entry, LARGE);
}

static struct iobuf_module_stats module_of(const struct test_snapshot *s,
					   const char *name)
{
	for (int i = 0; i < s->nmods; i++)
		if (strcmp(s->mods[i].name, name) == 0)
			return s->mods[i];
	fail_msg("module '%s' not in iobuf_get_stats()", name);
	return s->mods[0];
}

/* ---- lockstep ------------------------------------------------------------ */

/*
 * Each of two threads takes 4 of the 8 buffers with single gets and asks
 * for a fifth: both wait for ever, by construction (every buffer is held
 * by a thread that waits for one more). The same two requests made with
 * iobuf_get_multi() cannot end that way: one is served whole, the other
 * gathers the rest and completes once the first returns its set.
 */
static void single_gets_holding_partial_sets_stall_where_multi_does_not(
	void **state)
{
	struct mt_worker w[2];
	struct iobuf_channel *ch[2];
	const char *names[2] = { "lock_a", "lock_b" };
	void *part[2][NEED - 1];
	struct mt_log log[2];
	struct mt_req req[2];
	struct sreq m[2];
	struct iobuf_stats st;
	struct test_snapshot snap;
	uint64_t start;
	int polls = 0;

	(void)state;
	memset(log, 0, sizeof(log));
	memset(m, 0, sizeof(m));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(iobuf_register_module(names[i]), 0);
		mt_worker_start(&w[i]);
		ch[i] = mt_open(&w[i], names[i], 0, 0);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(mt_drain(&w[i], ch[i], LARGE, part[i],
					  NEED - 1), NEED - 1);
	for (int i = 0; i < 2; i++) {
		mt_req_init(&req[i], ch[i], &log[i], LARGE, 0);
		mt_queue(&w[i], &req[i], 1);
		assert_false(req[i].immediate);
		assert_int_equal(req[i].err, ENOMEM);
	}
	st = pool();
	assert_int_equal(st.pool[L].free, 0);
	assert_int_equal(st.pool[L].cached, 0);
	assert_int_equal(st.pool[L].out, POOL);
	assert_int_equal(st.pool[L].waiting, 2);

	/* Both keep polling for 200 ms; nothing can move. */
	start = mt_now_ns();
	while (mt_now_ns() - start < 200ull * 1000 * 1000) {
		assert_int_equal(mt_poll(&w[0]), 0);
		assert_int_equal(mt_poll(&w[1]), 0);
		polls++;
	}
	assert_int_equal(mt_req_served(&req[0]) + mt_req_served(&req[1]), 0);
	assert_int_equal(pool().pool[L].free, 0);
	fprintf(stderr, "# stalled through %d polls on each thread\n", polls);

	/* Unwind: abort both entries, return the partial sets. */
	for (int i = 0; i < 2; i++) {
		struct abort_cmd c = { .ch = ch[i], .entry = &req[i].entry };

		mt_worker_run(&w[i], abort_entry_fn, &c);
		mt_put(&w[i], ch[i], part[i], NEED - 1);
	}
	st = pool();
	assert_int_equal(st.pool[L].waiting, 0);
	assert_int_equal(st.pool[L].free, POOL);
	assert_int_equal(mt_req_served(&req[0]) + mt_req_served(&req[1]), 0);
	test_assert_conservation();

	/* The same lockstep, all or nothing. */
	memset(m, 0, sizeof(m));
	for (int i = 0; i < 2; i++) {
		m[i].ch = ch[i];
		m[i].w = &w[i];
		m[i].module = names[i];
	}
	assert_int_equal(sreq_issue(&m[0]), 0);
	assert_int_equal(sreq_issue(&m[1]), -ENOMEM);
	assert_int_equal(mt_poll(&w[1]), 0);
	test_snapshot_take(&snap);
	assert_int_equal(snap.pools.gathered[L], POOL - NEED);
	assert_int_equal(module_of(&snap, "lock_a").gathered[L], 0);
	assert_int_equal(module_of(&snap, "lock_b").gathered[L], POOL - NEED);
	assert_int_equal(snap.pools.pool[L].free, 0);
	/* The first returns its set: the second completes at its poll. */
	mt_worker_run(&w[0], return_all_fn, &m[0]);
	assert_int_equal(m[0].rc, 0);
	assert_int_equal(mt_poll(&w[1]), 1);
	assert_int_equal(m[1].state, HELD);
	assert_int_equal(m[1].completions, 1);
	assert_false(m[1].bad_cb);
	mt_worker_run(&w[1], return_all_fn, &m[1]);
	assert_int_equal(m[1].rc, 0);
	assert_int_equal(pool().pool[L].free, POOL);
	for (int i = 0; i < 2; i++) {
		mt_close(&w[i], ch[i]);
		mt_worker_stop(&w[i]);
	}
}

/* ---- step by step -------------------------------------------------------- */

/* Completions each request makes before it stops queueing again. */
#define STEP_ROUNDS 4
#define STEP_MAX 2000

/*
 * Two workers, each with two requests of NEED, every request through a
 * module of its own so that the statistics show what each one gathered.
 * The main thread starts with the whole pool and returns it one buffer a
 * step; then whoever holds a set returns it one buffer a step.
 */
struct stepper {
	struct mt_worker w[2];
	struct sreq r[4];
	struct iobuf_channel *src;
	void *src_bufs[POOL];
	uint32_t src_held;
	int steps;
};

/*
 * The invariants after every put and every poll: a request that is not
 * waiting has nothing gathered; a waiting one has fewer than NEED unless
 * it was handed all of them and not called back yet (never once settled);
 * at most one holds a partial set; the pool's count is the sum of theirs.
 * Settled (no callback pending): while anyone waits, the ring is empty.
 */
static void step_check(struct stepper *t, bool settled)
{
	struct test_snapshot s;
	uint64_t sum = 0;
	int partial = 0, waiting = 0;

	test_snapshot_take(&s);
	for (int i = 0; i < 4; i++) {
		struct sreq *r = &t->r[i];
		uint64_t g = module_of(&s, r->module).gathered[L];

		assert_false(r->bad_cb);
		sum += g;
		if (r->state != WAITING) {
			if (g != 0)
				fail_msg("step %d: %s is not waiting but has %"
					 PRIu64 " buffers gathered", t->steps,
					 r->module, g);
			continue;
		}
		waiting++;
		if (g > NEED || (settled && g == NEED))
			fail_msg("step %d: %s waits with %" PRIu64 " of %d "
				 "gathered after every poll", t->steps,
				 r->module, g, NEED);
		if (g > 0 && g < NEED)
			partial++;
	}
	assert_int_equal(s.pools.gathered[L], sum);
	if (partial > 1) {
		iobuf_dump(stderr);
		fail_msg("step %d: %d requests hold part of their set: the "
			 "pool is split between them", t->steps, partial);
	}
	if (settled && waiting > 0 && s.pools.pool[L].free != 0)
		fail_msg("step %d: %d requests wait, yet %" PRIu64 " buffers "
			 "stay in the ring after every thread polled",
			 t->steps, waiting, s.pools.pool[L].free);
	test_assert_conservation();
}

/* Both workers poll in turn until neither calls anything back. */
static void step_settle(struct stepper *t)
{
	int a, b, rounds = 0;

	do {
		a = mt_poll(&t->w[0]);
		step_check(t, false);
		b = mt_poll(&t->w[1]);
		step_check(t, false);
		assert_true(++rounds < 100);
	} while (a + b > 0);
	step_check(t, true);
}

static struct sreq *next_holder(struct stepper *t, uint32_t *rr)
{
	for (int k = 0; k < 4; k++) {
		struct sreq *r = &t->r[(*rr + (uint32_t)k) % 4];

		if (r->state == HELD) {
			*rr = (uint32_t)(r - t->r + 1) % 4;
			return r;
		}
	}
	return NULL;
}

static void no_two_requests_hold_part_of_the_pool_step_by_step(void **state)
{
	const char *mods[4] = { "step_a1", "step_b1", "step_a2", "step_b2" };
	struct stepper *t = calloc(1, sizeof(*t));
	uint32_t rr = 0;

	(void)state;
	assert_non_null(t);
	for (int i = 0; i < 2; i++)
		mt_worker_start(&t->w[i]);
	t->src = test_channel("step_src", 0, 0);
	assert_int_equal(test_drain(t->src, LARGE, t->src_bufs, POOL), POOL);
	t->src_held = POOL;
	for (int i = 0; i < 4; i++) {
		struct sreq *r = &t->r[i];

		assert_int_equal(iobuf_register_module(mods[i]), 0);
		r->module = mods[i];
		r->w = &t->w[i % 2];
		r->ch = mt_open(r->w, mods[i], 0, 0);
	}
	/* Queued a1, b1, a2, b2: alternating between the threads. */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(sreq_issue(&t->r[i]), -ENOMEM);
		step_check(t, false);
	}
	step_settle(t);

	for (t->steps = 1;; t->steps++) {
		int busy = t->src_held > 0;

		for (int i = 0; i < 4; i++)
			busy += t->r[i].state != IDLE;
		if (!busy)
			break;
		assert_true(t->steps < STEP_MAX);
		if (t->src_held > 0) {
			iobuf_put(t->src, t->src_bufs[--t->src_held], LARGE);
		} else {
			struct sreq *r = next_holder(t, &rr);

			if (r == NULL) {
				iobuf_dump(stderr);
				fail_msg("step %d: requests wait, but nobody "
					 "holds a set to return: the pool is "
					 "split or lost", t->steps);
			}
			mt_worker_run(r->w, return_one_fn, r);
			if (r->state == IDLE && r->completions < STEP_ROUNDS) {
				int rc = sreq_issue(r);

				assert_true(rc == 0 || rc == -ENOMEM);
			}
		}
		step_check(t, false);
		step_settle(t);
	}
	fprintf(stderr, "# %d steps\n", t->steps);
	for (int i = 0; i < 4; i++)
		assert_int_equal(t->r[i].completions, STEP_ROUNDS);
	assert_int_equal(pool().pool[L].free, POOL);
	for (int i = 0; i < 4; i++)
		mt_close(t->r[i].w, t->r[i].ch);
	for (int i = 0; i < 2; i++)
		mt_worker_stop(&t->w[i]);
	iobuf_channel_fini(t->src);
	free(t);
}

/* ---- a limit across threads ---------------------------------------------- */

#define LIMIT 3

/*
 * A thread that gets one or two large buffers at a time (single gets and
 * multi requests, waiting with an entry and polling), holds them a moment
 * and returns them. The threads of the limited module add what they hold
 * to in_hand after each get and take it off before each put, so in_hand
 * never exceeds what the library counts for the module.
 */
struct limiter {
	pthread_t tid;
	const char *module;
	uint32_t large_cache;
	bool limited;
	uint64_t n;
	struct mt_rng rng;
	pthread_barrier_t *start;
	struct iobuf_entry entry;
	void *bufs[4];
	uint32_t want;
	int got;                /* callbacks since the last get */
	uint64_t done;          /* atomic */
	int finished;           /* atomic */
	const char *err;
};

static uint64_t limit_in_hand;  /* atomic */
static uint64_t limit_peak;     /* atomic */

static void limiter_one_cb(struct iobuf_entry *entry, void *buf)
{
	struct limiter *t = TEST_CONTAINER_OF(entry, struct limiter, entry);

	t->bufs[0] = buf;
	t->got++;
}

static void limiter_multi_cb(struct iobuf_entry *entry, void **bufs,
			     uint32_t n)
{
	struct limiter *t = TEST_CONTAINER_OF(entry, struct limiter, entry);

	if (bufs != t->bufs || n != t->want)
		t->err = "callback with another array or count";
	t->got++;
}

static void *limiter_main(void *arg)
{
	struct limiter *t = arg;
	struct iobuf_channel *ch = NULL;
	uint64_t done = 0;

	if (iobuf_channel_init(&ch, t->module, 0, t->large_cache) != 0)
		t->err = "iobuf_channel_init failed";
	pthread_barrier_wait(t->start);
	while (ch != NULL && done < t->n && t->err == NULL &&
	       !__atomic_load_n(&layers_stop, __ATOMIC_ACQUIRE)) {
		bool single = mt_rng_below(&t->rng, 2) == 0;
		uint64_t now, peak;
		int rc = 0;

		t->want = !t->limited ? 4 :
			single ? 1 : 2 + mt_rng_below(&t->rng, 2);
		t->got = 0;
		if (single && t->limited) {
			void *b = iobuf_get(ch, LARGE, &t->entry,
					    limiter_one_cb);

			if (b != NULL) {
				t->bufs[0] = b;
				t->got = 1;
			}
		} else {
			rc = iobuf_get_multi(ch, LARGE, t->bufs, t->want,
					     &t->entry, limiter_multi_cb);
			if (rc == 0)
				t->got = 1;
			else if (rc != -ENOMEM)
				t->err = "iobuf_get_multi failed";
		}
		while (t->got == 0 && t->err == NULL &&
		       !__atomic_load_n(&layers_stop, __ATOMIC_ACQUIRE))
			if (iobuf_thread_poll() == 0)
				pause_a_little();
		if (t->got == 0) {
			iobuf_entry_abort(ch, &t->entry, LARGE);
			break;
		}
		if (t->got != 1)
			t->err = "called back more than once";
		if (t->limited) {
			now = __atomic_add_fetch(&limit_in_hand, t->want,
						 __ATOMIC_SEQ_CST);
			peak = __atomic_load_n(&limit_peak, __ATOMIC_SEQ_CST);
			while (now > peak &&
			       !__atomic_compare_exchange_n(&limit_peak, &peak,
					now, false, __ATOMIC_SEQ_CST,
					__ATOMIC_SEQ_CST))
				;
		}
		for (uint32_t i = mt_rng_below(&t->rng, 8); i > 0; i--)
			if (iobuf_thread_poll() == 0)
				pause_a_little();
		if (t->limited)
			__atomic_sub_fetch(&limit_in_hand, t->want,
					   __ATOMIC_SEQ_CST);
		if (iobuf_put_bulk(ch, t->bufs, t->want) != 0)
			t->err = "iobuf_put_bulk failed";
		done++;
		__atomic_store_n(&t->done, done, __ATOMIC_RELEASE);
	}
	if (ch != NULL)
		iobuf_channel_fini(ch);
	__atomic_store_n(&t->finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void a_limit_holds_across_threads_of_its_module(void **state)
{
	struct iobuf_module_opts o = { .opts_size = sizeof(o) };
	struct limiter t[3];
	struct iobuf_module_stats m;
	pthread_barrier_t start;
	uint64_t last = 0, since = mt_now_ns(), n = layer_requests() / 2;
	bool stalled = false;

	(void)state;
	memset(t, 0, sizeof(t));
	o.limit[L] = LIMIT;
	assert_int_equal(iobuf_register_module_ext("limited", &o), 0);
	assert_int_equal(iobuf_register_module("unlimited"), 0);
	__atomic_store_n(&layers_stop, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&limit_in_hand, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&limit_peak, 0, __ATOMIC_RELEASE);
	assert_int_equal(pthread_barrier_init(&start, NULL, 3), 0);
	for (int i = 0; i < 3; i++) {
		t[i].module = i < 2 ? "limited" : "unlimited";
		t[i].limited = i < 2;
		/* One limited channel keeps a cache, which counts too. */
		t[i].large_cache = i == 1 ? 1 : 0;
		t[i].n = n;
		t[i].start = &start;
		mt_rng_seed(&t[i].rng, 0x11a1 + (uint64_t)i);
		assert_int_equal(pthread_create(&t[i].tid, NULL, limiter_main,
						&t[i]), 0);
	}
	for (;;) {
		const struct timespec tick = { .tv_nsec = 5 * 1000 * 1000 };
		uint64_t total = 0;
		int finished = 0;

		for (int i = 0; i < 3; i++) {
			total += __atomic_load_n(&t[i].done, __ATOMIC_ACQUIRE);
			finished += __atomic_load_n(&t[i].finished,
						    __ATOMIC_ACQUIRE);
		}
		if (finished == 3)
			break;
		if (total != last) {
			last = total;
			since = mt_now_ns();
		} else if (!stalled && mt_now_ns() - since >
			   MT_WAIT_LIMIT_MS * 1000000ull) {
			iobuf_dump(stderr);
			stalled = true;
			__atomic_store_n(&layers_stop, 1, __ATOMIC_RELEASE);
		}
		nanosleep(&tick, NULL);
	}
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_join(t[i].tid, NULL), 0);
	pthread_barrier_destroy(&start);
	for (int i = 0; i < 3; i++)
		if (t[i].err != NULL)
			fail_msg("thread %d: %s", i, t[i].err);
	if (stalled)
		fail_msg("no request completed for %d ms (dump above)",
			 MT_WAIT_LIMIT_MS);
	test_module_stats("limited", &m);
	fprintf(stderr, "# the limited module's callers held at most %" PRIu64
		" of %d; %" PRIu64 " gets met the limit\n", limit_peak, LIMIT,
		m.limit_waits[L]);
	assert_true(limit_peak <= LIMIT);
	assert_int_equal(m.limit[L], LIMIT);
	for (int i = 0; i < 3; i++)
		assert_int_equal(t[i].done, n);
	test_assert_conservation();
	assert_int_equal(pool().pool[L].free, POOL);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, mm_setup, test_teardown)
	const struct CMUnitTest tests[] = {
		T(two_layers_needing_five_of_eight_complete_every_request),
		T(single_gets_holding_partial_sets_stall_where_multi_does_not),
		T(threads_competing_for_five_of_eight_are_served_fairly),
		T(no_two_requests_hold_part_of_the_pool_step_by_step),
		T(a_limit_holds_across_threads_of_its_module),
	};
#undef T

	return cmocka_run_group_tests_name("mt_multi", tests, test_group_setup,
					   test_group_teardown);
}
