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
		}
		TAILQ_FOREACH(ch, &m->channels, mod_link)
			for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
				st->pool[c].cached += iob_channel_cached(ch, c);
	}
}

int
iobuf_get_stats(struct iobuf_stats *stats, struct iobuf_module_stats *modules,
		uint32_t max_modules)
{
	struct iob_module *m;
	int n = 0;

	if (modules == NULL && max_modules != 0) {
		IOB_LOG(ERR, "iobuf_get_stats: modules is NULL but max_modules "
			"is %u\n", max_modules);
		return -EINVAL;
	}

	pthread_mutex_lock(&iob_lock);
	if (stats != NULL)
		pool_stats(stats);
	TAILQ_FOREACH(m, &iob_modules, link) {
		if ((uint32_t)n < max_modules)
			iob_module_stats(m, &modules[n]);
		n++;
	}
	pthread_mutex_unlock(&iob_lock);
	return n;
}

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
			" waiting=%" PRIu64 "\n", iob_class_name(c),
			st.pool[c].bufsize, st.pool[c].total, st.pool[c].free,
			st.pool[c].cached, st.pool[c].out, st.pool[c].waiting);
	TAILQ_FOREACH(m, &iob_modules, link) {
		iob_module_stats(m, &ms);
		for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
			fprintf(f, "module=%s class=%s channels=%u cache=%" PRIu64
				" main=%" PRIu64 " retry=%" PRIu64 " out=%"
				PRId64 " waiting=%" PRIu64 "\n", ms.name,
				iob_class_name(c), ms.channels, ms.cls[c].cache,
				ms.cls[c].main, ms.cls[c].retry, ms.cls[c].out,
				ms.cls[c].waiting);
	}
	pthread_mutex_unlock(&iob_lock);
}
