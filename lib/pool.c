/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * The global pools: one IOVA-contiguous memzone holding every buffer (the
 * small pool first, then the large one) and one rte_ring of pointers per
 * class. A buffer's class follows from its address alone.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_memzone.h>
#include <rte_ring.h>

#include "iobuf_internal.h"

/*
 * Ring sync mode. The default MP/MC mode makes every thread spin while one
 * thread is preempted between moving the head and publishing the tail
 * (SPEC §1). RTS lets the last thread to finish publish the tail; HTS lets
 * one operation at a time through, so only a thread preempted mid-operation
 * holds the others, never one that merely waits. HTS was as fast or faster
 * than RTS where threads share CPUs (test/bench/RESULTS.md, ring sync
 * modes), and its free count is exact, so the ring needs no spare slots
 * and returning buffers taken from it never waits. The benchmark builds
 * the pool in each mode with -DIOB_RING_SYNC=.
 */
#define IOB_RING_SYNC_MPMC 0
#define IOB_RING_SYNC_RTS 1
#define IOB_RING_SYNC_HTS 2
#ifndef IOB_RING_SYNC
#define IOB_RING_SYNC IOB_RING_SYNC_HTS
#endif

#if IOB_RING_SYNC == IOB_RING_SYNC_RTS
/*
 * RTS has a cost: slots a consumer has emptied count as full until the last
 * concurrent consumer publishes the tail, so a ring sized exactly to the
 * pool refused enqueues under load (the pipeline example with 32 workers
 * lost buffers that way). The ring therefore has twice the pool's slots:
 * in-flight slots are bounded by the head-tail distance (htd_max, an eighth
 * of the ring) plus one operation, far below the spare half.
 */
#define IOB_RING_FLAGS (RING_F_MP_RTS_ENQ | RING_F_MC_RTS_DEQ | RING_F_EXACT_SZ)
#define IOB_RING_SLOTS(count) (2 * (count))
#elif IOB_RING_SYNC == IOB_RING_SYNC_HTS
/* Operations are serialised, so the free count is exact: count slots fit. */
#define IOB_RING_FLAGS (RING_F_MP_HTS_ENQ | RING_F_MC_HTS_DEQ | RING_F_EXACT_SZ)
#define IOB_RING_SLOTS(count) (count)
#elif IOB_RING_SYNC == IOB_RING_SYNC_MPMC
#define IOB_RING_FLAGS RING_F_EXACT_SZ
#define IOB_RING_SLOTS(count) (count)
#else
#error "IOB_RING_SYNC must be IOB_RING_SYNC_MPMC, _RTS or _HTS"
#endif

struct iob_global iob_g;

/* Slow path only (logging, debug builds): it divides. */
int
iob_buf_check(const void *buf, const char *what)
{
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		const struct iob_pool *p = &iob_g.pool[c];
		uint64_t off = (uintptr_t)buf - p->base;

		if (off >= p->count * p->bufsize)
			continue;
		if (off % p->bufsize == 0)
			return c;
		IOB_LOG_RATELIMITED(ERR, "%s: %p is %" PRIu64 " bytes into %s "
			"buffer %" PRIu64 ", not its start; refused, pass only "
			"pointers iobuf_get returned\n", what, buf,
			off % p->bufsize, iob_class_name(c), off / p->bufsize);
		return -1;
	}
	IOB_LOG_RATELIMITED(ERR, "%s: %p is not a pool buffer; refused, pass "
		"only pointers iobuf_get returned\n", what, buf);
	return -1;
}

uint64_t
iobuf_iova(const void *buf)
{
	uintptr_t a = (uintptr_t)buf;

	if (!iob_g.initialized || a - iob_g.base >= iob_g.span)
		return RTE_BAD_IOVA;
	return iob_g.iova_base + (a - iob_g.base);
}

void
iob_pool_region(struct iobuf_region *r)
{
	*r = (struct iobuf_region){
		.addr = (void *)iob_g.base,
		.len = iob_g.span,
		.iova = iob_g.iova_base,
	};
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		r->cls[c] = (struct iobuf_region_class){
			.first = (void *)iob_g.pool[c].base,
			.count = iob_g.pool[c].count,
			.bufsize = iob_g.pool[c].bufsize,
		};
}

/*
 * TSan pairs release and acquire by address, and an HTS ring publishes its
 * tail with a 4-byte store that the next operation reads with an 8-byte
 * load (test/sanitizers/tsan.supp): TSan never sees the hand-off and would
 * report every later use of a buffer on another thread, in the
 * application's code too. Each buffer address carries the hand-off.
 */
#ifdef IOB_TSAN
#include <sanitizer/tsan_interface.h>

static void
tsan_release(void *const *bufs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		__tsan_release(bufs[i]);
}

static void
tsan_acquire(void *const *bufs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		__tsan_acquire(bufs[i]);
}
#else
#define tsan_release(bufs, n) ((void)(bufs), (void)(n))
#define tsan_acquire(bufs, n) ((void)(bufs), (void)(n))
#endif

/*
 * A buffer's mark says it is in the ring. Only the thread that moves a
 * buffer into or out of the ring writes its mark, and the ring orders
 * those moves, so plain (relaxed) loads and stores suffice; a double put
 * shows as a buffer that arrives already marked.
 */
static inline uint8_t *
ring_mark(const struct iob_pool *p, const void *buf)
{
	/* One mark per page, so that a shift finds a buffer's: no division. */
	return &p->in_ring[((uintptr_t)buf - p->base) >> 12];
}

static void
unmark(int cls, void *const *bufs, unsigned int n)
{
	/* A copy: stores through uint8_t * would make the compiler reload p. */
	const struct iob_pool p = iob_g.pool[cls];

	for (unsigned int i = 0; i < n; i++)
		__atomic_store_n(ring_mark(&p, bufs[i]), 0, __ATOMIC_RELAXED);
}

/* Enqueue bufs, marked already; returns how many the ring took. */
static unsigned int
ring_enqueue(int cls, void *const *bufs, unsigned int n)
{
	struct rte_ring *r = iob_g.pool[cls].ring;
	unsigned int in;

	if (n == 0)
		return 0;
	if (IOBUF_DEBUG_CHECKS)
		iob_debug_ring_in(cls, bufs, n);
	tsan_release(bufs, n);
	in = rte_ring_enqueue_burst(r, bufs, n, NULL);
	/*
	 * RTS counts slots that concurrent consumers have emptied but not yet
	 * released as full, and its spare half covers them: what did not fit
	 * fits once they finish. The exact modes have a slot for every buffer,
	 * so a full ring there already holds every buffer: the rest are
	 * duplicates that slipped past the marks in a race between two
	 * threads putting the same buffer, and the copy in the ring stands.
	 */
	while (IOB_RING_SYNC == IOB_RING_SYNC_RTS && in < n) {
		rte_pause();
		in += rte_ring_enqueue_burst(r, bufs + in, n - in, NULL);
	}
	for (unsigned int i = in; i < n; i++)
		IOB_LOG_RATELIMITED(ERR, "%s buffer %p returned to a full pool: "
			"it was put twice; the extra copy is dropped. Find the "
			"double iobuf_put\n", iob_class_name(cls), bufs[i]);
	return in;
}

unsigned int
iob_ring_return(int cls, void *const *bufs, unsigned int n)
{
	const struct iob_pool p = iob_g.pool[cls];   /* see unmark() */
	unsigned int start = 0, in = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint8_t *mark = ring_mark(&p, bufs[i]);

		if (likely(__atomic_load_n(mark, __ATOMIC_RELAXED) == 0)) {
			__atomic_store_n(mark, 1, __ATOMIC_RELAXED);
			continue;
		}
		IOB_LOG_RATELIMITED(ERR, "%s buffer %p was put twice: it is in "
			"the pool already; the extra copy is dropped. Find the "
			"double iobuf_put (a -Ddebug_checks=true build aborts at "
			"it)\n", iob_class_name(cls), bufs[i]);
		in += ring_enqueue(cls, bufs + start, i - start);
		start = i + 1;
	}
	return in + ring_enqueue(cls, bufs + start, n - start);
}

size_t
iob_ring_memsize(uint64_t count)
{
	return (size_t)rte_ring_get_memsize(
		rte_align32pow2((uint32_t)IOB_RING_SLOTS(count) + 1));
}

unsigned int
iob_ring_take_burst(int cls, void **bufs, unsigned int n)
{
	unsigned int got = rte_ring_dequeue_burst(iob_g.pool[cls].ring, bufs, n,
						  NULL);

	unmark(cls, bufs, got);
	if (IOBUF_DEBUG_CHECKS)
		iob_debug_ring_out(cls, bufs, got);
	tsan_acquire(bufs, got);
	return got;
}

int
iob_ring_take_bulk(int cls, void **bufs, unsigned int n)
{
	if (rte_ring_dequeue_bulk(iob_g.pool[cls].ring, bufs, n, NULL) != n)
		return -ENOMEM;
	unmark(cls, bufs, n);
	if (IOBUF_DEBUG_CHECKS)
		iob_debug_ring_out(cls, bufs, n);
	tsan_acquire(bufs, n);
	return 0;
}

uint64_t
iob_ring_free_count(int cls)
{
	return iob_g.initialized ? rte_ring_count(iob_g.pool[cls].ring) : 0;
}

static void
pools_free(void)
{
	if (IOBUF_DEBUG_CHECKS)
		iob_debug_fini();
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		rte_ring_free(iob_g.pool[c].ring);
		iob_g.pool[c].ring = NULL;
		free(iob_g.pool[c].in_ring);
		iob_g.pool[c].in_ring = NULL;
	}
	rte_memzone_free(iob_g.mz);
	iob_g.mz = NULL;
	memset(&iob_g.pool, 0, sizeof(iob_g.pool));
	iob_g.base = 0;
	iob_g.span = 0;
}

static int
ring_create(int cls, struct iob_pool *p)
{
	char name[RTE_RING_NAMESIZE];
	uint64_t count = p->count;
	struct rte_ring *r;

	p->in_ring = calloc(count * (p->bufsize / IOB_ALIGN), 1);
	if (p->in_ring == NULL) {
		IOB_LOG(ERR, "out of memory for the %s pool's ring marks (%"
			PRIu64 " bytes)\n", iob_class_name(cls),
			count * (p->bufsize / IOB_ALIGN));
		return -ENOMEM;
	}

	snprintf(name, sizeof(name), "iobuf_%c%d_%u", iob_class_name(cls)[0],
		 (int)getpid(), iob_g.generation);
	r = rte_ring_create(name, (unsigned int)IOB_RING_SLOTS(count),
			    SOCKET_ID_ANY, IOB_RING_FLAGS);
	if (r == NULL) {
		IOB_LOG(ERR, "cannot create the %s ring for %" PRIu64 " buffers "
			"(%" PRIu64 " KiB): %s; lower iobuf_opts.%s_pool_count "
			"or give the EAL more memory (-m in IOBUF_EAL_ARGS)\n",
			iob_class_name(cls), count,
			(uint64_t)iob_ring_memsize(count) / 1024,
			rte_strerror(rte_errno), iob_class_name(cls));
		return -ENOMEM;
	}
	p->ring = r;
	return 0;
}

static void
ring_fill(int cls)
{
	struct iob_pool *p = &iob_g.pool[cls];
	void *batch[64];
	uint64_t i = 0;

	while (i < p->count) {
		unsigned int n = 0;

		while (n < RTE_DIM(batch) && i < p->count)
			batch[n++] = (void *)(p->base + i++ * p->bufsize);
		iob_ring_return(cls, batch, n);
	}
}

int
iob_pool_create(const struct iobuf_opts *o)
{
	uint64_t region_bytes = iob_region_bytes(o);
	char name[RTE_MEMZONE_NAMESIZE];
	int rc;

	iob_g.generation++;
	snprintf(name, sizeof(name), "iobuf_%d_%u", (int)getpid(),
		 iob_g.generation);
	iob_g.mz = rte_memzone_reserve_aligned(name, region_bytes,
		SOCKET_ID_ANY, RTE_MEMZONE_IOVA_CONTIG, IOB_ALIGN);
	if (iob_g.mz == NULL) {
		IOB_LOG(ERR, "cannot reserve %" PRIu64 " KiB of IOVA-contiguous "
			"memory for %" PRIu64 " small buffers of %" PRIu32
			" B and %" PRIu64 " large buffers of %" PRIu32 " B: %s; "
			"lower the pool counts in iobuf_opts or give the EAL "
			"more memory (-m in IOBUF_EAL_ARGS)\n",
			region_bytes >> 10, o->small_pool_count,
			o->small_bufsize, o->large_pool_count, o->large_bufsize,
			rte_strerror(rte_errno));
		return -ENOMEM;
	}
	if (iob_g.mz->iova == RTE_BAD_IOVA) {
		IOB_LOG(ERR, "the buffer region has no IOVA; run the EAL with "
			"--iova-mode=va or with physical addresses available\n");
		pools_free();
		return -ENOMEM;
	}

	iob_g.base = (uintptr_t)iob_g.mz->addr;
	iob_g.span = region_bytes;
	iob_g.iova_base = iob_g.mz->iova;
	iob_g.pool[IOBUF_CLASS_SMALL] = (struct iob_pool){
		.base = iob_g.base,
		.count = o->small_pool_count,
		.bufsize = o->small_bufsize,
	};
	iob_g.pool[IOBUF_CLASS_LARGE] = (struct iob_pool){
		.base = iob_g.base + iob_large_offset(o),
		.count = o->large_pool_count,
		.bufsize = o->large_bufsize,
	};

	if (IOBUF_DEBUG_CHECKS &&
	    iob_debug_init(iob_g.base, iob_g.span, iob_g.pool) != 0) {
		IOB_LOG(ERR, "iobuf_initialize: out of memory for the debug "
			"state of %" PRIu64 " buffers\n",
			o->small_pool_count + o->large_pool_count);
		pools_free();
		return -ENOMEM;
	}
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		rc = ring_create(c, &iob_g.pool[c]);
		if (rc != 0) {
			pools_free();
			return rc;
		}
		ring_fill(c);
	}
	iob_g.initialized = true;
	return 0;
}

void
iob_pool_destroy(void)
{
	pools_free();
	iob_g.initialized = false;
}
