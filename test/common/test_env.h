/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Shared fixtures of the CMocka suites.
 *
 * Each test executable starts the embedded environment once (EAL cannot be
 * started twice in one process) with tiny pools, so suites run in parallel
 * in a few megabytes. Every test's teardown checks conservation (SPEC §4.1),
 * requires iobuf_finish() to succeed and unregisters every module, so each
 * test starts from an empty library.
 *
 * CMocka is not thread-safe: helper threads only record, the main thread
 * asserts.
 */

#ifndef TEST_ENV_H
#define TEST_ENV_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cmocka.h>

#include <iobuf.h>

/* Pool sizes every suite runs with unless a test sets others. */
#define TEST_SMALL_COUNT 128
#define TEST_LARGE_COUNT 16
#define TEST_SMALL_SIZE 4096
#define TEST_LARGE_SIZE 8192

/*
 * The documented batch policy (SPEC §5, IOB_BATCH_MAX in
 * lib/iobuf_internal.h): the first refill or flush moves min(32,
 * cache_size) buffers, and each further one in the same direction twice
 * the last, up to cache_size. The suites derive expected counts from these
 * lines, so retuning the batch changes only them.
 */
#define TEST_BATCH(cache) ((cache) < 32 ? (cache) : 32)
#define TEST_BATCH_GROWN(cache, batch) \
	(2 * (batch) < (cache) ? 2 * (batch) : (cache))

/* More modules than any test registers; the conservation check sums them. */
#define TEST_MAX_MODULES 256

#define TEST_CONTAINER_OF(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Options every suite starts from: tiny pools of the sizes above. */
void test_opts_default(struct iobuf_opts *opts);
/* iobuf_set_opts(test_opts_default()); returns its result, asserts nothing. */
int test_opts_set_default(void);
/* Apply test_opts_default(); asserts success. */
void test_opts_apply(void);

/*
 * The start-up of every process that runs the embedded environment:
 * iobuf_env_init() with room for every test's pools, then the tiny options.
 * Returns 0 or the negative errno of the step that failed (printed on
 * stderr). It asserts nothing, so forked children may call it too.
 */
int test_env_start(void);

/*
 * Group setup/teardown: DPDK logs sent to stderr (stdout carries TAP), then
 * test_env_start(); teardown stops the environment.
 */
int test_group_setup(void **state);
int test_group_teardown(void **state);

/*
 * Set IOBUF_EAL_ARGS to the embedded defaults (iobuf.h) with --file-prefix
 * =prefix, padded to nargs arguments with a repeatable option EAL accepts.
 * Returns 0, or -EINVAL (nargs below the defaults' 10), -E2BIG (too long for
 * this helper) or setenv()'s -errno. Asserts nothing (forked children).
 */
int test_eal_args_set(const char *prefix, int nargs);

/*
 * Prove the pools work: register module unless it is, open a channel of
 * it, get and put one buffer of each class, close it, check conservation.
 */
void test_use_pools_once(const char *module);

/* Per test: initialize the pools (test_setup) or leave them down (test_setup_bare). */
int test_setup(void **state);
int test_setup_bare(void **state);
/*
 * Per test: conservation, iobuf_finish() == 0, every module unregistered,
 * options back to test_opts_default().
 */
int test_teardown(void **state);

/*
 * free + cached + out == total and out >= 0 per class; the per-module `out`
 * and `waiting` sum to the pool's. The sum check holds only while no module
 * that still has buffers out was unregistered; tests that do that call
 * test_assert_pool_conservation() instead until they are balanced again.
 */
void test_assert_conservation(void);
void test_assert_pool_conservation(void);

/* Pool snapshot; asserts iobuf_get_stats() succeeds. */
void test_pool_stats(struct iobuf_stats *stats);
/* test_pool_stats() and test_module_stats(), returning the snapshot. */
struct iobuf_stats test_pool_now(void);
struct iobuf_module_stats test_module_now(const char *name);
/* Snapshot of one module's counters; asserts the module is registered. */
void test_module_stats(const char *name, struct iobuf_module_stats *out);

/* Register a module and open a channel of it on this thread; asserts. */
struct iobuf_channel *test_channel(const char *module, uint32_t small_cache,
				   uint32_t large_cache);

/*
 * Get buffers of len without waiting until none is left or max are taken;
 * returns how many went into bufs.
 */
uint32_t test_drain(struct iobuf_channel *ch, uint64_t len, void **bufs,
		    uint32_t max);
/* Put n buffers back through ch. */
void test_put_all(struct iobuf_channel *ch, void **bufs, uint32_t n,
		  uint64_t len);

/*
 * A caller's I/O request with its embedded wait entry. test_req_cb records
 * the buffer and appends the id to the served-order log; a request may set
 * on_served to act from inside the callback (get, put, re-queue).
 */
struct test_req {
	struct iobuf_entry entry;
	int id;
	struct iobuf_channel *ch;
	uint64_t len;
	void *buf;
	int served;
	void (*on_served)(struct test_req *req, void *buf);
	void *ctx;
};

void test_req_init(struct test_req *req, int id, struct iobuf_channel *ch,
		   uint64_t len);
void test_req_cb(struct iobuf_entry *entry, void *buf);
/* Queue req: asserts iobuf_get() returned NULL with ENOMEM. */
void test_req_queue(struct test_req *req);

/* Ids in the order their callbacks ran since the last reset. */
extern int test_served_order[256];
extern int test_served_count;
void test_served_reset(void);

/* Send DPDK's log to stderr: stdout carries TAP, DPDK's default is stdout. */
void test_log_to_stderr(void);

/*
 * Capture what the library logs between begin and end. end returns the
 * text (caller frees) and copies it to stderr for the test log.
 */
void test_log_begin(void);
char *test_log_end(void);

/* DPDK memory in use: memzones and malloc-heap bytes, for leak checks. */
struct test_dpdk_usage {
	unsigned int memzones;
	uint64_t heap_bytes;
};
void test_dpdk_usage(struct test_dpdk_usage *usage);

/* "<dpdk run base>/<prefix>", computed as EAL does; returns buf. */
char *test_runtime_dir(const char *prefix, char *buf, size_t size);
/* Run directories named with process pid's default prefix, iobuf_<pid>_*. */
size_t test_runtime_dirs_of(pid_t pid);
/* test_runtime_dirs_of(getpid()). */
size_t test_own_runtime_dirs(void);
/*
 * Remove pid's (empty) run directories, for a child that could not; prints
 * each one it cannot remove.
 */
void test_remove_runtime_dirs(pid_t pid);
/*
 * For suites that count this process's run directories: remove any that
 * an earlier process with the same pid left when it aborted, since none
 * can be this process's yet. Call first thing in main().
 */
void test_forget_stale_runtime_dirs(void);

#endif /* TEST_ENV_H */
