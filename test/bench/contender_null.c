/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * A contender that does nothing: its get, inline in the loops like the
 * others' fast paths, hands back a pointer the compiler cannot see
 * through (so the loop, its NULL check and its count stay), and its put
 * is empty. Its numbers are the workload loop alone, the floor under
 * every other column; callgrind's counts are net of it. The second one
 * calls the same do-nothing functions in a shared library (noop_shared.c):
 * the floor under a contender reached by calls into a shared library, as
 * iobuf is with IOBUF_NO_INLINE.
 */

#include "bench.h"

static _Alignas(BENCH_ALIGN) char null_buf[BENCH_SMALL_SIZE];

static int null_setup(const struct bench_pools *pools)
{
	(void)pools;
	return 0;
}

static uint64_t null_teardown(void)
{
	return 0;
}

static struct iobuf_channel *null_open(uint32_t cache)
{
	(void)cache;
	return (struct iobuf_channel *)(void *)null_buf;
}

static void null_close(struct iobuf_channel *h)
{
	(void)h;
}

static inline void *null_get(struct iobuf_channel *h, uint64_t len,
			     struct iobuf_entry *entry, iobuf_get_cb cb)
{
	void *b = h;

	(void)len;
	(void)entry;
	(void)cb;
	__asm__("" : "+r"(b));
	return b;
}

static inline void null_put(struct iobuf_channel *h, void *buf, uint64_t len)
{
	(void)h;
	(void)buf;
	(void)len;
}

#define LOOP_NAME(x) null_loop_##x
#define LOOP_GET null_get
#define LOOP_PUT null_put
#include "loops.h"

const struct contender bench_null = {
	.name = "no-op",
	.setup = null_setup,
	.teardown = null_teardown,
	.open = null_open,
	.close = null_close,
	.get = null_get,
	.put = null_put,
	.loops = &null_loop_loops,
};

void *bench_noop_shared_get(struct iobuf_channel *h, uint64_t len,
			    struct iobuf_entry *entry, iobuf_get_cb cb);
void bench_noop_shared_put(struct iobuf_channel *h, void *buf, uint64_t len);

#define LOOP_NAME(x) null_shared_loop_##x
#define LOOP_GET bench_noop_shared_get
#define LOOP_PUT bench_noop_shared_put
#include "loops.h"

const struct contender bench_null_shared = {
	.name = "no-op .so",
	.setup = null_setup,
	.teardown = null_teardown,
	.open = null_open,
	.close = null_close,
	.get = bench_noop_shared_get,
	.put = bench_noop_shared_put,
	.loops = &null_shared_loop_loops,
};
