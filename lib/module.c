/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * The module registry: names that channels and statistics are kept under,
 * their options, the reserves set aside for them, the channels open under
 * each name, and the accounting of each module's buffers, including what
 * unregistered modules left out. Everything here runs with the control
 * mutex held (iobuf.c).
 */

#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

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

_Static_assert(sizeof(struct iobuf_module_opts) == 48,
	       "a field was added to struct iobuf_module_opts: read it in "
	       "iob_module_opts_read and check it in opts_valid");

/* Copies in->field when it lies wholly inside in->opts_size. */
#define MODULE_OPT(o, in, field) do { \
	if (offsetof(struct iobuf_module_opts, field) + sizeof((in)->field) <= \
	    (in)->opts_size) \
		(o)->field = (in)->field; \
} while (0)

void
iob_module_opts_read(struct iobuf_module_opts *o,
		     const struct iobuf_module_opts *in)
{
	memset(o, 0, sizeof(*o));
	o->opts_size = sizeof(*o);
	MODULE_OPT(o, in, priority);
	MODULE_OPT(o, in, flags);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		MODULE_OPT(o, in, reserve[c]);
		MODULE_OPT(o, in, limit[c]);
	}
}

/* Whether the options are usable; logs why not. */
static bool
opts_valid(const char *name, const struct iobuf_module_opts *o)
{
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		uint64_t count = iob_g.initialized ? iob_g.pool[c].count :
			(c == IOBUF_CLASS_SMALL ? iob_opts.small_pool_count :
			 iob_opts.large_pool_count);

		if (o->reserve[c] > count) {
			IOB_LOG(ERR, "iobuf_register_module_ext: '%s' reserves %"
				PRIu64 " %s buffers, the pool has %" PRIu64
				"; lower the reserve or raise iobuf_opts.%s_"
				"pool_count\n", name, o->reserve[c],
				iob_class_name(c), count, iob_class_name(c));
			return false;
		}
		if (o->limit[c] != 0 && o->limit[c] < o->reserve[c]) {
			IOB_LOG(ERR, "iobuf_register_module_ext: '%s' limits "
				"%s buffers to %" PRIu64 ", below its reserve of %"
				PRIu64 "; raise the limit or lower the reserve\n",
				name, iob_class_name(c), o->limit[c],
				o->reserve[c]);
			return false;
		}
	}
	if (o->priority > IOBUF_PRIORITY_HIGH || o->flags != 0) {
		IOB_LOG(ERR, "iobuf_register_module_ext: '%s' has priority %u "
			"and flags %#x; priority must be IOBUF_PRIORITY_NORMAL "
			"or IOBUF_PRIORITY_HIGH and flags 0\n", name,
			o->priority, o->flags);
		return false;
	}
	return true;
}

/* Take m's reserve of class c from the ring; all or nothing. */
static int
reserve_take(struct iob_module *m, int c)
{
	if (m->reserve[c] == 0)
		return 0;
	if (iob_ring_take_bulk(c, m->stash[c], (unsigned int)m->reserve[c]) != 0) {
		IOB_LOG(ERR, "module '%s': cannot set aside %" PRIu64 " %s "
			"buffers, %" PRIu64 " of %" PRIu64 " are free; raise "
			"iobuf_opts.%s_pool_count or lower the reserve\n",
			m->name, m->reserve[c], iob_class_name(c),
			iob_ring_free_count(c), iob_g.pool[c].count,
			iob_class_name(c));
		return -ENOMEM;
	}
	m->nstash[c] = m->reserve[c];
	return 0;
}

/* Give m's idle reserve back to the ring. */
static void
reserve_give(struct iob_module *m)
{
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		if (m->nstash[c] > 0)
			iob_ring_return(c, m->stash[c],
					(unsigned int)m->nstash[c]);
		m->nstash[c] = 0;
	}
}

static void
module_free(struct iob_module *m)
{
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		free(m->stash[c]);
	free(m);
}

static struct iob_module *
module_alloc(const char *name, size_t len, const struct iobuf_module_opts *o)
{
	struct iob_module *m;

	m = aligned_alloc(IOB_CACHE_LINE, RTE_ALIGN_CEIL(sizeof(*m),
							 IOB_CACHE_LINE));
	if (m == NULL)
		return NULL;
	memset(m, 0, sizeof(*m));
	memcpy(m->name, name, len);
	TAILQ_INIT(&m->channels);
	m->priority = o->priority;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		m->reserve[c] = o->reserve[c];
		m->limit[c] = o->limit[c];
		if (o->reserve[c] == 0)
			continue;
		m->stash[c] = calloc(o->reserve[c], sizeof(void *));
		if (m->stash[c] == NULL) {
			module_free(m);
			return NULL;
		}
	}
	return m;
}

int
iob_module_register(const char *name, const struct iobuf_module_opts *o)
{
	struct iob_module *m;
	size_t len;

	len = name == NULL ? 0 : strnlen(name, IOBUF_MODULE_NAME_MAX + 1);
	if (len == 0 || len > IOBUF_MODULE_NAME_MAX) {
		IOB_LOG(ERR, "iobuf_register_module: the name must be 1 to %d "
			"characters\n", IOBUF_MODULE_NAME_MAX);
		return -EINVAL;
	}
	if (!opts_valid(name, o))
		return -EINVAL;
	if (iob_module_find(name) != NULL) {
		IOB_LOG(ERR, "iobuf_register_module: '%s' is registered "
			"already\n", name);
		return -EEXIST;
	}
	m = module_alloc(name, len, o);
	if (m == NULL) {
		IOB_LOG(ERR, "iobuf_register_module: out of memory for '%s'\n",
			name);
		return -ENOMEM;
	}
	if (iob_g.initialized) {
		for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
			if (reserve_take(m, c) != 0) {
				reserve_give(m);
				module_free(m);
				return -ENOMEM;
			}
		}
	}
	iob_wait_module_add(m);
	TAILQ_INSERT_TAIL(&iob_modules, m, link);
	return 0;
}

int
iob_module_reserve_all(void)
{
	struct iob_module *m;

	TAILQ_FOREACH(m, &iob_modules, link) {
		for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
			if (reserve_take(m, c) != 0) {
				iob_module_unreserve_all();
				return -ENOMEM;
			}
		}
	}
	return 0;
}

void
iob_module_unreserve_all(void)
{
	struct iob_module *m;

	TAILQ_FOREACH(m, &iob_modules, link)
		reserve_give(m);
}

void
iob_module_reserve_free(uint64_t out[IOBUF_CLASS_COUNT])
{
	const struct iob_module *m;

	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		out[c] = 0;
	TAILQ_FOREACH(m, &iob_modules, link)
		for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
			out[c] += __atomic_load_n(&m->nstash[c],
						  __ATOMIC_RELAXED);
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
	iob_wait_module_del(m);
	TAILQ_REMOVE(&iob_modules, m, link);
	reserve_give(m);
	module_free(m);
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
	ms->priority = m->priority;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		class_stats(&ms->cls[c], &sum[c]);
		ms->gathered[c] = iob_counter_read(&m->gathered[c]);
		ms->reserve[c] = m->reserve[c];
		ms->reserve_used[c] = iob_g.initialized ? m->reserve[c] -
			iob_counter_read(&m->nstash[c]) : 0;
		ms->limit[c] = m->limit[c];
		ms->limit_waits[c] = iob_counter_read(&m->limit_waits[c]);
	}
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
