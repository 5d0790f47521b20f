/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * The module registry: names that channels and statistics are kept under,
 * the channels open under each name, and the accounting of each module's
 * buffers, including what unregistered modules left out. Everything here
 * runs with the control mutex held (iobuf.c).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iobuf_internal.h"

struct iob_module_list iob_modules = TAILQ_HEAD_INITIALIZER(iob_modules);
int64_t iob_orphan_out[IOBUF_CLASS_COUNT];

struct iob_module *
iob_module_find(const char *name)
{
	struct iob_module *m;

	TAILQ_FOREACH(m, &iob_modules, link)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

int
iob_module_register(const char *name)
{
	struct iob_module *m;
	size_t len;

	len = name == NULL ? 0 : strnlen(name, IOBUF_MODULE_NAME_MAX + 1);
	if (len == 0 || len > IOBUF_MODULE_NAME_MAX) {
		IOB_LOG(ERR, "iobuf_register_module: the name must be 1 to %d "
			"characters\n", IOBUF_MODULE_NAME_MAX);
		return -EINVAL;
	}
	if (iob_module_find(name) != NULL) {
		IOB_LOG(ERR, "iobuf_register_module: '%s' is registered "
			"already\n", name);
		return -EEXIST;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		IOB_LOG(ERR, "iobuf_register_module: out of memory for '%s'\n",
			name);
		return -ENOMEM;
	}
	memcpy(m->name, name, len);
	TAILQ_INIT(&m->channels);
	TAILQ_INSERT_TAIL(&iob_modules, m, link);
	return 0;
}

int
iob_module_unregister(const char *name)
{
	struct iobuf_module_stats ms;
	struct iob_module *m;

	if (name == NULL) {
		IOB_LOG(ERR, "iobuf_unregister_module: name is NULL\n");
		return -EINVAL;
	}
	m = iob_module_find(name);
	if (m == NULL) {
		IOB_LOG(ERR, "iobuf_unregister_module: no module '%s'\n", name);
		return -ENOENT;
	}
	if (m->nchannels > 0) {
		IOB_LOG(ERR, "iobuf_unregister_module: '%s' has %u channels "
			"open; close them first\n", name, m->nchannels);
		return -EBUSY;
	}
	/* Buffers the module still holds stay counted in the pool stats. */
	iob_module_stats(m, &ms);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		iob_orphan_out[c] += ms.cls[c].out;
	if (IOBUF_DEBUG_CHECKS)
		iob_debug_forget_module(m);
	TAILQ_REMOVE(&iob_modules, m, link);
	free(m);
	return 0;
}

void
iob_module_attach(struct iob_module *m, struct iobuf_channel *ch)
{
	ch->mod = m;
	TAILQ_INSERT_TAIL(&m->channels, ch, mod_link);
	m->nchannels++;
}

void
iob_module_detach(struct iobuf_channel *ch)
{
	struct iob_module *m = ch->mod;

	TAILQ_REMOVE(&m->channels, ch, mod_link);
	m->nchannels--;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		iob_channel_counters(ch, c, &m->retired[c]);
		/* a closed channel waits for nothing */
		m->retired[c].waiting -= ch->st[c].waiting;
	}
}

static void
class_stats(struct iobuf_class_stats *out, const struct iob_counters *c)
{
	out->cache = c->cache;
	out->main = c->main;
	out->retry = c->retry;
	/* Buffers the module's caches took from the ring (net of what they
	 * gave back) plus those handed to its waiting entries, less those its
	 * puts handed to waiting entries and less what its caches hold now:
	 * the rest is with its callers. */
	out->out = (int64_t)(c->ring + c->served - c->handed - c->cached);
	out->waiting = c->waiting;
}

void
iob_module_stats(const struct iob_module *m, struct iobuf_module_stats *ms)
{
	struct iob_counters sum[IOBUF_CLASS_COUNT];
	const struct iobuf_channel *ch;

	memcpy(sum, m->retired, sizeof(sum));
	TAILQ_FOREACH(ch, &m->channels, mod_link)
		for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
			iob_channel_counters(ch, c, &sum[c]);

	memset(ms, 0, sizeof(*ms));
	memcpy(ms->name, m->name, sizeof(ms->name));
	ms->channels = m->nchannels;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		class_stats(&ms->cls[c], &sum[c]);
}

void
iob_count_out(int64_t out[IOBUF_CLASS_COUNT])
{
	struct iobuf_module_stats ms;
	struct iob_module *m;

	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		out[c] = iob_orphan_out[c];
	TAILQ_FOREACH(m, &iob_modules, link) {
		iob_module_stats(m, &ms);
		for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
			out[c] += ms.cls[c].out;
	}
}
