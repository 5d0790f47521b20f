/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * The workload loops, compiled in each contender's own file so that its
 * get and put are written into them as a user's code writes them: an
 * inline fast path expands inside the loop, anything out of line is a
 * direct call from it. A contender's file defines, then includes this
 * file (again for another set of loops):
 *
 *   LOOP_NAME(x)                       a file-unique name for loop x
 *   LOOP_GET(h, len, entry, cb)        its get
 *   LOOP_PUT(h, buf, len)              its put
 *   LOOP_GET_BULK(h, len, bufs, n)     and LOOP_PUT_BULK(h, bufs, n), if
 *                                      it has bulk calls (get: 0 or -errno)
 *   LOOP_WAITER                        if its get queues wait entries
 *
 * and gets `static const struct bench_loops LOOP_NAME(loops)`. Every get
 * is checked for NULL, as a user would.
 *
 * Each contender thus has its own copy of every loop, and its own call
 * sites: with one loop shared by all, reached through function pointers,
 * a call site that had just jumped into a shared library slowed the
 * contenders measured after it (the no-op 2.5 ns per pair alone, 4.1-4.5
 * ns when it alternated with the others through one loop).
 */

#include <string.h>

#include <immintrin.h>

#include "bench.h"

#if !defined(LOOP_NAME) || !defined(LOOP_GET) || !defined(LOOP_PUT)
#error "define LOOP_NAME, LOOP_GET and LOOP_PUT before including loops.h"
#endif

static __attribute__((noinline)) void
LOOP_NAME(hot)(struct cell *cell, uint64_t iters)
{
	struct iobuf_channel *const h = cell->h;
	const uint64_t len = cell->len;

	for (uint64_t i = 0; i < iters; i++) {
		void *b = LOOP_GET(h, len, NULL, NULL);

		if (bench_unlikely(b == NULL))
			bench_get_failed(cell);
		LOOP_PUT(h, b, len);
	}
}

static __attribute__((noinline)) void
LOOP_NAME(burst)(struct cell *cell, uint64_t iters)
{
	struct iobuf_channel *const h = cell->h;
	const uint64_t len = cell->len;
	const uint32_t n = cell->n;
	void **const bufs = cell->bufs;

	for (uint64_t r = 0; r < iters; r++) {
		for (uint32_t i = 0; i < n; i++) {
			void *b = LOOP_GET(h, len, NULL, NULL);

			if (bench_unlikely(b == NULL))
				bench_get_failed(cell);
			bufs[i] = b;
		}
		for (uint32_t i = 0; i < n; i++)
			LOOP_PUT(h, bufs[i], len);
	}
}

/* As if a device had just written the buffer by DMA: its first line is in
 * no CPU cache. */
static __attribute__((noinline)) void
LOOP_NAME(cold)(struct cell *cell, uint64_t iters)
{
	struct iobuf_channel *const h = cell->h;
	const uint64_t len = cell->len;

	for (uint64_t i = 0; i < iters; i++) {
		void *b = LOOP_GET(h, len, NULL, NULL);

		if (bench_unlikely(b == NULL))
			bench_get_failed(cell);
		_mm_clflush(b);
		_mm_mfence();
		LOOP_PUT(h, b, len);
	}
}

static __attribute__((noinline)) void
LOOP_NAME(touch)(struct cell *cell, uint64_t iters)
{
	struct iobuf_channel *const h = cell->h;
	const uint64_t len = cell->len;

	for (uint64_t i = 0; i < iters; i++) {
		void *b = LOOP_GET(h, len, NULL, NULL);

		if (bench_unlikely(b == NULL))
			bench_get_failed(cell);
		memset(b, (int)i, len);
		LOOP_PUT(h, b, len);
	}
}

#ifdef LOOP_GET_BULK
static __attribute__((noinline)) void
LOOP_NAME(bulk)(struct cell *cell, uint64_t iters)
{
	struct iobuf_channel *const h = cell->h;
	const uint64_t len = cell->len;
	const uint32_t n = cell->n;
	void **const bufs = cell->bufs;

	for (uint64_t i = 0; i < iters; i++) {
		if (bench_unlikely(LOOP_GET_BULK(h, len, bufs, n) != 0))
			bench_get_failed(cell);
		LOOP_PUT_BULK(h, bufs, n);
	}
}
#endif

#ifdef LOOP_WAITER
/* Workload 6: the pool is empty and one entry waits; each round returns the
 * buffer (the entry's callback takes it) and queues the entry again. */
static __attribute__((noinline)) void
LOOP_NAME(waiter)(struct cell *cell, uint64_t iters)
{
	struct iobuf_channel *const h = cell->h;
	const uint64_t len = cell->len;
	void *cur = cell->cur;

	for (uint64_t i = 0; i < iters; i++) {
		LOOP_PUT(h, cur, len);
		cur = bench_waiter_buf;
		if (bench_unlikely(cur == NULL))
			bench_waiter_failed(cell, "put with a waiter did not call back");
		bench_waiter_buf = NULL;
		if (bench_unlikely(LOOP_GET(h, len, &cell->entry, bench_waiter_cb) != NULL))
			bench_waiter_failed(cell, "get from an empty pool returned a buffer");
	}
	cell->cur = cur;
}
#endif

static __attribute__((noinline)) void
LOOP_NAME(produce)(const struct cell *cell, struct iobuf_channel *h,
		   struct spsc *ring, uint64_t count)
{
	const uint64_t len = cell->len;
	uint64_t head = 0, tail = 0;

	for (uint64_t i = 0; i < count; i++) {
		void *b = LOOP_GET(h, len, NULL, NULL);

		if (bench_unlikely(b == NULL))
			bench_get_failed(cell);
		spsc_push(ring, &head, &tail, b);
	}
}

static __attribute__((noinline)) void
LOOP_NAME(consume)(const struct cell *cell, struct iobuf_channel *h,
		   struct spsc *ring, uint64_t count)
{
	const uint64_t len = cell->len;
	uint64_t head = 0, tail = 0;

	for (uint64_t i = 0; i < count; i++)
		LOOP_PUT(h, spsc_pop(ring, &head, &tail), len);
}

static __attribute__((noinline)) void
LOOP_NAME(oversub)(const struct cell *cell, struct iobuf_channel *h,
		   void **bufs, uint64_t bursts)
{
	const uint64_t len = cell->len;
	const uint32_t burst = cell->n;

	for (uint64_t r = 0; r < bursts; r++) {
		for (uint32_t i = 0; i < burst; i++) {
			bufs[i] = LOOP_GET(h, len, NULL, NULL);
			if (bench_unlikely(bufs[i] == NULL))
				bench_get_failed(cell);
		}
		for (uint32_t i = 0; i < burst; i++)
			LOOP_PUT(h, bufs[i], len);
	}
}

static const struct bench_loops LOOP_NAME(loops) = {
	.hot = LOOP_NAME(hot),
	.burst = LOOP_NAME(burst),
	.cold = LOOP_NAME(cold),
	.touch = LOOP_NAME(touch),
#ifdef LOOP_GET_BULK
	.bulk = LOOP_NAME(bulk),
#endif
#ifdef LOOP_WAITER
	.waiter = LOOP_NAME(waiter),
#endif
	.produce = LOOP_NAME(produce),
	.consume = LOOP_NAME(consume),
	.oversub = LOOP_NAME(oversub),
};

#undef LOOP_NAME
#undef LOOP_GET
#undef LOOP_PUT
#undef LOOP_GET_BULK
#undef LOOP_PUT_BULK
#undef LOOP_WAITER
