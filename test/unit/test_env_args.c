/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * IOBUF_EAL_ARGS replaces the embedded defaults (SPEC §6). One process,
 * steps in the order listed: too many arguments are refused before EAL sees
 * them, then the most the header allows start it. Arguments EAL itself
 * refuses are test_env_badargs.c's, in a process of their own.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_env.h"

static char prefix[64];

static int dir_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* One past the most the header allows, of arguments EAL would accept. */
static void more_than_64_arguments_return_e2big(void **state)
{
	(void)state;
	snprintf(prefix, sizeof(prefix), "iobuf_args_%d", (int)getpid());
	assert_int_equal(test_eal_args_set(prefix, 65), 0);
	assert_int_equal(iobuf_env_init(), -E2BIG);
	assert_int_equal(iobuf_initialize(), -ENODEV);
}

/* Exactly 64 arguments: the most the header allows. */
static void sixty_four_eal_args_replace_the_defaults(void **state)
{
	char dir[256];

	(void)state;
	snprintf(prefix, sizeof(prefix), "iobuf_args_%d", (int)getpid());
	assert_int_equal(test_eal_args_set(prefix, 64), 0);
	assert_int_equal(iobuf_env_init(), 0);
	/* The run directory is named by our --file-prefix, not the default. */
	assert_true(dir_exists(test_runtime_dir(prefix, dir, sizeof(dir))));
	assert_int_equal(test_own_runtime_dirs(), 0);

	assert_int_equal(iobuf_initialize(), 0);
	test_use_pools_once("args_user");
	assert_int_equal(iobuf_finish(), 0);

	iobuf_env_fini();
	assert_false(dir_exists(dir));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, test_setup_bare, test_teardown)
		T(more_than_64_arguments_return_e2big),
		T(sixty_four_eal_args_replace_the_defaults),
#undef T
	};

	test_forget_stale_runtime_dirs();
	test_log_to_stderr();
	test_opts_apply();
	return cmocka_run_group_tests_name("env_args", tests, NULL, NULL);
}
