/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * A reference for iobuf's inline fast path: a per-thread array-stack cache
 * with iobuf's policy, written the plain way, its get and put inline from
 * this header and its misses out of line (contender_astack.c), as iobuf.h
 * and libiobuf.so divide them.
 *
 * The policy is iobuf's: a get picks the class from len (1 to the large
 * size), pops and counts a hit that other threads may read; a put picks
 * the class from the buffer's address and pushes only the exact start of a
 * buffer of the region (a page index that the class's buffer size in pages
 * divides, tested by a multiply); an empty stack refills a batch from the
 * class's rte_ring (HTS), a full one flushes a batch to it, and batches
 * double while a flow keeps going one way, up to the cache size (see
 * lib/iobuf_internal.h). Left out: wait entries and the pressure word,
 * debug checks, a layout fixed as ABI, and the marks that catch a buffer
 * put twice at the ring.
 */

#ifndef BENCH_ASTACK_H
#define BENCH_ASTACK_H

#include <stdint.h>

struct rte_ring;

enum { AS_SMALL, AS_LARGE, AS_CLASSES };

/* What the inline get and put use of a class: one cache line. */
struct as_class {
	void **top;
	/* A put that finds top here flushes. */
	void **limit;
	void **bufs;
	/* Gets served from the stack; read by other threads. */
	uint64_t hits;
	/* Exact start: page * div_mul <= div_max (mod 2^64). */
	uint64_t div_mul;
	uint64_t div_max;
} __attribute__((aligned(64)));

/* What only the misses use. */
struct as_batch {
	uint32_t size;
	uint32_t refill;
	uint32_t flush;
	struct rte_ring *ring;
};

struct as_chan {
	uintptr_t base;
	/* Pages below small_pages are small buffers, up to pages large ones. */
	uint64_t small_pages;
	uint64_t pages;
	uint64_t small_size;
	uint64_t large_size;
	struct as_class cls[AS_CLASSES];
	struct as_batch batch[AS_CLASSES];
};

/* Everything the inline get and put do not serve; NULL with errno. */
void *as_get_miss(struct as_chan *ch, uint64_t len);
void as_put_miss(struct as_chan *ch, void *buf);

static inline void *
as_get(struct as_chan *ch, uint64_t len)
{
	if (len - 1 < ch->large_size) {
		struct as_class *c = &ch->cls[len > ch->small_size];
		void **top = c->top;

		if (top != c->bufs) {
			void *buf = top[-1];

			c->top = top - 1;
			__atomic_store_n(&c->hits, c->hits + 1, __ATOMIC_RELAXED);
			return buf;
		}
	}
	return as_get_miss(ch, len);
}

static inline void
as_put(struct as_chan *ch, void *buf)
{
	uint64_t off = (uintptr_t)buf - ch->base;
	uint64_t page = off / 4096;

	if (off % 4096 == 0 && page < ch->pages) {
		struct as_class *c = &ch->cls[page >= ch->small_pages];
		void **top = c->top;

		if (page * c->div_mul <= c->div_max && top != c->limit) {
			*top = buf;
			c->top = top + 1;
			return;
		}
	}
	as_put_miss(ch, buf);
}

#endif /* BENCH_ASTACK_H */
