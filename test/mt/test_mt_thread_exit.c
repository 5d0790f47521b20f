/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * A thread that ends with channels open strands nothing: its cached
 * buffers go back to the pool, its waiting entries are dropped with one
 * log line per module, its context is freed, and the buffers its code
 * still held come back through another thread's channel. Workers only
 * record; the main thread asserts after joining them.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "test_env.h"

#define MOD_A "exit_a"
#define MOD_B "exit_b"
#define MOD_MAIN "exit_main"
#define HELD_SMALL 6
#define HELD_LARGE 2
#define RETURNED_SMALL 2

struct worker {
	void *small[HELD_SMALL];
	void *large[HELD_LARGE];
	struct iobuf_entry entries[3];
	int rc_a, rc_b, got, queued;
	/* Take no large buffers: the many-thread test would drain them. */
	bool small_only;
};

static void
never_called(struct iobuf_entry *entry, void *buf)
{
	(void)entry;
	(void)buf;
	abort();
}

/* Takes buffers, returns a few into its cache, and ends without closing. */
static void *
take_and_leave(void *arg)
{
	struct worker *w = arg;
	struct iobuf_channel *ch;

	w->rc_a = iobuf_channel_init(&ch, MOD_A, 8, w->small_only ? 0 : 2);
	if (w->rc_a != 0)
		return NULL;
	for (int i = 0; i < HELD_SMALL; i++)
		w->got += (w->small[i] = iobuf_get(ch, TEST_SMALL_SIZE, NULL,
						   NULL)) != NULL;
	for (int i = 0; i < HELD_LARGE && !w->small_only; i++)
		w->got += (w->large[i] = iobuf_get(ch, TEST_LARGE_SIZE, NULL,
						   NULL)) != NULL;
	for (int i = 0; i < RETURNED_SMALL; i++)
		iobuf_put(ch, w->small[HELD_SMALL - 1 - i], TEST_SMALL_SIZE);
	return NULL;
}

/* Queues entries through two modules' channels on a dry pool, then ends. */
static void *
wait_and_leave(void *arg)
{
	struct worker *w = arg;
	struct iobuf_channel *a, *b;

	w->rc_a = iobuf_channel_init(&a, MOD_A, 0, 0);
	w->rc_b = iobuf_channel_init(&b, MOD_B, 0, 0);
	if (w->rc_a != 0 || w->rc_b != 0)
		return NULL;
	w->queued += iobuf_get(a, 1, &w->entries[0], never_called) == NULL;
	w->queued += iobuf_get(a, 1, &w->entries[1], never_called) == NULL;
	w->queued += iobuf_get(b, 1, &w->entries[2], never_called) == NULL;
	return NULL;
}

static void
run(void *(*fn)(void *), struct worker *w)
{
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, fn, w), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
}

static void
cached_buffers_return_and_held_ones_come_back_elsewhere(void **state)
{
	struct iobuf_module_stats ms;
	struct iobuf_channel *ch;
	struct iobuf_stats st;
	struct worker w = { 0 };

	(void)state;
	assert_int_equal(iobuf_register_module(MOD_A), 0);
	run(take_and_leave, &w);
	assert_int_equal(w.rc_a, 0);
	assert_int_equal(w.got, HELD_SMALL + HELD_LARGE);

	test_module_stats(MOD_A, &ms);
	assert_int_equal(ms.channels, 0);
	assert_int_equal(ms.cls[IOBUF_CLASS_SMALL].out, HELD_SMALL - RETURNED_SMALL);
	assert_int_equal(ms.cls[IOBUF_CLASS_LARGE].out, HELD_LARGE);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].cached, 0);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].cached, 0);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].free,
			 TEST_SMALL_COUNT - (HELD_SMALL - RETURNED_SMALL));
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].free,
			 TEST_LARGE_COUNT - HELD_LARGE);

	/* The worker's callers hand their buffers to another thread. */
	ch = test_channel(MOD_MAIN, 0, 0);
	test_put_all(ch, w.small, HELD_SMALL - RETURNED_SMALL, TEST_SMALL_SIZE);
	test_put_all(ch, w.large, HELD_LARGE, TEST_LARGE_SIZE);
	iobuf_channel_fini(ch);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].free, TEST_SMALL_COUNT);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].free, TEST_LARGE_COUNT);
	/* teardown: iobuf_finish() must succeed */
}

static void
waiting_entries_are_dropped_with_one_line_per_module(void **state)
{
	void *bufs[TEST_SMALL_COUNT];
	struct iobuf_channel *ch;
	struct iobuf_stats st;
	struct worker w = { 0 };
	uint32_t n;
	char *log;

	(void)state;
	assert_int_equal(iobuf_register_module(MOD_A), 0);
	assert_int_equal(iobuf_register_module(MOD_B), 0);
	ch = test_channel(MOD_MAIN, 0, 0);
	n = test_drain(ch, TEST_SMALL_SIZE, bufs, TEST_SMALL_COUNT);
	assert_int_equal(n, TEST_SMALL_COUNT);

	test_log_begin();
	run(wait_and_leave, &w);
	log = test_log_end();
	assert_int_equal(w.rc_a, 0);
	assert_int_equal(w.rc_b, 0);
	assert_int_equal(w.queued, 3);
	assert_non_null(strstr(log, "module '" MOD_A "' open: closed it, 0 "
			       "cached buffers back to the pool, 2 waiting "
			       "entries dropped"));
	assert_non_null(strstr(log, "module '" MOD_B "' open: closed it, 0 "
			       "cached buffers back to the pool, 1 waiting "
			       "entries dropped"));
	free(log);

	/* Nobody waits any more: a put goes to the ring, not to a lost entry. */
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].waiting, 0);
	test_put_all(ch, bufs, n, TEST_SMALL_SIZE);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].free, TEST_SMALL_COUNT);
	iobuf_channel_fini(ch);
}

static void
many_threads_ending_with_channels_open(void **state)
{
	enum { THREADS = 8 };
	struct worker w[THREADS];
	pthread_t t[THREADS];
	struct iobuf_channel *ch;

	(void)state;
	memset(w, 0, sizeof(w));
	assert_int_equal(iobuf_register_module(MOD_A), 0);
	for (int i = 0; i < THREADS; i++)
		w[i].small_only = true;
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, take_and_leave,
						&w[i]), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	ch = test_channel(MOD_MAIN, 4, 1);
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(w[i].rc_a, 0);
		assert_int_equal(w[i].got, HELD_SMALL);
		test_put_all(ch, w[i].small, HELD_SMALL - RETURNED_SMALL,
			     TEST_SMALL_SIZE);
	}
	iobuf_channel_fini(ch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(cached_buffers_return_and_held_ones_come_back_elsewhere,
						test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(waiting_entries_are_dropped_with_one_line_per_module,
						test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(many_threads_ending_with_channels_open,
						test_setup, test_teardown),
	};

	return cmocka_run_group_tests_name("mt_thread_exit", tests,
					   test_group_setup, test_group_teardown);
}
