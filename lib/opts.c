/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/* Option values and their validation; iobuf.c takes the mutex around both. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <rte_ring.h>

#include "iobuf_internal.h"

_Static_assert(sizeof(struct iobuf_opts) == 32,
	"a field was added to struct iobuf_opts: give it a default, an "
	"IOBUF_OPTS_FIELD line in both copy functions below, validation, and "
	"update this size and the one in iobuf.h");

#define IOB_SMALL_COUNT_MIN 64
#define IOB_LARGE_COUNT_MIN 8
#define IOB_SMALL_SIZE_MIN 4096
#define IOB_LARGE_SIZE_MIN 8192
/*
 * An RTS build's ring has twice the pool's slots (lib/pool.c) and must stay
 * within RTE_RING_SZ_MASK; one limit for every ring mode keeps the opts
 * contract the same whichever mode the library was built with.
 */
#define IOB_COUNT_MAX ((uint64_t)RTE_RING_SZ_MASK / 2)
/* 64 TiB: well inside the 47-bit user address space of x86-64. */
#define IOB_REGION_MAX ((uint64_t)1 << 46)

struct iobuf_opts iob_opts = {
	.opts_size = sizeof(struct iobuf_opts),
	.small_pool_count = 8192,
	.large_pool_count = 1024,
	.small_bufsize = 8192,
	.large_bufsize = 132 * 1024,
};

/* True when field lies wholly inside the caller's opts_size. */
#define IOBUF_OPTS_FIELD(opts_size, field) \
	(offsetof(struct iobuf_opts, field) + \
	 sizeof(((struct iobuf_opts *)0)->field) <= (opts_size))

void
iob_opts_get(struct iobuf_opts *opts, size_t opts_size)
{
	opts->opts_size = opts_size;
#define GET_FIELD(field) \
	if (IOBUF_OPTS_FIELD(opts_size, field)) \
		opts->field = iob_opts.field
	GET_FIELD(small_pool_count);
	GET_FIELD(large_pool_count);
	GET_FIELD(small_bufsize);
	GET_FIELD(large_bufsize);
#undef GET_FIELD
}

static uint64_t
round_up_4k(uint64_t v)
{
	return (v + IOB_ALIGN - 1) & ~(uint64_t)(IOB_ALIGN - 1);
}

/* Largest size that still rounds up to 4 KiB within 32 bits. */
#define IOB_SIZE_MAX ((uint64_t)UINT32_MAX - (IOB_ALIGN - 1))

static bool
in_range(const char *field, uint64_t v, uint64_t min, uint64_t max)
{
	if (v >= min && v <= max)
		return true;
	IOB_LOG(ERR, "iobuf_set_opts: %s %" PRIu64 " is outside [%" PRIu64
		", %" PRIu64 "]; nothing was changed\n", field, v, min, max);
	return false;
}

uint64_t
iob_large_offset(const struct iobuf_opts *o)
{
	uint64_t small_bytes = o->small_pool_count * o->small_bufsize;

	return (small_bytes + o->large_bufsize - 1) / o->large_bufsize *
		o->large_bufsize;
}

uint64_t
iob_region_bytes(const struct iobuf_opts *o)
{
	return iob_large_offset(o) + o->large_pool_count * o->large_bufsize;
}

static int
validate(const struct iobuf_opts *o)
{
	uint64_t small = round_up_4k(o->small_bufsize);
	uint64_t large = round_up_4k(o->large_bufsize);
	struct iobuf_opts rounded = *o;

	if (!in_range("small_pool_count", o->small_pool_count,
		      IOB_SMALL_COUNT_MIN, IOB_COUNT_MAX) ||
	    !in_range("large_pool_count", o->large_pool_count,
		      IOB_LARGE_COUNT_MIN, IOB_COUNT_MAX) ||
	    !in_range("small_bufsize", o->small_bufsize, IOB_SMALL_SIZE_MIN,
		      IOB_SIZE_MAX) ||
	    !in_range("large_bufsize", o->large_bufsize, IOB_LARGE_SIZE_MIN,
		      IOB_SIZE_MAX))
		return -EINVAL;
	if (small >= large) {
		IOB_LOG(ERR, "small_bufsize %" PRIu64 " must be below "
			"large_bufsize %" PRIu64 " (both rounded up to 4 KiB)\n",
			small, large);
		return -EINVAL;
	}
	/* Counts are below 2^30 and sizes below 2^32: no product overflows. */
	rounded.small_bufsize = (uint32_t)small;
	rounded.large_bufsize = (uint32_t)large;
	if (iob_region_bytes(&rounded) > IOB_REGION_MAX) {
		IOB_LOG(ERR, "pools of %" PRIu64 " x %" PRIu64 " B and %" PRIu64
			" x %" PRIu64 " B exceed the %" PRIu64 " TiB one region "
			"may span\n", o->small_pool_count, small,
			o->large_pool_count, large, IOB_REGION_MAX >> 40);
		return -EINVAL;
	}
	return 0;
}

int
iob_opts_set(const struct iobuf_opts *opts)
{
	struct iobuf_opts next = iob_opts;
	int rc;

#define SET_FIELD(field) \
	if (IOBUF_OPTS_FIELD(opts->opts_size, field)) \
		next.field = opts->field
	SET_FIELD(small_pool_count);
	SET_FIELD(large_pool_count);
	SET_FIELD(small_bufsize);
	SET_FIELD(large_bufsize);
#undef SET_FIELD

	rc = validate(&next);
	if (rc == 0) {
		next.small_bufsize = (uint32_t)round_up_4k(next.small_bufsize);
		next.large_bufsize = (uint32_t)round_up_4k(next.large_bufsize);
		iob_opts = next;
	}
	return rc;
}
