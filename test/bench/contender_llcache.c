/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * A linked-list cache in the style of SPDK's iobuf, written from its
 * description: each thread's free list is threaded through the first bytes
 * of the buffers themselves; an empty cache refills with one burst of up to
 * 32 from a default (MP/MC) rte_ring; a cache that holds cache_size + 32
 * flushes 32 back with one bulk enqueue. It is the fastest form of that
 * design (a plain stack, no tail pointer, no wait-queue check), so iobuf is
 * compared with its best case. Every get reads and every put writes the
 * buffer's first cache line: that is what the cold-buffer workload shows.
 * Its get and put are inline in the loops (loops.h), its refill and flush
 * out of line, as a header-only cache would have them.
 */

#include <errno.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_memzone.h>
#include <rte_ring.h>

#include "bench.h"

#define LL_BATCH 32u

struct ll_buf {
	struct ll_buf *next;
};

struct ll_cache {
	struct ll_buf *head;
	uint32_t count;
	uint32_t size;
	uint32_t batch;
	struct rte_ring *ring;
};

struct ll_handle {
	struct ll_cache cls[IOBUF_CLASS_COUNT];
} __attribute__((aligned(64)));

static struct {
	struct rte_ring *ring[IOBUF_CLASS_COUNT];
	const struct rte_memzone *mz[IOBUF_CLASS_COUNT];
	uint32_t count[IOBUF_CLASS_COUNT];
} ll;

static void ll_free(void)
{
	for (int cls = 0; cls < IOBUF_CLASS_COUNT; cls++) {
		rte_ring_free(ll.ring[cls]);
		rte_memzone_free(ll.mz[cls]);
		ll.ring[cls] = NULL;
		ll.mz[cls] = NULL;
	}
}

static int ll_class_create(int cls, uint32_t count)
{
	size_t bufsize = cls == IOBUF_CLASS_SMALL ? BENCH_SMALL_SIZE : BENCH_LARGE_SIZE;
	char name[RTE_RING_NAMESIZE];
	char *base;

	snprintf(name, sizeof(name), "bll_%d", cls);
	ll.ring[cls] = rte_ring_create(name, count, SOCKET_ID_ANY, RING_F_EXACT_SZ);
	if (ll.ring[cls] == NULL) {
		fprintf(stderr, "llcache: ring of %u: %s\n", count, rte_strerror(rte_errno));
		return -rte_errno;
	}
	ll.mz[cls] = rte_memzone_reserve_aligned(name, count * bufsize, SOCKET_ID_ANY,
						 RTE_MEMZONE_IOVA_CONTIG, BENCH_ALIGN);
	if (ll.mz[cls] == NULL) {
		fprintf(stderr, "llcache: %zu bytes: %s; raise -m in IOBUF_EAL_ARGS\n",
			count * bufsize, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	base = ll.mz[cls]->addr;
	for (uint32_t i = 0; i < count; i++) {
		void *buf = base + i * bufsize;

		if (rte_ring_enqueue(ll.ring[cls], buf) != 0)
			return -ENOSPC;
	}
	ll.count[cls] = count;
	return 0;
}

static int ll_setup(const struct bench_pools *pools)
{
	int rc = 0;

	for (int cls = 0; cls < IOBUF_CLASS_COUNT && rc == 0; cls++)
		rc = ll_class_create(cls, pools->count[cls]);
	if (rc != 0)
		ll_free();
	return rc;
}

static uint64_t ll_teardown(void)
{
	uint64_t missing = 0;

	for (int cls = 0; cls < IOBUF_CLASS_COUNT; cls++) {
		unsigned int n = rte_ring_count(ll.ring[cls]);

		if (n != ll.count[cls])
			fprintf(stderr, "llcache: class %d: %u of %u buffers missing\n",
				cls, ll.count[cls] - n, ll.count[cls]);
		missing += ll.count[cls] - n;
	}
	ll_free();
	return missing;
}

static __attribute__((noinline, cold)) void *ll_refill(struct ll_cache *c)
{
	void *bufs[LL_BATCH];
	unsigned int n;

	n = rte_ring_dequeue_burst(c->ring, bufs, c->batch, NULL);
	if (n == 0)
		return NULL;
	for (unsigned int i = 1; i < n; i++) {
		struct ll_buf *b = bufs[i];

		b->next = c->head;
		c->head = b;
	}
	c->count += n - 1;
	return bufs[0];
}

static __attribute__((noinline, cold)) void ll_flush(struct ll_cache *c, uint32_t n)
{
	void *bufs[LL_BATCH];

	for (uint32_t i = 0; i < n; i++) {
		bufs[i] = c->head;
		c->head = c->head->next;
	}
	c->count -= n;
	rte_ring_enqueue_bulk(c->ring, bufs, n, NULL);
}

static inline void *ll_get(struct iobuf_channel *h, uint64_t len,
			   struct iobuf_entry *entry, iobuf_get_cb cb)
{
	struct ll_cache *c = &((struct ll_handle *)(void *)h)->cls[len > BENCH_SMALL_SIZE];
	struct ll_buf *b = c->head;

	(void)entry;
	(void)cb;
	if (bench_likely(b != NULL)) {
		c->head = b->next;
		c->count--;
		return b;
	}
	return ll_refill(c);
}

static inline void ll_put(struct iobuf_channel *h, void *buf, uint64_t len)
{
	struct ll_cache *c = &((struct ll_handle *)(void *)h)->cls[len > BENCH_SMALL_SIZE];
	struct ll_buf *b = buf;

	b->next = c->head;
	c->head = b;
	if (bench_unlikely(++c->count >= c->size + c->batch))
		ll_flush(c, c->batch);
}

static void ll_close(struct iobuf_channel *h)
{
	struct ll_handle *lh = (struct ll_handle *)(void *)h;

	for (int cls = 0; cls < IOBUF_CLASS_COUNT; cls++) {
		struct ll_cache *c = &lh->cls[cls];

		while (c->count > 0)
			ll_flush(c, c->count < LL_BATCH ? c->count : LL_BATCH);
	}
	free(lh);
}

static struct iobuf_channel *ll_open(uint32_t cache)
{
	struct ll_handle *lh;

	lh = aligned_alloc(64, sizeof(*lh));
	if (lh == NULL)
		return NULL;
	for (int cls = 0; cls < IOBUF_CLASS_COUNT; cls++) {
		struct ll_cache *c = &lh->cls[cls];

		*c = (struct ll_cache){
			.size = cache,
			.batch = cache == 0 ? 1 : cache < LL_BATCH ? cache : LL_BATCH,
			.ring = ll.ring[cls],
		};
	}
	/* Pre-fill, as SPDK's channel init does. */
	for (int cls = 0; cls < IOBUF_CLASS_COUNT; cls++) {
		struct ll_cache *c = &lh->cls[cls];

		while (c->count < cache) {
			void *buf = ll_refill(c);

			if (buf == NULL) {
				ll_close((struct iobuf_channel *)(void *)lh);
				errno = ENOMEM;
				return NULL;
			}
			ll_put((struct iobuf_channel *)(void *)lh, buf,
			       cls == IOBUF_CLASS_SMALL ? BENCH_SMALL_SIZE : BENCH_LARGE_SIZE);
		}
	}
	return (struct iobuf_channel *)(void *)lh;
}

#define LOOP_NAME(x) ll_loop_##x
#define LOOP_GET ll_get
#define LOOP_PUT ll_put
#include "loops.h"

const struct contender bench_llcache = {
	.name = "llcache",
	.setup = ll_setup,
	.teardown = ll_teardown,
	.open = ll_open,
	.close = ll_close,
	.get = ll_get,
	.put = ll_put,
	.loops = &ll_loop_loops,
};
