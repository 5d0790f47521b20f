/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

#include "test_snapshot.h"

#include <inttypes.h>
#include <string.h>

int test_snapshot_fill(struct test_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->nmods = iobuf_get_stats(&s->pools, sizeof(s->pools), s->mods, sizeof(s->mods[0]), TEST_SNAPSHOT_MODULES);
	return s->nmods;
}

void test_snapshot_take(struct test_snapshot *s)
{
	assert_in_range(test_snapshot_fill(s), 0, TEST_SNAPSHOT_MODULES);
}

static void same_u64(uint64_t before, uint64_t after, const char *what,
		     int index)
{
	if (before != after)
		fail_msg("state changed: %s[%d] was %" PRIu64 ", is %" PRIu64,
			 what, index, before, after);
}

static void same_i64(int64_t before, int64_t after, const char *what,
		     int index)
{
	if (before != after)
		fail_msg("state changed: %s[%d] was %" PRId64 ", is %" PRId64,
			 what, index, before, after);
}

static void same_class(const struct iobuf_class_stats *p,
		       const struct iobuf_class_stats *q, int m)
{
	same_u64(p->cache, q->cache, "module.cache", m);
	same_u64(p->main, q->main, "module.main", m);
	same_u64(p->retry, q->retry, "module.retry", m);
	same_i64(p->out, q->out, "module.out", m);
	same_u64(p->waiting, q->waiting, "module.waiting", m);
}

void test_snapshot_assert_same(const struct test_snapshot *a,
			       const struct test_snapshot *b)
{
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		const struct iobuf_pool_stats *p = &a->pools.pool[c];
		const struct iobuf_pool_stats *q = &b->pools.pool[c];

		same_u64(p->bufsize, q->bufsize, "pool.bufsize", c);
		same_u64(p->total, q->total, "pool.total", c);
		same_u64(p->free, q->free, "pool.free", c);
		same_u64(p->cached, q->cached, "pool.cached", c);
		same_i64(p->out, q->out, "pool.out", c);
		same_u64(p->waiting, q->waiting, "pool.waiting", c);
	}
	same_i64(a->nmods, b->nmods, "module count", 0);
	for (int m = 0; m < a->nmods && m < TEST_SNAPSHOT_MODULES; m++) {
		const struct iobuf_module_stats *p = &a->mods[m];
		const struct iobuf_module_stats *q = &b->mods[m];

		if (strcmp(p->name, q->name) != 0)
			fail_msg("state changed: module %d was '%s', is '%s'",
				 m, p->name, q->name);
		same_u64(p->channels, q->channels, "module.channels", m);
		same_u64(p->reserved, q->reserved, "module.reserved", m);
		for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
			same_class(&p->cls[c], &q->cls[c], m);
	}
	/* What no field above names: the bytes after each name's NUL. */
	assert_memory_equal(a, b, sizeof(*a));
}

void test_snapshot_assert_unchanged(const struct test_snapshot *before)
{
	struct test_snapshot now;

	test_snapshot_take(&now);
	test_snapshot_assert_same(before, &now);
}

const struct iobuf_module_stats *
test_snapshot_module(const struct test_snapshot *s, const char *name)
{
	for (int m = 0; m < s->nmods && m < TEST_SNAPSHOT_MODULES; m++)
		if (strcmp(s->mods[m].name, name) == 0)
			return &s->mods[m];
	fail_msg("module '%s' not in the snapshot", name);
	return NULL;
}
