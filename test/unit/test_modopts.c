/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Module options (iobuf_register_module_ext, SPEC §4c): priority orders
 * waiting entries; a reserve is set aside for its module alone, serves it
 * once the shared pool is dry, is refilled first by its returns and
 * serves its waiting entries ahead of other modules'; a limit is exact,
 * counts caches and makes the module's gets wait for its own returns;
 * every bad option is refused without a trace; reserves are set aside at
 * registration or at initialize (all or nothing), returned by unregister
 * and by finish; iobuf_dump prints the new counters as iobuf_get_stats
 * reports them.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_env.h"
#include "test_held.h"
#include "test_snapshot.h"

#define SMALL 1
#define LARGE TEST_LARGE_SIZE
#define NSMALL TEST_SMALL_COUNT
#define NLARGE TEST_LARGE_COUNT
#define S IOBUF_CLASS_SMALL
#define L IOBUF_CLASS_LARGE

static int mo_setup(void **state)
{
	test_held_reset();
	return test_setup(state);
}

static int mo_setup_bare(void **state)
{
	test_held_reset();
	return test_setup_bare(state);
}

static int module_count(void)
{
	int n = iobuf_get_stats(NULL, 0, NULL, 0, 0);

	assert_true(n >= 0);
	return n;
}

static struct iobuf_module_opts mopts(uint32_t priority, uint64_t rs,
				      uint64_t rl, uint64_t ls, uint64_t ll)
{
	struct iobuf_module_opts o;

	memset(&o, 0, sizeof(o));
	o.opts_size = sizeof(o);
	o.priority = priority;
	o.reserve[S] = rs;
	o.reserve[L] = rl;
	o.limit[S] = ls;
	o.limit[L] = ll;
	return o;
}

static void register_ext(const char *name, struct iobuf_module_opts o)
{
	assert_int_equal(iobuf_register_module_ext(name, &o), 0);
}

static struct iobuf_channel *open_ch(const char *name, uint32_t small_cache,
				     uint32_t large_cache)
{
	struct iobuf_channel *ch = NULL;

	assert_int_equal(iobuf_channel_init(&ch, name, small_cache,
					    large_cache), 0);
	assert_non_null(ch);
	return ch;
}

static void assert_served(const int *ids, int n)
{
	assert_int_equal(test_served_count, n);
	for (int i = 0; i < n; i++)
		assert_int_equal(test_served_order[i], ids[i]);
}

/* Module name's reserve bookkeeping of class c, and the pool's. */
static void assert_reserve(const char *name, int c, uint64_t reserve,
			   uint64_t used, uint64_t pool_reserve_free)
{
	struct iobuf_module_stats m = test_module_now(name);

	assert_int_equal(m.reserve[c], reserve);
	assert_int_equal(m.reserve_used[c], used);
	assert_int_equal(test_pool_now().reserve_free[c], pool_reserve_free);
}

/* ---- priority ------------------------------------------------------------ */

static void high_priority_entries_are_served_before_older_normal_ones(
	void **state)
{
	struct iobuf_channel *lo, *hi;
	struct test_req r[12];
	const int order[] = { 10, 11, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };

	(void)state;
	lo = test_channel("mo_lo", 0, 0);
	register_ext("mo_hi", mopts(IOBUF_PRIORITY_HIGH, 0, 0, 0, 0));
	hi = open_ch("mo_hi", 0, 0);
	assert_int_equal(test_module_now("mo_hi").priority, IOBUF_PRIORITY_HIGH);
	assert_int_equal(test_module_now("mo_lo").priority, IOBUF_PRIORITY_NORMAL);
	test_held_drain(lo, SMALL, NSMALL);
	for (int i = 0; i < 12; i++) {
		test_req_init(&r[i], i, i < 10 ? lo : hi, SMALL);
		test_req_queue(&r[i]);
	}
	for (int i = 0; i < 12; i++) {
		/* Through either module's channel: the order is the same. */
		test_held_put_one(i % 2 ? hi : lo);
		assert_int_equal(test_served_count, i + 1);
	}
	assert_served(order, 12);
	test_assert_conservation();
	for (int i = 0; i < 12; i++)
		iobuf_put(r[i].ch, r[i].buf, 1);
	test_held_return(lo, 0);
	iobuf_channel_fini(lo);
	iobuf_channel_fini(hi);
}

struct mreq {
	struct iobuf_entry entry;
	int id;
	void *bufs[8];
	int called;
};

static void mreq_cb(struct iobuf_entry *entry, void **bufs, uint32_t n)
{
	struct mreq *r = TEST_CONTAINER_OF(entry, struct mreq, entry);

	(void)bufs;
	(void)n;
	if (test_served_count < 256)
		test_served_order[test_served_count] = r->id;
	test_served_count++;
	r->called++;
}

static void mreq_queue(struct mreq *r, int id, struct iobuf_channel *ch,
		       uint64_t len, uint32_t n)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	assert_int_equal(iobuf_get_multi(ch, len, r->bufs, n, &r->entry,
					 mreq_cb), -ENOMEM);
}

static void gathering_normal_multi_keeps_its_turn_over_high_priority(
	void **state)
{
	struct iobuf_channel *lo, *hi;
	struct test_req h2, h4;
	struct mreq m1, m3;
	const int order[] = { 1, 2, 4, 3 };

	(void)state;
	lo = test_channel("mo_lo", 0, 0);
	register_ext("mo_hi", mopts(IOBUF_PRIORITY_HIGH, 0, 0, 0, 0));
	hi = open_ch("mo_hi", 0, 0);
	test_held_drain(lo, LARGE, NLARGE);
	mreq_queue(&m1, 1, lo, LARGE, 3);
	test_held_put_one(lo);
	assert_int_equal(test_pool_now().gathered[L], 1);
	/* m1 gathers: a high entry queued now comes after it. */
	test_req_init(&h2, 2, hi, LARGE);
	test_req_queue(&h2);
	test_held_put_one(hi);
	assert_int_equal(h2.served, 0);
	test_held_put_one(hi);
	assert_int_equal(m1.called, 1);
	assert_int_equal(h2.served, 0);
	/* m3 has not started gathering: a later high entry goes first. */
	mreq_queue(&m3, 3, lo, LARGE, 2);
	test_req_init(&h4, 4, hi, LARGE);
	test_req_queue(&h4);
	test_held_put_one(lo);
	assert_int_equal(h2.served, 1);
	test_held_put_one(lo);
	assert_int_equal(h4.served, 1);
	assert_int_equal(m3.called, 0);
	test_held_put_one(lo);
	test_held_put_one(lo);
	assert_served(order, 4);
	test_assert_conservation();

	assert_int_equal(iobuf_put_bulk(lo, m1.bufs, 3), 0);
	assert_int_equal(iobuf_put_bulk(lo, m3.bufs, 2), 0);
	iobuf_put(hi, h2.buf, 1);
	iobuf_put(hi, h4.buf, 1);
	test_held_return(lo, 0);
	iobuf_channel_fini(lo);
	iobuf_channel_fini(hi);
}

/* ---- reserve ------------------------------------------------------------- */

static void reserve_serves_its_module_once_the_shared_pool_is_dry(void **state)
{
	struct iobuf_channel *res, *bulk;
	struct iobuf_stats st;
	struct test_req r1;
	void *shared[2], *mine[4];

	(void)state;
	register_ext("mo_res", mopts(0, 4, 1, 0, 0));
	st = test_pool_now();
	assert_int_equal(st.reserve_free[S], 4);
	assert_int_equal(st.reserve_free[L], 1);
	assert_int_equal(st.pool[S].free, NSMALL - 4);
	assert_int_equal(st.pool[L].free, NLARGE - 1);
	assert_reserve("mo_res", S, 4, 0, 4);
	assert_reserve("mo_res", L, 1, 0, 1);
	test_assert_conservation();

	res = open_ch("mo_res", 0, 0);
	bulk = test_channel("mo_bulk", 0, 0);
	/* While the ring has buffers the reserve is not touched. */
	for (int i = 0; i < 2; i++) {
		shared[i] = iobuf_get(res, SMALL, NULL, NULL);
		assert_non_null(shared[i]);
	}
	assert_reserve("mo_res", S, 4, 0, 4);
	/* Nobody else takes the reserve. */
	test_held_drain(bulk, SMALL, NSMALL - 4 - 2);
	test_held_drain(bulk, LARGE, NLARGE - 1);
	test_req_init(&r1, 1, bulk, SMALL);
	test_req_queue(&r1);

	/* The ring is dry and bulk waits: res takes its reserve at once. */
	for (int i = 0; i < 4; i++) {
		mine[i] = iobuf_get(res, SMALL, NULL, NULL);
		assert_non_null(mine[i]);
		assert_reserve("mo_res", S, 4, (uint64_t)i + 1,
			       3 - (uint64_t)i);
		test_assert_conservation();
	}
	errno = 0;
	assert_null(iobuf_get(res, SMALL, NULL, NULL));
	assert_int_equal(errno, ENOMEM);
	assert_int_equal(r1.served, 0);
	st = test_pool_now();
	assert_int_equal(st.pool[S].free, 0);
	assert_int_equal(st.pool[S].out, NSMALL);
	assert_int_equal(test_module_now("mo_res").cls[S].out, 6);

	/* Its returns refill the reserve before serving anyone else. */
	for (int i = 0; i < 4; i++) {
		iobuf_put(res, mine[i], 1);
		assert_reserve("mo_res", S, 4, 3 - (uint64_t)i,
			       (uint64_t)i + 1);
		assert_int_equal(r1.served, 0);
		test_assert_conservation();
	}
	/* Then the shared order: bulk's entry. */
	iobuf_put(res, shared[0], 1);
	assert_int_equal(r1.served, 1);
	assert_ptr_equal(r1.buf, shared[0]);
	iobuf_put(res, shared[1], 1);
	st = test_pool_now();
	assert_int_equal(st.pool[S].free, 1);
	assert_int_equal(st.reserve_free[S], 4);
	test_assert_conservation();

	/* The large reserve too, one buffer. */
	mine[0] = iobuf_get(res, LARGE, NULL, NULL);
	assert_non_null(mine[0]);
	assert_reserve("mo_res", L, 1, 1, 0);
	assert_null(iobuf_get(res, LARGE, NULL, NULL));
	iobuf_put(res, mine[0], 1);
	assert_reserve("mo_res", L, 1, 0, 1);

	iobuf_put(bulk, r1.buf, 1);
	test_held_return(bulk, 0);
	iobuf_channel_fini(res);
	iobuf_channel_fini(bulk);
}

static void reserved_modules_entry_is_served_from_its_refilled_reserve(
	void **state)
{
	struct iobuf_channel *res, *bulk;
	struct test_req r1, r2, r3;
	void *mine[2];
	const int order[] = { 1, 2, 3 };

	(void)state;
	register_ext("mo_res", mopts(0, 2, 0, 0, 0));
	res = open_ch("mo_res", 0, 0);
	bulk = test_channel("mo_bulk", 0, 0);
	test_held_drain(bulk, SMALL, NSMALL - 2);
	for (int i = 0; i < 2; i++) {
		mine[i] = iobuf_get(res, SMALL, NULL, NULL);
		assert_non_null(mine[i]);
	}
	assert_reserve("mo_res", S, 2, 2, 0);
	test_req_init(&r1, 1, bulk, SMALL);
	test_req_init(&r3, 3, bulk, SMALL);
	test_req_init(&r2, 2, res, SMALL);
	test_req_queue(&r1);
	test_req_queue(&r3);
	test_req_queue(&r2);

	test_held_put_one(bulk);
	assert_int_equal(r1.served, 1);
	/* r2 came after r3, but res's return refills its reserve, for r2. */
	iobuf_put(res, mine[0], 1);
	assert_int_equal(r2.served, 1);
	assert_ptr_equal(r2.buf, mine[0]);
	assert_int_equal(r3.served, 0);
	assert_reserve("mo_res", S, 2, 2, 0);
	test_assert_conservation();
	test_held_put_one(bulk);
	assert_int_equal(r3.served, 1);
	assert_served(order, 3);

	iobuf_put(res, mine[1], 1);
	iobuf_put(res, r2.buf, 1);
	assert_reserve("mo_res", S, 2, 0, 2);
	iobuf_put(bulk, r1.buf, 1);
	iobuf_put(bulk, r3.buf, 1);
	test_held_return(bulk, 0);
	assert_int_equal(test_pool_now().pool[S].free, NSMALL - 2);
	iobuf_channel_fini(res);
	iobuf_channel_fini(bulk);
}

static void reserved_modules_multi_is_served_from_its_reserve(void **state)
{
	struct iobuf_channel *res, *bulk;
	struct mreq m;
	void *got[5];

	(void)state;
	register_ext("mo_res", mopts(0, 3, 0, 0, 0));
	res = open_ch("mo_res", 0, 0);
	bulk = test_channel("mo_bulk", 0, 0);
	test_held_take(bulk, SMALL, NSMALL - 3 - 2);
	/* At once: the ring's last two and the reserve's three. */
	assert_int_equal(iobuf_get_multi(res, SMALL, got, 5, NULL, NULL), 0);
	assert_reserve("mo_res", S, 3, 3, 0);
	assert_int_equal(test_pool_now().pool[S].free, 0);
	/* Returned, they refill the reserve; the ring's two go back. */
	assert_int_equal(iobuf_put_bulk(res, got, 5), 0);
	assert_reserve("mo_res", S, 3, 0, 3);
	assert_int_equal(test_pool_now().pool[S].free, 2);
	test_held_take(bulk, SMALL, 2);

	/* The whole reserve at once; a multi entry gathers its returns. */
	assert_int_equal(iobuf_get_multi(res, SMALL, got, 3, NULL, NULL), 0);
	assert_reserve("mo_res", S, 3, 3, 0);
	mreq_queue(&m, 1, res, SMALL, 2);
	iobuf_put(res, got[0], 1);
	assert_int_equal(m.called, 0);
	iobuf_put(res, got[1], 1);
	assert_int_equal(m.called, 1);
	assert_reserve("mo_res", S, 3, 3, 0);
	test_assert_conservation();
	iobuf_put(res, got[2], 1);
	assert_int_equal(iobuf_put_bulk(res, m.bufs, 2), 0);
	assert_reserve("mo_res", S, 3, 0, 3);
	test_held_return(bulk, 0);
	iobuf_channel_fini(res);
	iobuf_channel_fini(bulk);
}

/* ---- limit --------------------------------------------------------------- */

static void module_at_its_limit_waits_while_the_pool_has_buffers(void **state)
{
	struct iobuf_module_stats m0, m;
	struct iobuf_channel *lim, *oth;
	struct test_req r;
	struct mreq mr;
	void *mine[4], *one, *two[2];
	uint64_t multi_waits;

	(void)state;
	register_ext("mo_lim", mopts(0, 0, 0, 4, 0));
	lim = open_ch("mo_lim", 0, 0);
	oth = test_channel("mo_oth", 0, 0);
	m = test_module_now("mo_lim");
	assert_int_equal(m.limit[S], 4);
	assert_int_equal(m.limit[L], 0);
	for (int i = 0; i < 4; i++) {
		mine[i] = iobuf_get(lim, SMALL, NULL, NULL);
		assert_non_null(mine[i]);
	}
	assert_int_equal(test_module_now("mo_lim").limit_waits[S], 0);

	/* At the limit: refused without an entry, though the pool has 124. */
	errno = 0;
	assert_null(iobuf_get(lim, SMALL, NULL, NULL));
	assert_int_equal(errno, ENOMEM);
	assert_int_equal(test_module_now("mo_lim").limit_waits[S], 1);
	assert_int_equal(iobuf_get_multi(lim, SMALL, two, 1, NULL, NULL),
			 -ENOMEM);
	assert_int_equal(test_module_now("mo_lim").limit_waits[S], 2);
	assert_int_equal(test_pool_now().pool[S].free, NSMALL - 4);
	/* The large class has no limit. */
	one = iobuf_get(lim, LARGE, NULL, NULL);
	assert_non_null(one);
	iobuf_put(lim, one, 1);

	/* With an entry it waits. */
	m0 = test_module_now("mo_lim");
	test_req_init(&r, 1, lim, SMALL);
	test_req_queue(&r);
	m = test_module_now("mo_lim");
	assert_int_equal(m.limit_waits[S], m0.limit_waits[S] + 1);
	assert_int_equal(m.cls[S].retry, m0.cls[S].retry + 1);
	assert_int_equal(m.cls[S].waiting, 1);
	assert_int_equal(m.cls[S].out, 4);
	test_assert_conservation();

	/* Other modules' traffic and polls do not serve it. */
	one = iobuf_get(oth, SMALL, NULL, NULL);
	assert_non_null(one);
	iobuf_put(oth, one, 1);
	assert_int_equal(iobuf_thread_poll(), 0);
	assert_int_equal(r.served, 0);
	assert_int_equal(test_pool_now().pool[S].free, NSMALL - 4);

	/* Its own return does. */
	iobuf_put(lim, mine[0], 1);
	assert_int_equal(r.served, 1);
	assert_ptr_equal(r.buf, mine[0]);
	assert_int_equal(test_module_now("mo_lim").cls[S].out, 4);
	assert_int_equal(test_pool_now().pool[S].free, NSMALL - 4);
	test_assert_conservation();

	/*
	 * A multi entry at the limit gathers its own returns. Its count is
	 * judged at the end, so that a miscount leaves no buffer out.
	 */
	mreq_queue(&mr, 2, lim, SMALL, 2);
	multi_waits = test_module_now("mo_lim").limit_waits[S] - m0.limit_waits[S] - 1;
	iobuf_put(lim, mine[1], 1);
	assert_int_equal(mr.called, 0);
	iobuf_put(lim, mine[2], 1);
	assert_int_equal(mr.called, 1);
	assert_true((mr.bufs[0] == mine[1] && mr.bufs[1] == mine[2]) ||
		    (mr.bufs[0] == mine[2] && mr.bufs[1] == mine[1]));
	assert_int_equal(test_module_now("mo_lim").cls[S].out, 4);
	test_assert_conservation();

	iobuf_put(lim, mine[0], 1);
	iobuf_put(lim, mine[3], 1);
	assert_int_equal(iobuf_put_bulk(lim, mr.bufs, 2), 0);
	assert_int_equal(test_module_now("mo_lim").cls[S].out, 0);
	assert_int_equal(test_pool_now().pool[S].free, NSMALL);
	iobuf_channel_fini(lim);
	iobuf_channel_fini(oth);
	/* One get_multi() that queued at the limit: one limit wait. */
	assert_int_equal(multi_waits, 1);
}

static void limit_counts_the_modules_caches_and_cuts_refills(void **state)
{
	struct iobuf_channel *c1, *c2, *c3;
	struct iobuf_module_stats m0;
	struct iobuf_stats st;
	void *got[5];

	(void)state;
	register_ext("mo_lim", mopts(0, 0, 0, 4, 0));
	c1 = open_ch("mo_lim", 2, 0);
	c2 = open_ch("mo_lim", 0, 0);
	assert_int_equal(test_pool_now().pool[S].cached, 2);
	for (int i = 0; i < 4; i++) {
		got[i] = iobuf_get(c1, SMALL, NULL, NULL);
		assert_non_null(got[i]);
	}
	assert_null(iobuf_get(c1, SMALL, NULL, NULL));
	assert_int_equal(test_pool_now().pool[S].cached, 0);
	/* Two go back into c1's cache: still test_held by the module. */
	iobuf_put(c1, got[3], 1);
	iobuf_put(c1, got[2], 1);
	st = test_pool_now();
	assert_int_equal(st.pool[S].cached, 2);
	assert_int_equal(st.pool[S].free, NSMALL - 4);
	m0 = test_module_now("mo_lim");
	errno = 0;
	assert_null(iobuf_get(c2, SMALL, NULL, NULL));
	assert_int_equal(errno, ENOMEM);
	assert_int_equal(test_module_now("mo_lim").limit_waits[S],
			 m0.limit_waits[S] + 1);
	got[2] = iobuf_get(c1, SMALL, NULL, NULL);
	assert_non_null(got[2]);
	assert_null(iobuf_get(c2, SMALL, NULL, NULL));
	iobuf_put(c1, got[2], 1);
	iobuf_channel_fini(c1);
	/* c1's cache went back with it: c2 has room for two. */
	got[2] = iobuf_get(c2, SMALL, NULL, NULL);
	got[3] = iobuf_get(c2, SMALL, NULL, NULL);
	assert_non_null(got[2]);
	assert_non_null(got[3]);
	assert_null(iobuf_get(c2, SMALL, NULL, NULL));
	test_put_all(c2, got, 4, 1);
	iobuf_channel_fini(c2);

	/* A cache of 3 under a limit of 4: the refill is cut to one. */
	c3 = open_ch("mo_lim", 3, 0);
	assert_int_equal(test_pool_now().pool[S].cached, 3);
	for (int i = 0; i < 4; i++) {
		got[i] = iobuf_get(c3, SMALL, NULL, NULL);
		assert_non_null(got[i]);
		st = test_pool_now();
		assert_true(st.pool[S].cached + (uint64_t)i + 1 <= 4);
	}
	assert_null(iobuf_get(c3, SMALL, NULL, NULL));
	st = test_pool_now();
	assert_int_equal(st.pool[S].cached, 0);
	assert_int_equal(st.pool[S].out, 4);
	assert_int_equal(st.pool[S].free, NSMALL - 4);
	test_put_all(c3, got, 4, 1);
	test_assert_conservation();
	iobuf_channel_fini(c3);
}

/*
 * A module at its limit whose own cache holds the buffers its entry
 * needs: waiting gives the idle cache back (iobuf_thread_poll), to that
 * entry, or the module would wait for itself.
 */
static void entry_at_the_limit_gathers_its_modules_idle_cache(void **state)
{
	struct iobuf_channel *lim, *c2;
	struct mreq m;
	void *mine[2];

	(void)state;
	register_ext("mo_lim", mopts(0, 0, 0, 6, 0));
	/* Four idle in lim's cache, two with the caller: at the limit. */
	lim = open_ch("mo_lim", 4, 0);
	c2 = open_ch("mo_lim", 0, 0);
	for (int i = 0; i < 2; i++) {
		mine[i] = iobuf_get(c2, SMALL, NULL, NULL);
		assert_non_null(mine[i]);
	}
	assert_int_equal(test_pool_now().pool[S].cached, 4);

	mreq_queue(&m, 1, lim, SMALL, 5);
	assert_true(test_module_now("mo_lim").limit_waits[S] > 0);
	assert_int_equal(iobuf_thread_poll(), 0);
	assert_int_equal(test_pool_now().pool[S].cached, 0);
	assert_int_equal(test_module_now("mo_lim").gathered[S], 4);
	test_assert_conservation();
	iobuf_put(c2, mine[0], 1);
	assert_int_equal(m.called, 1);
	assert_int_equal(test_module_now("mo_lim").gathered[S], 0);
	test_assert_conservation();

	iobuf_put(c2, mine[1], 1);
	assert_int_equal(iobuf_put_bulk(lim, m.bufs, 5), 0);
	assert_int_equal(test_module_now("mo_lim").cls[S].out, 0);
	iobuf_channel_fini(lim);
	iobuf_channel_fini(c2);
	assert_int_equal(test_pool_now().pool[S].free, NSMALL);
}

static void channel_cache_above_the_modules_limit_is_refused(void **state)
{
	static char dummy;
	struct iobuf_channel *const sentinel = (struct iobuf_channel *)&dummy;
	struct iobuf_channel *ch = sentinel, *ok;
	struct test_snapshot s;

	(void)state;
	register_ext("mo_lim", mopts(0, 0, 0, 4, 2));
	test_snapshot_take(&s);
	assert_int_equal(iobuf_channel_init(&ch, "mo_lim", 5, 0), -EINVAL);
	assert_int_equal(iobuf_channel_init(&ch, "mo_lim", 0, 3), -EINVAL);
	assert_ptr_equal(ch, sentinel);
	test_snapshot_assert_unchanged(&s);

	ok = open_ch("mo_lim", 4, 2);
	/* Within the limit, but the limit is used up by ok's caches. */
	test_snapshot_take(&s);
	assert_int_equal(iobuf_channel_init(&ch, "mo_lim", 1, 0), -ENOMEM);
	assert_int_equal(iobuf_channel_init(&ch, "mo_lim", 0, 1), -ENOMEM);
	assert_ptr_equal(ch, sentinel);
	test_snapshot_assert_unchanged(&s);
	iobuf_channel_fini(ok);
}

/* ---- registration errors ------------------------------------------------- */

/* Every call in the list fails with want and leaves everything as it was. */
static void assert_refused(const char *name, const struct iobuf_module_opts *o,
			   int want)
{
	struct test_snapshot s;

	test_snapshot_take(&s);
	assert_int_equal(iobuf_register_module_ext(name, o), want);
	test_snapshot_assert_unchanged(&s);
}

static void register_ext_refuses_bad_options(void **state)
{
	struct iobuf_module_opts o;
	char longname[IOBUF_MODULE_NAME_MAX + 2];

	(void)state;
	o = mopts(0, 0, 0, 0, 0);
	assert_refused("mo_bad", NULL, -EINVAL);
	assert_refused(NULL, &o, -EINVAL);
	assert_refused("", &o, -EINVAL);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_refused(longname, &o, -EINVAL);
	o.opts_size = sizeof(size_t) - 1;
	assert_refused("mo_bad", &o, -EINVAL);
	o.opts_size = 0;
	assert_refused("mo_bad", &o, -EINVAL);

	o = mopts(2, 0, 0, 0, 0);
	assert_refused("mo_bad", &o, -EINVAL);
	o = mopts(UINT32_MAX, 0, 0, 0, 0);
	assert_refused("mo_bad", &o, -EINVAL);
	o = mopts(0, 0, 0, 0, 0);
	o.flags = 1;
	assert_refused("mo_bad", &o, -EINVAL);
	o.flags = 0x80000000u;
	assert_refused("mo_bad", &o, -EINVAL);

	o = mopts(0, NSMALL + 1, 0, 0, 0);
	assert_refused("mo_bad", &o, -EINVAL);
	o = mopts(0, 0, NLARGE + 1, 0, 0);
	assert_refused("mo_bad", &o, -EINVAL);
	o = mopts(0, 4, 0, 3, 0);
	assert_refused("mo_bad", &o, -EINVAL);
	o = mopts(0, 0, 2, 0, 1);
	assert_refused("mo_bad", &o, -EINVAL);
	assert_int_equal(module_count(), 0);

	/* The edges that are allowed. */
	register_ext("mo_eq", mopts(1, 4, 2, 4, 2));
	register_ext("mo_nolimit", mopts(0, 4, 0, 0, 0));
	assert_reserve("mo_eq", S, 4, 0, 8);
	assert_int_equal(test_module_now("mo_eq").limit[S], 4);
	assert_int_equal(test_module_now("mo_nolimit").limit[S], 0);

	/* A name taken, by either register call. */
	o = mopts(0, 1, 0, 0, 0);
	assert_refused("mo_eq", &o, -EEXIST);
	assert_int_equal(iobuf_register_module("mo_eq"), -EEXIST);
	o = mopts(0, 0, 0, 0, 0);
	assert_int_equal(iobuf_register_module("mo_plain"), 0);
	assert_refused("mo_plain", &o, -EEXIST);
	assert_int_equal(test_module_now("mo_eq").priority, 1);
	assert_reserve("mo_eq", S, 4, 0, 8);
	assert_int_equal(module_count(), 3);
}

static void register_ext_refuses_reserves_above_the_pool_before_init(
	void **state)
{
	struct iobuf_module_opts o;

	(void)state;
	o = mopts(0, NSMALL + 1, 0, 0, 0);
	assert_refused("mo_bad", &o, -EINVAL);
	o = mopts(0, 0, NLARGE + 1, 0, 0);
	assert_refused("mo_bad", &o, -EINVAL);
	o = mopts(0, 1, 1, 0, 0);
	o.flags = 4;
	assert_refused("mo_bad", &o, -EINVAL);
	assert_int_equal(module_count(), 0);
	/* The whole pool, for one module, is allowed. */
	register_ext("mo_all", mopts(0, NSMALL, NLARGE, 0, 0));
	assert_int_equal(iobuf_initialize(), 0);
	assert_reserve("mo_all", S, NSMALL, 0, NSMALL);
	assert_reserve("mo_all", L, NLARGE, 0, NLARGE);
	assert_int_equal(test_pool_now().pool[S].free, 0);
	assert_int_equal(test_pool_now().pool[L].free, 0);
	test_assert_conservation();
}

static void register_ext_refuses_a_reserve_the_free_buffers_cannot_cover(
	void **state)
{
	struct iobuf_module_opts o;
	struct iobuf_channel *bulk;
	struct iobuf_stats st;

	(void)state;
	bulk = test_channel("mo_bulk", 0, 0);
	test_held_take(bulk, SMALL, NSMALL - 8);
	o = mopts(0, 9, 0, 0, 0);
	assert_refused("mo_res", &o, -ENOMEM);
	/* Small fits, large does not: nothing is set aside at all. */
	test_held_take(bulk, LARGE, NLARGE - 1);
	o = mopts(0, 8, 2, 0, 0);
	assert_refused("mo_res", &o, -ENOMEM);
	assert_int_equal(module_count(), 1);
	st = test_pool_now();
	assert_int_equal(st.reserve_free[S], 0);
	assert_int_equal(st.pool[S].free, 8);

	/* Exactly what is free fits. */
	register_ext("mo_res", mopts(0, 8, 1, 0, 0));
	st = test_pool_now();
	assert_int_equal(st.reserve_free[S], 8);
	assert_int_equal(st.reserve_free[L], 1);
	assert_int_equal(st.pool[S].free, 0);
	assert_int_equal(st.pool[L].free, 0);
	test_assert_conservation();
	test_held_return(bulk, 0);
	iobuf_channel_fini(bulk);
}

/* A struct as an older binary knew it, with garbage after its size. */
static void register_ext_reads_fields_past_opts_size_as_zero(void **state)
{
	union {
		struct iobuf_module_opts o;
		unsigned char bytes[96];
	} u;
	struct iobuf_module_stats m;

	(void)state;
	/* Only opts_size. */
	memset(&u, 0xff, sizeof(u));
	u.o.opts_size = sizeof(size_t);
	assert_int_equal(iobuf_register_module_ext("mo_v0", &u.o), 0);
	m = test_module_now("mo_v0");
	assert_int_equal(m.priority, 0);
	assert_int_equal(m.reserve[S] + m.reserve[L] + m.limit[S] +
			 m.limit[L], 0);

	/* Up to priority: flags and the rest are not read. */
	memset(&u, 0xff, sizeof(u));
	u.o.opts_size = offsetof(struct iobuf_module_opts, flags);
	u.o.priority = IOBUF_PRIORITY_HIGH;
	assert_int_equal(iobuf_register_module_ext("mo_v1", &u.o), 0);
	m = test_module_now("mo_v1");
	assert_int_equal(m.priority, IOBUF_PRIORITY_HIGH);
	assert_int_equal(m.reserve[S] + m.reserve[L] + m.limit[S] +
			 m.limit[L], 0);

	/* reserve[0] half inside: not read. */
	memset(&u, 0xff, sizeof(u));
	u.o.opts_size = offsetof(struct iobuf_module_opts, reserve) + 4;
	u.o.priority = 0;
	u.o.flags = 0;
	assert_int_equal(iobuf_register_module_ext("mo_v2", &u.o), 0);
	m = test_module_now("mo_v2");
	assert_int_equal(m.reserve[S] + m.reserve[L] + m.limit[S] +
			 m.limit[L], 0);

	/* Up to reserve[0]. */
	memset(&u, 0xff, sizeof(u));
	u.o.opts_size = offsetof(struct iobuf_module_opts, reserve) +
		sizeof(uint64_t);
	u.o.priority = 0;
	u.o.flags = 0;
	u.o.reserve[S] = 3;
	assert_int_equal(iobuf_register_module_ext("mo_v3", &u.o), 0);
	assert_reserve("mo_v3", S, 3, 0, 3);
	assert_reserve("mo_v3", L, 0, 0, 0);
	m = test_module_now("mo_v3");
	assert_int_equal(m.limit[S] + m.limit[L], 0);

	/* Up to limit[0]. */
	memset(&u, 0xff, sizeof(u));
	u.o.opts_size = offsetof(struct iobuf_module_opts, limit) +
		sizeof(uint64_t);
	u.o.priority = 0;
	u.o.flags = 0;
	u.o.reserve[S] = 1;
	u.o.reserve[L] = 1;
	u.o.limit[S] = 5;
	assert_int_equal(iobuf_register_module_ext("mo_v4", &u.o), 0);
	m = test_module_now("mo_v4");
	assert_int_equal(m.limit[S], 5);
	assert_int_equal(m.limit[L], 0);
	assert_int_equal(m.reserve[L], 1);

	/* A newer, bigger struct: unknown trailing fields are ignored. */
	memset(&u, 0xab, sizeof(u));
	u.o = mopts(0, 0, 0, 0, 0);
	u.o.opts_size = sizeof(u);
	assert_int_equal(iobuf_register_module_ext("mo_v9", &u.o), 0);
	m = test_module_now("mo_v9");
	assert_int_equal(m.reserve[S] + m.reserve[L] + m.limit[S] +
			 m.limit[L] + m.priority, 0);
	test_assert_conservation();
}

/* ---- reserves and the lifecycle ------------------------------------------ */

static void initialize_fails_when_registered_reserves_do_not_fit(void **state)
{
	struct iobuf_channel *ch = NULL;
	struct iobuf_stats st;

	(void)state;
	register_ext("mo_r1", mopts(0, 100, 10, 0, 0));
	register_ext("mo_r2", mopts(0, 20, 10, 0, 0));
	/* Small fits (120 of 128), large does not (20 of 16). */
	assert_int_equal(iobuf_initialize(), -ENOMEM);
	st = test_pool_now();
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		assert_int_equal(st.pool[c].total, 0);
		assert_int_equal(st.reserve_free[c], 0);
	}
	assert_int_equal(iobuf_channel_init(&ch, "mo_r1", 0, 0), -EINVAL);
	assert_null(ch);
	assert_int_equal(iobuf_unregister_module("mo_r2"), 0);
	assert_int_equal(iobuf_initialize(), 0);
	st = test_pool_now();
	assert_int_equal(st.reserve_free[S], 100);
	assert_int_equal(st.reserve_free[L], 10);
	assert_int_equal(st.pool[S].free, NSMALL - 100);
	assert_int_equal(st.pool[L].free, NLARGE - 10);
	assert_reserve("mo_r1", S, 100, 0, 100);
	test_assert_conservation();
	ch = open_ch("mo_r1", 1, 1);
	iobuf_channel_fini(ch);
}

static void unregister_returns_the_reserve(void **state)
{
	struct iobuf_channel *res, *bulk;
	struct iobuf_stats st;
	void *mine[2];

	(void)state;
	register_ext("mo_res", mopts(0, 4, 2, 0, 0));
	st = test_pool_now();
	assert_int_equal(st.pool[S].free, NSMALL - 4);
	assert_int_equal(st.pool[L].free, NLARGE - 2);
	assert_int_equal(iobuf_unregister_module("mo_res"), 0);
	st = test_pool_now();
	assert_int_equal(st.pool[S].free, NSMALL);
	assert_int_equal(st.pool[L].free, NLARGE);
	assert_int_equal(st.reserve_free[S], 0);
	assert_int_equal(st.reserve_free[L], 0);

	/* Used and given back, then unregistered. */
	register_ext("mo_res", mopts(0, 4, 2, 0, 0));
	res = open_ch("mo_res", 0, 0);
	bulk = test_channel("mo_bulk", 0, 0);
	test_held_drain(bulk, SMALL, NSMALL - 4);
	for (int i = 0; i < 2; i++) {
		mine[i] = iobuf_get(res, SMALL, NULL, NULL);
		assert_non_null(mine[i]);
	}
	assert_reserve("mo_res", S, 4, 2, 2);
	test_put_all(res, mine, 2, 1);
	iobuf_channel_fini(res);
	assert_int_equal(iobuf_unregister_module("mo_res"), 0);
	st = test_pool_now();
	assert_int_equal(st.pool[S].free, 4);
	assert_int_equal(st.pool[L].free, NLARGE);
	assert_int_equal(st.reserve_free[S], 0);
	test_assert_conservation();
	test_held_return(bulk, 0);
	assert_int_equal(test_pool_now().pool[S].free, NSMALL);
	iobuf_channel_fini(bulk);
}

static void finish_and_initialize_set_the_reserves_aside_again(void **state)
{
	struct iobuf_channel *ch;
	struct iobuf_stats st;
	void *b;

	(void)state;
	register_ext("mo_res", mopts(0, 4, 2, 0, 0));
	ch = open_ch("mo_res", 0, 0);
	b = iobuf_get(ch, LARGE, NULL, NULL);
	assert_non_null(b);
	iobuf_put(ch, b, 1);
	iobuf_channel_fini(ch);
	for (int round = 0; round < 2; round++) {
		/* Reserved buffers are not out: finish succeeds. */
		assert_int_equal(iobuf_finish(), 0);
		st = test_pool_now();
		assert_int_equal(st.reserve_free[S], 0);
		assert_int_equal(st.pool[S].total, 0);
		assert_int_equal(iobuf_initialize(), 0);
		st = test_pool_now();
		assert_int_equal(st.reserve_free[S], 4);
		assert_int_equal(st.reserve_free[L], 2);
		assert_int_equal(st.pool[S].free, NSMALL - 4);
		assert_int_equal(st.pool[L].free, NLARGE - 2);
		assert_reserve("mo_res", S, 4, 0, 4);
		test_assert_conservation();
	}
	assert_int_equal(iobuf_unregister_module("mo_res"), 0);
	assert_int_equal(test_pool_now().pool[S].free, NSMALL);
	assert_int_equal(test_pool_now().pool[L].free, NLARGE);
}

/* ---- iobuf_dump ---------------------------------------------------------- */

/* The value of key= in line, which must be there once. */
static uint64_t dump_field(const char *line, const char *key)
{
	char pat[64];
	const char *p = line, *hit = NULL;
	int found = 0;
	char *end;
	unsigned long long v;

	snprintf(pat, sizeof(pat), " %s=", key);
	while ((p = strstr(p, pat)) != NULL) {
		hit = p;
		found++;
		p++;
	}
	if (found != 1)
		fail_msg("dump line has %d '%s=': %s", found, key, line);
	errno = 0;
	v = strtoull(hit + strlen(pat), &end, 10);
	if (errno != 0 || (*end != ' ' && *end != '\0'))
		fail_msg("dump prints %s not as a count: %s", key, line);
	return v;
}

static int class_of(const char *line, const char *key)
{
	char pat[32];

	snprintf(pat, sizeof(pat), "%s=small ", key);
	if (strstr(line, pat) != NULL)
		return S;
	snprintf(pat, sizeof(pat), "%s=large ", key);
	if (strstr(line, pat) != NULL)
		return L;
	fail_msg("dump line names no class: %s", line);
	return -1;
}

static void dump_prints_the_new_counters_like_get_stats(void **state)
{
	struct iobuf_channel *res, *lim, *bulk;
	struct test_snapshot s, after;
	struct test_req r;
	struct mreq m;
	int pools = 0, mods = 0;
	size_t len = 0;
	char *text = NULL, *save = NULL;
	void *mine, *lbuf[2];
	FILE *f;

	(void)state;
	register_ext("mo_res", mopts(IOBUF_PRIORITY_HIGH, 3, 1, 0, 0));
	register_ext("mo_lim", mopts(0, 0, 0, 2, 5));
	res = open_ch("mo_res", 0, 0);
	lim = open_ch("mo_lim", 0, 0);
	bulk = test_channel("mo_bulk", 0, 0);
	/* lim takes its limit of small buffers, then waits. */
	for (int i = 0; i < 2; i++) {
		lbuf[i] = iobuf_get(lim, SMALL, NULL, NULL);
		assert_non_null(lbuf[i]);
	}
	test_req_init(&r, 1, lim, SMALL);
	test_req_queue(&r);
	/* res uses one of its reserve once bulk took the shared pool. */
	test_held_drain(bulk, SMALL, NSMALL - 3 - 2);
	mine = iobuf_get(res, SMALL, NULL, NULL);
	assert_non_null(mine);
	/* bulk's multi entry gathers two large buffers. */
	test_held_drain(bulk, LARGE, NLARGE - 1);
	memset(&m, 0, sizeof(m));
	assert_int_equal(iobuf_get_multi(bulk, LARGE, m.bufs, 4, &m.entry,
					 mreq_cb), -ENOMEM);
	test_held_put_one(bulk);
	test_held_put_one(bulk);

	test_snapshot_take(&s);
	assert_int_equal(s.pools.gathered[L], 2);
	assert_int_equal(s.pools.reserve_free[S], 2);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	iobuf_dump(f);
	assert_int_equal(fclose(f), 0);
	fprintf(stderr, "%s", text);
	test_snapshot_take(&after);
	test_snapshot_assert_same(&s, &after);

	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char padded[600];

		snprintf(padded, sizeof(padded), " %s", line);
		if (strncmp(line, "pool=", 5) == 0) {
			int c = class_of(padded, "pool");

			assert_int_equal(dump_field(padded, "reserve_free"),
					 s.pools.reserve_free[c]);
			assert_int_equal(dump_field(padded, "gathered"),
					 s.pools.gathered[c]);
			pools++;
		} else if (strncmp(line, "module=", 7) == 0) {
			int c = class_of(padded, "class");
			const struct iobuf_module_stats *ms = NULL;

			for (int i = 0; i < s.nmods; i++) {
				size_t n = strlen(s.mods[i].name);

				if (strncmp(line + 7, s.mods[i].name, n) == 0 &&
				    line[7 + n] == ' ')
					ms = &s.mods[i];
			}
			assert_non_null(ms);
			assert_int_equal(dump_field(padded, "gathered"),
					 ms->gathered[c]);
			assert_int_equal(dump_field(padded, "reserve"),
					 ms->reserve[c]);
			assert_int_equal(dump_field(padded, "reserve_used"),
					 ms->reserve_used[c]);
			assert_int_equal(dump_field(padded, "limit"),
					 ms->limit[c]);
			assert_int_equal(dump_field(padded, "limit_waits"),
					 ms->limit_waits[c]);
			assert_int_equal(dump_field(padded, "priority"),
					 ms->priority);
			mods++;
		}
	}
	free(text);
	assert_int_equal(pools, IOBUF_CLASS_COUNT);
	assert_int_equal(mods, 3 * IOBUF_CLASS_COUNT);
	/* The state had a value of its own in each new field. */
	assert_int_equal(test_snapshot_module(&s, "mo_res")->reserve_used[S],
			 1);
	assert_int_equal(test_snapshot_module(&s, "mo_res")->priority, 1);
	assert_int_equal(test_snapshot_module(&s, "mo_lim")->limit[L], 5);
	assert_int_equal(test_snapshot_module(&s, "mo_lim")->limit_waits[S], 1);
	assert_int_equal(test_snapshot_module(&s, "mo_bulk")->gathered[L], 2);

	iobuf_entry_abort(bulk, &m.entry, LARGE);
	iobuf_entry_abort(lim, &r.entry, SMALL);
	iobuf_put(res, mine, 1);
	test_put_all(lim, lbuf, 2, 1);
	test_held_return(bulk, 0);
	iobuf_channel_fini(res);
	iobuf_channel_fini(lim);
	iobuf_channel_fini(bulk);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, mo_setup, test_teardown)
#define B(f) cmocka_unit_test_setup_teardown(f, mo_setup_bare, test_teardown)
	const struct CMUnitTest tests[] = {
		T(high_priority_entries_are_served_before_older_normal_ones),
		T(gathering_normal_multi_keeps_its_turn_over_high_priority),
		T(reserve_serves_its_module_once_the_shared_pool_is_dry),
		T(reserved_modules_entry_is_served_from_its_refilled_reserve),
		T(reserved_modules_multi_is_served_from_its_reserve),
		T(module_at_its_limit_waits_while_the_pool_has_buffers),
		T(limit_counts_the_modules_caches_and_cuts_refills),
		T(entry_at_the_limit_gathers_its_modules_idle_cache),
		T(channel_cache_above_the_modules_limit_is_refused),
		T(register_ext_refuses_bad_options),
		B(register_ext_refuses_reserves_above_the_pool_before_init),
		T(register_ext_refuses_a_reserve_the_free_buffers_cannot_cover),
		T(register_ext_reads_fields_past_opts_size_as_zero),
		B(initialize_fails_when_registered_reserves_do_not_fit),
		T(unregister_returns_the_reserve),
		T(finish_and_initialize_set_the_reserves_aside_again),
		T(dump_prints_the_new_counters_like_get_stats),
	};
#undef T
#undef B

	return cmocka_run_group_tests_name("unit_modopts", tests,
					   test_group_setup,
					   test_group_teardown);
}
