/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/* glibc aligned_alloc/free: what a program without a pool does. */

#include <stdlib.h>

#include "bench.h"

/* Any non-NULL handle: malloc keeps no per-thread state of ours. */
static char malloc_handle;

static int malloc_setup(const struct bench_pools *pools)
{
	(void)pools;
	return 0;
}

static uint64_t malloc_teardown(void)
{
	return 0;
}

static struct iobuf_channel *malloc_open(uint32_t cache)
{
	(void)cache;
	return (struct iobuf_channel *)(void *)&malloc_handle;
}

static void malloc_close(struct iobuf_channel *h)
{
	(void)h;
}

static inline void *malloc_get(struct iobuf_channel *h, uint64_t len,
			       struct iobuf_entry *entry, iobuf_get_cb cb)
{
	(void)h;
	(void)entry;
	(void)cb;
	return aligned_alloc(BENCH_ALIGN,
			     len <= BENCH_SMALL_SIZE ? BENCH_SMALL_SIZE : BENCH_LARGE_SIZE);
}

static inline void malloc_put(struct iobuf_channel *h, void *buf, uint64_t len)
{
	(void)h;
	(void)len;
	free(buf);
}

#define LOOP_NAME(x) malloc_loop_##x
#define LOOP_GET malloc_get
#define LOOP_PUT malloc_put
#include "loops.h"

const struct contender bench_malloc = {
	.name = "malloc",
	.setup = malloc_setup,
	.teardown = malloc_teardown,
	.open = malloc_open,
	.close = malloc_close,
	.get = malloc_get,
	.put = malloc_put,
	.loops = &malloc_loop_loops,
};
