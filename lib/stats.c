/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Statistics. Each channel's owning thread writes its counters with relaxed
 * stores; this file sums them under the control mutex with relaxed loads,
 * so a snapshot never stops the data path.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_common.h>

#include "iobuf_internal.h"

static void
pool_stats(struct iobuf_stats *st)
{
	struct iobuf_module_stats ms;
	struct iobuf_channel *ch;
	struct iob_module *m;

	memset(st, 0, sizeof(*st));
	if (!iob_g.initialized)
		return;

	iob_module_reserve_free(st->reserve_free);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		st->pool[c].bufsize = iob_g.pool[c].bufsize;
		st->pool[c].total = iob_g.pool[c].count;
		st->pool[c].free = iob_ring_free_count(c);
		st->pool[c].out = iob_orphan_out[c];
	}
	TAILQ_FOREACH(m, &iob_modules, link) {
		iob_module_stats(m, &ms);
		for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
			st->pool[c].out += ms.cls[c].out;
			st->pool[c].waiting += ms.cls[c].waiting;
			st->gathered[c] += ms.gathered[c];
		}
		TAILQ_FOREACH(ch, &m->channels, mod_link)
			for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
				st->pool[c].cached += iob_channel_cached(ch, c);
	}
}

_Static_assert(sizeof(struct iobuf_stats) == 128 &&
	       sizeof(struct iobuf_pool_stats) == 6 * sizeof(uint64_t),
	       "every field of struct iobuf_stats is 8 bytes: stats_len() "
	       "relies on it; teach it the new field");
_Static_assert(sizeof(struct iobuf_module_stats) == 240 &&
	       offsetof(struct iobuf_module_stats, channels) == 64 &&
	       offsetof(struct iobuf_module_stats, cls) == 72 &&
	       sizeof(struct iobuf_class_stats) == 5 * sizeof(uint64_t),
	       "a field was added to struct iobuf_module_stats: teach "
	       "module_stats_len() where it ends");

/* Bytes of struct iobuf_stats in whole fields inside size. */
static size_t
stats_len(size_t size)
{
	return RTE_MIN(size, sizeof(struct iobuf_stats)) / 8 * 8;
}

/* Bytes of struct iobuf_module_stats in whole fields inside size. */
static size_t
module_stats_len(size_t size)
{
	if (size >= offsetof(struct iobuf_module_stats, cls))
		return RTE_MIN(size, sizeof(struct iobuf_module_stats)) / 8 * 8;
	if (size >= offsetof(struct iobuf_module_stats, reserved))
		return offsetof(struct iobuf_module_stats, reserved);
	return size >= offsetof(struct iobuf_module_stats, channels) ?
		offsetof(struct iobuf_module_stats, channels) : 0;
}

/*
 * Copy the len bytes of whole fields of a snapshot of own bytes into the
 * caller's struct of size bytes; a newer caller's fields past own read 0.
 */
static void
copy_out(void *dst, size_t size, const void *src, size_t own, size_t len)
{
	memcpy(dst, src, len);
	if (size > own)
		memset((char *)dst + own, 0, size - own);
}

/*
 * iobuf_get_stats has two versions: IOBUF_0.2 (the default, with sizes)
 * and IOBUF_0.1 (without, for binaries linked against 0.1). Both are
 * bound by .symver, so neither is named by the version script alone; a
 * static link sees only the default.
 */
__attribute__((visibility("default"))) int
iob_get_stats_v0_2(struct iobuf_stats *stats, size_t stats_size,
		   struct iobuf_module_stats *modules, size_t module_stats_size,
		   uint32_t max_modules)
{
	struct iobuf_module_stats ms;
	struct iobuf_stats st;
	struct iob_module *m;
	int n = 0;

	if ((modules == NULL && max_modules != 0) ||
	    (stats != NULL && stats_size < sizeof(uint64_t)) ||
	    (max_modules != 0 && module_stats_size < sizeof(ms.name))) {
		IOB_LOG(ERR, "iobuf_get_stats: modules is NULL with max_modules "
			"%u, or a size is too small (stats_size %zu, "
			"module_stats_size %zu); pass sizeof(struct iobuf_stats) "
			"and sizeof(struct iobuf_module_stats)\n", max_modules,
			stats_size, module_stats_size);
		return -EINVAL;
	}

	pthread_mutex_lock(&iob_lock);
	if (stats != NULL) {
		pool_stats(&st);
		copy_out(stats, stats_size, &st, sizeof(st),
			 stats_len(stats_size));
	}
	TAILQ_FOREACH(m, &iob_modules, link) {
		if ((uint32_t)n < max_modules) {
			iob_module_stats(m, &ms);
			copy_out((char *)modules + n * module_stats_size,
				 module_stats_size, &ms, sizeof(ms),
				 module_stats_len(module_stats_size));
		}
		n++;
	}
	pthread_mutex_unlock(&iob_lock);
	return n;
}

__asm__(".symver iob_get_stats_v0_2, iobuf_get_stats@@IOBUF_0.2");

/* The 0.1 ABI fills the structs as 0.1 defined them. */
#define IOB_STATS_SIZE_0_1 96
#define IOB_MODULE_STATS_SIZE_0_1 152

__attribute__((visibility("default"))) int
iob_get_stats_v0_1(struct iobuf_stats *stats, struct iobuf_module_stats *modules,
		   uint32_t max_modules)
{
	return iob_get_stats_v0_2(stats, stats == NULL ? 0 : IOB_STATS_SIZE_0_1,
				  modules, modules == NULL ? 0 :
				  IOB_MODULE_STATS_SIZE_0_1, max_modules);
}
__asm__(".symver iob_get_stats_v0_1, iobuf_get_stats@IOBUF_0.1");

void
iobuf_dump(FILE *f)
{
	struct iobuf_module_stats ms;
	struct iobuf_stats st;
	struct iob_module *m;

	if (f == NULL) {
		IOB_LOG(ERR, "iobuf_dump: f is NULL\n");
		return;
	}

	pthread_mutex_lock(&iob_lock);
	pool_stats(&st);
	fprintf(f, "iobuf version=%s initialized=%d\n", iobuf_version(),
		iob_g.initialized);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		fprintf(f, "pool=%s bufsize=%" PRIu64 " total=%" PRIu64
			" free=%" PRIu64 " cached=%" PRIu64 " out=%" PRId64
			" waiting=%" PRIu64 " reserve_free=%" PRIu64 " gathered=%"
			PRIu64 "\n", iob_class_name(c),
			st.pool[c].bufsize, st.pool[c].total, st.pool[c].free,
			st.pool[c].cached, st.pool[c].out, st.pool[c].waiting,
			st.reserve_free[c], st.gathered[c]);
	TAILQ_FOREACH(m, &iob_modules, link) {
		iob_module_stats(m, &ms);
		for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
			fprintf(f, "module=%s class=%s channels=%u priority=%u "
				"cache=%" PRIu64 " main=%" PRIu64 " retry=%" PRIu64
				" out=%" PRId64 " waiting=%" PRIu64 " gathered=%"
				PRIu64 " reserve=%" PRIu64 " reserve_used=%" PRIu64
				" limit=%" PRIu64 " limit_waits=%" PRIu64 "\n",
				ms.name, iob_class_name(c), ms.channels,
				ms.priority, ms.cls[c].cache, ms.cls[c].main,
				ms.cls[c].retry, ms.cls[c].out, ms.cls[c].waiting,
				ms.gathered[c], ms.reserve[c], ms.reserve_used[c],
				ms.limit[c], ms.limit_waits[c]);
	}
	pthread_mutex_unlock(&iob_lock);
}
