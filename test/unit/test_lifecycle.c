/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * iobuf_initialize() / iobuf_finish() (SPEC §3): double init, finish that
 * refuses while a channel is open or a buffer is out (and explains), re-init
 * with old and new options, and nothing leaked on success or failure.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test_env.h"

static void assert_stats_zeroed(void)
{
	struct iobuf_stats st, zero;

	memset(&st, 0xff, sizeof(st));
	memset(&zero, 0, sizeof(zero));
	test_pool_stats(&st);
	assert_memory_equal(&st, &zero, sizeof(st));
}

static void assert_fresh_pools(void)
{
	struct iobuf_stats st;

	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].total, TEST_SMALL_COUNT);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].free, TEST_SMALL_COUNT);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].bufsize, TEST_SMALL_SIZE);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].total, TEST_LARGE_COUNT);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].free, TEST_LARGE_COUNT);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].bufsize, TEST_LARGE_SIZE);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		assert_int_equal(st.pool[c].cached, 0);
		assert_int_equal(st.pool[c].out, 0);
		assert_int_equal(st.pool[c].waiting, 0);
	}
}

static void assert_same_dpdk_usage(const struct test_dpdk_usage *before)
{
	struct test_dpdk_usage now;

	test_dpdk_usage(&now);
	assert_int_equal(now.memzones, before->memzones);
	assert_int_equal(now.heap_bytes, before->heap_bytes);
}

static void stats_are_zeroed_while_not_initialized(void **state)
{
	(void)state;
	assert_stats_zeroed();
	assert_int_equal(iobuf_initialize(), 0);
	assert_fresh_pools();
	assert_int_equal(iobuf_finish(), 0);
	assert_stats_zeroed();
}

static void initialize_twice_returns_ealready_and_keeps_the_pools(void **state)
{
	struct iobuf_channel *ch;
	struct iobuf_stats before, after;
	void *buf;

	(void)state;
	assert_int_equal(iobuf_initialize(), 0);
	ch = test_channel("life_twice", 2, 1);
	buf = iobuf_get(ch, 1, NULL, NULL);
	assert_non_null(buf);
	test_pool_stats(&before);

	assert_int_equal(iobuf_initialize(), -EALREADY);
	test_pool_stats(&after);
	assert_memory_equal(&before, &after, sizeof(before));

	iobuf_put(ch, buf, 1);
	iobuf_channel_fini(ch);
}

static void finish_without_initialize_returns_zero(void **state)
{
	(void)state;
	assert_int_equal(iobuf_finish(), 0);
	assert_int_equal(iobuf_initialize(), 0);
	assert_int_equal(iobuf_finish(), 0);
	assert_int_equal(iobuf_finish(), 0);
}

static void finish_with_a_channel_open_returns_ebusy_and_frees_nothing(void **state)
{
	struct iobuf_channel *ch;
	struct iobuf_stats before, after;
	void *buf;

	(void)state;
	assert_int_equal(iobuf_initialize(), 0);
	ch = test_channel("life_open", 4, 2);
	test_pool_stats(&before);

	assert_int_equal(iobuf_finish(), -EBUSY);
	test_pool_stats(&after);
	assert_memory_equal(&before, &after, sizeof(before));

	/* The pools are intact: the open channel still works. */
	buf = iobuf_get(ch, TEST_LARGE_SIZE, NULL, NULL);
	assert_non_null(buf);
	iobuf_put(ch, buf, TEST_LARGE_SIZE);
	test_assert_conservation();
	iobuf_channel_fini(ch);
}

static void finish_with_buffers_out_returns_ebusy_and_names_the_holder(void **state)
{
	struct iobuf_channel *ch;
	struct iobuf_stats before, after;
	void *bufs[5];
	char *log;

	(void)state;
	assert_int_equal(iobuf_initialize(), 0);
	ch = test_channel("life_holder", 0, 0);
	assert_int_equal(test_drain(ch, 1, bufs, 5), 5);
	/* Closing the channel does not return what was taken through it. */
	iobuf_channel_fini(ch);
	test_pool_stats(&before);
	assert_int_equal(before.pool[IOBUF_CLASS_SMALL].out, 5);

	test_log_begin();
	assert_int_equal(iobuf_finish(), -EBUSY);
	log = test_log_end();
	assert_non_null(strstr(log, "life_holder"));
	assert_non_null(strstr(log, "5"));
	free(log);
	test_pool_stats(&after);
	assert_memory_equal(&before, &after, sizeof(before));

	/* Another module may return them; then finish succeeds (teardown). */
	ch = test_channel("life_returner", 0, 0);
	test_put_all(ch, bufs, 5, 1);
	iobuf_channel_fini(ch);
}

static void initialize_after_finish_works_again_and_leaks_nothing(void **state)
{
	struct test_dpdk_usage before;

	(void)state;
	/* Modules outlive the pools: register before measuring. */
	assert_int_equal(iobuf_register_module("life_again"), 0);
	test_dpdk_usage(&before);
	for (int round = 0; round < 3; round++) {
		struct iobuf_channel *ch = NULL;
		void *buf;

		assert_int_equal(iobuf_initialize(), 0);
		assert_fresh_pools();
		assert_int_equal(iobuf_channel_init(&ch, "life_again", 8, 2), 0);
		buf = iobuf_get(ch, TEST_SMALL_SIZE, NULL, NULL);
		assert_non_null(buf);
		iobuf_put(ch, buf, TEST_SMALL_SIZE);
		iobuf_channel_fini(ch);
		test_assert_conservation();
		assert_int_equal(iobuf_finish(), 0);
		assert_same_dpdk_usage(&before);
	}
}

static void initialize_after_finish_uses_new_options(void **state)
{
	struct iobuf_opts opts;
	struct iobuf_stats st;

	(void)state;
	assert_int_equal(iobuf_initialize(), 0);
	assert_int_equal(iobuf_finish(), 0);

	test_opts_default(&opts);
	opts.small_pool_count = 200;
	opts.large_pool_count = 10;
	opts.large_bufsize = 16384;
	assert_int_equal(iobuf_set_opts(&opts), 0);
	assert_int_equal(iobuf_initialize(), 0);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].total, 200);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].free, 200);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].total, 10);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].bufsize, 16384);
}

/* Valid options whose region cannot fit the environment's memory. */
static void initialize_without_memory_returns_enomem_and_leaks_nothing(void **state)
{
	struct iobuf_opts opts;
	struct test_dpdk_usage before;
	char *log;

	(void)state;
	test_dpdk_usage(&before);

	/* 1 GiB of small buffers, then 1 GiB of large ones behind a tiny small pool. */
	for (int which = 0; which < 2; which++) {
		test_opts_default(&opts);
		if (which == 0)
			opts.small_pool_count = UINT64_C(1) << 18;
		else
			opts.large_pool_count = UINT64_C(1) << 17;
		assert_int_equal(iobuf_set_opts(&opts), 0);

		test_log_begin();
		assert_int_equal(iobuf_initialize(), -ENOMEM);
		log = test_log_end();
		assert_true(strlen(log) > 0);
		free(log);

		assert_stats_zeroed();
		assert_same_dpdk_usage(&before);
	}

	test_opts_apply();
	assert_int_equal(iobuf_initialize(), 0);
	assert_fresh_pools();
}

static void channel_init_before_initialize_returns_einval(void **state)
{
	struct iobuf_channel *ch = NULL;

	(void)state;
	assert_int_equal(iobuf_register_module("life_early"), 0);
	assert_int_equal(iobuf_channel_init(&ch, "life_early", 0, 0), -EINVAL);
	/* After a finish the pools are gone again. */
	assert_int_equal(iobuf_initialize(), 0);
	assert_int_equal(iobuf_finish(), 0);
	assert_int_equal(iobuf_channel_init(&ch, "life_early", 0, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, test_setup_bare, test_teardown)
		T(stats_are_zeroed_while_not_initialized),
		T(initialize_twice_returns_ealready_and_keeps_the_pools),
		T(finish_without_initialize_returns_zero),
		T(finish_with_a_channel_open_returns_ebusy_and_frees_nothing),
		T(finish_with_buffers_out_returns_ebusy_and_names_the_holder),
		T(initialize_after_finish_works_again_and_leaks_nothing),
		T(initialize_after_finish_uses_new_options),
		T(initialize_without_memory_returns_enomem_and_leaks_nothing),
		T(channel_init_before_initialize_returns_einval),
#undef T
	};

	return cmocka_run_group_tests_name("lifecycle", tests, test_group_setup,
					   test_group_teardown);
}
