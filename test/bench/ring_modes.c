/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Which sync mode for the pool's ring. The pool's traffic is a cache
 * refill (rte_ring_dequeue_burst of 32) and a cache flush
 * (rte_ring_enqueue_bulk of 32); this replays that traffic on rings of each
 * mode, built here because the library picks its mode internally:
 *   - one thread, refill then flush (workload 2's ring cost, uncontended);
 *   - two pinned threads, both refilling and flushing (contended);
 *   - two pinned threads one way, one refilling and one flushing (workload
 *     4's ring cost).
 * DPDK's default MP/MC mode is there for reference only: it is not safe
 * when threads share a CPU. ring_oversub_run() measures that case, with
 * more threads than CPUs, in a process of its own.
 */

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <immintrin.h>

#include <rte_errno.h>
#include <rte_ring.h>

#include "bench.h"

#define RM_COUNT 16384u
#define RM_BATCH 32u
#define RM_MODES 3
#define RM_MAX_REPS 16

struct rm_mode {
	const char *name;
	const char *cli;
	unsigned int flags;
};

static const struct rm_mode rm_modes[RM_MODES] = {
	{ "RTS", "ring-rts", RING_F_MP_RTS_ENQ | RING_F_MC_RTS_DEQ },
	{ "HTS", "ring-hts", RING_F_MP_HTS_ENQ | RING_F_MC_HTS_DEQ },
	{ "default MP/MC", "ring-default", 0 },
};

enum rm_pattern { RM_SINGLE, RM_BOTH, RM_ONEWAY, RM_PATTERNS };

static const char *const rm_keys[RM_PATTERNS] = { "r1", "r2", "r4" };
static const char *const rm_labels[RM_PATTERNS] = {
	"1 thread: burst dequeue 32 + bulk enqueue 32 (ns per 32 buffers)",
	"2 pinned threads, both dequeue 32 + enqueue 32 (ns per 32, all threads)",
	"2 pinned threads one way: A dequeues 32, B enqueues 32 (ns per 32 moved)",
};
/* Batches per repetition: a few milliseconds each. */
static const uint64_t rm_iters[RM_PATTERNS] = { 200000, 100000, 100000 };

struct rm_run {
	struct rte_ring *r;
	enum rm_pattern pattern;
	uint64_t iters;
	pthread_barrier_t start;
	_Atomic bool stop;
	uint64_t end_ns[2];
};

static void rm_refill(struct rte_ring *r, unsigned int n)
{
	rte_ring_reset(r);
	for (uintptr_t i = 0; i < n; i++)
		rte_ring_enqueue(r, (void *)((i + 1) * BENCH_ALIGN));
}

struct rm_arg {
	struct rm_run *run;
	int id;
};

static void *rm_thread(void *arg)
{
	struct rm_run *run = ((struct rm_arg *)arg)->run;
	int id = ((struct rm_arg *)arg)->id;
	void *bufs[RM_BATCH];

	bench_pin(id);
	for (uint32_t i = 0; i < RM_BATCH; i++)
		bufs[i] = (void *)((uintptr_t)(i + 1) * BENCH_ALIGN);
	pthread_barrier_wait(&run->start);
	if (run->pattern == RM_BOTH) {
		for (uint64_t i = 0; i < run->iters; i++) {
			unsigned int n = rte_ring_dequeue_burst(run->r, bufs, RM_BATCH, NULL);

			while (n > 0 && rte_ring_enqueue_bulk(run->r, bufs, n, NULL) == 0)
				_mm_pause();
		}
	} else if (id == 0) {
		/* The refilling side counts the batches moved. */
		uint64_t moved = 0;

		while (moved < run->iters * RM_BATCH) {
			unsigned int n = rte_ring_dequeue_burst(run->r, bufs, RM_BATCH, NULL);

			if (n == 0)
				_mm_pause();
			moved += n;
		}
		atomic_store(&run->stop, true);
	} else {
		while (!atomic_load_explicit(&run->stop, memory_order_relaxed))
			if (rte_ring_enqueue_bulk(run->r, bufs, RM_BATCH, NULL) == 0)
				_mm_pause();
	}
	run->end_ns[id] = bench_now_ns();
	return NULL;
}

static double rm_measure(struct rte_ring *r, enum rm_pattern pattern)
{
	struct rm_run run = { .r = r, .pattern = pattern, .iters = rm_iters[pattern] };
	struct rm_arg args[2] = { { &run, 0 }, { &run, 1 } };
	pthread_t tid[2];
	uint64_t start, end;

	rm_refill(r, RM_COUNT / 2);
	if (pattern == RM_SINGLE) {
		void *bufs[RM_BATCH];

		start = bench_now_ns();
		for (uint64_t i = 0; i < run.iters; i++) {
			unsigned int n = rte_ring_dequeue_burst(r, bufs, RM_BATCH, NULL);

			rte_ring_enqueue_bulk(r, bufs, n, NULL);
		}
		return (double)(bench_now_ns() - start) / (double)run.iters;
	}
	pthread_barrier_init(&run.start, NULL, 3);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&tid[i], NULL, rm_thread, &args[i]) != 0)
			bench_die("pthread_create failed");
	pthread_barrier_wait(&run.start);
	start = bench_now_ns();
	for (int i = 0; i < 2; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&run.start);
	end = run.end_ns[0] > run.end_ns[1] ? run.end_ns[0] : run.end_ns[1];
	if (pattern == RM_BOTH)
		return (double)(end - start) / (double)(2 * run.iters);
	return (double)(run.end_ns[0] - start) / (double)run.iters;
}

void ring_modes_run(int reps)
{
	struct rte_ring *rings[RM_MODES];
	double samples[RM_PATTERNS][RM_MODES][RM_MAX_REPS];

	if (reps > RM_MAX_REPS)
		reps = RM_MAX_REPS;
	for (int m = 0; m < RM_MODES; m++) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "bench_rm_%d", m);
		rings[m] = rte_ring_create(name, RM_COUNT, SOCKET_ID_ANY,
					   rm_modes[m].flags | RING_F_EXACT_SZ);
		if (rings[m] == NULL)
			bench_die("ring %s: %s", rm_modes[m].name, rte_strerror(rte_errno));
	}
	for (int p = 0; p < RM_PATTERNS; p++) {
		for (int m = 0; m < RM_MODES; m++)
			rm_measure(rings[m], (enum rm_pattern)p);
		for (int r = 0; r < reps; r++)
			for (int m = 0; m < RM_MODES; m++)
				samples[p][m][r] = rm_measure(rings[m], (enum rm_pattern)p);
		for (int m = 0; m < RM_MODES; m++)
			bench_record_num("rings", rm_keys[p], rm_labels[p], rm_modes[m].name,
					 bench_median(samples[p][m], reps), "ns");
	}
	for (int m = 0; m < RM_MODES; m++)
		rte_ring_free(rings[m]);
}

/*
 * The oversubscribed pattern on a bare ring: unpinned threads, each
 * refilling and flushing 32 at a time, so that a thread preempted inside a
 * ring operation is likely. Run in a process of its own under a cap.
 *
 * The ring is as full as a pool's ring at rest: it holds everything but
 * the batches the threads take out. Such a ring always has room for what
 * comes back, yet a mode whose consumer tail lags behind completed
 * dequeues (RTS moves it only when no dequeue is in flight) refuses some
 * of those enqueues; the threads retry, as a pool must, and the refusals
 * are counted.
 */
struct ro_run {
	struct rte_ring *r;
	uint64_t iters;
	_Atomic uint64_t refused;
	pthread_barrier_t start;
	_Atomic int done;
	_Atomic uint64_t start_ns;
	_Atomic uint64_t end_ns;
};

static void *ro_thread(void *arg)
{
	struct ro_run *run = arg;
	void *bufs[RM_BATCH];
	uint64_t t, prev, refused = 0;

	bench_pin(-1);
	pthread_barrier_wait(&run->start);
	t = bench_now_ns();
	prev = atomic_load(&run->start_ns);
	while (t < prev && !atomic_compare_exchange_weak(&run->start_ns, &prev, t))
		;
	for (uint64_t i = 0; i < run->iters; i++) {
		unsigned int n = rte_ring_dequeue_burst(run->r, bufs, RM_BATCH, NULL);

		while (n > 0 && rte_ring_enqueue_bulk(run->r, bufs, n, NULL) == 0) {
			refused++;
			_mm_pause();
		}
	}
	atomic_fetch_add(&run->refused, refused);
	t = bench_now_ns();
	prev = atomic_load(&run->end_ns);
	while (t > prev && !atomic_compare_exchange_weak(&run->end_ns, &prev, t))
		;
	atomic_fetch_add(&run->done, 1);
	return NULL;
}

int ring_oversub_run(const char *mode, int threads, int reps, double cap_s)
{
	const struct timespec tick = { .tv_nsec = 1000000 };
	const uint64_t total = 400000;
	const struct rm_mode *m = NULL;
	double samples[RM_MAX_REPS];
	uint64_t refused = 0;
	char row[32], label[128], name[RTE_RING_NAMESIZE];
	uint64_t deadline = bench_now_ns() + (uint64_t)(cap_s * 1e9);
	struct rte_ring *r;
	pthread_t tid[64];

	for (int i = 0; i < RM_MODES; i++)
		if (strcmp(rm_modes[i].cli, mode) == 0)
			m = &rm_modes[i];
	if (m == NULL || threads < 1 || threads > 64)
		return -EINVAL;
	if (reps > RM_MAX_REPS)
		reps = RM_MAX_REPS;
	snprintf(row, sizeof(row), "r7.%d", threads);
	snprintf(label, sizeof(label),
		 "%d unpinned threads on %d CPUs, each dequeue 32 + enqueue 32 (wall ns per 32)",
		 threads, bench_ncpus());
	snprintf(name, sizeof(name), "bench_ro_%s", m->cli);
	r = rte_ring_create(name, RM_COUNT, SOCKET_ID_ANY, m->flags | RING_F_EXACT_SZ);
	if (r == NULL)
		bench_die("ring %s: %s", m->name, rte_strerror(rte_errno));
	for (int rep = 0; rep < reps; rep++) {
		struct ro_run *run = calloc(1, sizeof(*run));

		if (run == NULL)
			bench_die("out of memory");
		run->r = r;
		run->iters = total / (uint64_t)threads;
		run->start_ns = UINT64_MAX;
		rm_refill(r, RM_COUNT - (unsigned int)threads * RM_BATCH);
		pthread_barrier_init(&run->start, NULL, (unsigned int)threads + 1);
		for (int i = 0; i < threads; i++)
			if (pthread_create(&tid[i], NULL, ro_thread, run) != 0)
				bench_die("pthread_create failed");
		pthread_barrier_wait(&run->start);
		while (atomic_load(&run->done) < threads) {
			if (bench_now_ns() > deadline) {
				char value[32];

				snprintf(value, sizeof(value), "TIMEOUT %.0f", cap_s);
				bench_record("rings", row, label, m->name, value, "ns");
				/* Threads still spin inside the ring. */
				fflush(NULL);
				_exit(0);
			}
			nanosleep(&tick, NULL);
		}
		for (int i = 0; i < threads; i++)
			pthread_join(tid[i], NULL);
		samples[rep] = (double)(run->end_ns - run->start_ns) /
			(double)(run->iters * (uint64_t)threads);
		refused += run->refused;
		pthread_barrier_destroy(&run->start);
		free(run);
	}
	bench_record_num("rings", row, label, m->name, bench_median(samples, reps), "ns");
	snprintf(row, sizeof(row), "r7.%d.refused", threads);
	snprintf(label, sizeof(label),
		 "%d unpinned threads: enqueue attempts refused by a ring with room (%llu enqueues)",
		 threads, (unsigned long long)(total / (uint64_t)threads * (uint64_t)threads *
						(uint64_t)reps));
	bench_record_num("rings", row, label, m->name, (double)refused, "count");
	rte_ring_free(r);
	return 0;
}
