/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * The workloads. Each loop loads the contender's functions into locals
 * first, so every get and put is exactly one indirect call whatever the
 * contender (see bench.h), and checks every get for NULL as a user would.
 */

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <immintrin.h>

#include "bench.h"

/* Buffers in flight between producer and consumer (workload 4). */
#define SPSC_SIZE 1024u
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

static __attribute__((noinline, cold)) void wl_get_failed(const struct cell *cell)
{
	bench_die("%s: get of %lu bytes failed (errno %d)", cell->c->name,
		  (unsigned long)cell->len, errno);
}

static inline __attribute__((always_inline)) void
wl_hot(struct cell *cell, uint64_t iters)
{
	const bench_get_fn get = cell->c->get;
	const bench_put_fn put = cell->c->put;
	struct iobuf_channel *const h = cell->h;
	const uint64_t len = cell->len;

	for (uint64_t i = 0; i < iters; i++) {
		void *b = get(h, len, NULL, NULL);

		if (bench_unlikely(b == NULL))
			wl_get_failed(cell);
		put(h, b, len);
	}
}

static inline __attribute__((always_inline)) void
wl_burst(struct cell *cell, uint64_t iters)
{
	const bench_get_fn get = cell->c->get;
	const bench_put_fn put = cell->c->put;
	struct iobuf_channel *const h = cell->h;
	const uint64_t len = cell->len;
	const uint32_t n = cell->n;
	void **const bufs = cell->bufs;

	for (uint64_t r = 0; r < iters; r++) {
		for (uint32_t i = 0; i < n; i++) {
			void *b = get(h, len, NULL, NULL);

			if (bench_unlikely(b == NULL))
				wl_get_failed(cell);
			bufs[i] = b;
		}
		for (uint32_t i = 0; i < n; i++)
			put(h, bufs[i], len);
	}
}

/* As if a device had just written the buffer by DMA: its first line is in
 * no CPU cache. */
static inline __attribute__((always_inline)) void
wl_cold(struct cell *cell, uint64_t iters)
{
	const bench_get_fn get = cell->c->get;
	const bench_put_fn put = cell->c->put;
	struct iobuf_channel *const h = cell->h;
	const uint64_t len = cell->len;

	for (uint64_t i = 0; i < iters; i++) {
		void *b = get(h, len, NULL, NULL);

		if (bench_unlikely(b == NULL))
			wl_get_failed(cell);
		_mm_clflush(b);
		_mm_mfence();
		put(h, b, len);
	}
}

static inline __attribute__((always_inline)) void
wl_touch(struct cell *cell, uint64_t iters)
{
	const bench_get_fn get = cell->c->get;
	const bench_put_fn put = cell->c->put;
	struct iobuf_channel *const h = cell->h;
	const uint64_t len = cell->len;

	for (uint64_t i = 0; i < iters; i++) {
		void *b = get(h, len, NULL, NULL);

		if (bench_unlikely(b == NULL))
			wl_get_failed(cell);
		memset(b, (int)i, len);
		put(h, b, len);
	}
}

static inline __attribute__((always_inline)) void
wl_bulk(struct cell *cell, uint64_t iters)
{
	const bench_get_bulk_fn get_bulk = cell->c->get_bulk;
	const bench_put_bulk_fn put_bulk = cell->c->put_bulk;
	struct iobuf_channel *const h = cell->h;
	const uint64_t len = cell->len;
	const uint32_t n = cell->n;
	void **const bufs = cell->bufs;

	for (uint64_t i = 0; i < iters; i++) {
		if (bench_unlikely(get_bulk(h, len, bufs, n) != 0))
			wl_get_failed(cell);
		put_bulk(h, bufs, n);
	}
}

/* Workload 6: the pool is empty and one entry waits; each round returns the
 * buffer (its callback takes it) and queues the entry again. */
static void *waiter_buf;

static void wl_waiter_cb(struct iobuf_entry *entry, void *buf)
{
	(void)entry;
	waiter_buf = buf;
}

static inline __attribute__((always_inline)) void
wl_waiter(struct cell *cell, uint64_t iters)
{
	const bench_get_fn get = cell->c->get;
	const bench_put_fn put = cell->c->put;
	struct iobuf_channel *const h = cell->h;
	const uint64_t len = cell->len;
	void *cur = cell->cur;

	for (uint64_t i = 0; i < iters; i++) {
		put(h, cur, len);
		cur = waiter_buf;
		if (bench_unlikely(cur == NULL))
			bench_die("%s: put with a waiter did not call back", cell->c->name);
		waiter_buf = NULL;
		if (bench_unlikely(get(h, len, &cell->entry, wl_waiter_cb) != NULL))
			bench_die("%s: get from an empty pool returned a buffer", cell->c->name);
	}
	cell->cur = cur;
}

/* Workload 4: a single-producer single-consumer ring of buffer pointers,
 * each side caching the other's index so it reads the shared line only when
 * it looks full or empty. */
struct spsc {
	_Alignas(64) _Atomic uint64_t head;
	_Alignas(64) _Atomic uint64_t tail;
	_Alignas(64) void *slot[SPSC_SIZE];
};

struct prodcons {
	struct cell *cell;
	struct spsc ring;
	pthread_barrier_t start;
	uint64_t count;
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
	const bench_get_fn get = cell->c->get;
	const uint64_t len = cell->len;
	struct iobuf_channel *h;
	uint64_t head = 0, tail = 0;

	h = pc_open(cell, 0, "producer");
	pthread_barrier_wait(&pc->start);
	pc->start_ns = bench_now_ns();
	for (uint64_t i = 0; i < pc->count; i++) {
		void *b = get(h, len, NULL, NULL);

		if (bench_unlikely(b == NULL))
			wl_get_failed(cell);
		while (bench_unlikely(head - tail == SPSC_SIZE)) {
			tail = atomic_load_explicit(&pc->ring.tail, memory_order_acquire);
			if (head - tail == SPSC_SIZE)
				_mm_pause();
		}
		pc->ring.slot[head % SPSC_SIZE] = b;
		atomic_store_explicit(&pc->ring.head, ++head, memory_order_release);
	}
	cell->c->close(h);
	return NULL;
}

static void *wl_consumer(void *arg)
{
	struct prodcons *pc = arg;
	const struct cell *cell = pc->cell;
	const bench_put_fn put = cell->c->put;
	const uint64_t len = cell->len;
	struct iobuf_channel *h;
	uint64_t head = 0, tail = 0;

	h = pc_open(cell, 1, "consumer");
	pthread_barrier_wait(&pc->start);
	for (uint64_t i = 0; i < pc->count; i++) {
		void *b;

		while (bench_unlikely(tail == head)) {
			head = atomic_load_explicit(&pc->ring.head, memory_order_acquire);
			if (tail == head)
				_mm_pause();
		}
		b = pc->ring.slot[tail % SPSC_SIZE];
		atomic_store_explicit(&pc->ring.tail, ++tail, memory_order_release);
		put(h, b, len);
	}
	pc->end_ns = bench_now_ns();
	cell->c->close(h);
	return NULL;
}

static uint64_t wl_prodcons(struct cell *cell, uint64_t iters)
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
	const bench_get_fn get = cell->c->get;
	const bench_put_fn put = cell->c->put;
	const uint64_t len = cell->len;
	const uint32_t burst = cell->n;
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
	for (uint64_t r = 0; r < os->bursts; r++) {
		for (uint32_t i = 0; i < burst; i++) {
			bufs[i] = get(h, len, NULL, NULL);
			if (bench_unlikely(bufs[i] == NULL))
				wl_get_failed(cell);
		}
		for (uint32_t i = 0; i < burst; i++)
			put(h, bufs[i], len);
	}
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

	if (wl == WL_PRODCONS || wl == WL_OVERSUB)
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
	waiter_buf = NULL;
	if (cell->c->get(cell->h, cell->len, &cell->entry, wl_waiter_cb) != NULL)
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

/*
 * Every contender gets its own copy of each single-thread loop, and so its
 * own call sites: with one loop shared by all, a call site that had just
 * jumped into a shared library slowed the in-executable contenders measured
 * after it (measured: the no-op 2.5 ns per pair alone, 4.1-4.5 ns when it
 * alternated with the others through one loop).
 */
typedef void (*wl_loop_fn)(struct cell *cell, uint64_t iters);

struct wl_loops {
	wl_loop_fn hot, burst, cold, touch, bulk, waiter;
};

#define WL_COPY(n)							\
	static __attribute__((noinline)) void wl_hot_##n(struct cell *c, uint64_t i) { wl_hot(c, i); } \
	static __attribute__((noinline)) void wl_burst_##n(struct cell *c, uint64_t i) { wl_burst(c, i); } \
	static __attribute__((noinline)) void wl_cold_##n(struct cell *c, uint64_t i) { wl_cold(c, i); } \
	static __attribute__((noinline)) void wl_touch_##n(struct cell *c, uint64_t i) { wl_touch(c, i); } \
	static __attribute__((noinline)) void wl_bulk_##n(struct cell *c, uint64_t i) { wl_bulk(c, i); } \
	static __attribute__((noinline)) void wl_waiter_##n(struct cell *c, uint64_t i) { wl_waiter(c, i); }
#define WL_LOOPS(n) { wl_hot_##n, wl_burst_##n, wl_cold_##n, wl_touch_##n, wl_bulk_##n, wl_waiter_##n }

WL_COPY(0) WL_COPY(1) WL_COPY(2) WL_COPY(3) WL_COPY(4)
WL_COPY(5) WL_COPY(6) WL_COPY(7) WL_COPY(8) WL_COPY(9)

static const struct wl_loops wl_copies[] = {
	WL_LOOPS(0), WL_LOOPS(1), WL_LOOPS(2), WL_LOOPS(3), WL_LOOPS(4),
	WL_LOOPS(5), WL_LOOPS(6), WL_LOOPS(7), WL_LOOPS(8), WL_LOOPS(9),
};
#define N_COPIES (sizeof(wl_copies) / sizeof(wl_copies[0]))

/* The loop copies that belong to c, handed out in order of first use. */
static const struct wl_loops *wl_loops_of(const struct contender *c)
{
	static const struct contender *owner[N_COPIES];

	for (size_t i = 0; i < N_COPIES; i++) {
		if (owner[i] == NULL)
			owner[i] = c;
		if (owner[i] == c)
			return &wl_copies[i];
	}
	bench_die("more than %zu contenders: add loop copies in workloads.c", N_COPIES);
}

uint64_t wl_run(enum workload wl, struct cell *cell, uint64_t iters)
{
	const struct wl_loops *loops = wl_loops_of(cell->c);
	wl_loop_fn loop;
	uint64_t start;

	switch (wl) {
	case WL_PRODCONS:
		return wl_prodcons(cell, iters);
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
	start = bench_now_ns();
	loop(cell, iters);
	return bench_now_ns() - start;
}
