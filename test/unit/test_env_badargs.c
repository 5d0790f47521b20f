/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * IOBUF_EAL_ARGS that EAL refuses (SPEC §6), in a process of its own: the
 * failed start leaves no environment behind, so iobuf_initialize() says so,
 * and a later iobuf_env_init() with good arguments really starts EAL (DPDK
 * allows another rte_eal_init() after one that refused its arguments).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_env.h"

static void arguments_eal_refuses_fail_and_leave_no_environment(void **state)
{
	int saved, rc;

	(void)state;
	assert_int_equal(setenv("IOBUF_EAL_ARGS",
				"--no-huge --no-pci --no-such-eal-option", 1), 0);
	/* EAL prints its usage on stdout, which carries TAP. */
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	dup2(STDERR_FILENO, STDOUT_FILENO);
	rc = iobuf_env_init();
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);

	assert_true(rc < 0);
	assert_int_not_equal(rc, -EALREADY);
	assert_int_not_equal(rc, -E2BIG);
	assert_int_equal(iobuf_initialize(), -ENODEV);
}

static void a_later_start_with_the_defaults_starts_eal(void **state)
{
	(void)state;
	assert_int_equal(unsetenv("IOBUF_EAL_ARGS"), 0);
	assert_int_equal(iobuf_env_init(), 0);
	assert_int_equal(test_own_runtime_dirs(), 1);
	assert_int_equal(iobuf_initialize(), 0);
	test_use_pools_once("badargs_user");
	assert_int_equal(iobuf_finish(), 0);
	iobuf_env_fini();
	assert_int_equal(test_own_runtime_dirs(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, test_setup_bare, test_teardown)
		T(arguments_eal_refuses_fail_and_leave_no_environment),
		T(a_later_start_with_the_defaults_starts_eal),
#undef T
	};

	test_forget_stale_runtime_dirs();
	test_log_to_stderr();
	test_opts_apply();
	return cmocka_run_group_tests_name("env_badargs", tests, NULL, NULL);
}
