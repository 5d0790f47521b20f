/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Oversubscribed CPUs (issue 5, SPEC §1): four threads doing get, put and
 * wait on tiny pools, all pinned to ONE CPU, finish a fixed amount of work
 * about as fast as the same threads unpinned. A library that spins while a
 * preempted thread holds something (the default MP/MC ring, a lock, a
 * head/tail wait) would take a timeslice per contended operation and run
 * tens of times slower, or never finish.
 *
 * This is the one test with a timing assertion, because the issue asks for
 * exactly that. The factor is generous (MT_PINNED_FACTOR) so a noisy
 * machine never trips it, and an absolute bound turns a hang into a
 * failure. Both durations are printed.
 *
 * The threads' own wait loops yield when there is nothing to do, as a
 * polite application on a shared CPU would: any slowdown left is the
 * library's.
 */

#include "mt_util.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PIN_THREADS 4
#define PIN_SMALL_COUNT 64   /* iobuf_opts minimums: waits are frequent */
#define PIN_LARGE_COUNT 8
#define PIN_WAIT_SMALL 15
#define PIN_WAIT_LARGE 1
#define PIN_TAKE_SMALL 48
#define PIN_TAKE_LARGE 6
_Static_assert(PIN_THREADS / 2 * PIN_WAIT_SMALL < PIN_SMALL_COUNT,
	       "waiters could hold every small buffer and deadlock");
_Static_assert(PIN_THREADS / 2 * PIN_WAIT_LARGE < PIN_LARGE_COUNT,
	       "waiters could hold every large buffer and deadlock");
#define PIN_CYCLES (MT_TSAN ? 4000 : MT_DEBUG_CHECKS ? 10000 : \
		    MT_ASAN ? 20000 : 60000)
#define MT_PINNED_FACTOR 20
/* Below this, scheduler granularity dominates: compare against it instead. */
#define PIN_FLOOR_NS (50ull * 1000000ull)
#define PIN_LIMIT_S 30

struct pin_req {
	struct iobuf_entry entry;
	void *buf;
	bool served;
};

struct pinner {
	pthread_t tid;
	int idx;
	int cpu;                  /* -1: leave the affinity alone */
	pthread_barrier_t *start;
	uint32_t *stop;           /* set by the main thread past the limit */
	/* results */
	int init_rc;
	uint64_t t_start;
	uint64_t t_end;
	int ncpus;                /* CPUs in the thread's affinity mask */
	uint64_t cycles;
	uint64_t waits;
	uint64_t bad;
};

static void pin_cb(struct iobuf_entry *entry, void *buf)
{
	struct pin_req *r = TEST_CONTAINER_OF(entry, struct pin_req, entry);

	r->buf = buf;
	r->served = true;
}

static bool stopped(const struct pinner *p)
{
	return __atomic_load_n(p->stop, __ATOMIC_RELAXED) != 0;
}

/*
 * Get a buffer of len, waiting when none is free: poll, and yield when
 * nothing came, as a polite application on a shared CPU would. NULL only
 * when told to stop.
 */
static void *pin_get(struct pinner *p, struct iobuf_channel *ch, uint64_t len)
{
	struct pin_req req = { 0 };
	void *buf = iobuf_get(ch, len, &req.entry, pin_cb);

	if (buf != NULL)
		return buf;
	if (errno != ENOMEM) {
		p->bad++;
		return NULL;
	}
	p->waits++;
	while (!req.served) {
		if (stopped(p)) {
			iobuf_entry_abort(ch, &req.entry, len);
			return NULL;
		}
		if (iobuf_thread_poll() == 0)
			sched_yield();
	}
	return req.buf;
}

/*
 * One cycle: take buffers, then return them all. Waiters (even threads,
 * no cache) take up to PIN_WAIT_SMALL small and PIN_WAIT_LARGE large
 * buffers and wait for each when none is free; takers (odd threads, with
 * caches) take what is free, up to PIN_TAKE_SMALL and PIN_TAKE_LARGE.
 * Takers can drain the pools, so waiters wait; waiters can never hold a
 * whole pool between them (static asserts), so nothing deadlocks.
 */
static void pin_cycle(struct pinner *p, struct iobuf_channel *ch,
		      struct mt_rng *rng)
{
	bool waiter = (p->idx & 1) == 0;
	uint32_t max_small = waiter ? PIN_WAIT_SMALL : PIN_TAKE_SMALL;
	uint32_t max_large = waiter ? PIN_WAIT_LARGE : PIN_TAKE_LARGE;
	void *held[PIN_TAKE_SMALL + PIN_TAKE_LARGE];
	/* Takers grab as much as they can; waiters a random amount. */
	uint32_t n = 0, small = waiter ? 1 + mt_rng_below(rng, max_small) :
				 max_small;
	uint32_t large = waiter ? mt_rng_below(rng, max_large + 1) : max_large;

	for (uint32_t i = 0; i < small + large; i++) {
		uint64_t len = i < small ? TEST_SMALL_SIZE : TEST_LARGE_SIZE;
		void *buf = waiter ? pin_get(p, ch, len) :
				     iobuf_get(ch, len, NULL, NULL);

		if (buf == NULL) {
			/* A taker found none free: on to the next class. */
			if (i < small)
				i = small - 1;
			continue;
		}
		held[n++] = buf;
	}
	for (uint32_t i = 0; i < n; i++)
		mt_stamp(held[i], ((uint64_t)p->idx << 32) | i);
	/* A taker keeps its buffers a while, like I/O in flight. */
	if (!waiter)
		sched_yield();
	for (uint32_t i = 0; i < n; i++) {
		if (!mt_stamp_ok(held[i], ((uint64_t)p->idx << 32) | i))
			p->bad++;
		iobuf_put(ch, held[i], 1);
	}
	iobuf_thread_poll();
}

static void *pinner_main(void *arg)
{
	struct pinner *p = arg;
	struct iobuf_channel *ch = NULL;
	struct mt_rng rng;
	cpu_set_t set;

	mt_rng_seed(&rng, 0x9170 + (uint64_t)p->idx);
	if (p->cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(p->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		p->ncpus = CPU_COUNT(&set);
	/* Waiters cache nothing: each get and put of theirs hits the ring. */
	p->init_rc = iobuf_channel_init(&ch, "pin", p->idx & 1 ? 8 : 0,
					p->idx & 1);
	pthread_barrier_wait(p->start);
	if (p->init_rc != 0)
		return NULL;
	p->t_start = mt_now_ns();
	while (p->cycles < PIN_CYCLES && !stopped(p)) {
		pin_cycle(p, ch, &rng);
		p->cycles++;
	}
	p->t_end = mt_now_ns();
	iobuf_channel_fini(ch);
	return NULL;
}

/* Run the work on PIN_THREADS threads, all on cpu (or unpinned if -1). */
static uint64_t run_work(int cpu, const char *what)
{
	struct pinner p[PIN_THREADS];
	pthread_barrier_t start;
	uint32_t stop = 0;
	struct timespec limit;
	uint64_t first = UINT64_MAX, last = 0, ns, waits = 0;
	bool late = false;

	memset(p, 0, sizeof(p));
	assert_int_equal(pthread_barrier_init(&start, NULL, PIN_THREADS + 1),
			 0);
	for (int i = 0; i < PIN_THREADS; i++) {
		p[i].idx = i;
		p[i].cpu = cpu;
		p[i].start = &start;
		p[i].stop = &stop;
		assert_int_equal(pthread_create(&p[i].tid, NULL, pinner_main,
						&p[i]), 0);
	}
	pthread_barrier_wait(&start);
	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_sec += PIN_LIMIT_S;
	for (int i = 0; i < PIN_THREADS; i++) {
		if (pthread_timedjoin_np(p[i].tid, NULL, &limit) == 0)
			continue;
		/* Past the bound: make the rest give up, then fail below. */
		late = true;
		__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
		limit.tv_sec += 10;
		if (pthread_timedjoin_np(p[i].tid, NULL, &limit) != 0)
			fail_msg("%s: thread %d stuck inside the library for "
				 "%d s", what, i, PIN_LIMIT_S + 10);
	}
	pthread_barrier_destroy(&start);

	/* From the first thread starting its work to the last one done. */
	for (int i = 0; i < PIN_THREADS; i++) {
		waits += p[i].waits;
		if (p[i].t_start < first)
			first = p[i].t_start;
		if (p[i].t_end > last)
			last = p[i].t_end;
	}
	ns = last > first ? last - first : 0;
	fprintf(stderr, "# %s: %d threads x %d cycles in %.3f s, %" PRIu64
		" waits\n", what, PIN_THREADS, PIN_CYCLES, (double)ns / 1e9,
		waits);
	for (int i = 0; i < PIN_THREADS; i++) {
		assert_int_equal(p[i].init_rc, 0);
		assert_int_equal(p[i].bad, 0);
		if (cpu >= 0)
			assert_int_equal(p[i].ncpus, 1);
	}
	if (late)
		fail_msg("%s: not done after %d s: the library spins while a "
			 "preempted thread holds something", what, PIN_LIMIT_S);
	for (int i = 0; i < PIN_THREADS; i++)
		assert_int_equal(p[i].cycles, PIN_CYCLES);
	return ns;
}

static void threads_pinned_to_one_cpu_finish_about_as_fast_as_unpinned(
	void **state)
{
	struct iobuf_opts opts;
	cpu_set_t set;
	uint64_t unpinned, pinned, base;
	int cpu = -1;

	(void)state;
	CPU_ZERO(&set);
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	for (int c = 0; c < CPU_SETSIZE && cpu < 0; c++)
		if (CPU_ISSET(c, &set))
			cpu = c;
	assert_true(cpu >= 0);

	test_opts_default(&opts);
	opts.small_pool_count = PIN_SMALL_COUNT;
	opts.large_pool_count = PIN_LARGE_COUNT;
	assert_int_equal(iobuf_set_opts(&opts), 0);
	assert_int_equal(iobuf_initialize(), 0);
	assert_int_equal(iobuf_register_module("pin"), 0);

	unpinned = run_work(-1, "unpinned");
	test_assert_conservation();
	pinned = run_work(cpu, "pinned to one CPU");
	test_assert_conservation();

	base = unpinned > PIN_FLOOR_NS ? unpinned : PIN_FLOOR_NS;
	fprintf(stderr, "# pinned/unpinned = %.2f (limit %d, against %.3f s)\n",
		(double)pinned / (double)unpinned, MT_PINNED_FACTOR,
		(double)base / 1e9);
	if (pinned > MT_PINNED_FACTOR * base)
		fail_msg("pinned run took %.3f s, over %d x %.3f s",
			 (double)pinned / 1e9, MT_PINNED_FACTOR,
			 (double)base / 1e9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			threads_pinned_to_one_cpu_finish_about_as_fast_as_unpinned,
			test_setup_bare, test_teardown),
	};

	return cmocka_run_group_tests_name("mt_pinned", tests,
					   test_group_setup,
					   test_group_teardown);
}
