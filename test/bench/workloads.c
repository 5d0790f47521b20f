/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * The workloads' harness: threads, pinning, timing, and the set-up of each
 * cell. The loops themselves are in loops.h, compiled in each contender's
 * file around its own get and put.
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <immintrin.h>

#include "bench.h"

/* Workload 7: cache size, and the largest burst of gets then puts. */
#define OVERSUB_CACHE 32u
#define OVERSUB_BURST_MAX 256u

uint64_t wl_pairs_per_iter(enum workload wl, const struct cell *cell)
{
	switch (wl) {
	case WL_BURST:
	case WL_BULK:
	case WL_OVERSUB:
		return cell->n;
	default:
		return 1;
	}
}

void bench_get_failed(const struct cell *cell)
{
	bench_die("%s: get of %lu bytes failed (errno %d)", cell->c->name,
		  (unsigned long)cell->len, errno);
}

void bench_waiter_failed(const struct cell *cell, const char *what)
{
	bench_die("%s: %s", cell->c->name, what);
}

void *bench_waiter_buf;

void bench_waiter_cb(struct iobuf_entry *entry, void *buf)
{
	(void)entry;
	bench_waiter_buf = buf;
}

void spsc_wait(const struct spsc *r)
{
	if (r->yield)
		sched_yield();
	else
		_mm_pause();
}

struct prodcons {
	struct cell *cell;
	struct spsc ring;
	pthread_barrier_t start;
	uint64_t count;
	int cpu[2];
	uint64_t start_ns;
	uint64_t end_ns;
};

/* Pins the calling thread to cpu and opens its channel. */
static struct iobuf_channel *pc_open(const struct cell *cell, int cpu,
				     const char *role)
{
	struct iobuf_channel *h;

	bench_pin(cpu);
	h = cell->c->open(cell->cache);
	if (h == NULL)
		bench_die("%s: open on the %s failed", cell->c->name, role);
	return h;
}

static void *wl_producer(void *arg)
{
	struct prodcons *pc = arg;
	const struct cell *cell = pc->cell;
	struct iobuf_channel *h;

	h = pc_open(cell, pc->cpu[0], "producer");
	pthread_barrier_wait(&pc->start);
	pc->start_ns = bench_now_ns();
	cell->c->loops->produce(cell, h, &pc->ring, pc->count);
	cell->c->close(h);
	return NULL;
}

static void *wl_consumer(void *arg)
{
	struct prodcons *pc = arg;
	const struct cell *cell = pc->cell;
	struct iobuf_channel *h;

	h = pc_open(cell, pc->cpu[1], "consumer");
	pthread_barrier_wait(&pc->start);
	cell->c->loops->consume(cell, h, &pc->ring, pc->count);
	pc->end_ns = bench_now_ns();
	cell->c->close(h);
	return NULL;
}

/* Workload 4: producer on CPU 0, consumer on CPU 1, or both on CPU 0. */
static uint64_t wl_prodcons(struct cell *cell, uint64_t iters, bool one_cpu)
{
	struct prodcons *pc;
	pthread_t prod, cons;
	uint64_t elapsed;

	pc = aligned_alloc(64, sizeof(*pc));
	if (pc == NULL)
		bench_die("out of memory");
	memset(pc, 0, sizeof(*pc));
	pc->cell = cell;
	pc->count = iters;
	pc->cpu[1] = one_cpu ? 0 : 1;
	pc->ring.yield = one_cpu;
	pthread_barrier_init(&pc->start, NULL, 3);
	if (pthread_create(&prod, NULL, wl_producer, pc) != 0 ||
	    pthread_create(&cons, NULL, wl_consumer, pc) != 0)
		bench_die("pthread_create failed");
	/* The producer and consumer time themselves: this thread may share
	 * the producer's CPU and wake late. */
	pthread_barrier_wait(&pc->start);
	pthread_join(prod, NULL);
	pthread_join(cons, NULL);
	elapsed = pc->end_ns - pc->start_ns;
	pthread_barrier_destroy(&pc->start);
	free(pc);
	return elapsed;
}

/* Workload 7: threads that share the CPUs, each repeating bursts of gets
 * then puts through a small cache. */
struct oversub {
	struct cell *cell;
	pthread_barrier_t start;
	uint64_t bursts;
	_Atomic int done;
	_Atomic uint64_t start_ns;
	_Atomic uint64_t end_ns;
};

static void *wl_oversub_thread(void *arg)
{
	struct oversub *os = arg;
	const struct cell *cell = os->cell;
	void *bufs[OVERSUB_BURST_MAX];
	struct iobuf_channel *h;
	uint64_t start, end, prev;

	bench_pin(-1);
	h = cell->c->open(OVERSUB_CACHE);
	if (h == NULL)
		bench_die("%s: open failed", cell->c->name);
	pthread_barrier_wait(&os->start);
	start = bench_now_ns();
	prev = atomic_load(&os->start_ns);
	while (start < prev && !atomic_compare_exchange_weak(&os->start_ns, &prev, start))
		;
	cell->c->loops->oversub(cell, h, bufs, os->bursts);
	end = bench_now_ns();
	prev = atomic_load(&os->end_ns);
	while (prev < end && !atomic_compare_exchange_weak(&os->end_ns, &prev, end))
		;
	cell->c->close(h);
	atomic_fetch_add(&os->done, 1);
	return NULL;
}

static uint64_t wl_oversub(struct cell *cell, uint64_t iters)
{
	const struct timespec tick = { .tv_nsec = 1000000 };
	struct oversub *os;
	pthread_t tid[64];
	uint64_t elapsed;
	int n = cell->threads;

	if (n < 1 || n > 64 || cell->n < 1 || cell->n > OVERSUB_BURST_MAX)
		bench_die("oversubscribed: 1 to 64 threads and bursts of 1 to %u, not %d and %u",
			  OVERSUB_BURST_MAX, n, cell->n);
	os = calloc(1, sizeof(*os));
	if (os == NULL)
		bench_die("out of memory");
	os->cell = cell;
	os->bursts = iters / (uint64_t)n;
	os->start_ns = UINT64_MAX;
	pthread_barrier_init(&os->start, NULL, (unsigned int)n + 1);
	for (int i = 0; i < n; i++)
		if (pthread_create(&tid[i], NULL, wl_oversub_thread, os) != 0)
			bench_die("pthread_create failed");
	/* The workers time themselves (first start to last end): this
	 * thread only watches the cap, and may wait for a CPU to do it. */
	pthread_barrier_wait(&os->start);
	while (atomic_load(&os->done) < n) {
		if (bench_now_ns() > cell->deadline_ns) {
			/* The threads may spin forever: leave them, the caller
			 * reports the cap and exits the process. */
			cell->timed_out = true;
			return 0;
		}
		nanosleep(&tick, NULL);
	}
	for (int i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	elapsed = atomic_load(&os->end_ns) - atomic_load(&os->start_ns);
	pthread_barrier_destroy(&os->start);
	free(os);
	return elapsed;
}

/* How far apart the two CPUs are: a cache line bounced between them. */
struct pingpong {
	_Alignas(64) _Atomic uint64_t turn;
	uint64_t rounds;
};

static void *wl_pong(void *arg)
{
	struct pingpong *pp = arg;

	bench_pin(1);
	for (uint64_t i = 0; i < pp->rounds; i++) {
		while (atomic_load_explicit(&pp->turn, memory_order_acquire) != 2 * i + 1)
			_mm_pause();
		atomic_store_explicit(&pp->turn, 2 * i + 2, memory_order_release);
	}
	return NULL;
}

double wl_pingpong_ns(void)
{
	struct pingpong pp = { .rounds = 100000 };
	pthread_t tid;
	uint64_t start;

	if (pthread_create(&tid, NULL, wl_pong, &pp) != 0)
		bench_die("pthread_create failed");
	bench_pin(0);
	start = bench_now_ns();
	for (uint64_t i = 0; i < pp.rounds; i++) {
		atomic_store_explicit(&pp.turn, 2 * i + 1, memory_order_release);
		while (atomic_load_explicit(&pp.turn, memory_order_acquire) != 2 * i + 2)
			_mm_pause();
	}
	pthread_join(tid, NULL);
	return (double)(bench_now_ns() - start) / (double)pp.rounds;
}

int wl_prepare(enum workload wl, struct cell *cell)
{
	uint32_t slots = cell->n;

	if (wl == WL_PRODCONS || wl == WL_PRODCONS_1CPU || wl == WL_OVERSUB)
		return 0;
	cell->h = cell->c->open(cell->cache);
	if (cell->h == NULL)
		return errno != 0 ? -errno : -ENOMEM;
	if (wl == WL_WAITER)
		slots = 1u << 20;
	if (slots > 0) {
		cell->bufs = calloc(slots, sizeof(void *));
		if (cell->bufs == NULL)
			return -ENOMEM;
	}
	if (wl != WL_WAITER)
		return 0;
	/* Take every buffer of the class, keep one circulating, queue the entry. */
	cell->held = 0;
	while (cell->held < slots) {
		void *b = cell->c->get(cell->h, cell->len, NULL, NULL);

		if (b == NULL)
			break;
		cell->bufs[cell->held++] = b;
	}
	if (cell->held == 0 || cell->held == slots)
		return -ENOSPC;
	cell->cur = cell->bufs[--cell->held];
	bench_waiter_buf = NULL;
	if (cell->c->get(cell->h, cell->len, &cell->entry, bench_waiter_cb) != NULL)
		return -EEXIST;
	return 0;
}

void wl_release(enum workload wl, struct cell *cell)
{
	if (wl == WL_WAITER) {
		iobuf_entry_abort(cell->h, &cell->entry, cell->len);
		cell->c->put(cell->h, cell->cur, cell->len);
		while (cell->held > 0)
			cell->c->put(cell->h, cell->bufs[--cell->held], cell->len);
	}
	if (cell->h != NULL)
		cell->c->close(cell->h);
	cell->h = NULL;
	free(cell->bufs);
	cell->bufs = NULL;
}

uint64_t wl_run(enum workload wl, struct cell *cell, uint64_t iters)
{
	const struct bench_loops *loops = cell->c->loops;
	void (*loop)(struct cell *cell, uint64_t iters);
	uint64_t start;

	switch (wl) {
	case WL_PRODCONS:
		return wl_prodcons(cell, iters, false);
	case WL_PRODCONS_1CPU:
		return wl_prodcons(cell, iters, true);
	case WL_OVERSUB:
		return wl_oversub(cell, iters);
	case WL_HOT:
		loop = loops->hot;
		break;
	case WL_BURST:
		loop = loops->burst;
		break;
	case WL_COLD:
		loop = loops->cold;
		break;
	case WL_TOUCH:
		loop = loops->touch;
		break;
	case WL_BULK:
		loop = loops->bulk;
		break;
	case WL_WAITER:
		loop = loops->waiter;
		break;
	default:
		bench_die("unknown workload %d", (int)wl);
	}
	if (loop == NULL)
		bench_die("%s has no loop for workload %d", cell->c->name, (int)wl);
	start = bench_now_ns();
	loop(cell, iters);
	return bench_now_ns() - start;
}
