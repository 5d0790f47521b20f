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

int
iob_buf_class(const void *buf)
{
	uintptr_t a = (uintptr_t)buf;

	if (a - iob_g.base >= iob_g.span || (a & IOB_ALIGN_MASK) != 0)
		return -1;
	return a >= iob_g.pool[IOBUF_CLASS_LARGE].base;
}

int
iob_buf_check(const void *buf, const char *what)
{
	int cls = iob_buf_class(buf);
	const struct iob_pool *p;

	if (cls < 0) {
		IOB_LOG_RATELIMITED(ERR, "%s: %p is not a pool buffer (outside "
			"the pools or not 4 KiB aligned); refused, pass only "
			"pointers iobuf_get returned\n", what, buf);
		return -1;
	}
	p = &iob_g.pool[cls];
	/* Buffer sizes are multiples of 4 KiB, not powers of two: divide. */
	if (IOBUF_DEBUG_CHECKS &&
	    ((uintptr_t)buf - p->base) % p->bufsize != 0) {
		IOB_LOG_RATELIMITED(ERR, "%s: %p is inside %s buffer %" PRIu64
			" but not its start; refused\n", what, buf,
			iob_class_name(cls),
			((uintptr_t)buf - p->base) / p->bufsize);
		return -1;
	}
	return cls;
}

uint64_t
iobuf_iova(const void *buf)
{
	uintptr_t a = (uintptr_t)buf;

	if (!iob_g.initialized || a - iob_g.base >= iob_g.span)
		return RTE_BAD_IOVA;
	return iob_g.iova_base + (a - iob_g.base);
}

/*
 * TSan pairs release and acquire by address, and DPDK publishes the ring
 * tail with an 8-byte CAS but reads it 4 bytes over: TSan never sees the
 * hand-off and would report every later use of a buffer on another thread,
 * in the application's code too. Each buffer address carries the hand-off.
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

void
iob_ring_return(int cls, void *const *bufs, unsigned int n)
{
	if (IOBUF_DEBUG_CHECKS)
		iob_debug_ring_in(cls, bufs, n);
	tsan_release(bufs, n);
	/*
	 * bufs were taken from this ring, so they fit: at once in HTS and
	 * MPMC modes, whose free count is exact; in RTS mode the spare half
	 * covers slots not yet released, unless an operation of pathological
	 * size overlaps stalled consumers. Then waiting for them is right and
	 * dropping a buffer is not.
	 */
	while (rte_ring_enqueue_bulk(iob_g.pool[cls].ring, bufs, n, NULL) == 0)
		rte_pause();
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
	}
	rte_memzone_free(iob_g.mz);
	iob_g.mz = NULL;
	memset(&iob_g.pool, 0, sizeof(iob_g.pool));
	iob_g.base = 0;
	iob_g.span = 0;
}

static int
ring_create(int cls, uint64_t count)
{
	char name[RTE_RING_NAMESIZE];
	struct rte_ring *r;

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
	iob_g.pool[cls].ring = r;
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
	uint64_t small_bytes = o->small_pool_count * o->small_bufsize;
	uint64_t large_bytes = o->large_pool_count * o->large_bufsize;
	char name[RTE_MEMZONE_NAMESIZE];
	int rc;

	iob_g.generation++;
	snprintf(name, sizeof(name), "iobuf_%d_%u", (int)getpid(),
		 iob_g.generation);
	iob_g.mz = rte_memzone_reserve_aligned(name, small_bytes + large_bytes,
		SOCKET_ID_ANY, RTE_MEMZONE_IOVA_CONTIG, IOB_ALIGN);
	if (iob_g.mz == NULL) {
		IOB_LOG(ERR, "cannot reserve %" PRIu64 " MiB of IOVA-contiguous "
			"memory for %" PRIu64 " small buffers of %" PRIu32
			" B and %" PRIu64 " large buffers of %" PRIu32 " B: %s; "
			"lower the pool counts in iobuf_opts or give the EAL "
			"more memory (-m in IOBUF_EAL_ARGS)\n",
			(small_bytes + large_bytes) >> 20, o->small_pool_count,
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
	iob_g.span = small_bytes + large_bytes;
	iob_g.iova_base = iob_g.mz->iova;
	iob_g.pool[IOBUF_CLASS_SMALL] = (struct iob_pool){
		.base = iob_g.base,
		.count = o->small_pool_count,
		.bufsize = o->small_bufsize,
	};
	iob_g.pool[IOBUF_CLASS_LARGE] = (struct iob_pool){
		.base = iob_g.base + small_bytes,
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
		rc = ring_create(c, iob_g.pool[c].count);
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
