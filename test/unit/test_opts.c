/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Versioned options (SPEC §2): defaults, the opts_size rule in both
 * directions, validation of every field, all-or-nothing, -EBUSY while the
 * pools are up, and that the options reach the pools.
 */

#include <errno.h>
#include <string.h>

#include "test_env.h"

/* Read before the group setup sets the tiny test options. */
static struct iobuf_opts defaults;

/* A caller compiled against a newer header with one more field. */
struct future_opts {
	struct iobuf_opts opts;
	uint64_t future_field;
};

/* A caller struct followed by guard bytes the library must not touch. */
struct guarded_opts {
	struct iobuf_opts opts;
	unsigned char guard[16];
};

#define GUARD 0xA5

static int opts_group_setup(void **state)
{
	iobuf_get_opts(&defaults, sizeof(defaults));
	return test_group_setup(state);
}

static void get_current(struct iobuf_opts *opts)
{
	iobuf_get_opts(opts, sizeof(*opts));
	assert_int_equal(opts->opts_size, sizeof(*opts));
}

/* Valid options that differ from the test defaults in every field. */
static void valid_change(struct iobuf_opts *opts)
{
	opts->opts_size = sizeof(*opts);
	opts->small_pool_count = 96;
	opts->large_pool_count = 12;
	opts->small_bufsize = 8192;
	opts->large_bufsize = 16384;
}

/* set_opts(bad) fails with -EINVAL and leaves every field as it was. */
static void assert_rejected(const struct iobuf_opts *bad)
{
	struct iobuf_opts before, after;

	get_current(&before);
	assert_int_equal(iobuf_set_opts(bad), -EINVAL);
	get_current(&after);
	assert_memory_equal(&before, &after, sizeof(before));
}

static void assert_untouched_from(const struct guarded_opts *g, size_t from)
{
	const unsigned char *raw = (const unsigned char *)g;

	for (size_t i = from; i < sizeof(*g); i++)
		assert_int_equal(raw[i], GUARD);
}

static void get_opts_before_any_set_returns_the_defaults(void **state)
{
	(void)state;
	assert_int_equal(defaults.opts_size, sizeof(defaults));
	assert_int_equal(defaults.small_pool_count, 8192);
	assert_int_equal(defaults.large_pool_count, 1024);
	assert_int_equal(defaults.small_bufsize, 8192);
	assert_int_equal(defaults.large_bufsize, 135168);
}

static void a_valid_change_is_read_back_by_get_opts(void **state)
{
	struct iobuf_opts want, got;

	(void)state;
	valid_change(&want);
	assert_int_equal(iobuf_set_opts(&want), 0);
	get_current(&got);
	assert_memory_equal(&want, &got, sizeof(want));
}

static void get_opts_with_old_smaller_size_never_writes_past_it(void **state)
{
	const size_t no_large_bufsize = offsetof(struct iobuf_opts, large_bufsize);
	const size_t small_count_only = offsetof(struct iobuf_opts, large_pool_count);
	const size_t half_small_count = offsetof(struct iobuf_opts, small_pool_count) + 4;
	struct guarded_opts g;

	(void)state;
	memset(&g, GUARD, sizeof(g));
	iobuf_get_opts(&g.opts, no_large_bufsize);
	assert_int_equal(g.opts.opts_size, no_large_bufsize);
	assert_int_equal(g.opts.small_pool_count, TEST_SMALL_COUNT);
	assert_int_equal(g.opts.large_pool_count, TEST_LARGE_COUNT);
	assert_int_equal(g.opts.small_bufsize, TEST_SMALL_SIZE);
	assert_untouched_from(&g, no_large_bufsize);

	memset(&g, GUARD, sizeof(g));
	iobuf_get_opts(&g.opts, small_count_only);
	assert_int_equal(g.opts.opts_size, small_count_only);
	assert_int_equal(g.opts.small_pool_count, TEST_SMALL_COUNT);
	assert_untouched_from(&g, small_count_only);

	/* A field only partly inside opts_size is not written at all. */
	memset(&g, GUARD, sizeof(g));
	iobuf_get_opts(&g.opts, half_small_count);
	assert_int_equal(g.opts.opts_size, half_small_count);
	assert_untouched_from(&g, sizeof(size_t));
}

static void get_opts_with_size_below_the_size_field_writes_nothing(void **state)
{
	struct guarded_opts g;

	(void)state;
	memset(&g, GUARD, sizeof(g));
	iobuf_get_opts(&g.opts, sizeof(size_t) - 1);
	assert_untouched_from(&g, 0);
	iobuf_get_opts(&g.opts, 0);
	assert_untouched_from(&g, 0);
	iobuf_get_opts(NULL, sizeof(struct iobuf_opts));
}

static void get_opts_with_newer_larger_size_leaves_unknown_fields_alone(void **state)
{
	struct future_opts big;

	(void)state;
	memset(&big, GUARD, sizeof(big));
	big.future_field = 0x1234;
	iobuf_get_opts(&big.opts, sizeof(big));
	assert_int_equal(big.opts.opts_size, sizeof(big));
	assert_int_equal(big.opts.small_pool_count, TEST_SMALL_COUNT);
	assert_int_equal(big.opts.large_pool_count, TEST_LARGE_COUNT);
	assert_int_equal(big.opts.small_bufsize, TEST_SMALL_SIZE);
	assert_int_equal(big.opts.large_bufsize, TEST_LARGE_SIZE);
	assert_int_equal(big.future_field, 0x1234);
}

static void set_opts_with_old_smaller_size_keeps_the_fields_it_lacks(void **state)
{
	struct iobuf_opts opts, got;
	struct iobuf_stats st;

	(void)state;
	/* A newer caller sets large_bufsize first, so small_bufsize may grow. */
	test_opts_default(&opts);
	opts.large_bufsize = 16384;
	assert_int_equal(iobuf_set_opts(&opts), 0);

	valid_change(&opts);
	opts.opts_size = offsetof(struct iobuf_opts, large_bufsize);
	/* Beyond opts_size: an old caller's stack garbage, never read. */
	opts.large_bufsize = 1;
	assert_int_equal(iobuf_set_opts(&opts), 0);

	get_current(&got);
	assert_int_equal(got.small_pool_count, opts.small_pool_count);
	assert_int_equal(got.large_pool_count, opts.large_pool_count);
	assert_int_equal(got.small_bufsize, opts.small_bufsize);
	assert_int_equal(got.large_bufsize, 16384);

	assert_int_equal(iobuf_initialize(), 0);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].total, opts.small_pool_count);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].bufsize, opts.small_bufsize);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].total, opts.large_pool_count);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].bufsize, 16384);
}

static void set_opts_with_only_the_size_field_changes_nothing(void **state)
{
	struct iobuf_opts opts, before, after;

	(void)state;
	get_current(&before);
	valid_change(&opts);
	opts.opts_size = sizeof(size_t);
	assert_int_equal(iobuf_set_opts(&opts), 0);
	get_current(&after);
	assert_memory_equal(&before, &after, sizeof(before));
}

static void set_opts_with_newer_larger_size_ignores_unknown_fields(void **state)
{
	struct future_opts big;
	struct iobuf_opts got;

	(void)state;
	valid_change(&big.opts);
	big.opts.opts_size = sizeof(big);
	big.future_field = UINT64_MAX;
	assert_int_equal(iobuf_set_opts(&big.opts), 0);
	get_current(&got);
	assert_int_equal(got.small_pool_count, big.opts.small_pool_count);
	assert_int_equal(got.large_pool_count, big.opts.large_pool_count);
	assert_int_equal(got.small_bufsize, big.opts.small_bufsize);
	assert_int_equal(got.large_bufsize, big.opts.large_bufsize);
}

static void set_opts_with_null_or_short_size_returns_einval(void **state)
{
	struct iobuf_opts opts;

	(void)state;
	assert_int_equal(iobuf_set_opts(NULL), -EINVAL);
	valid_change(&opts);
	opts.opts_size = 0;
	assert_rejected(&opts);
	opts.opts_size = sizeof(size_t) - 1;
	assert_rejected(&opts);
}

static void small_pool_count_below_64_is_rejected(void **state)
{
	struct iobuf_opts opts;

	(void)state;
	valid_change(&opts);
	opts.small_pool_count = 63;
	assert_rejected(&opts);
	opts.small_pool_count = 0;
	assert_rejected(&opts);
}

static void large_pool_count_below_8_is_rejected(void **state)
{
	struct iobuf_opts opts;

	(void)state;
	valid_change(&opts);
	opts.large_pool_count = 7;
	assert_rejected(&opts);
	opts.large_pool_count = 0;
	assert_rejected(&opts);
}

static void small_bufsize_below_4k_is_rejected(void **state)
{
	struct iobuf_opts opts;

	(void)state;
	valid_change(&opts);
	opts.small_bufsize = 4095;
	assert_rejected(&opts);
	opts.small_bufsize = 0;
	assert_rejected(&opts);
}

static void large_bufsize_below_8k_is_rejected(void **state)
{
	struct iobuf_opts opts;

	(void)state;
	valid_change(&opts);
	opts.small_bufsize = 4096;
	opts.large_bufsize = 8191;
	assert_rejected(&opts);
	opts.large_bufsize = 0;
	assert_rejected(&opts);
}

static void small_bufsize_not_below_large_bufsize_is_rejected(void **state)
{
	struct iobuf_opts opts;

	(void)state;
	valid_change(&opts);
	opts.small_bufsize = 16384;
	opts.large_bufsize = 16384;
	assert_rejected(&opts);
	opts.small_bufsize = 32768;
	assert_rejected(&opts);
	/* 12289 rounds up to 16384, which is not below 16384. */
	opts.small_bufsize = 12289;
	assert_rejected(&opts);
}

static void pool_count_too_large_for_one_ring_is_rejected(void **state)
{
	struct iobuf_opts opts;

	(void)state;
	valid_change(&opts);
	opts.small_pool_count = UINT64_MAX;
	assert_rejected(&opts);
	opts.small_pool_count = UINT64_C(1) << 32;
	assert_rejected(&opts);
	valid_change(&opts);
	opts.large_pool_count = UINT64_MAX;
	assert_rejected(&opts);
}

static void large_bufsize_that_overflows_when_rounded_is_rejected(void **state)
{
	struct iobuf_opts opts;

	(void)state;
	valid_change(&opts);
	opts.large_bufsize = UINT32_MAX;
	assert_rejected(&opts);
}

static void minimum_values_are_accepted_and_build_pools(void **state)
{
	struct iobuf_opts opts = {
		.opts_size = sizeof(opts),
		.small_pool_count = 64,
		.large_pool_count = 8,
		.small_bufsize = 4096,
		.large_bufsize = 8192,
	};
	struct iobuf_stats st;

	(void)state;
	assert_int_equal(iobuf_set_opts(&opts), 0);
	assert_int_equal(iobuf_initialize(), 0);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].total, 64);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].free, 64);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].total, 8);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].free, 8);
}

static void buffer_sizes_are_rounded_up_to_4k(void **state)
{
	struct iobuf_opts opts = {
		.opts_size = sizeof(opts),
		.small_pool_count = TEST_SMALL_COUNT,
		.large_pool_count = TEST_LARGE_COUNT,
		.small_bufsize = 5000,
		.large_bufsize = 9000,
	};
	struct iobuf_channel *ch;
	struct iobuf_stats st;
	void *buf;

	(void)state;
	assert_int_equal(iobuf_set_opts(&opts), 0);
	assert_int_equal(iobuf_initialize(), 0);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].bufsize, 8192);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].bufsize, 12288);

	/* The rounded size is what a buffer holds, so 8192 bytes fit a small one. */
	ch = test_channel("opts_round", 0, 0);
	buf = iobuf_get(ch, 8192, NULL, NULL);
	assert_non_null(buf);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].out, 1);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].out, 0);
	iobuf_put(ch, buf, 8192);
	buf = iobuf_get(ch, 12288, NULL, NULL);
	assert_non_null(buf);
	iobuf_put(ch, buf, 12288);
	iobuf_channel_fini(ch);
}

static void set_opts_while_initialized_returns_ebusy_and_changes_nothing(void **state)
{
	struct iobuf_opts opts, before, after;

	(void)state;
	assert_int_equal(iobuf_initialize(), 0);
	get_current(&before);
	valid_change(&opts);
	assert_int_equal(iobuf_set_opts(&opts), -EBUSY);
	get_current(&after);
	assert_memory_equal(&before, &after, sizeof(before));

	assert_int_equal(iobuf_finish(), 0);
	assert_int_equal(iobuf_set_opts(&opts), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, test_setup_bare, test_teardown)
		T(get_opts_before_any_set_returns_the_defaults),
		T(a_valid_change_is_read_back_by_get_opts),
		T(get_opts_with_old_smaller_size_never_writes_past_it),
		T(get_opts_with_size_below_the_size_field_writes_nothing),
		T(get_opts_with_newer_larger_size_leaves_unknown_fields_alone),
		T(set_opts_with_old_smaller_size_keeps_the_fields_it_lacks),
		T(set_opts_with_only_the_size_field_changes_nothing),
		T(set_opts_with_newer_larger_size_ignores_unknown_fields),
		T(set_opts_with_null_or_short_size_returns_einval),
		T(small_pool_count_below_64_is_rejected),
		T(large_pool_count_below_8_is_rejected),
		T(small_bufsize_below_4k_is_rejected),
		T(large_bufsize_below_8k_is_rejected),
		T(small_bufsize_not_below_large_bufsize_is_rejected),
		T(pool_count_too_large_for_one_ring_is_rejected),
		T(large_bufsize_that_overflows_when_rounded_is_rejected),
		T(minimum_values_are_accepted_and_build_pools),
		T(buffer_sizes_are_rounded_up_to_4k),
		T(set_opts_while_initialized_returns_ebusy_and_changes_nothing),
#undef T
	};

	return cmocka_run_group_tests_name("opts", tests, opts_group_setup,
					   test_group_teardown);
}
