/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * The array stack of astack.h as a contender: its region and rings, its
 * out-of-line refill and flush, and the loops (loops.h) with its inline
 * get and put expanded inside them. A reference for iobuf's hot pair
 * rather than a peer: what the same policy costs written plainly, inline.
 */

#include <errno.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_memzone.h>
#include <rte_ring.h>

#include "astack.h"
#include "bench.h"

#define AS_PAGE 4096u
#define AS_BATCH_MAX 32u
#define AS_RING_FLAGS (RING_F_MP_HTS_ENQ | RING_F_MC_HTS_DEQ | RING_F_EXACT_SZ)

static struct {
	const struct rte_memzone *mz;
	struct rte_ring *ring[AS_CLASSES];
	uint32_t count[AS_CLASSES];
	uint64_t size[AS_CLASSES];
	/* The first page of each class; the large class starts on a multiple
	 * of its buffer size in pages, so that the divisibility test works on
	 * page indexes of the whole region. */
	uint64_t first[AS_CLASSES];
	uint64_t pages;
} as;

static void as_free(void)
{
	for (int cls = 0; cls < AS_CLASSES; cls++) {
		rte_ring_free(as.ring[cls]);
		as.ring[cls] = NULL;
	}
	rte_memzone_free(as.mz);
	as.mz = NULL;
}

static int as_setup(const struct bench_pools *pools)
{
	uint64_t large_pages = BENCH_LARGE_SIZE / AS_PAGE;

	as.size[AS_SMALL] = BENCH_SMALL_SIZE;
	as.size[AS_LARGE] = BENCH_LARGE_SIZE;
	as.first[AS_SMALL] = 0;
	as.first[AS_LARGE] = ((uint64_t)pools->count[AS_SMALL] * BENCH_SMALL_SIZE / AS_PAGE +
			      large_pages - 1) / large_pages * large_pages;
	as.pages = as.first[AS_LARGE] + pools->count[AS_LARGE] * large_pages;
	as.mz = rte_memzone_reserve_aligned("bench_astack", as.pages * AS_PAGE, SOCKET_ID_ANY,
					    RTE_MEMZONE_IOVA_CONTIG, AS_PAGE);
	if (as.mz == NULL) {
		fprintf(stderr, "astack: %llu bytes: %s; raise -m in IOBUF_EAL_ARGS\n",
			(unsigned long long)(as.pages * AS_PAGE), rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (int cls = 0; cls < AS_CLASSES; cls++) {
		char name[RTE_RING_NAMESIZE];
		char *buf = (char *)as.mz->addr + as.first[cls] * AS_PAGE;

		snprintf(name, sizeof(name), "bench_astack_%d", cls);
		as.ring[cls] = rte_ring_create(name, pools->count[cls], SOCKET_ID_ANY,
					       AS_RING_FLAGS);
		if (as.ring[cls] == NULL) {
			fprintf(stderr, "astack: ring of %u: %s\n", pools->count[cls],
				rte_strerror(rte_errno));
			as_free();
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < pools->count[cls]; i++, buf += as.size[cls])
			rte_ring_enqueue(as.ring[cls], buf);
		as.count[cls] = pools->count[cls];
	}
	return 0;
}

static uint64_t as_teardown(void)
{
	uint64_t missing = 0;

	for (int cls = 0; cls < AS_CLASSES; cls++)
		missing += as.count[cls] - rte_ring_count(as.ring[cls]);
	as_free();
	return missing;
}

static uint32_t as_base_batch(const struct as_batch *b)
{
	return b->size < AS_BATCH_MAX ? b->size : AS_BATCH_MAX;
}

static uint32_t as_grown(const struct as_batch *b, uint32_t batch)
{
	return 2 * batch < b->size ? 2 * batch : b->size;
}

void *as_get_miss(struct as_chan *ch, uint64_t len)
{
	struct as_class *c;
	struct as_batch *b;
	unsigned int n;
	int cls;

	if (len - 1 >= ch->large_size) {
		errno = EINVAL;
		return NULL;
	}
	cls = len > ch->small_size;
	c = &ch->cls[cls];
	b = &ch->batch[cls];
	n = rte_ring_dequeue_burst(b->ring, c->bufs, b->refill > 0 ? b->refill : 1, NULL);
	if (n == 0) {
		errno = ENOMEM;
		return NULL;
	}
	c->top = c->bufs + n - 1;
	if (n > 1) {
		b->refill = as_grown(b, b->refill);
		b->flush = as_base_batch(b);
		c->limit = c->bufs + b->size + b->flush;
	}
	return *c->top;
}

/* The class of buf if it starts a buffer of the region, else -1. */
static int as_class_of(const struct as_chan *ch, const void *buf)
{
	uint64_t off = (uintptr_t)buf - ch->base;
	uint64_t page = off / AS_PAGE;
	int cls = page >= ch->small_pages;

	if (off % AS_PAGE != 0 || page >= ch->pages ||
	    page * ch->cls[cls].div_mul > ch->cls[cls].div_max)
		return -1;
	return cls;
}

void as_put_miss(struct as_chan *ch, void *buf)
{
	int cls = as_class_of(ch, buf);
	struct as_class *c;
	struct as_batch *b;

	if (cls < 0)
		bench_die("astack: put of %p, not the start of a buffer", buf);
	c = &ch->cls[cls];
	b = &ch->batch[cls];
	if (b->flush == 0) {
		rte_ring_enqueue(b->ring, buf);
		return;
	}
	/* Full: flush a batch, keeping buf, the most recently used. */
	c->top -= b->flush;
	rte_ring_enqueue_bulk(b->ring, c->top, b->flush, NULL);
	*c->top++ = buf;
	b->flush = as_grown(b, b->flush);
	b->refill = as_base_batch(b);
	c->limit = c->bufs + b->size + b->flush;
}

static void as_close(struct iobuf_channel *h)
{
	struct as_chan *ch = (struct as_chan *)(void *)h;

	for (int cls = 0; cls < AS_CLASSES; cls++) {
		struct as_class *c = &ch->cls[cls];

		if (c->bufs == NULL)
			continue;
		rte_ring_enqueue_bulk(ch->batch[cls].ring, c->bufs,
				      (unsigned int)(c->top - c->bufs), NULL);
		free(c->bufs);
	}
	free(ch);
}

static struct iobuf_channel *as_open(uint32_t cache)
{
	struct as_chan *ch;

	ch = aligned_alloc(64, sizeof(*ch));
	if (ch == NULL)
		return NULL;
	*ch = (struct as_chan){
		.base = (uintptr_t)as.mz->addr,
		.small_pages = as.first[AS_LARGE],
		.pages = as.pages,
		.small_size = BENCH_SMALL_SIZE,
		.large_size = BENCH_LARGE_SIZE,
	};
	for (int cls = 0; cls < AS_CLASSES; cls++) {
		struct as_class *c = &ch->cls[cls];
		struct as_batch *b = &ch->batch[cls];

		b->ring = as.ring[cls];
		b->size = cache;
		b->refill = b->flush = as_base_batch(b);
		/* Divisibility by m pages, as lib/iobuf_internal.h tests it. */
		c->div_mul = UINT64_MAX / (as.size[cls] / AS_PAGE) + 1;
		c->div_max = c->div_mul - 1;
		/* The most it holds: size + a flush batch, and one to refill into. */
		c->bufs = malloc((2 * (size_t)cache + 1) * sizeof(void *));
		if (c->bufs == NULL ||
		    (cache > 0 && rte_ring_dequeue_bulk(b->ring, c->bufs, cache, NULL) == 0)) {
			c->top = c->bufs;
			as_close((struct iobuf_channel *)(void *)ch);
			errno = ENOMEM;
			return NULL;
		}
		c->top = c->bufs + cache;
		c->limit = c->bufs + b->size + b->flush;
	}
	return (struct iobuf_channel *)(void *)ch;
}

static inline void *as_loop_get(struct iobuf_channel *h, uint64_t len,
				struct iobuf_entry *entry, iobuf_get_cb cb)
{
	(void)entry;
	(void)cb;
	return as_get((struct as_chan *)(void *)h, len);
}

static inline void as_loop_put(struct iobuf_channel *h, void *buf, uint64_t len)
{
	(void)len;
	as_put((struct as_chan *)(void *)h, buf);
}

#define LOOP_NAME(x) as_loop_##x
#define LOOP_GET as_loop_get
#define LOOP_PUT as_loop_put
#include "loops.h"

const struct contender bench_astack = {
	.name = "array stack",
	.setup = as_setup,
	.teardown = as_teardown,
	.open = as_open,
	.close = as_close,
	.get = as_loop_get,
	.put = as_loop_put,
	.loops = &as_loop_loops,
};
