/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * A reference, not a contender: the bare called array stack a cache's fast
 * path reduces to, with no class choice, no pointer check, no statistics,
 * no refill or flush. Hot-pair rows only; it shows what is left for iobuf
 * to trim between its own number and the call floor (the no-op column).
 */

#include <errno.h>
#include <stdlib.h>

#include "bench.h"

#define AS_SLOTS 512u

struct as_handle {
	void **top;
	void **bottom;
	void **limit;
	void *slots[AS_SLOTS];
};

static _Alignas(BENCH_ALIGN) char as_buf[BENCH_SMALL_SIZE];

static int as_setup(const struct bench_pools *pools)
{
	(void)pools;
	return 0;
}

static uint64_t as_teardown(void)
{
	return 0;
}

static struct iobuf_channel *as_open(uint32_t cache)
{
	struct as_handle *a;

	if (cache == 0 || cache > AS_SLOTS / 2) {
		errno = EINVAL;
		return NULL;
	}
	a = aligned_alloc(64, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->bottom = a->slots;
	a->limit = a->slots + 2 * cache;
	for (uint32_t i = 0; i < cache; i++)
		a->slots[i] = as_buf;
	a->top = a->slots + cache;
	return (struct iobuf_channel *)(void *)a;
}

static void as_close(struct iobuf_channel *h)
{
	free(h);
}

static void *as_get(struct iobuf_channel *h, uint64_t len,
		    struct iobuf_entry *entry, iobuf_get_cb cb)
{
	struct as_handle *a = (struct as_handle *)(void *)h;

	(void)len;
	(void)entry;
	(void)cb;
	if (bench_unlikely(a->top == a->bottom))
		return NULL;
	return *--a->top;
}

static void as_put(struct iobuf_channel *h, void *buf, uint64_t len)
{
	struct as_handle *a = (struct as_handle *)(void *)h;

	(void)len;
	if (bench_likely(a->top != a->limit))
		*a->top++ = buf;
}

const struct contender bench_astack = {
	.name = "array stack",
	.setup = as_setup,
	.teardown = as_teardown,
	.open = as_open,
	.close = as_close,
	.get = as_get,
	.put = as_put,
};
