/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * The no-op contender's get and put again, built into a shared library of
 * their own: the floor under a contender whose get and put are calls into
 * a shared library, as iobuf's are with IOBUF_NO_INLINE. Set beside the
 * plain no-op column it shows what a call into a shared object costs on
 * the machine at hand: the executable and the libraries are mapped far
 * apart (a PIE near 0x55..., libraries near 0x7f...), and on some hosts
 * the same call costs more across that distance (see RESULTS.md).
 */

#include "bench.h"

__attribute__((visibility("default"))) void *
bench_noop_shared_get(struct iobuf_channel *h, uint64_t len,
		      struct iobuf_entry *entry, iobuf_get_cb cb)
{
	(void)len;
	(void)entry;
	(void)cb;
	return h;
}

__attribute__((visibility("default"))) void
bench_noop_shared_put(struct iobuf_channel *h, void *buf, uint64_t len)
{
	(void)h;
	(void)buf;
	(void)len;
}
