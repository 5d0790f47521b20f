/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Channels come and go while other threads get and put: short-lived
 * threads open channels of several modules, use them, close them in any
 * order and exit, over and over. Each one's thread context is freed with
 * its last channel (ASan's leak check sees any that is not) and a thread
 * may open channels again after closing its last one. Buffers taken on an
 * exiting thread are returned later on another.
 */

#include "mt_util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Room for every thread's caches and holdings: no open may fail. */
#define SMALL_COUNT 512
#define LARGE_COUNT 64

#define STEADY_THREADS 2
#define STEADY_HOLD 16
#define CHURN_THREADS 2
#define CHURN_MODULES 4
#define CHURN_CARRY 2
#define CHURN_OPS 8

static const char *const churn_module[CHURN_MODULES] = {
	"churn0", "churn1", "churn2", "churn3",
};

/* A thread that keeps getting and putting until told to stop. */
struct steady {
	pthread_t tid;
	int idx;
	uint32_t stop;  /* atomic */
	uint64_t ops;
	int init_rc;
	uint64_t bad;   /* unexpected errno, stamp or double service */
	uint64_t waits;
};

struct steady_req {
	struct iobuf_entry entry;
	uint64_t len;
	void *buf;
	uint32_t served;
};

static void steady_cb(struct iobuf_entry *entry, void *buf)
{
	struct steady_req *r = TEST_CONTAINER_OF(entry, struct steady_req,
						 entry);

	r->buf = buf;
	r->served++;
}

static void *steady_main(void *arg)
{
	struct steady *s = arg;
	struct iobuf_channel *ch = NULL;
	void *held[STEADY_HOLD];
	struct steady_req req = { 0 };
	bool waiting = false;
	uint32_t n = 0;
	struct mt_rng rng;
	char name[16];

	mt_rng_seed(&rng, 0x57ead + (uint64_t)s->idx);
	snprintf(name, sizeof(name), "steady%d", s->idx);
	s->init_rc = iobuf_channel_init(&ch, name, 8, 2);
	if (s->init_rc != 0)
		return NULL;
	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		uint32_t r = mt_rng_below(&rng, 100);
		uint64_t len = r & 1 ? TEST_LARGE_SIZE : TEST_SMALL_SIZE;

		s->ops++;
		if (waiting && req.served > 0) {
			waiting = false;
			if (req.served != 1)
				s->bad++;
			held[n++] = req.buf;
		}
		if (r < 40 && n < STEADY_HOLD - 1) {
			void *buf = iobuf_get(ch, len, NULL, NULL);

			if (buf != NULL)
				held[n++] = buf;
			else if (errno != ENOMEM)
				s->bad++;
		} else if (r < 45 && !waiting && n < STEADY_HOLD - 1) {
			void *buf;

			req.served = 0;
			req.len = len;
			buf = iobuf_get(ch, len, &req.entry, steady_cb);
			if (buf != NULL) {
				held[n++] = buf;
			} else if (errno == ENOMEM) {
				waiting = true;
				s->waits++;
			} else {
				s->bad++;
			}
		} else if (r < 85 && n > 0) {
			iobuf_put(ch, held[--n], 1);
		} else {
			iobuf_thread_poll();
		}
	}
	if (waiting && req.served == 0)
		iobuf_entry_abort(ch, &req.entry, req.len);
	if (waiting && req.served > 0)
		held[n++] = req.buf;
	while (n > 0)
		iobuf_put(ch, held[--n], 1);
	iobuf_channel_fini(ch);
	return NULL;
}

/* One short-lived thread: what it did and what went wrong. */
struct churn {
	pthread_t tid;
	uint64_t seed;
	/* results */
	int bad_open;    /* an open that did not return 0 */
	int bad_dup;     /* a second channel of one module did not open */
	int bad_get;
	int bad_abort;   /* an aborted entry was served */
	uint32_t opened;
	void *carry[CHURN_CARRY];  /* buffers left for another thread */
	uint32_t ncarry;
};

struct churn_req {
	struct iobuf_entry entry;
	struct churn *c;
};

static void churn_cb(struct iobuf_entry *entry, void *buf)
{
	struct churn_req *r = TEST_CONTAINER_OF(entry, struct churn_req,
						entry);

	/* Every entry here is aborted before anything could serve it. */
	(void)buf;
	r->c->bad_abort++;
}

/*
 * Open, use and close channels of 1..3 modules. The first round of a thread
 * also opens a second channel of a module and leaves buffers for another
 * thread.
 */
static void churn_round(struct churn *c, struct mt_rng *rng, bool first)
{
	struct iobuf_channel *ch[CHURN_MODULES] = { NULL };
	uint32_t order[CHURN_MODULES] = { 0, 1, 2, 3 };
	uint32_t nmod = 1 + mt_rng_below(rng, 3);
	void *held[CHURN_OPS + 1];  /* the ops, then a get with an entry */
	uint32_t nheld = 0;

	for (uint32_t i = CHURN_MODULES - 1; i > 0; i--) {
		uint32_t j = mt_rng_below(rng, i + 1);
		uint32_t t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (uint32_t i = 0; i < nmod; i++) {
		struct iobuf_channel *dup = NULL;
		int rc;

		rc = iobuf_channel_init(&ch[i], churn_module[order[i]],
					mt_rng_below(rng, 9),
					mt_rng_below(rng, 3));
		if (rc != 0) {
			c->bad_open++;
			ch[i] = NULL;
			continue;
		}
		c->opened++;
		/*
		 * Once per thread: a second channel of the module opens
		 * beside the first, gets and puts, and closes.
		 */
		if (first && i == 0) {
			void *b;

			if (iobuf_channel_init(&dup, churn_module[order[i]], 0,
					       0) != 0) {
				c->bad_dup++;
				continue;
			}
			b = iobuf_get(dup, TEST_SMALL_SIZE, NULL, NULL);
			if (b != NULL)
				iobuf_put(ch[i], b, TEST_SMALL_SIZE);
			iobuf_channel_fini(dup);
		}
	}
	for (uint32_t op = 0; op < CHURN_OPS; op++) {
		struct iobuf_channel *x = ch[mt_rng_below(rng, nmod)];
		uint64_t len = op & 1 ? TEST_LARGE_SIZE : TEST_SMALL_SIZE;
		void *buf;

		if (x == NULL)
			continue;
		buf = iobuf_get(x, len, NULL, NULL);
		if (buf != NULL)
			held[nheld++] = buf;
		else if (errno != ENOMEM)
			c->bad_get++;
	}
	if (ch[0] != NULL) {
		struct churn_req r = { .c = c };
		void *buf;

		/* Queue if it must, then withdraw before closing. */
		buf = iobuf_get(ch[0], TEST_LARGE_SIZE, &r.entry, churn_cb);
		if (buf != NULL)
			held[nheld++] = buf;
		else
			iobuf_entry_abort(ch[0], &r.entry, TEST_LARGE_SIZE);
		iobuf_thread_poll();
	}
	while (first && nheld > 0 && c->ncarry < CHURN_CARRY)
		c->carry[c->ncarry++] = held[--nheld];
	/* The rest back through any channel, then close in any order. */
	while (nheld > 0) {
		struct iobuf_channel *x = ch[mt_rng_below(rng, nmod)];

		if (x == NULL)
			x = ch[0];
		if (x == NULL)
			break;
		iobuf_put(x, held[--nheld], 1);
	}
	for (uint32_t i = nmod; i-- > 0;) {
		uint32_t j = mt_rng_below(rng, i + 1);

		if (ch[j] != NULL)
			iobuf_channel_fini(ch[j]);
		ch[j] = ch[i];
		ch[i] = NULL;
	}
}

static void *churn_main(void *arg)
{
	struct churn *c = arg;
	struct mt_rng rng;

	mt_rng_seed(&rng, c->seed);
	churn_round(c, &rng, true);
	/* Reopening after the last close makes a fresh thread context. */
	if (mt_rng_below(&rng, 2) == 0)
		churn_round(c, &rng, false);
	return NULL;
}

static void channels_come_and_go_on_threads_while_others_get_and_put(
	void **state)
{
	struct iobuf_opts opts;
	struct steady steady[STEADY_THREADS];
	struct iobuf_module_stats ms;
	struct iobuf_channel *home;
	uint32_t iters = MT_TSAN ? 40 : 300;
	uint64_t opened = 0, carried = 0;

	(void)state;
	test_opts_default(&opts);
	opts.small_pool_count = SMALL_COUNT;
	opts.large_pool_count = LARGE_COUNT;
	assert_int_equal(iobuf_set_opts(&opts), 0);
	assert_int_equal(iobuf_initialize(), 0);
	for (int i = 0; i < CHURN_MODULES; i++)
		assert_int_equal(iobuf_register_module(churn_module[i]), 0);
	home = test_channel("home", 0, 0);

	memset(steady, 0, sizeof(steady));
	for (int i = 0; i < STEADY_THREADS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "steady%d", i);
		assert_int_equal(iobuf_register_module(name), 0);
		steady[i].idx = i;
		assert_int_equal(pthread_create(&steady[i].tid, NULL,
						steady_main, &steady[i]), 0);
	}

	for (uint32_t it = 0; it < iters; it++) {
		struct churn c[CHURN_THREADS];

		memset(c, 0, sizeof(c));
		for (int i = 0; i < CHURN_THREADS; i++) {
			c[i].seed = 0xc4a2 + it * CHURN_THREADS + (uint64_t)i;
			assert_int_equal(pthread_create(&c[i].tid, NULL,
							churn_main, &c[i]), 0);
		}
		for (int i = 0; i < CHURN_THREADS; i++) {
			assert_int_equal(pthread_join(c[i].tid, NULL), 0);
			assert_int_equal(c[i].bad_open, 0);
			assert_int_equal(c[i].bad_dup, 0);
			assert_int_equal(c[i].bad_get, 0);
			assert_int_equal(c[i].bad_abort, 0);
			opened += c[i].opened;
			carried += c[i].ncarry;
			/* The thread is gone; its buffers come back here. */
			for (uint32_t k = 0; k < c[i].ncarry; k++)
				iobuf_put(home, c[i].carry[k], 1);
		}
	}

	for (int i = 0; i < STEADY_THREADS; i++)
		__atomic_store_n(&steady[i].stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < STEADY_THREADS; i++) {
		assert_int_equal(pthread_join(steady[i].tid, NULL), 0);
		assert_int_equal(steady[i].init_rc, 0);
		assert_int_equal(steady[i].bad, 0);
		assert_true(steady[i].ops > 0);
	}
	for (int i = 0; i < CHURN_MODULES; i++) {
		test_module_stats(churn_module[i], &ms);
		assert_int_equal(ms.channels, 0);
		assert_int_equal(ms.cls[IOBUF_CLASS_SMALL].waiting, 0);
		assert_int_equal(ms.cls[IOBUF_CLASS_LARGE].waiting, 0);
	}
	iobuf_channel_fini(home);
	fprintf(stderr, "# churn: %u rounds, %" PRIu64 " channels opened, %"
		PRIu64 " buffers returned on another thread, steady ops %"
		PRIu64 " + %" PRIu64 "\n", iters, opened, carried,
		steady[0].ops, steady[1].ops);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			channels_come_and_go_on_threads_while_others_get_and_put,
			test_setup_bare, test_teardown),
	};

	return cmocka_run_group_tests_name("mt_channels", tests,
					   test_group_setup,
					   test_group_teardown);
}
