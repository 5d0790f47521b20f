/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * The control path: the control mutex, the library's lifecycle (initialize,
 * finish and the report of who holds what when finish refuses) and every
 * public call that changes control state. Each call takes the mutex, checks
 * the lifecycle, and hands the work to the file of its concern, so the
 * files below never take a lock and never call back up.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ring.h>

#include "iobuf_internal.h"

pthread_mutex_t iob_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Holds each thread's context while it has channels, so that a thread
 * that exits with channels open has them closed (thread_exit) instead of
 * stranding their cached buffers and its context.
 */
static pthread_key_t thread_key;
static bool thread_key_made;

const char *
iobuf_version(void)
{
	return RTE_STR(IOBUF_VERSION_MAJOR) "." RTE_STR(IOBUF_VERSION_MINOR) "."
		RTE_STR(IOBUF_VERSION_PATCH);
}

/* ---- options and environment -------------------------------------------- */

void
iobuf_get_opts(struct iobuf_opts *opts, size_t opts_size)
{
	if (opts == NULL || opts_size < sizeof(opts->opts_size)) {
		IOB_LOG(ERR, "iobuf_get_opts: opts is NULL or opts_size %zu is "
			"below %zu; pass sizeof(struct iobuf_opts)\n",
			opts_size, sizeof(opts->opts_size));
		return;
	}
	pthread_mutex_lock(&iob_lock);
	iob_opts_get(opts, opts_size);
	pthread_mutex_unlock(&iob_lock);
}

int
iobuf_set_opts(const struct iobuf_opts *opts)
{
	int rc;

	if (opts == NULL || opts->opts_size < sizeof(opts->opts_size)) {
		IOB_LOG(ERR, "iobuf_set_opts: opts is NULL or its opts_size is "
			"not set; fill it with iobuf_get_opts(&opts, "
			"sizeof(opts)) first\n");
		return -EINVAL;
	}
	pthread_mutex_lock(&iob_lock);
	if (iob_g.initialized) {
		IOB_LOG(ERR, "iobuf_set_opts: the pools are initialized; call "
			"iobuf_finish() before changing options\n");
		rc = -EBUSY;
	} else {
		rc = iob_opts_set(opts);
	}
	pthread_mutex_unlock(&iob_lock);
	return rc;
}

int
iobuf_env_init(void)
{
	int rc;

	pthread_mutex_lock(&iob_lock);
	rc = iob_env_start();
	pthread_mutex_unlock(&iob_lock);
	return rc;
}

void
iobuf_env_fini(void)
{
	pthread_mutex_lock(&iob_lock);
	if (iob_env_ours() && iob_g.initialized)
		IOB_LOG(ERR, "iobuf_env_fini: the pools are initialized; call "
			"iobuf_finish() first\n");
	else
		iob_env_stop();
	pthread_mutex_unlock(&iob_lock);
}

/* ---- initialize and finish ---------------------------------------------- */

int
iob_initialize(void)
{
	int rc;

	pthread_mutex_lock(&iob_lock);
	if (iob_g.initialized) {
		IOB_LOG(ERR, "iobuf_initialize: already initialized\n");
		rc = -EALREADY;
	} else if (!iob_env_ready()) {
		IOB_LOG(ERR, "iobuf_initialize: no DPDK environment; call "
			"iobuf_env_init() or rte_eal_init() first\n");
		rc = -ENODEV;
	} else {
		rc = iob_pool_create(&iob_opts);
		if (rc == 0) {
			rc = iob_module_reserve_all();
			if (rc != 0)
				iob_pool_destroy();
		}
	}
	pthread_mutex_unlock(&iob_lock);
	return rc;
}

/* Buffers of class c in the ring or idle in modules' reserves. */
static uint64_t
pool_home_count(int c)
{
	uint64_t reserved[IOBUF_CLASS_COUNT];

	iob_module_reserve_free(reserved);
	return iob_ring_free_count(c) + reserved[c];
}

/*
 * Why finish refused. The ring count is the truth; the modules' counts say
 * who holds the rest (a module's out may be negative when it returned what
 * another took).
 */
static void
report_busy(void)
{
	struct iob_module *m;
	int64_t out[IOBUF_CLASS_COUNT];

	TAILQ_FOREACH(m, &iob_modules, link) {
		struct iobuf_module_stats ms;

		iob_module_stats(m, &ms);
		if (m->nchannels > 0 || ms.cls[0].out != 0 || ms.cls[1].out != 0)
			IOB_LOG(ERR, "iobuf_finish: module '%s' has %u channels "
				"open, %" PRId64 " small and %" PRId64 " large "
				"buffers out\n", m->name, m->nchannels,
				ms.cls[0].out, ms.cls[1].out);
	}
	iob_count_out(out);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		uint64_t free = pool_home_count(c);

		if (free != iob_g.pool[c].count)
			IOB_LOG(ERR, "iobuf_finish: %" PRIu64 " of %" PRIu64 " %s "
				"buffers are not back in the pool (%" PRId64 " out "
				"by the channels' count)\n",
				iob_g.pool[c].count - free, iob_g.pool[c].count,
				iob_class_name(c), out[c]);
	}
	if (IOBUF_DEBUG_CHECKS)
		iob_debug_report_out();
	IOB_LOG(ERR, "iobuf_finish: refused; close every channel and put every "
		"buffer back first\n");
}

static bool
busy(void)
{
	const struct iob_module *m;

	TAILQ_FOREACH(m, &iob_modules, link)
		if (m->nchannels > 0)
			return true;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		if (pool_home_count(c) != iob_g.pool[c].count)
			return true;
	return false;
}

int
iobuf_finish(void)
{
	int rc = 0;

	pthread_mutex_lock(&iob_lock);
	if (iob_g.initialized) {
		if (busy()) {
			report_busy();
			rc = -EBUSY;
		} else {
			iob_module_unreserve_all();
			iob_pool_destroy();
		}
	}
	pthread_mutex_unlock(&iob_lock);
	return rc;
}

/* ---- the region ---------------------------------------------------------- */

_Static_assert(sizeof(struct iobuf_region) == 72 &&
	       sizeof(struct iobuf_region_class) == 3 * sizeof(uint64_t) &&
	       offsetof(struct iobuf_region, cls) == 3 * sizeof(uint64_t),
	       "every field of struct iobuf_region is 8 bytes: "
	       "iobuf_get_region's copy relies on it; teach it the new field");

int
iobuf_get_region(struct iobuf_region *r, size_t size)
{
	struct iobuf_region own;
	int rc = 0;

	if (r == NULL || size < sizeof(r->addr)) {
		IOB_LOG(ERR, "iobuf_get_region: r is NULL or size %zu is below "
			"%zu; pass sizeof(struct iobuf_region)\n", size,
			sizeof(r->addr));
		return -EINVAL;
	}
	/* Under the mutex: finish cannot free the region while it is read. */
	pthread_mutex_lock(&iob_lock);
	if (!iob_g.initialized) {
		IOB_LOG(ERR, "iobuf_get_region: the pools are not initialized; "
			"call iobuf_initialize() first\n");
		rc = -ENODEV;
	} else {
		iob_pool_region(&own);
	}
	pthread_mutex_unlock(&iob_lock);
	if (rc != 0)
		return rc;

	/* Whole fields inside size; a newer caller's extra fields read 0. */
	memcpy(r, &own, RTE_MIN(size, sizeof(own)) / 8 * 8);
	if (size > sizeof(own))
		memset((char *)r + sizeof(own), 0, size - sizeof(own));
	return 0;
}

/* ---- modules ------------------------------------------------------------ */

int
iobuf_register_module_ext(const char *name, const struct iobuf_module_opts *opts)
{
	struct iobuf_module_opts o;
	int rc;

	if (opts == NULL || opts->opts_size < sizeof(opts->opts_size)) {
		IOB_LOG(ERR, "iobuf_register_module_ext: opts is NULL or its "
			"opts_size is not set; set it to sizeof(struct "
			"iobuf_module_opts)\n");
		return -EINVAL;
	}
	iob_module_opts_read(&o, opts);
	pthread_mutex_lock(&iob_lock);
	rc = iob_module_register(name, &o);
	pthread_mutex_unlock(&iob_lock);
	return rc;
}

int
iobuf_register_module(const char *name)
{
	const struct iobuf_module_opts o = { .opts_size = sizeof(o) };
	int rc;

	pthread_mutex_lock(&iob_lock);
	rc = iob_module_register(name, &o);
	pthread_mutex_unlock(&iob_lock);
	return rc;
}

int
iobuf_unregister_module(const char *name)
{
	int rc;

	pthread_mutex_lock(&iob_lock);
	rc = iob_module_unregister(name);
	pthread_mutex_unlock(&iob_lock);
	return rc;
}

/* ---- channels ----------------------------------------------------------- */

static void thread_exit(void *thr);

static int
channel_open_locked(struct iobuf_channel **chp, const char *module,
		    const uint32_t size[IOBUF_CLASS_COUNT])
{
	struct iob_thread *thr;
	struct iobuf_channel *ch;
	struct iob_module *m;
	int rc;

	if (!iob_g.initialized) {
		IOB_LOG(ERR, "iobuf_channel_init: call iobuf_initialize() "
			"first\n");
		return -EINVAL;
	}
	m = iob_module_find(module);
	if (m == NULL) {
		IOB_LOG(ERR, "iobuf_channel_init: module '%s' is not "
			"registered; call iobuf_register_module() first\n",
			module);
		return -ENODEV;
	}
	if (!thread_key_made) {
		rc = pthread_key_create(&thread_key, thread_exit);
		if (rc != 0) {
			/*
			 * ENOMEM, or EAGAIN when the process has used up its
			 * keys: both are the -ENOMEM iobuf.h documents.
			 */
			IOB_LOG(ERR, "iobuf_channel_init: out of memory or of "
				"thread-specific keys (pthread_key_create: %s); "
				"the process has at most %d keys\n",
				strerror(rc), PTHREAD_KEYS_MAX);
			return -ENOMEM;
		}
		thread_key_made = true;
	}
	thr = iob_thread_get_or_create();
	if (thr == NULL || pthread_setspecific(thread_key, thr) != 0) {
		IOB_LOG(ERR, "channel '%s': out of memory for the thread "
			"context\n", module);
		if (thr != NULL)
			iob_thread_release(thr);
		return -ENOMEM;
	}
	ch = iob_channel_create(m, size, &rc);
	if (ch == NULL) {
		iob_thread_release(thr);
		if (iob_self == NULL)
			pthread_setspecific(thread_key, NULL);
		return rc;
	}
	iob_thread_attach(thr, ch);
	iob_module_attach(m, ch);
	*chp = ch;
	return 0;
}

int
iobuf_channel_init(struct iobuf_channel **ch, const char *module,
		   uint32_t small_cache, uint32_t large_cache)
{
	const uint32_t size[IOBUF_CLASS_COUNT] = { small_cache, large_cache };
	int rc;

	if (ch == NULL || module == NULL) {
		IOB_LOG(ERR, "iobuf_channel_init: ch or module is NULL\n");
		return -EINVAL;
	}
	pthread_mutex_lock(&iob_lock);
	rc = channel_open_locked(ch, module, size);
	pthread_mutex_unlock(&iob_lock);
	return rc;
}

/*
 * Close ch on its owning thread: drop its waiting entries, return its
 * cached buffers, and free it (and the thread's context with its last
 * channel). The owning thread alone touches its queues and caches, so only
 * the module's list needs the mutex.
 */
static void
channel_close(struct iobuf_channel *ch, bool thread_exits)
{
	uint64_t cached = iob_channel_cached(ch, IOBUF_CLASS_SMALL) +
		iob_channel_cached(ch, IOBUF_CLASS_LARGE);
	unsigned int dropped = iob_wait_drop_channel(ch);

	if (thread_exits)
		IOB_LOG(WARNING, "a thread ended with its channel of module "
			"'%s' open: closed it, %" PRIu64 " cached buffers back "
			"to the pool, %u waiting entries dropped; close channels "
			"before their thread ends\n", ch->mod->name, cached,
			dropped);
	else if (dropped > 0)
		IOB_LOG(ERR, "iobuf_channel_fini: module '%s' had %u entries "
			"waiting; removed without callback (abort them before "
			"closing the channel)\n", ch->mod->name, dropped);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		iob_channel_flush_all(ch, c);

	pthread_mutex_lock(&iob_lock);
	iob_module_detach(ch);
	pthread_mutex_unlock(&iob_lock);

	iob_thread_detach(ch);
	iob_channel_free(ch);
	if (iob_self == NULL)
		pthread_setspecific(thread_key, NULL);
}

void
iobuf_channel_fini(struct iobuf_channel *ch)
{
	if (ch == NULL) {
		IOB_LOG(ERR, "iobuf_channel_fini: channel is NULL\n");
		return;
	}
	IOB_CHECK_OWNER(ch, "iobuf_channel_fini");
	if (ch->thr->in_callback != NULL || ch->thr->walking != 0) {
		IOB_LOG(ERR, "iobuf_channel_fini: called from %s; the channel "
			"of module '%s' stays open. Close it after the %s "
			"returns\n", ch->thr->walking != 0 ?
			"an iobuf_for_each_entry visitor" : "a wait callback",
			ch->mod->name, ch->thr->walking != 0 ? "walk" :
			"callback");
		IOB_DEBUG_ASSERT(false, "iobuf_channel_fini: channel %p of "
				 "module '%s' closed from a callback or visitor",
				 (void *)ch, ch->mod->name);
		return;
	}
	channel_close(ch, false);
}

/*
 * The key's destructor: the thread ended with channels open. Their cached
 * buffers go back to the pool; buffers its callers still hold stay out and
 * may come back through any other channel.
 */
static void
thread_exit(void *arg)
{
	struct iob_thread *thr = arg;

	/* Closing the last channel frees thr: count, do not look again. */
	for (uint32_t n = thr->nchannels; n > 0; n--)
		channel_close(TAILQ_FIRST(&thr->channels), true);
}
