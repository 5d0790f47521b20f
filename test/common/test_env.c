/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

#include "test_env.h"

#include <errno.h>
#include <glob.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_log.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memzone.h>

int test_served_order[256];
int test_served_count;

void test_opts_default(struct iobuf_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->opts_size = sizeof(*opts);
	opts->small_pool_count = TEST_SMALL_COUNT;
	opts->large_pool_count = TEST_LARGE_COUNT;
	opts->small_bufsize = TEST_SMALL_SIZE;
	opts->large_bufsize = TEST_LARGE_SIZE;
}

int test_opts_set_default(void)
{
	struct iobuf_opts opts;

	test_opts_default(&opts);
	return iobuf_set_opts(&opts);
}

void test_opts_apply(void)
{
	assert_int_equal(test_opts_set_default(), 0);
}

int test_env_start(void)
{
	/*
	 * iobuf_env_init() sizes EAL memory from the options it finds, and no
	 * test can grow it later: start it with room for the largest pools a
	 * test asks for (about 10 MB), then switch to the tiny default.
	 */
	const struct iobuf_opts roomy = {
		.opts_size = sizeof(roomy),
		.small_pool_count = 1024,
		.large_pool_count = 128,
		.small_bufsize = 8192,
		.large_bufsize = 16384,
	};
	const char *step = "iobuf_set_opts";
	int rc;

	rc = iobuf_set_opts(&roomy);
	if (rc == 0) {
		step = "iobuf_env_init";
		rc = iobuf_env_init();
	}
	if (rc == 0) {
		step = "iobuf_set_opts";
		rc = test_opts_set_default();
	}
	if (rc != 0)
		fprintf(stderr, "test_env_start: %s: %s\n", step,
			strerror(-rc));
	return rc;
}

int test_group_setup(void **state)
{
	(void)state;
	test_log_to_stderr();
	return test_env_start() == 0 ? 0 : -1;
}

int test_group_teardown(void **state)
{
	(void)state;
	iobuf_env_fini();
	return 0;
}

int test_setup_bare(void **state)
{
	(void)state;
	test_served_reset();
	return 0;
}

int test_setup(void **state)
{
	int rc;

	test_setup_bare(state);
	rc = iobuf_initialize();
	if (rc != 0) {
		fprintf(stderr, "iobuf_initialize: %s\n", strerror(-rc));
		return -1;
	}
	return 0;
}

int test_teardown(void **state)
{
	struct iobuf_module_stats mods[TEST_MAX_MODULES];
	int n;

	(void)state;
	test_assert_conservation();
	assert_int_equal(iobuf_finish(), 0);
	n = iobuf_get_stats(NULL, 0, mods, sizeof(mods[0]), TEST_MAX_MODULES);
	assert_in_range(n, 0, TEST_MAX_MODULES);
	for (int i = 0; i < n; i++)
		assert_int_equal(iobuf_unregister_module(mods[i].name), 0);
	assert_int_equal(iobuf_get_stats(NULL, 0, NULL, 0, 0), 0);
	test_opts_apply();
	return 0;
}

static void assert_pools_balanced(const struct iobuf_stats *st)
{
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		const struct iobuf_pool_stats *p = &st->pool[c];

		assert_true(p->out >= 0);
		assert_true((uint64_t)p->out >= st->gathered[c]);
		assert_int_equal(p->free + p->cached + (uint64_t)p->out +
				 st->reserve_free[c], p->total);
	}
}

void test_assert_pool_conservation(void)
{
	struct iobuf_stats st;

	test_pool_stats(&st);
	assert_pools_balanced(&st);
}

void test_assert_conservation(void)
{
	struct iobuf_module_stats mods[TEST_MAX_MODULES];
	struct iobuf_stats st;
	int n;

	n = iobuf_get_stats(&st, sizeof(st), mods, sizeof(mods[0]), TEST_MAX_MODULES);
	assert_in_range(n, 0, TEST_MAX_MODULES);
	assert_pools_balanced(&st);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		int64_t out = 0;
		uint64_t waiting = 0, gathered = 0, reserve_free = 0;

		for (int m = 0; m < n; m++) {
			out += mods[m].cls[c].out;
			waiting += mods[m].cls[c].waiting;
			gathered += mods[m].gathered[c];
			reserve_free += mods[m].reserve[c] -
				mods[m].reserve_used[c];
		}
		assert_int_equal(out, st.pool[c].out);
		assert_int_equal(waiting, st.pool[c].waiting);
		assert_int_equal(gathered, st.gathered[c]);
		assert_int_equal(reserve_free, st.reserve_free[c]);
	}
}

void test_pool_stats(struct iobuf_stats *stats)
{
	assert_true(iobuf_get_stats(stats, sizeof(*stats), NULL, 0, 0) >= 0);
}

struct iobuf_stats test_pool_now(void)
{
	struct iobuf_stats st;

	test_pool_stats(&st);
	return st;
}

struct iobuf_module_stats test_module_now(const char *name)
{
	struct iobuf_module_stats m;

	test_module_stats(name, &m);
	return m;
}

void test_module_stats(const char *name, struct iobuf_module_stats *out)
{
	struct iobuf_module_stats mods[TEST_MAX_MODULES];
	int n;

	n = iobuf_get_stats(NULL, 0, mods, sizeof(mods[0]), TEST_MAX_MODULES);
	assert_in_range(n, 0, TEST_MAX_MODULES);
	for (int i = 0; i < n; i++) {
		if (strcmp(mods[i].name, name) == 0) {
			*out = mods[i];
			return;
		}
	}
	fail_msg("module '%s' not in iobuf_get_stats()", name);
}

struct iobuf_channel *test_channel(const char *module, uint32_t small_cache,
				   uint32_t large_cache)
{
	struct iobuf_channel *ch = NULL;

	assert_int_equal(iobuf_register_module(module), 0);
	assert_int_equal(iobuf_channel_init(&ch, module, small_cache,
					    large_cache), 0);
	assert_non_null(ch);
	return ch;
}

uint32_t test_drain(struct iobuf_channel *ch, uint64_t len, void **bufs,
		    uint32_t max)
{
	uint32_t n = 0;

	while (n < max) {
		void *buf = iobuf_get(ch, len, NULL, NULL);

		if (buf == NULL) {
			assert_int_equal(errno, ENOMEM);
			break;
		}
		bufs[n++] = buf;
	}
	return n;
}

void test_put_all(struct iobuf_channel *ch, void **bufs, uint32_t n,
		  uint64_t len)
{
	for (uint32_t i = 0; i < n; i++)
		iobuf_put(ch, bufs[i], len);
}

void test_served_reset(void)
{
	test_served_count = 0;
}

void test_req_init(struct test_req *req, int id, struct iobuf_channel *ch,
		   uint64_t len)
{
	memset(req, 0, sizeof(*req));
	req->id = id;
	req->ch = ch;
	req->len = len;
}

void test_req_cb(struct iobuf_entry *entry, void *buf)
{
	struct test_req *req = TEST_CONTAINER_OF(entry, struct test_req, entry);

	/* Keep counting past the log's end so an overflowing test sees it. */
	if (test_served_count < (int)(sizeof(test_served_order) /
				      sizeof(test_served_order[0])))
		test_served_order[test_served_count] = req->id;
	test_served_count++;
	req->served++;
	req->buf = buf;
	if (req->on_served != NULL)
		req->on_served(req, buf);
}

void test_req_queue(struct test_req *req)
{
	errno = 0;
	assert_null(iobuf_get(req->ch, req->len, &req->entry, test_req_cb));
	assert_int_equal(errno, ENOMEM);
}

void test_log_to_stderr(void)
{
	/* Before EAL is up this also wins over the stdout + syslog stream it sets. */
	rte_openlog_stream(stderr);
}

static FILE *log_stream;
static char *log_text;
static size_t log_len;

void test_log_begin(void)
{
	assert_null(log_stream);
	log_stream = open_memstream(&log_text, &log_len);
	assert_non_null(log_stream);
	assert_int_equal(rte_openlog_stream(log_stream), 0);
}

char *test_log_end(void)
{
	char *text;

	assert_non_null(log_stream);
	test_log_to_stderr();
	fclose(log_stream);
	log_stream = NULL;
	text = log_text;
	log_text = NULL;
	fprintf(stderr, "%s", text);
	return text;
}

static void count_memzone(const struct rte_memzone *mz, void *arg)
{
	(void)mz;
	(*(unsigned int *)arg)++;
}

void test_dpdk_usage(struct test_dpdk_usage *usage)
{
	memset(usage, 0, sizeof(*usage));
	rte_memzone_walk(count_memzone, &usage->memzones);
	for (unsigned int i = 0; i < rte_socket_count(); i++) {
		struct rte_malloc_socket_stats s;

		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &s) == 0)
			usage->heap_bytes += s.heap_allocsz_bytes;
	}
}

char *test_runtime_dir(const char *prefix, char *buf, size_t size)
{
	const char *base = "/var/run";

	/* Same choice as DPDK's eal_create_runtime_dir(). */
	if (getuid() != 0) {
		base = getenv("XDG_RUNTIME_DIR");
		if (base == NULL)
			base = "/tmp";
	}
	snprintf(buf, size, "%s/dpdk/%s", base, prefix);
	return buf;
}

/* glob() the run directories of pid's default prefix into g; 0 if any. */
static int runtime_dirs_glob(pid_t pid, glob_t *g)
{
	char prefix[64], pattern[256];

	snprintf(prefix, sizeof(prefix), "iobuf_%d_*", (int)pid);
	test_runtime_dir(prefix, pattern, sizeof(pattern));
	return glob(pattern, GLOB_ONLYDIR, NULL, g);
}

size_t test_runtime_dirs_of(pid_t pid)
{
	glob_t g;
	size_t n = 0;

	if (runtime_dirs_glob(pid, &g) == 0)
		n = g.gl_pathc;
	globfree(&g);
	return n;
}

size_t test_own_runtime_dirs(void)
{
	return test_runtime_dirs_of(getpid());
}

void test_remove_runtime_dirs(pid_t pid)
{
	glob_t g;

	if (runtime_dirs_glob(pid, &g) == 0) {
		/* EAL without shared config leaves its directory empty. */
		for (size_t i = 0; i < g.gl_pathc; i++)
			if (rmdir(g.gl_pathv[i]) != 0)
				fprintf(stderr, "cannot remove %s: %s\n",
					g.gl_pathv[i], strerror(errno));
	}
	globfree(&g);
}

void test_forget_stale_runtime_dirs(void)
{
	test_remove_runtime_dirs(getpid());
}

/* The first CPU of this thread's affinity, as iobuf_env_init() picks it. */
static int first_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			return cpu;
	return 0;
}

int test_eal_args_set(const char *prefix, int nargs)
{
	/* The defaults of iobuf.h, 10 arguments, with a fixed -m. */
	const int ndefaults = 10;
	const char *pad = " --log-level=lib.eal:error";
	char args[4096];
	int len;

	if (nargs < ndefaults)
		return -EINVAL;
	len = snprintf(args, sizeof(args), "--no-huge --no-pci --no-shconf "
		       "-m 64 --file-prefix=%s --no-telemetry "
		       "--log-level=lib.eal:error -l %d", prefix, first_cpu());
	for (int i = ndefaults; i < nargs && len >= 0 &&
	     (size_t)len < sizeof(args); i++)
		len += snprintf(args + len, sizeof(args) - (size_t)len, "%s",
				pad);
	if (len < 0 || (size_t)len >= sizeof(args))
		return -E2BIG;
	return setenv("IOBUF_EAL_ARGS", args, 1) == 0 ? 0 : -errno;
}

void test_use_pools_once(const char *module)
{
	struct iobuf_module_stats mods[TEST_MAX_MODULES];
	struct iobuf_channel *ch = NULL;
	bool registered = false;
	void *small, *large;
	int n;

	n = iobuf_get_stats(NULL, 0, mods, sizeof(mods[0]), TEST_MAX_MODULES);
	assert_in_range(n, 0, TEST_MAX_MODULES);
	for (int i = 0; i < n; i++)
		registered |= strcmp(mods[i].name, module) == 0;
	if (!registered)
		assert_int_equal(iobuf_register_module(module), 0);
	assert_int_equal(iobuf_channel_init(&ch, module, 2, 1), 0);
	small = iobuf_get(ch, 1, NULL, NULL);
	large = iobuf_get(ch, TEST_LARGE_SIZE, NULL, NULL);
	assert_non_null(small);
	assert_non_null(large);
	iobuf_put(ch, small, 1);
	iobuf_put(ch, large, TEST_LARGE_SIZE);
	iobuf_channel_fini(ch);
	test_assert_conservation();
}
