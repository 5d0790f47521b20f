/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * iobuf_get_stats / iobuf_dump (SPEC §3): the module list and its limits,
 * the per-path counters, `out` across modules and closed channels, and
 * snapshots taken from a thread that owns no channel.
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_env.h"

static void stats_before_initialize_are_zeroed_and_list_modules(void **state)
{
	struct iobuf_module_stats mods[2];
	struct iobuf_stats st, zero;

	(void)state;
	assert_int_equal(iobuf_register_module("st_early"), 0);
	memset(&st, 0xff, sizeof(st));
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(iobuf_get_stats(&st, mods, 2), 1);
	assert_memory_equal(&st, &zero, sizeof(st));
	assert_string_equal(mods[0].name, "st_early");
	assert_int_equal(mods[0].channels, 0);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		assert_int_equal(mods[0].cls[c].cache, 0);
		assert_int_equal(mods[0].cls[c].main, 0);
		assert_int_equal(mods[0].cls[c].retry, 0);
		assert_int_equal(mods[0].cls[c].out, 0);
		assert_int_equal(mods[0].cls[c].waiting, 0);
	}
}

static void get_stats_writes_at_most_max_modules_and_returns_the_count(void **state)
{
	struct iobuf_module_stats mods[3], untouched;
	struct iobuf_stats st;

	(void)state;
	assert_int_equal(iobuf_register_module("st_one"), 0);
	assert_int_equal(iobuf_register_module("st_two"), 0);
	assert_int_equal(iobuf_register_module("st_three"), 0);
	memset(mods, 0xab, sizeof(mods));
	memset(&untouched, 0xab, sizeof(untouched));

	assert_int_equal(iobuf_get_stats(&st, mods, 2), 3);
	assert_string_equal(mods[0].name, "st_one");
	assert_string_equal(mods[1].name, "st_two");
	assert_memory_equal(&mods[2], &untouched, sizeof(untouched));

	assert_int_equal(iobuf_get_stats(NULL, NULL, 0), 3);
	assert_int_equal(iobuf_get_stats(&st, NULL, 0), 3);
	assert_int_equal(iobuf_get_stats(&st, NULL, 1), -EINVAL);
	assert_int_equal(iobuf_get_stats(NULL, mods, 0), 3);
}

static void pool_stats_report_size_total_free_cached_and_out(void **state)
{
	struct iobuf_channel *ch;
	struct iobuf_stats st;
	void *bufs[3];

	(void)state;
	ch = test_channel("st_pool", 8, 2);
	for (int i = 0; i < 3; i++) {
		bufs[i] = iobuf_get(ch, 1, NULL, NULL);
		assert_non_null(bufs[i]);
	}
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].bufsize, TEST_SMALL_SIZE);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].total, TEST_SMALL_COUNT);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].free, TEST_SMALL_COUNT - 8);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].cached, 5);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].out, 3);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].bufsize, TEST_LARGE_SIZE);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].total, TEST_LARGE_COUNT);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].cached, 2);
	test_assert_conservation();
	test_put_all(ch, bufs, 3, 1);
	iobuf_channel_fini(ch);
}

static void module_counters_follow_the_path_each_get_took(void **state)
{
	void *small[3], *large[TEST_LARGE_COUNT];
	struct iobuf_module_stats m;
	struct iobuf_channel *ch;
	struct test_req r;
	uint32_t nl;

	(void)state;
	ch = test_channel("st_paths", 2, 1);
	/* Two from the pre-filled cache, then a refill. */
	for (int i = 0; i < 3; i++) {
		small[i] = iobuf_get(ch, 1, NULL, NULL);
		assert_non_null(small[i]);
	}
	nl = test_drain(ch, TEST_LARGE_SIZE, large, TEST_LARGE_COUNT);
	assert_int_equal(nl, TEST_LARGE_COUNT);
	test_req_init(&r, 1, ch, TEST_LARGE_SIZE);
	test_req_queue(&r);

	test_module_stats("st_paths", &m);
	assert_int_equal(m.channels, 1);
	assert_int_equal(m.cls[IOBUF_CLASS_SMALL].cache, 2);
	assert_int_equal(m.cls[IOBUF_CLASS_SMALL].main, 1);
	assert_int_equal(m.cls[IOBUF_CLASS_SMALL].retry, 0);
	assert_int_equal(m.cls[IOBUF_CLASS_SMALL].out, 3);
	assert_int_equal(m.cls[IOBUF_CLASS_SMALL].waiting, 0);
	/* A batch of one: every large get past the pre-fill is a refill. */
	assert_int_equal(m.cls[IOBUF_CLASS_LARGE].cache, 1);
	assert_int_equal(m.cls[IOBUF_CLASS_LARGE].main, TEST_LARGE_COUNT - 1);
	assert_int_equal(m.cls[IOBUF_CLASS_LARGE].retry, 1);
	assert_int_equal(m.cls[IOBUF_CLASS_LARGE].out, TEST_LARGE_COUNT);
	assert_int_equal(m.cls[IOBUF_CLASS_LARGE].waiting, 1);
	test_assert_conservation();

	iobuf_entry_abort(ch, &r.entry, TEST_LARGE_SIZE);
	test_put_all(ch, small, 3, 1);
	test_put_all(ch, large, nl, TEST_LARGE_SIZE);
	test_module_stats("st_paths", &m);
	/* Path counters are cumulative; out and waiting are current. */
	assert_int_equal(m.cls[IOBUF_CLASS_SMALL].cache, 2);
	assert_int_equal(m.cls[IOBUF_CLASS_LARGE].retry, 1);
	assert_int_equal(m.cls[IOBUF_CLASS_SMALL].out, 0);
	assert_int_equal(m.cls[IOBUF_CLASS_LARGE].out, 0);
	assert_int_equal(m.cls[IOBUF_CLASS_LARGE].waiting, 0);
	iobuf_channel_fini(ch);
}

static void out_moves_to_the_module_that_returns_a_buffer(void **state)
{
	struct iobuf_module_stats ma, mb;
	struct iobuf_channel *a, *b;
	struct iobuf_stats st;
	void *bufs[2];

	(void)state;
	a = test_channel("st_taker", 0, 0);
	b = test_channel("st_giver", 0, 0);
	assert_int_equal(test_drain(a, TEST_LARGE_SIZE, bufs, 2), 2);
	test_put_all(b, bufs, 2, TEST_LARGE_SIZE);

	test_module_stats("st_taker", &ma);
	test_module_stats("st_giver", &mb);
	assert_int_equal(ma.cls[IOBUF_CLASS_LARGE].out, 2);
	assert_int_equal(mb.cls[IOBUF_CLASS_LARGE].out, -2);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].out, 0);
	iobuf_channel_fini(a);
	iobuf_channel_fini(b);
}

static void out_includes_buffers_of_closed_channels(void **state)
{
	struct iobuf_module_stats m;
	struct iobuf_channel *ch;
	struct iobuf_stats st;
	void *bufs[2];

	(void)state;
	ch = test_channel("st_closed", 1, 1);
	assert_int_equal(test_drain(ch, 1, bufs, 2), 2);
	iobuf_channel_fini(ch);
	test_module_stats("st_closed", &m);
	assert_int_equal(m.channels, 0);
	assert_int_equal(m.cls[IOBUF_CLASS_SMALL].out, 2);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].out, 2);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].cached, 0);
	test_assert_conservation();

	ch = NULL;
	assert_int_equal(iobuf_channel_init(&ch, "st_closed", 1, 1), 0);
	test_put_all(ch, bufs, 2, 1);
	iobuf_channel_fini(ch);
}

struct snapshot {
	struct iobuf_stats pools;
	struct iobuf_module_stats mods[2];
	int n;
};

static void *snapshot_elsewhere(void *arg)
{
	struct snapshot *s = arg;

	s->n = iobuf_get_stats(&s->pools, s->mods, 2);
	return NULL;
}

static void stats_from_a_thread_without_channels_match(void **state)
{
	struct snapshot here, there;
	struct iobuf_channel *ch;
	pthread_t tid;
	void *bufs[5];

	(void)state;
	ch = test_channel("st_remote", 4, 2);
	assert_int_equal(test_drain(ch, 1, bufs, 5), 5);
	memset(&here, 0, sizeof(here));
	memset(&there, 0, sizeof(there));
	here.n = iobuf_get_stats(&here.pools, here.mods, 2);
	assert_int_equal(pthread_create(&tid, NULL, snapshot_elsewhere, &there), 0);
	pthread_join(tid, NULL);
	assert_int_equal(here.n, 1);
	assert_memory_equal(&here, &there, sizeof(here));
	test_put_all(ch, bufs, 5, 1);
	iobuf_channel_fini(ch);
}

static void dump_prints_key_value_lines_for_pools_and_modules(void **state)
{
	struct iobuf_channel *ch;
	size_t len = 0;
	char *text = NULL;
	FILE *f;

	(void)state;
	ch = test_channel("st_dumped", 1, 1);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	iobuf_dump(f);
	fclose(f);
	fprintf(stderr, "%s", text);
	assert_non_null(strstr(text, "st_dumped"));
	assert_non_null(strchr(text, '='));
	free(text);
	iobuf_channel_fini(ch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)
#define B(f) cmocka_unit_test_setup_teardown(f, test_setup_bare, test_teardown)
		B(stats_before_initialize_are_zeroed_and_list_modules),
		B(get_stats_writes_at_most_max_modules_and_returns_the_count),
		T(pool_stats_report_size_total_free_cached_and_out),
		T(module_counters_follow_the_path_each_get_took),
		T(out_moves_to_the_module_that_returns_a_buffer),
		T(out_includes_buffers_of_closed_channels),
		T(stats_from_a_thread_without_channels_match),
		T(dump_prints_key_value_lines_for_pools_and_modules),
#undef B
#undef T
	};

	return cmocka_run_group_tests_name("stats", tests, test_group_setup,
					   test_group_teardown);
}
