/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Bad input that needs a process of its own, one forked child per test:
 * misuse that debug builds answer with abort() (a double put, SPEC §4.4),
 * and calls around the EAL's life (before it starts, after it stops),
 * which DPDK allows only once per process.
 *
 * This parent never starts an EAL. A child forked from a process with an
 * EAL would share its memory: without hugepages DPDK maps a memfd
 * MAP_SHARED, so the child's ring operations and rte_free() calls would
 * land in the parent's pools. Each child starts its own EAL instead.
 *
 * Children run no CMocka asserts (a failed one would longjmp into the
 * child's copy of the runner): they report through their exit status and
 * their output, which the parent reads from a pipe and asserts on.
 */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_env.h"

#ifndef BADINPUT_DEBUG_CHECKS
#error "meson passes -DBADINPUT_DEBUG_CHECKS=0/1 from the debug_checks option"
#endif

#define MOD "bad_mod"
#define MOD_OTHER "other_mod"
/* Child exit statuses besides 0 (every expectation held). */
#define CHILD_FAILED 1   /* an expectation failed; the output says which */
#define CHILD_BROKEN 3   /* the scenario could not be set up */
/* A child that neither finishes nor aborts is stuck: SIGALRM ends it. */
#define CHILD_TIMEOUT_S 10
/* What a child prints before its bad call: the parent looks for the pointer. */
#define BUFFER_MARK "badinput: buffer "

/* ---- child side --------------------------------------------------------- */

static bool child_failed;

static void child_require(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "badinput: child setup failed: %s\n", what);
		_exit(CHILD_BROKEN);
	}
}

static void child_expect(int got, int want, const char *what)
{
	if (got != want) {
		fprintf(stderr, "badinput: %s returned %d (%s), expected "
			"%d (%s)\n", what, got, strerror(got < 0 ? -got : 0),
			want, strerror(want < 0 ? -want : 0));
		child_failed = true;
	}
}

static void child_env_init(void)
{
	child_require(test_env_start() == 0, "test_env_start");
}

/* Pools up, two modules, a channel of MOD holding one small buffer. */
struct child_world {
	struct iobuf_channel *ch;
	void *small;
};

static void child_world(struct child_world *cw)
{
	child_env_init();
	child_require(iobuf_initialize() == 0, "iobuf_initialize");
	child_require(iobuf_register_module(MOD) == 0, "register " MOD);
	child_require(iobuf_register_module(MOD_OTHER) == 0,
		      "register " MOD_OTHER);
	child_require(iobuf_channel_init(&cw->ch, MOD, 4, 2) == 0,
		      "iobuf_channel_init");
	cw->small = iobuf_get(cw->ch, 1, NULL, NULL);
	child_require(cw->small != NULL, "iobuf_get");
	fprintf(stderr, BUFFER_MARK "%p\n", cw->small);
}

static void scenario_put_twice(void)
{
	struct child_world cw;

	child_world(&cw);
	iobuf_put(cw.ch, cw.small, 1);
	iobuf_put(cw.ch, cw.small, 1);
}

/* Per-buffer state must be global, not per channel. */
static void scenario_put_twice_two_channels(void)
{
	struct iobuf_channel *other = NULL;
	struct child_world cw;

	child_world(&cw);
	child_require(iobuf_channel_init(&other, MOD_OTHER, 4, 2) == 0,
		      "iobuf_channel_init " MOD_OTHER);
	iobuf_put(cw.ch, cw.small, 1);
	iobuf_put(other, cw.small, 1);
}

static void scenario_put_bulk_same_twice(void)
{
	struct child_world cw;
	void *bufs[2];

	child_world(&cw);
	bufs[0] = cw.small;
	bufs[1] = cw.small;
	iobuf_put_bulk(cw.ch, bufs, 2);
}

/* The channel a callback or visitor below closes (forbidden, SPEC §3). */
static struct iobuf_channel *closing;

static void close_in_callback(struct iobuf_entry *entry, void *buf)
{
	(void)entry;
	(void)buf;
	iobuf_channel_fini(closing);
}

static int close_in_visitor(struct iobuf_channel *ch, struct iobuf_entry *entry,
			    void *ctx)
{
	(void)entry;
	(void)ctx;
	iobuf_channel_fini(ch);
	return 0;
}

/* cw's channel with the small pool drained and one entry waiting. */
static void child_world_waiting(struct child_world *cw,
				struct iobuf_entry *entry, iobuf_get_cb cb)
{
	child_world(cw);
	while (iobuf_get(cw->ch, 1, NULL, NULL) != NULL)
		;
	child_require(iobuf_get(cw->ch, 1, entry, cb) == NULL && errno == ENOMEM,
		      "queue an entry");
	closing = cw->ch;
}

static void scenario_close_in_callback(void)
{
	struct iobuf_entry entry;
	struct child_world cw;

	child_world_waiting(&cw, &entry, close_in_callback);
	iobuf_put(cw.ch, cw.small, 1);
}

static void scenario_close_in_visitor(void)
{
	struct iobuf_entry entry;
	struct child_world cw;

	child_world_waiting(&cw, &entry, close_in_callback);
	iobuf_for_each_entry(cw.ch, close_in_visitor, NULL);
}

/* A thread that does not own cw's channel gets, then puts, through it. */
static void *use_foreign_channel(void *arg)
{
	struct child_world *cw = arg;
	void *buf = iobuf_get(cw->ch, 1, NULL, NULL);

	iobuf_put(cw->ch, buf != NULL ? buf : cw->small, 1);
	return NULL;
}

static void scenario_channel_used_by_another_thread(void)
{
	struct child_world cw;
	pthread_t t;

	child_world(&cw);
	child_require(pthread_create(&t, NULL, use_foreign_channel, &cw) == 0,
		      "pthread_create");
	pthread_join(t, NULL);
}

/* No EAL at all: the pools cannot come up, nothing else changes. */
static void scenario_no_eal(void)
{
	struct iobuf_channel *ch = NULL;
	struct iobuf_stats st;

	child_require(iobuf_register_module(MOD) == 0, "register " MOD);
	child_expect(iobuf_initialize(), -ENODEV, "iobuf_initialize");
	child_expect(iobuf_channel_init(&ch, MOD, 0, 0), -EINVAL,
		     "iobuf_channel_init");
	child_expect(ch == NULL, 1, "channel pointer left NULL");
	memset(&st, 0xA5, sizeof(st));
	child_expect(iobuf_get_stats(&st, sizeof(st), NULL, 0, 0), 1, "iobuf_get_stats");
	child_expect(st.pool[IOBUF_CLASS_SMALL].total == 0 &&
		     st.pool[IOBUF_CLASS_LARGE].total == 0, 1,
		     "zeroed pool statistics");
	child_expect(iobuf_finish(), 0, "iobuf_finish");
}

static void scenario_env_fini_first(void)
{
	iobuf_env_fini();
	child_env_init();
	child_expect(iobuf_initialize(), 0, "iobuf_initialize");
	child_expect(iobuf_finish(), 0, "iobuf_finish");
	iobuf_env_fini();
}

static void scenario_env_after_fini(void)
{
	child_env_init();
	iobuf_env_fini();
	child_expect(iobuf_env_init(), -EALREADY, "iobuf_env_init");
	child_expect(iobuf_initialize(), -ENODEV, "iobuf_initialize");
	iobuf_env_fini();
}

/*
 * IOBUF_EAL_ARGS of n arguments that EAL accepts, with a prefix the parent's
 * test_remove_runtime_dirs() finds.
 */
static void set_eal_args(int n)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "iobuf_%d_badinput", (int)getpid());
	child_require(test_eal_args_set(prefix, n) == 0, "IOBUF_EAL_ARGS");
}

static void scenario_64_eal_args(void)
{
	child_require(test_opts_set_default() == 0, "iobuf_set_opts");
	set_eal_args(64);
	child_expect(iobuf_env_init(), 0, "iobuf_env_init");
	child_expect(iobuf_initialize(), 0, "iobuf_initialize");
	child_expect(iobuf_finish(), 0, "iobuf_finish");
	iobuf_env_fini();
}

static void expect_negative(int rc, const char *what)
{
	if (rc >= 0) {
		fprintf(stderr, "badinput: %s returned %d, expected a negative "
			"errno\n", what, rc);
		child_failed = true;
	}
}

/* Few arguments but a long string: one --vdev-like argument of 8 KiB. */
static void scenario_long_eal_args(void)
{
	static char args[8192 + 32];
	int len;

	len = snprintf(args, sizeof(args), "--no-huge --vdev=");
	memset(args + len, 'x', sizeof(args) - (size_t)len - 1);
	args[sizeof(args) - 1] = '\0';
	child_require(setenv("IOBUF_EAL_ARGS", args, 1) == 0, "setenv");
	expect_negative(iobuf_env_init(), "iobuf_env_init");
	child_expect(iobuf_initialize(), -ENODEV, "iobuf_initialize");
}

static void scenario_65_eal_args(void)
{
	set_eal_args(65);
	child_expect(iobuf_env_init(), -E2BIG, "iobuf_env_init");
	child_expect(iobuf_initialize(), -ENODEV, "iobuf_initialize");
}

/*
 * rte_eal_init() fails: no EAL runs afterwards, so a second env_init must
 * not report success and initialize must not reach into the half-set-up
 * EAL.
 */
static void scenario_eal_arg_rejected(void)
{
	child_require(setenv("IOBUF_EAL_ARGS", "--no-such-eal-option", 1) == 0,
		      "setenv");
	expect_negative(iobuf_env_init(), "iobuf_env_init");
	expect_negative(iobuf_env_init(), "iobuf_env_init again");
	child_expect(iobuf_initialize(), -ENODEV, "iobuf_initialize");
}

/* ---- parent side -------------------------------------------------------- */

static char *read_all(int fd)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	char buf[4096];
	ssize_t n;

	assert_non_null(out);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, out);
	fclose(out);
	return text;
}

/* Run scenario in a child with stdout and stderr on a pipe. */
static char *run_child(void (*scenario)(void), int *status)
{
	int fds[2];
	pid_t pid;
	char *out;

	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* CMocka's handlers would resume the suite inside the child. */
		signal(SIGABRT, SIG_DFL);
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		signal(SIGFPE, SIG_DFL);
		/* stdout carries the parent's TAP; abort() flushes nothing. */
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		setvbuf(stdout, NULL, _IONBF, 0);
		alarm(CHILD_TIMEOUT_S);
		scenario();
		_exit(child_failed ? CHILD_FAILED : 0);
	}
	close(fds[1]);
	out = read_all(fds[0]);
	close(fds[0]);
	assert_int_equal(waitpid(pid, status, 0), pid);
	test_remove_runtime_dirs(pid);
	fprintf(stderr, "%s", out);
	return out;
}

static void describe_status(int status, char *buf, size_t size)
{
	if (WIFSIGNALED(status))
		snprintf(buf, size, "died of signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "exited with status %d%s",
			 WEXITSTATUS(status),
			 WEXITSTATUS(status) == CHILD_BROKEN ?
			 " (scenario setup failed)" : "");
}

/* The child exits 0 and, unless needle is NULL, its output contains needle. */
static void assert_child_logged(void (*scenario)(void), const char *needle)
{
	char how[128];
	int status;
	char *out = run_child(scenario, &status);

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		describe_status(status, how, sizeof(how));
		fail_msg("the child %s; its output is above", how);
	}
	if (needle != NULL && strstr(out, needle) == NULL)
		fail_msg("the child's output (above) does not contain \"%s\"",
			 needle);
	free(out);
}

static void assert_child_passed(void (*scenario)(void))
{
	assert_child_logged(scenario, NULL);
}

/* Run scenario in a child that must die of SIGABRT; returns its output. */
static char *run_child_aborting(void (*scenario)(void))
{
	char how[128];
	int status;
	char *out = run_child(scenario, &status);

	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT) {
		describe_status(status, how, sizeof(how));
		fail_msg("the child %s, expected death by SIGABRT; its output "
			 "is above", how);
	}
	return out;
}

/*
 * The child dies of SIGABRT, and what it printed after announcing the
 * buffer names that buffer.
 */
static void assert_child_aborts_naming_buffer(void (*scenario)(void))
{
	char ptr[64];
	const char *mark, *after;
	char *out = run_child_aborting(scenario);

	mark = strstr(out, BUFFER_MARK);
	if (mark == NULL ||
	    sscanf(mark + strlen(BUFFER_MARK), "%63s", ptr) != 1)
		fail_msg("the child never announced its buffer");
	after = strchr(mark, '\n');
	if (after == NULL || strstr(after, ptr) == NULL)
		fail_msg("the abort message (above) does not name buffer %s",
			 ptr);
	free(out);
}

/* The child dies of SIGABRT and its output contains needle. */
static void assert_child_aborts_saying(void (*scenario)(void),
				       const char *needle)
{
	char *out = run_child_aborting(scenario);

	if (strstr(out, needle) == NULL)
		fail_msg("the child's output (above) does not contain \"%s\"",
			 needle);
	free(out);
}

/* The inline get and put miss in debug builds, so the owner is checked. */
static void channel_used_by_another_thread_aborts(void **state)
{
	(void)state;
	assert_child_aborts_saying(scenario_channel_used_by_another_thread,
				   "used by a thread that does not own it");
}

static void close_from_a_callback_aborts(void **state)
{
	(void)state;
	assert_child_aborts_saying(scenario_close_in_callback,
				   "closed from a callback or visitor");
}

static void close_from_a_visitor_aborts(void **state)
{
	(void)state;
	assert_child_aborts_saying(scenario_close_in_visitor,
				   "closed from a callback or visitor");
}

static void put_twice_aborts_naming_the_buffer(void **state)
{
	(void)state;
	assert_child_aborts_naming_buffer(scenario_put_twice);
}

static void put_twice_through_two_channels_aborts_naming_it(void **state)
{
	(void)state;
	assert_child_aborts_naming_buffer(scenario_put_twice_two_channels);
}

static void put_bulk_of_one_buffer_twice_aborts_naming_it(void **state)
{
	(void)state;
	assert_child_aborts_naming_buffer(scenario_put_bulk_same_twice);
}

static void initialize_without_an_eal_is_enodev(void **state)
{
	(void)state;
	assert_child_logged(scenario_no_eal, "iobuf_env_init");
}

static void env_fini_before_env_init_is_a_no_op(void **state)
{
	(void)state;
	assert_child_passed(scenario_env_fini_first);
}

static void env_init_after_env_fini_is_ealready(void **state)
{
	(void)state;
	assert_child_passed(scenario_env_after_fini);
}

/* The boundary next to env_init_with_more_than_64_eal_args_is_e2big. */
static void env_init_with_exactly_64_eal_args_works(void **state)
{
	(void)state;
	assert_child_passed(scenario_64_eal_args);
}

static void env_init_with_more_than_64_eal_args_is_e2big(void **state)
{
	(void)state;
	assert_child_logged(scenario_65_eal_args, "IOBUF_EAL_ARGS");
}

static void env_init_with_eal_args_over_4k_fails_and_logs(void **state)
{
	(void)state;
	assert_child_logged(scenario_long_eal_args, "IOBUF_EAL_ARGS");
}

static void env_init_with_an_arg_eal_rejects_fails(void **state)
{
	(void)state;
	assert_child_logged(scenario_eal_arg_rejected, "IOBUF_EAL_ARGS");
}

int main(void)
{
	const struct CMUnitTest all[] = {
		cmocka_unit_test(initialize_without_an_eal_is_enodev),
		cmocka_unit_test(env_fini_before_env_init_is_a_no_op),
		cmocka_unit_test(env_init_after_env_fini_is_ealready),
		cmocka_unit_test(env_init_with_exactly_64_eal_args_works),
		cmocka_unit_test(env_init_with_more_than_64_eal_args_is_e2big),
		cmocka_unit_test(env_init_with_eal_args_over_4k_fails_and_logs),
		cmocka_unit_test(env_init_with_an_arg_eal_rejects_fails),
		cmocka_unit_test(put_twice_aborts_naming_the_buffer),
		cmocka_unit_test(put_twice_through_two_channels_aborts_naming_it),
		cmocka_unit_test(put_bulk_of_one_buffer_twice_aborts_naming_it),
		cmocka_unit_test(close_from_a_callback_aborts),
		cmocka_unit_test(close_from_a_visitor_aborts),
		cmocka_unit_test(channel_used_by_another_thread_aborts),
	};
	/*
	 * The last six are the aborts of -Ddebug_checks=true builds; a
	 * release build logs and goes on instead (test/unit/test_misuse.c),
	 * or, for a channel used by another thread, does not look.
	 * They are left out rather than skip()ped: CMocka 1.1.5 prints
	 * "not ok # SKIP", which meson counts as a failure.
	 */
	const size_t debug_only = 6;
	const size_t n = sizeof(all) / sizeof(all[0]) -
		(BADINPUT_DEBUG_CHECKS ? 0 : debug_only);
	struct CMUnitTest tests[sizeof(all) / sizeof(all[0])] = { 0 };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (i < n)
			tests[i] = all[i];
		else
			printf("# %s: needs -Ddebug_checks=true, not run\n",
			       all[i].name);
	}
	/* CMocka ignores the zeroed entries left at the end. */
	return cmocka_run_group_tests_name("badinput_process", tests, NULL,
					   NULL);
}
