/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * A contender that does nothing: its numbers are the cost of the call and
 * of the workload's loop, the floor under every other column. The second
 * one makes the same calls into a shared library (noop_shared.c), the
 * floor under a contender that is one, as iobuf is.
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

static void *null_get(struct iobuf_channel *h, uint64_t len,
		      struct iobuf_entry *entry, iobuf_get_cb cb)
{
	(void)len;
	(void)entry;
	(void)cb;
	return h;
}

static void null_put(struct iobuf_channel *h, void *buf, uint64_t len)
{
	(void)h;
	(void)buf;
	(void)len;
}

const struct contender bench_null = {
	.name = "no-op",
	.setup = null_setup,
	.teardown = null_teardown,
	.open = null_open,
	.close = null_close,
	.get = null_get,
	.put = null_put,
};

void *bench_noop_shared_get(struct iobuf_channel *h, uint64_t len,
			    struct iobuf_entry *entry, iobuf_get_cb cb);
void bench_noop_shared_put(struct iobuf_channel *h, void *buf, uint64_t len);

const struct contender bench_null_shared = {
	.name = "no-op .so",
	.setup = null_setup,
	.teardown = null_teardown,
	.open = null_open,
	.close = null_close,
	.get = bench_noop_shared_get,
	.put = bench_noop_shared_put,
};
