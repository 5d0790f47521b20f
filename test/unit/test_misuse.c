/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Caller bugs that a release build survives (debug builds abort at them;
 * test/badinput/test_badinput_process.c checks that): a double put never
 * hands one buffer to two owners through the ring and never hangs, and a
 * channel closed from inside a wait callback or a visitor stays open.
 * Each is logged, and the library stays usable and balanced.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test_bufs.h"
#include "test_env.h"

#define MOD "misuse"

/* Runs f and returns what the library logged meanwhile (caller frees). */
static char *
logged(void (*f)(void *), void *arg)
{
	test_log_begin();
	f(arg);
	return test_log_end();
}

struct dup {
	struct iobuf_channel *ch;
	void *buf;
	uint64_t len;
};

static void
put_twice(void *arg)
{
	struct dup *d = arg;

	iobuf_put(d->ch, d->buf, d->len);
	iobuf_put(d->ch, d->buf, d->len);
}

static void
put_bulk_twice(void *arg)
{
	struct dup *d = arg;
	void *bufs[2] = { d->buf, d->buf };

	assert_int_equal(iobuf_put_bulk(d->ch, bufs, 2), 0);
}

static void
close_channel(void *arg)
{
	struct dup *d = arg;

	iobuf_channel_fini(d->ch);
}

static void
assert_dropped(const char *log, const void *buf)
{
	char want[64];

	snprintf(want, sizeof(want), "%p was put twice", buf);
	assert_non_null(strstr(log, want));
}

/* d: a channel of MOD with these cache sizes and one buffer of len out. */
static void
dup_open(struct dup *d, uint32_t small_cache, uint32_t large_cache,
	 uint64_t len)
{
	d->ch = test_channel(MOD, small_cache, large_cache);
	d->len = len;
	d->buf = iobuf_get(d->ch, len, NULL, NULL);
	assert_non_null(d->buf);
}

/* f(d) must log d's buffer as put twice and dropped. */
static void
assert_f_drops(void (*f)(void *), struct dup *d)
{
	char *log = logged(f, d);

	assert_dropped(log, d->buf);
	free(log);
}

static void
double_put_that_reaches_the_ring_is_dropped(void **state)
{
	struct iobuf_stats st;
	struct dup d;

	(void)state;
	/* No cache: every put goes straight to the ring. */
	dup_open(&d, 0, 0, TEST_SMALL_SIZE);
	assert_f_drops(put_twice, &d);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].free, TEST_SMALL_COUNT);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].out, 0);
	iobuf_channel_fini(d.ch);
}

static void
double_put_that_stays_cached_is_dropped_when_the_cache_flushes(void **state)
{
	void *all[TEST_SMALL_COUNT];
	uint32_t n;
	struct dup d;

	(void)state;
	dup_open(&d, 8, 1, TEST_SMALL_SIZE);
	put_twice(&d);
	/* Both copies sit in the cache; closing the channel flushes them. */
	assert_f_drops(close_channel, &d);
	/* Every buffer once, none twice. */
	d.ch = test_channel("misuse2", 0, 0);
	n = test_drain(d.ch, d.len, all, TEST_SMALL_COUNT);
	assert_int_equal(n, TEST_SMALL_COUNT);
	test_assert_distinct(all, n);
	test_put_all(d.ch, all, n, d.len);
	iobuf_channel_fini(d.ch);
}

static void
double_put_through_put_bulk_is_dropped(void **state)
{
	struct iobuf_stats st;
	struct dup d;

	(void)state;
	dup_open(&d, 0, 0, TEST_LARGE_SIZE);
	assert_f_drops(put_bulk_twice, &d);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].free, TEST_LARGE_COUNT);
	iobuf_channel_fini(d.ch);
}

static void
double_put_with_a_full_cache_flushes_without_hanging(void **state)
{
	void *bufs[TEST_SMALL_COUNT];
	struct dup d;
	uint32_t n;
	char *log;

	(void)state;
	/*
	 * Cache 4, batch 4: a put into a cache holding 8 flushes 4. Eight
	 * duplicates stay within the burst the rate-limited log prints.
	 */
	d.ch = test_channel(MOD, 4, 1);
	d.len = TEST_SMALL_SIZE;
	n = test_drain(d.ch, d.len, bufs, 8);
	assert_int_equal(n, 8);
	test_log_begin();
	for (uint32_t i = 0; i < n; i++) {
		iobuf_put(d.ch, bufs[i], d.len);
		iobuf_put(d.ch, bufs[i], d.len);
	}
	iobuf_channel_fini(d.ch);
	log = test_log_end();
	for (uint32_t i = 0; i < n; i++)
		assert_dropped(log, bufs[i]);
	free(log);
}

static void
close_from_callback(struct test_req *req, void *buf)
{
	char **log = req->ctx;

	test_log_begin();
	iobuf_channel_fini(req->ch);
	*log = test_log_end();
	iobuf_put(req->ch, buf, req->len);
}

static void
channel_closed_from_a_callback_stays_open(void **state)
{
	void *bufs[TEST_SMALL_COUNT];
	struct iobuf_module_stats ms;
	struct iobuf_channel *ch;
	struct test_req req;
	char *log = NULL;
	uint32_t n;

	(void)state;
	ch = test_channel(MOD, 0, 0);
	n = test_drain(ch, TEST_SMALL_SIZE, bufs, TEST_SMALL_COUNT);
	test_req_init(&req, 1, ch, TEST_SMALL_SIZE);
	req.on_served = close_from_callback;
	req.ctx = &log;
	test_req_queue(&req);
	iobuf_put(ch, bufs[--n], TEST_SMALL_SIZE);
	assert_int_equal(req.served, 1);
	assert_non_null(log);
	assert_non_null(strstr(log, "called from a wait callback"));
	free(log);
	/* Still open and working. */
	test_module_stats(MOD, &ms);
	assert_int_equal(ms.channels, 1);
	test_put_all(ch, bufs, n, TEST_SMALL_SIZE);
	iobuf_channel_fini(ch);
}

static int
close_from_visitor(struct iobuf_channel *ch, struct iobuf_entry *entry,
		   void *ctx)
{
	char **log = ctx;

	test_log_begin();
	iobuf_channel_fini(ch);
	*log = test_log_end();
	iobuf_entry_abort(ch, entry, TEST_SMALL_SIZE);
	return 0;
}

static void
channel_closed_from_a_visitor_stays_open(void **state)
{
	void *bufs[TEST_SMALL_COUNT];
	struct iobuf_module_stats ms;
	struct test_req req;
	struct iobuf_channel *ch;
	char *log = NULL;
	uint32_t n;

	(void)state;
	ch = test_channel(MOD, 0, 0);
	n = test_drain(ch, TEST_SMALL_SIZE, bufs, TEST_SMALL_COUNT);
	test_req_init(&req, 1, ch, TEST_SMALL_SIZE);
	test_req_queue(&req);
	assert_int_equal(iobuf_for_each_entry(ch, close_from_visitor, &log), 0);
	assert_non_null(log);
	assert_non_null(strstr(log, "called from an iobuf_for_each_entry visitor"));
	free(log);
	test_module_stats(MOD, &ms);
	assert_int_equal(ms.channels, 1);
	assert_int_equal(ms.cls[IOBUF_CLASS_SMALL].waiting, 0);
	test_put_all(ch, bufs, n, TEST_SMALL_SIZE);
	iobuf_channel_fini(ch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(double_put_that_reaches_the_ring_is_dropped,
						test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(double_put_that_stays_cached_is_dropped_when_the_cache_flushes,
						test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(double_put_through_put_bulk_is_dropped,
						test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(double_put_with_a_full_cache_flushes_without_hanging,
						test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(channel_closed_from_a_callback_stays_open,
						test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(channel_closed_from_a_visitor_stays_open,
						test_setup, test_teardown),
	};

	return cmocka_run_group_tests_name("misuse", tests, test_group_setup,
					   test_group_teardown);
}
