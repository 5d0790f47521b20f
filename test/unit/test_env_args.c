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
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_env.h"

static char prefix[64];

static int dir_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

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

static void more_than_64_arguments_return_e2big(void **state)
{
	char args[65 * 10 + 1] = "";

	(void)state;
	for (int i = 0; i < 65; i++)
		strcat(args, "--no-huge ");
	assert_int_equal(setenv("IOBUF_EAL_ARGS", args, 1), 0);
	assert_int_equal(iobuf_env_init(), -E2BIG);
	assert_int_equal(iobuf_initialize(), -ENODEV);
}

/* Exactly 64 arguments: the most the header allows. */
static void sixty_four_eal_args_replace_the_defaults(void **state)
{
	char args[2048], dir[256];
	struct iobuf_channel *ch;
	int len, nargs;
	void *buf;

	(void)state;
	snprintf(prefix, sizeof(prefix), "iobuf_args_%d", (int)getpid());
	len = snprintf(args, sizeof(args),
		       "--no-huge --no-pci -m 32 --file-prefix=%s --no-telemetry "
		       "--log-level=lib.eal:error -l %d", prefix, first_cpu());
	/* Nine words so far; pad with a flag EAL accepts any number of times. */
	nargs = 9;
	while (nargs < 64) {
		len += snprintf(args + len, sizeof(args) - (size_t)len, " --no-pci");
		nargs++;
	}
	assert_int_equal(setenv("IOBUF_EAL_ARGS", args, 1), 0);
	assert_int_equal(iobuf_env_init(), 0);
	/* The run directory is named by our --file-prefix, not the default. */
	assert_true(dir_exists(test_runtime_dir(prefix, dir, sizeof(dir))));

	assert_int_equal(iobuf_initialize(), 0);
	ch = test_channel("args_user", 2, 1);
	buf = iobuf_get(ch, 1, NULL, NULL);
	assert_non_null(buf);
	iobuf_put(ch, buf, 1);
	iobuf_channel_fini(ch);
	test_assert_conservation();
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

	test_log_to_stderr();
	test_opts_apply();
	return cmocka_run_group_tests_name("env_args", tests, NULL, NULL);
}
