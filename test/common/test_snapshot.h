/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Snapshots of everything iobuf_get_stats() shows, compared field by field
 * to prove that a call changed nothing (a refused or failed call, SPEC
 * §4.6) or that two readers saw the same state.
 */

#ifndef TEST_SNAPSHOT_H
#define TEST_SNAPSHOT_H

#include "test_env.h"

/* More modules than any suite that takes snapshots registers. */
#define TEST_SNAPSHOT_MODULES 16

struct test_snapshot {
	struct iobuf_stats pools;
	int nmods;
	struct iobuf_module_stats mods[TEST_SNAPSHOT_MODULES];
};

/*
 * Zero s, then fill it; returns iobuf_get_stats()'s result. Calls no CMocka
 * function, so threads other than the main one may use it.
 */
int test_snapshot_fill(struct test_snapshot *s);
/* test_snapshot_fill(), asserting that every module fit. */
void test_snapshot_take(struct test_snapshot *s);
/* Fails naming the first field that differs, e.g. "pool.free[0]". */
void test_snapshot_assert_same(const struct test_snapshot *before,
			       const struct test_snapshot *after);
/* Take a snapshot now and assert it is the same as before. */
void test_snapshot_assert_unchanged(const struct test_snapshot *before);
/* The counters of module name in s; fails when s does not list it. */
const struct iobuf_module_stats *
test_snapshot_module(const struct test_snapshot *s, const char *name);

#endif /* TEST_SNAPSHOT_H */
