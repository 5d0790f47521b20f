/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * DPDK telemetry commands. Every handler takes its numbers from
 * iobuf_get_stats(), under its control mutex, so the telemetry socket and
 * the API agree by construction; before iobuf_initialize() and after
 * iobuf_finish() that means zeroed pools and the modules' counters, as
 * the API reports them. Handlers run on DPDK's telemetry threads.
 *
 * The rte_tel_data_add_dict_* calls fail only for a bad or too long name
 * or a full dict (256 entries); every name here is a short constant and a
 * dict here holds at most 6 entries, so their results are not checked, as
 * in DPDK's own handlers. A module name goes out as a value, never as a
 * name, whose characters DPDK restricts.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include "iobuf_internal.h"

/*
 * A signed counter (a module that returns buffers another took has a
 * negative out). DPDK 22.11 has no signed 64-bit value: a negative number
 * goes out as an int when it fits, else as its decimal string.
 */
static void
add_signed(struct rte_tel_data *d, const char *name, int64_t v)
{
	char text[24];

	if (v >= 0) {
		rte_tel_data_add_dict_u64(d, name, (uint64_t)v);
	} else if (v >= INT_MIN) {
		rte_tel_data_add_dict_int(d, name, (int)v);
	} else {
		snprintf(text, sizeof(text), "%" PRId64, v);
		rte_tel_data_add_dict_string(d, name, text);
	}
}

/*
 * Add sub to d under the name of class cls; d frees it once the reply is
 * written. A sub that d refuses is freed here, leaving the class out.
 */
static void
add_class(struct rte_tel_data *d, int cls, struct rte_tel_data *sub)
{
	if (rte_tel_data_add_dict_container(d, iob_class_name(cls), sub, 0) != 0)
		rte_tel_data_free(sub);
}

static struct rte_tel_data *
pool_dict(const struct iobuf_stats *st, int cls)
{
	const struct iobuf_pool_stats *p = &st->pool[cls];
	struct rte_tel_data *d = rte_tel_data_alloc();

	if (d == NULL)
		return NULL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "bufsize", p->bufsize);
	rte_tel_data_add_dict_u64(d, "total", p->total);
	rte_tel_data_add_dict_u64(d, "free", p->free);
	rte_tel_data_add_dict_u64(d, "cached", p->cached);
	add_signed(d, "out", p->out);
	rte_tel_data_add_dict_u64(d, "waiting", p->waiting);
	rte_tel_data_add_dict_u64(d, "reserve_free", st->reserve_free[cls]);
	rte_tel_data_add_dict_u64(d, "gathered", st->gathered[cls]);
	return d;
}

static struct rte_tel_data *
class_dict(const struct iobuf_module_stats *m, int cls)
{
	const struct iobuf_class_stats *c = &m->cls[cls];
	struct rte_tel_data *d = rte_tel_data_alloc();

	if (d == NULL)
		return NULL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "cache", c->cache);
	rte_tel_data_add_dict_u64(d, "main", c->main);
	rte_tel_data_add_dict_u64(d, "retry", c->retry);
	add_signed(d, "out", c->out);
	rte_tel_data_add_dict_u64(d, "waiting", c->waiting);
	rte_tel_data_add_dict_u64(d, "gathered", m->gathered[cls]);
	rte_tel_data_add_dict_u64(d, "reserve", m->reserve[cls]);
	rte_tel_data_add_dict_u64(d, "reserve_used", m->reserve_used[cls]);
	rte_tel_data_add_dict_u64(d, "limit", m->limit[cls]);
	rte_tel_data_add_dict_u64(d, "limit_waits", m->limit_waits[cls]);
	return d;
}

/*
 * One sub-dict per class, all allocated before any goes into d, so that
 * running out of memory returns an error with nothing half-built.
 */
static int
add_classes(struct rte_tel_data *d, struct rte_tel_data *sub[IOBUF_CLASS_COUNT])
{
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		if (sub[c] == NULL) {
			for (int i = 0; i < IOBUF_CLASS_COUNT; i++)
				rte_tel_data_free(sub[i]);
			return -ENOMEM;
		}
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		add_class(d, c, sub[c]);
	return 0;
}

/* /iobuf/stats: {"small": {pool counters}, "large": {...}}. */
static int
handle_stats(const char *cmd __rte_unused, const char *params __rte_unused,
	     struct rte_tel_data *d)
{
	struct rte_tel_data *sub[IOBUF_CLASS_COUNT];
	struct iobuf_stats st;
	int rc;

	rc = iobuf_get_stats(&st, sizeof(st), NULL, 0, 0);
	if (rc < 0)
		return rc;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		sub[c] = pool_dict(&st, c);
	rte_tel_data_start_dict(d);
	return add_classes(d, sub);
}

/*
 * Every registered module's statistics, in registration order: *n of
 * them in *ms (the caller frees it). Retries while modules register
 * between counting and copying.
 */
static int
snapshot_modules(struct iobuf_module_stats **ms, uint32_t *n)
{
	int rc = iobuf_get_stats(NULL, 0, NULL, 0, 0);

	for (;;) {
		if (rc < 0)
			return rc;
		*n = (uint32_t)rc;
		*ms = calloc(*n > 0 ? *n : 1, sizeof(**ms));
		if (*ms == NULL)
			return -ENOMEM;
		rc = iobuf_get_stats(NULL, 0, *ms, sizeof(**ms), *n);
		if (rc >= 0 && (uint32_t)rc <= *n) {
			*n = (uint32_t)rc;
			return 0;
		}
		free(*ms);
	}
}

/* /iobuf/modules: the names, as many as fit in DPDK's array and reply. */
static int
handle_modules(const char *cmd __rte_unused, const char *params __rte_unused,
	       struct rte_tel_data *d)
{
	struct iobuf_module_stats *ms;
	uint32_t n;
	int rc;

	rc = snapshot_modules(&ms, &n);
	if (rc != 0)
		return rc;
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (uint32_t i = 0; i < n; i++)
		if (rte_tel_data_add_array_string(d, ms[i].name) < 0)
			break;
	free(ms);
	return 0;
}

/*
 * /iobuf/module,<name>: {"name", "channels", "small": {class counters},
 * "large": {...}}; -EINVAL without a name and -ENOENT for a module that
 * is not registered, which DPDK answers with null.
 */
static int
handle_module(const char *cmd __rte_unused, const char *params,
	      struct rte_tel_data *d)
{
	struct rte_tel_data *sub[IOBUF_CLASS_COUNT];
	const struct iobuf_module_stats *m = NULL;
	struct iobuf_module_stats *ms;
	uint32_t n;
	int rc;

	if (params == NULL || params[0] == '\0')
		return -EINVAL;
	rc = snapshot_modules(&ms, &n);
	if (rc != 0)
		return rc;
	for (uint32_t i = 0; i < n && m == NULL; i++)
		if (strcmp(ms[i].name, params) == 0)
			m = &ms[i];
	if (m == NULL) {
		free(ms);
		return -ENOENT;
	}
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		sub[c] = class_dict(m, c);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", m->name);
	rte_tel_data_add_dict_u64(d, "channels", m->channels);
	rte_tel_data_add_dict_u64(d, "priority", m->priority);
	rc = add_classes(d, sub);
	free(ms);
	return rc;
}

/*
 * A constructor registers the commands, as DPDK's own libraries do: once
 * per process (DPDK cannot remove a command), and before main(), so before
 * the EAL starts the telemetry threads that look commands up. Creating
 * those threads then orders the table for them; registered later, it is
 * ordered only by DPDK's spinlock, which ThreadSanitizer cannot see in an
 * uninstrumented DPDK.
 */
RTE_INIT(register_commands)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{ "/iobuf/stats", handle_stats, "Returns the small and large "
		  "pools' counters, as iobuf_get_stats has them. Takes no "
		  "parameters" },
		{ "/iobuf/modules", handle_modules, "Returns the names of the "
		  "registered iobuf modules. Takes no parameters" },
		{ "/iobuf/module", handle_module, "Returns an iobuf module's "
		  "counters, as iobuf_get_stats has them. Parameters: module "
		  "name" },
	};

	for (size_t i = 0; i < RTE_DIM(cmds); i++) {
		int rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn,
						    cmds[i].help);

		if (rc != 0)
			IOB_LOG(WARNING, "telemetry command %s not registered: "
				"%s; iobuf_get_stats() and iobuf_dump() give "
				"the same numbers\n", cmds[i].cmd,
				strerror(-rc));
	}
}

/*
 * The public iobuf_initialize() is defined here, at the top of the
 * library, so that every program that initializes iobuf links this file
 * and its constructor: a static link takes only the objects it needs.
 */
int
iobuf_initialize(void)
{
	return iob_initialize();
}
