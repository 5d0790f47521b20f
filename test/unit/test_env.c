/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * The embedded environment (SPEC §6) over one process's life. EAL starts
 * once per process, so these tests are steps of one story and run in the
 * order listed: no environment, start, start again (a no-op), stop refused
 * while the pools are up, stop, and no restart.
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_env.h"

static cpu_set_t affinity_before;

static void *read_affinity(void *arg)
{
	cpu_set_t *set = arg;

	if (pthread_getaffinity_np(pthread_self(), sizeof(*set), set) != 0)
		CPU_ZERO(set);
	return NULL;
}

static void initialize_without_an_environment_returns_enodev(void **state)
{
	char *log;

	(void)state;
	test_opts_apply();
	test_log_begin();
	assert_int_equal(iobuf_initialize(), -ENODEV);
	log = test_log_end();
	assert_true(strlen(log) > 0);
	free(log);
	assert_int_equal(test_own_runtime_dirs(), 0);
}

static void env_fini_before_env_init_does_nothing(void **state)
{
	(void)state;
	iobuf_env_fini();
	assert_int_equal(iobuf_initialize(), -ENODEV);
}

static void env_init_starts_eal_and_restores_the_callers_affinity(void **state)
{
	cpu_set_t after, in_thread;
	pthread_t tid;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(affinity_before),
					   &affinity_before), 0);
	assert_int_equal(iobuf_env_init(), 0);
	assert_int_equal(test_own_runtime_dirs(), 1);

	assert_int_equal(sched_getaffinity(0, sizeof(after), &after), 0);
	assert_true(CPU_EQUAL(&after, &affinity_before));
	/* Threads started from now on are not pinned to EAL's main lcore either. */
	assert_int_equal(pthread_create(&tid, NULL, read_affinity, &in_thread), 0);
	pthread_join(tid, NULL);
	assert_true(CPU_EQUAL(&in_thread, &affinity_before));

	assert_int_equal(iobuf_initialize(), 0);
	test_use_pools_once("env_user");
}

static void second_env_init_is_a_noop(void **state)
{
	cpu_set_t after;

	(void)state;
	assert_int_equal(iobuf_env_init(), 0);
	assert_int_equal(test_own_runtime_dirs(), 1);
	assert_int_equal(sched_getaffinity(0, sizeof(after), &after), 0);
	assert_true(CPU_EQUAL(&after, &affinity_before));
	assert_int_equal(iobuf_initialize(), 0);
	test_use_pools_once("env_user");
	/* Also while the pools are up. */
	assert_int_equal(iobuf_env_init(), 0);
	test_use_pools_once("env_user");
}

static void env_fini_while_initialized_does_nothing(void **state)
{
	(void)state;
	assert_int_equal(iobuf_initialize(), 0);
	iobuf_env_fini();
	test_use_pools_once("env_user");
	assert_int_equal(test_own_runtime_dirs(), 1);
}

static void env_fini_stops_eal_removes_its_directory_and_cannot_restart(void **state)
{
	(void)state;
	iobuf_env_fini();
	assert_int_equal(test_own_runtime_dirs(), 0);
	assert_int_equal(iobuf_initialize(), -ENODEV);
	assert_int_equal(iobuf_env_init(), -EALREADY);
	assert_int_equal(iobuf_initialize(), -ENODEV);
	/* A second stop is harmless. */
	iobuf_env_fini();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, test_setup_bare, test_teardown)
		T(initialize_without_an_environment_returns_enodev),
		T(env_fini_before_env_init_does_nothing),
		T(env_init_starts_eal_and_restores_the_callers_affinity),
		T(second_env_init_is_a_noop),
		T(env_fini_while_initialized_does_nothing),
		T(env_fini_stops_eal_removes_its_directory_and_cannot_restart),
#undef T
	};

	test_forget_stale_runtime_dirs();
	test_log_to_stderr();
	return cmocka_run_group_tests_name("env", tests, NULL, NULL);
}
