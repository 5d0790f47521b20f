/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Channels (SPEC §3): pre-fill, one channel per module per thread, argument
 * checks, a pre-fill the pool cannot satisfy giving back everything it took,
 * and fini returning the caches.
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "test_env.h"

static void assert_pool(enum iobuf_class c, uint64_t free_bufs, uint64_t cached,
			int64_t out)
{
	struct iobuf_stats st;

	test_pool_stats(&st);
	assert_int_equal(st.pool[c].free, free_bufs);
	assert_int_equal(st.pool[c].cached, cached);
	assert_int_equal(st.pool[c].out, out);
}

static void init_prefills_both_caches(void **state)
{
	struct iobuf_module_stats m, zero;
	struct iobuf_channel *ch;

	(void)state;
	ch = test_channel("ch_prefill", 8, 2);
	assert_pool(IOBUF_CLASS_SMALL, TEST_SMALL_COUNT - 8, 8, 0);
	assert_pool(IOBUF_CLASS_LARGE, TEST_LARGE_COUNT - 2, 2, 0);

	/* Pre-filling is not a get: no counter moves. */
	test_module_stats("ch_prefill", &m);
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(m.channels, 1);
	assert_memory_equal(m.cls, zero.cls, sizeof(m.cls));
	iobuf_channel_fini(ch);
}

static void init_with_zero_caches_takes_nothing(void **state)
{
	struct iobuf_channel *ch;

	(void)state;
	ch = test_channel("ch_zero", 0, 0);
	assert_pool(IOBUF_CLASS_SMALL, TEST_SMALL_COUNT, 0, 0);
	assert_pool(IOBUF_CLASS_LARGE, TEST_LARGE_COUNT, 0, 0);
	iobuf_channel_fini(ch);
}

static void init_with_whole_pool_as_cache_takes_everything(void **state)
{
	struct iobuf_channel *ch;

	(void)state;
	ch = test_channel("ch_all", TEST_SMALL_COUNT, TEST_LARGE_COUNT);
	assert_pool(IOBUF_CLASS_SMALL, 0, TEST_SMALL_COUNT, 0);
	assert_pool(IOBUF_CLASS_LARGE, 0, TEST_LARGE_COUNT, 0);
	iobuf_channel_fini(ch);
	assert_pool(IOBUF_CLASS_SMALL, TEST_SMALL_COUNT, 0, 0);
	assert_pool(IOBUF_CLASS_LARGE, TEST_LARGE_COUNT, 0, 0);
}

static void init_rejects_null_arguments_and_oversized_caches(void **state)
{
	struct iobuf_channel *ch = NULL;
	struct iobuf_module_stats m;

	(void)state;
	assert_int_equal(iobuf_register_module("ch_args"), 0);
	assert_int_equal(iobuf_channel_init(NULL, "ch_args", 1, 1), -EINVAL);
	assert_int_equal(iobuf_channel_init(&ch, NULL, 1, 1), -EINVAL);
	assert_int_equal(iobuf_channel_init(&ch, "ch_args",
					    TEST_SMALL_COUNT + 1, 0), -EINVAL);
	assert_int_equal(iobuf_channel_init(&ch, "ch_args", 0,
					    TEST_LARGE_COUNT + 1), -EINVAL);
	assert_int_equal(iobuf_channel_init(&ch, "ch_args", UINT32_MAX,
					    UINT32_MAX), -EINVAL);
	assert_pool(IOBUF_CLASS_SMALL, TEST_SMALL_COUNT, 0, 0);
	assert_pool(IOBUF_CLASS_LARGE, TEST_LARGE_COUNT, 0, 0);
	test_module_stats("ch_args", &m);
	assert_int_equal(m.channels, 0);
}

/*
 * Code ported from SPDK opens several channels of one module on a thread:
 * each has its own caches, both count under the module, and either may
 * close first.
 */
static void several_channels_of_a_module_share_one_thread(void **state)
{
	struct iobuf_channel *ch, *again = NULL;
	struct iobuf_module_stats m;
	void *b1, *b2;

	(void)state;
	ch = test_channel("ch_dup", 4, 1);
	assert_int_equal(iobuf_channel_init(&again, "ch_dup", 2, 1), 0);
	assert_non_null(again);
	assert_true(again != ch);
	assert_pool(IOBUF_CLASS_SMALL, TEST_SMALL_COUNT - 6, 6, 0);
	test_module_stats("ch_dup", &m);
	assert_int_equal(m.channels, 2);

	b1 = iobuf_get(ch, 1, NULL, NULL);
	b2 = iobuf_get(again, 1, NULL, NULL);
	assert_non_null(b1);
	assert_non_null(b2);
	assert_ptr_not_equal(b1, b2);
	/* Either channel takes back what the other gave. */
	iobuf_put(again, b1, 1);
	iobuf_put(ch, b2, 1);
	iobuf_channel_fini(ch);
	test_module_stats("ch_dup", &m);
	assert_int_equal(m.channels, 1);
	assert_int_equal(m.cls[IOBUF_CLASS_SMALL].out, 0);

	b1 = iobuf_get(again, 1, NULL, NULL);
	assert_non_null(b1);
	iobuf_put(again, b1, 1);
	iobuf_channel_fini(again);
	assert_pool(IOBUF_CLASS_SMALL, TEST_SMALL_COUNT, 0, 0);
}

static void channels_of_different_modules_share_a_thread(void **state)
{
	struct iobuf_channel *a, *b;
	void *ba, *bb;

	(void)state;
	a = test_channel("ch_mod_a", 4, 1);
	b = test_channel("ch_mod_b", 6, 2);
	assert_true(a != b);
	assert_pool(IOBUF_CLASS_SMALL, TEST_SMALL_COUNT - 10, 10, 0);
	assert_pool(IOBUF_CLASS_LARGE, TEST_LARGE_COUNT - 3, 3, 0);
	ba = iobuf_get(a, 1, NULL, NULL);
	bb = iobuf_get(b, 1, NULL, NULL);
	assert_non_null(ba);
	assert_non_null(bb);
	assert_true(ba != bb);
	iobuf_put(a, ba, 1);
	iobuf_put(b, bb, 1);
	iobuf_channel_fini(a);
	iobuf_channel_fini(b);
}

struct other_thread {
	pthread_barrier_t barrier;
	int rc;
};

static void *open_channel_elsewhere(void *arg)
{
	struct other_thread *t = arg;
	struct iobuf_channel *ch = NULL;

	t->rc = iobuf_channel_init(&ch, "ch_threads", 4, 1);
	pthread_barrier_wait(&t->barrier);
	/* Main opens its own channel of the module while this one is open. */
	pthread_barrier_wait(&t->barrier);
	if (t->rc == 0)
		iobuf_channel_fini(ch);
	return NULL;
}

static void same_module_on_another_thread_gets_its_own_channel(void **state)
{
	struct iobuf_channel *ch = NULL;
	struct iobuf_module_stats m;
	struct other_thread t;
	struct iobuf_stats st;
	pthread_t tid;
	int rc;

	(void)state;
	assert_int_equal(iobuf_register_module("ch_threads"), 0);
	pthread_barrier_init(&t.barrier, NULL, 2);
	assert_int_equal(pthread_create(&tid, NULL, open_channel_elsewhere, &t), 0);
	pthread_barrier_wait(&t.barrier);
	rc = iobuf_channel_init(&ch, "ch_threads", 4, 1);
	test_pool_stats(&st);
	test_module_stats("ch_threads", &m);
	pthread_barrier_wait(&t.barrier);
	pthread_join(tid, NULL);
	pthread_barrier_destroy(&t.barrier);

	assert_int_equal(t.rc, 0);
	assert_int_equal(rc, 0);
	assert_int_equal(m.channels, 2);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].cached, 8);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].cached, 2);
	assert_pool(IOBUF_CLASS_SMALL, TEST_SMALL_COUNT - 4, 4, 0);
	iobuf_channel_fini(ch);
}

static void prefill_failure_returns_enomem_and_gives_everything_back(void **state)
{
	struct iobuf_channel *hog, *ch = NULL;
	struct iobuf_stats before, after;
	struct iobuf_module_stats m;
	char *log;

	(void)state;
	hog = test_channel("ch_hog", TEST_SMALL_COUNT - 8, TEST_LARGE_COUNT - 6);
	assert_int_equal(iobuf_register_module("ch_late"), 0);
	test_pool_stats(&before);

	/* The small part alone cannot be filled. */
	test_log_begin();
	assert_int_equal(iobuf_channel_init(&ch, "ch_late", 16, 0), -ENOMEM);
	log = test_log_end();
	assert_true(strlen(log) > 0);
	free(log);
	test_pool_stats(&after);
	assert_memory_equal(&before, &after, sizeof(before));

	/* The small part fits, the large one does not: the small part comes back. */
	assert_int_equal(iobuf_channel_init(&ch, "ch_late", 8, 10), -ENOMEM);
	test_pool_stats(&after);
	assert_memory_equal(&before, &after, sizeof(before));
	test_module_stats("ch_late", &m);
	assert_int_equal(m.channels, 0);
	test_assert_conservation();

	/* No half-open channel was left behind: the module can open one now. */
	assert_int_equal(iobuf_channel_init(&ch, "ch_late", 8, 6), 0);
	assert_pool(IOBUF_CLASS_SMALL, 0, TEST_SMALL_COUNT, 0);
	assert_pool(IOBUF_CLASS_LARGE, 0, TEST_LARGE_COUNT, 0);
	iobuf_channel_fini(ch);
	iobuf_channel_fini(hog);
}

static void fini_returns_cached_buffers_to_the_pool(void **state)
{
	struct iobuf_module_stats m;
	struct iobuf_channel *ch;
	void *bufs[20];
	uint32_t n;

	(void)state;
	ch = test_channel("ch_fini", 8, 2);
	n = test_drain(ch, 1, bufs, 20);
	assert_int_equal(n, 20);
	test_put_all(ch, bufs, 17, 1);
	iobuf_channel_fini(ch);

	/* Only the three still out are missing from the ring. */
	assert_pool(IOBUF_CLASS_SMALL, TEST_SMALL_COUNT - 3, 0, 3);
	assert_pool(IOBUF_CLASS_LARGE, TEST_LARGE_COUNT, 0, 0);
	test_module_stats("ch_fini", &m);
	assert_int_equal(m.channels, 0);
	assert_int_equal(m.cls[IOBUF_CLASS_SMALL].out, 3);

	/* Buffers outlive their channel: a new channel of the module returns them. */
	ch = NULL;
	assert_int_equal(iobuf_channel_init(&ch, "ch_fini", 8, 2), 0);
	test_put_all(ch, bufs + 17, 3, 1);
	iobuf_channel_fini(ch);
	assert_pool(IOBUF_CLASS_SMALL, TEST_SMALL_COUNT, 0, 0);
}

static void fini_of_null_channel_does_nothing(void **state)
{
	(void)state;
	iobuf_channel_fini(NULL);
	assert_pool(IOBUF_CLASS_SMALL, TEST_SMALL_COUNT, 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)
		T(init_prefills_both_caches),
		T(init_with_zero_caches_takes_nothing),
		T(init_with_whole_pool_as_cache_takes_everything),
		T(init_rejects_null_arguments_and_oversized_caches),
		T(several_channels_of_a_module_share_one_thread),
		T(channels_of_different_modules_share_a_thread),
		T(same_module_on_another_thread_gets_its_own_channel),
		T(prefill_failure_returns_enomem_and_gives_everything_back),
		T(fini_returns_cached_buffers_to_the_pool),
		T(fini_of_null_channel_does_nothing),
#undef T
	};

	return cmocka_run_group_tests_name("channel", tests, test_group_setup,
					   test_group_teardown);
}
