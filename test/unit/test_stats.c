/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * iobuf_get_stats / iobuf_dump (SPEC §3): the module list and its limits,
 * the per-path counters, `out` across modules and closed channels,
 * snapshots taken from a thread that owns no channel, and a dump whose
 * every printed value is checked against iobuf_get_stats.
 */

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_env.h"
#include "test_snapshot.h"

static void stats_before_initialize_are_zeroed_and_list_modules(void **state)
{
	struct iobuf_module_stats mods[2];
	struct iobuf_stats st, zero;

	(void)state;
	assert_int_equal(iobuf_register_module("st_early"), 0);
	memset(&st, 0xff, sizeof(st));
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(iobuf_get_stats(&st, sizeof(st), mods, sizeof(mods[0]), 2), 1);
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

	assert_int_equal(iobuf_get_stats(&st, sizeof(st), mods, sizeof(mods[0]), 2), 3);
	assert_string_equal(mods[0].name, "st_one");
	assert_string_equal(mods[1].name, "st_two");
	assert_memory_equal(&mods[2], &untouched, sizeof(untouched));

	assert_int_equal(iobuf_get_stats(NULL, 0, NULL, 0, 0), 3);
	assert_int_equal(iobuf_get_stats(&st, sizeof(st), NULL, 0, 0), 3);
	assert_int_equal(iobuf_get_stats(&st, sizeof(st), NULL, 0, 1), -EINVAL);
	assert_int_equal(iobuf_get_stats(NULL, 0, mods, sizeof(mods[0]), 0), 3);
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

static void *snapshot_elsewhere(void *arg)
{
	test_snapshot_fill(arg);
	return NULL;
}

static void stats_from_a_thread_without_channels_match(void **state)
{
	struct test_snapshot here, there;
	struct iobuf_channel *ch;
	pthread_t tid;
	void *bufs[5];

	(void)state;
	ch = test_channel("st_remote", 4, 2);
	assert_int_equal(test_drain(ch, 1, bufs, 5), 5);
	test_snapshot_take(&here);
	assert_int_equal(pthread_create(&tid, NULL, snapshot_elsewhere, &there), 0);
	pthread_join(tid, NULL);
	assert_int_equal(here.nmods, 1);
	test_snapshot_assert_same(&here, &there);
	test_put_all(ch, bufs, 5, 1);
	iobuf_channel_fini(ch);
}

/* ---- iobuf_dump --------------------------------------------------------- */

/* One line of iobuf_dump(): its words, each `key=value` or a bare word. */
#define DUMP_WORDS 16
struct dump_line {
	const char *text;           /* the whole line, for messages */
	int n;
	char *key[DUMP_WORDS];
	char *value[DUMP_WORDS];    /* NULL for a bare word */
	bool used[DUMP_WORDS];
};

/* Split line (modified in place) at blanks. */
static void dump_split(char *line, const char *text, struct dump_line *l)
{
	char *save = NULL;

	memset(l, 0, sizeof(*l));
	l->text = text;
	for (char *w = strtok_r(line, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(w, '=');

		if (l->n == DUMP_WORDS)
			fail_msg("dump line has over %d words: %s", DUMP_WORDS,
				 text);
		l->key[l->n] = w;
		if (eq != NULL) {
			*eq = '\0';
			l->value[l->n] = eq + 1;
		}
		l->n++;
	}
}

/* The value of key, marked as checked; fails unless it is there once. */
static const char *dump_value(struct dump_line *l, const char *key)
{
	const char *value = NULL;
	int found = 0;

	for (int i = 0; i < l->n; i++) {
		if (strcmp(l->key[i], key) != 0)
			continue;
		found++;
		l->used[i] = true;
		value = l->value[i];
	}
	if (found != 1)
		fail_msg("dump line has %d '%s=': %s", found, key, l->text);
	if (value == NULL)
		fail_msg("dump line has '%s' without a value: %s", key,
			 l->text);
	return value;
}

static void dump_expect_u64(struct dump_line *l, const char *key,
			    uint64_t want)
{
	const char *value = dump_value(l, key);
	char *end;
	unsigned long long got;

	errno = 0;
	got = strtoull(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || value[0] == '-')
		fail_msg("dump prints %s=%s, not a count: %s", key, value,
			 l->text);
	if (got != want)
		fail_msg("dump prints %s=%llu, iobuf_get_stats says %llu: %s",
			 key, got, (unsigned long long)want, l->text);
}

static void dump_expect_i64(struct dump_line *l, const char *key, int64_t want)
{
	const char *value = dump_value(l, key);
	char *end;
	long long got;

	errno = 0;
	got = strtoll(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0')
		fail_msg("dump prints %s=%s, not a number: %s", key, value,
			 l->text);
	if (got != want)
		fail_msg("dump prints %s=%lld, iobuf_get_stats says %lld: %s",
			 key, got, (long long)want, l->text);
}

/* Every word of the line was checked: the dump prints nothing unverified. */
static void dump_all_checked(const struct dump_line *l)
{
	for (int i = 0; i < l->n; i++)
		if (!l->used[i])
			fail_msg("dump prints '%s', which iobuf_get_stats "
				 "has no field for: %s", l->key[i], l->text);
}

static int dump_class(const struct dump_line *l, const char *name)
{
	if (strcmp(name, "small") == 0)
		return IOBUF_CLASS_SMALL;
	if (strcmp(name, "large") == 0)
		return IOBUF_CLASS_LARGE;
	fail_msg("dump names class '%s': %s", name, l->text);
	return -1;
}

/*
 * Check every line of text against snap: one header line, one line per
 * pool and one per module and class, every value equal to the snapshot's.
 */
static void dump_check(char *text, const struct test_snapshot *snap,
		       int initialized)
{
	bool pool_seen[IOBUF_CLASS_COUNT] = { false };
	bool mod_seen[TEST_SNAPSHOT_MODULES][IOBUF_CLASS_COUNT];
	int headers = 0, lines = 0;
	char *save = NULL;

	memset(mod_seen, 0, sizeof(mod_seen));
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char copy[512];
		struct dump_line l;

		snprintf(copy, sizeof(copy), "%s", line);
		dump_split(line, copy, &l);
		lines++;
		if (l.n > 0 && strcmp(l.key[0], "iobuf") == 0 &&
		    l.value[0] == NULL) {
			l.used[0] = true;
			assert_string_equal(dump_value(&l, "version"),
					    iobuf_version());
			dump_expect_u64(&l, "initialized",
					(uint64_t)initialized);
			headers++;
		} else if (l.n > 0 && strcmp(l.key[0], "pool") == 0) {
			int c = dump_class(&l, dump_value(&l, "pool"));
			const struct iobuf_pool_stats *p = &snap->pools.pool[c];

			if (pool_seen[c])
				fail_msg("pool line twice: %s", copy);
			pool_seen[c] = true;
			dump_expect_u64(&l, "bufsize", p->bufsize);
			dump_expect_u64(&l, "total", p->total);
			dump_expect_u64(&l, "free", p->free);
			dump_expect_u64(&l, "cached", p->cached);
			dump_expect_i64(&l, "out", p->out);
			dump_expect_u64(&l, "waiting", p->waiting);
			dump_expect_u64(&l, "reserve_free",
					snap->pools.reserve_free[c]);
			dump_expect_u64(&l, "gathered", snap->pools.gathered[c]);
		} else if (l.n > 0 && strcmp(l.key[0], "module") == 0) {
			const char *name = dump_value(&l, "module");
			const struct iobuf_module_stats *m =
				test_snapshot_module(snap, name);
			int mi = (int)(m - snap->mods);
			int c = dump_class(&l, dump_value(&l, "class"));
			const struct iobuf_class_stats *k = &m->cls[c];

			if (mod_seen[mi][c])
				fail_msg("module line twice: %s", copy);
			mod_seen[mi][c] = true;
			dump_expect_u64(&l, "channels", m->channels);
			dump_expect_u64(&l, "cache", k->cache);
			dump_expect_u64(&l, "main", k->main);
			dump_expect_u64(&l, "retry", k->retry);
			dump_expect_i64(&l, "out", k->out);
			dump_expect_u64(&l, "waiting", k->waiting);
			dump_expect_u64(&l, "priority", m->priority);
			dump_expect_u64(&l, "gathered", m->gathered[c]);
			dump_expect_u64(&l, "reserve", m->reserve[c]);
			dump_expect_u64(&l, "reserve_used", m->reserve_used[c]);
			dump_expect_u64(&l, "limit", m->limit[c]);
			dump_expect_u64(&l, "limit_waits", m->limit_waits[c]);
		} else {
			fail_msg("dump line is neither the header, a pool "
				 "nor a module: %s", copy);
		}
		dump_all_checked(&l);
	}
	assert_int_equal(headers, 1);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		assert_true(pool_seen[c]);
	for (int m = 0; m < snap->nmods; m++)
		for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
			if (!mod_seen[m][c])
				fail_msg("dump has no line for module '%s' "
					 "class %d", snap->mods[m].name, c);
	assert_int_equal(lines, 1 + IOBUF_CLASS_COUNT +
			 snap->nmods * IOBUF_CLASS_COUNT);
}

/*
 * Dump the quiescent state (copied to stderr for the test log) between two
 * snapshots that must agree, check every line against them, and return
 * the number of modules.
 */
static int dump_and_check(int initialized)
{
	struct test_snapshot before, after;
	size_t len = 0;
	char *text = NULL;
	FILE *f;

	test_snapshot_take(&before);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	iobuf_dump(f);
	assert_int_equal(fclose(f), 0);
	fprintf(stderr, "%s", text);
	test_snapshot_take(&after);
	test_snapshot_assert_same(&before, &after);
	dump_check(text, &before, initialized);
	free(text);
	return before.nmods;
}

/*
 * A state where every printed field has a value of its own: buffers out,
 * cached and free in both classes, a refill, a waiting entry, a module
 * whose `out` is negative and one whose channel is closed.
 */
static void dump_prints_exactly_what_get_stats_reports(void **state)
{
	void *small[5], *large[TEST_LARGE_COUNT];
	struct iobuf_channel *a, *b, *c;
	struct test_req r;
	uint32_t nl;

	(void)state;
	a = test_channel("st_dump_a", 4, 2);
	b = test_channel("st_dump_b", 0, 0);
	c = test_channel("st_dump_closed", 1, 1);
	/* a: four from its cache, a refill for the fifth. */
	assert_int_equal(test_drain(a, 1, small, 5), 5);
	/* b: every large buffer the ring has, then an entry waits. */
	nl = test_drain(b, TEST_LARGE_SIZE, large, TEST_LARGE_COUNT);
	test_req_init(&r, 1, b, TEST_LARGE_SIZE);
	test_req_queue(&r);
	/* b returns two of a's small buffers: a's out 3, b's out -2. */
	test_put_all(b, &small[3], 2, 1);
	/* The closed module keeps two out. */
	assert_int_equal(test_drain(c, 1, &small[3], 2), 2);
	iobuf_channel_fini(c);

	assert_int_equal(dump_and_check(1), 3);

	iobuf_entry_abort(b, &r.entry, TEST_LARGE_SIZE);
	test_put_all(a, small, 5, 1);
	test_put_all(a, large, nl, TEST_LARGE_SIZE);
	iobuf_channel_fini(a);
	iobuf_channel_fini(b);
}

/* Before initialize: zeroed pools, the modules registered so far. */
static void dump_before_initialize_prints_what_get_stats_reports(void **state)
{
	(void)state;
	assert_int_equal(iobuf_register_module("st_dump_early"), 0);
	assert_int_equal(dump_and_check(0), 1);
}

/* ---- versioned by size -------------------------------------------------- */

#define GUARD 0x5a
#define NMODS 3

/*
 * Three modules, a channel, one small buffer out, so that counters differ;
 * full and full_mods get the snapshot in today's sizes.
 */
static struct iobuf_channel *versioned_world(void **buf,
					      struct iobuf_stats *full,
					      struct iobuf_module_stats *full_mods)
{
	struct iobuf_channel *ch = test_channel("st_v0", 4, 1);

	assert_int_equal(iobuf_register_module("st_v1"), 0);
	assert_int_equal(iobuf_register_module("st_v2"), 0);
	*buf = iobuf_get(ch, 1, NULL, NULL);
	assert_non_null(*buf);
	assert_int_equal(iobuf_get_stats(full, sizeof(*full), full_mods,
					 sizeof(full_mods[0]), NMODS), NMODS);
	return ch;
}

static void assert_guarded(const unsigned char *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (p[i] != GUARD)
			fail_msg("byte %zu, past the caller's size, was written", i);
}

static void smaller_old_structs_are_filled_up_to_their_size(void **state)
{
	/* An older caller's structs: the small pool only; modules without the
	 * large class, and a size that ends inside a counter. */
	const size_t pool_size = sizeof(struct iobuf_pool_stats);
	const size_t sizes[] = { offsetof(struct iobuf_module_stats, cls[1]),
				 offsetof(struct iobuf_module_stats, cls[0].out) + 4 };
	struct iobuf_module_stats full[NMODS];
	struct iobuf_stats full_st;
	unsigned char st[sizeof(struct iobuf_stats)];
	unsigned char mods[NMODS * sizeof(struct iobuf_module_stats)];
	struct iobuf_channel *ch;
	void *buf;

	(void)state;
	ch = versioned_world(&buf, &full_st, full);

	memset(st, GUARD, sizeof(st));
	assert_int_equal(iobuf_get_stats((struct iobuf_stats *)(void *)st,
					 pool_size, NULL, 0, 0), NMODS);
	assert_memory_equal(st, &full_st.pool[0], pool_size);
	assert_guarded(st, pool_size, sizeof(st));

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t size = sizes[k];
		/* whole fields only: a counter cut by the size is not written */
		size_t written = size / 8 * 8;

		memset(mods, GUARD, sizeof(mods));
		assert_int_equal(iobuf_get_stats(NULL, 0,
			(struct iobuf_module_stats *)(void *)mods, size, NMODS),
			NMODS);
		for (int i = 0; i < NMODS; i++) {
			assert_memory_equal(mods + i * size, &full[i], written);
			assert_guarded(mods + i * size, written, size);
		}
		assert_guarded(mods, NMODS * size, sizeof(mods));
	}
	iobuf_put(ch, buf, 1);
	iobuf_channel_fini(ch);
}

static void larger_newer_structs_get_zeroed_tails(void **state)
{
	enum { MORE = 24 };
	const size_t st_size = sizeof(struct iobuf_stats) + MORE;
	const size_t mod_size = sizeof(struct iobuf_module_stats) + MORE;
	unsigned char st[sizeof(struct iobuf_stats) + MORE];
	unsigned char mods[NMODS * (sizeof(struct iobuf_module_stats) + MORE)];
	struct iobuf_module_stats full[NMODS];
	struct iobuf_stats full_st;
	struct iobuf_channel *ch;
	unsigned char zero[MORE] = { 0 };
	void *buf;

	(void)state;
	ch = versioned_world(&buf, &full_st, full);
	memset(st, GUARD, sizeof(st));
	memset(mods, GUARD, sizeof(mods));
	assert_int_equal(iobuf_get_stats((struct iobuf_stats *)(void *)st,
		st_size, (struct iobuf_module_stats *)(void *)mods, mod_size,
		NMODS), NMODS);
	assert_memory_equal(st, &full_st, sizeof(full_st));
	assert_memory_equal(st + sizeof(full_st), zero, MORE);
	for (int i = 0; i < NMODS; i++) {
		assert_memory_equal(mods + i * mod_size, &full[i], sizeof(full[i]));
		assert_memory_equal(mods + i * mod_size + sizeof(full[i]), zero,
				    MORE);
	}
	iobuf_put(ch, buf, 1);
	iobuf_channel_fini(ch);
}

static void sizes_below_one_field_are_einval_and_write_nothing(void **state)
{
	unsigned char st[sizeof(struct iobuf_stats)];
	unsigned char mods[sizeof(struct iobuf_module_stats)];

	(void)state;
	assert_int_equal(iobuf_register_module("st_small"), 0);
	memset(st, GUARD, sizeof(st));
	memset(mods, GUARD, sizeof(mods));
	assert_int_equal(iobuf_get_stats((struct iobuf_stats *)(void *)st, 7,
					 NULL, 0, 0), -EINVAL);
	assert_int_equal(iobuf_get_stats(NULL, 0,
		(struct iobuf_module_stats *)(void *)mods, IOBUF_MODULE_NAME_MAX,
		1), -EINVAL);
	assert_int_equal(iobuf_get_stats((struct iobuf_stats *)(void *)st,
		sizeof(st), (struct iobuf_module_stats *)(void *)mods, 0, 1),
		-EINVAL);
	assert_guarded(st, 0, sizeof(st));
	assert_guarded(mods, 0, sizeof(mods));
}

/* What a binary linked against 0.1 calls: the IOBUF_0.1 version, no sizes. */
typedef int (*get_stats_0_1)(struct iobuf_stats *stats,
			     struct iobuf_module_stats *modules,
			     uint32_t max_modules);

/* The sizes of the structs in 0.1, which the 0.1 version fills. */
#define STATS_SIZE_0_1 96
#define MODULE_STATS_SIZE_0_1 152
#define AFTER_0_1 16

static void the_0_1_abi_still_answers_binaries_linked_against_it(void **state)
{
	struct iobuf_module_stats now[NMODS];
	unsigned char old[NMODS * MODULE_STATS_SIZE_0_1 + AFTER_0_1];
	unsigned char st_old[STATS_SIZE_0_1 + AFTER_0_1];
	struct iobuf_stats st_now;
	struct iobuf_channel *ch;
	get_stats_0_1 v0_1;
	void *buf, *sym;

	(void)state;
	sym = dlvsym(RTLD_DEFAULT, "iobuf_get_stats", "IOBUF_0.1");
	assert_non_null(sym);
	assert_ptr_not_equal(sym, dlvsym(RTLD_DEFAULT, "iobuf_get_stats",
					 "IOBUF_0.2"));
	memcpy(&v0_1, &sym, sizeof(v0_1));
	ch = versioned_world(&buf, &st_now, now);
	memset(st_old, GUARD, sizeof(st_old));
	memset(old, GUARD, sizeof(old));
	/* A 0.1 binary's arrays have 0.1's stride: nothing past it is written. */
	assert_int_equal(v0_1((struct iobuf_stats *)(void *)st_old,
			      (struct iobuf_module_stats *)(void *)old, NMODS),
			 NMODS);
	assert_memory_equal(&st_now, st_old, STATS_SIZE_0_1);
	assert_guarded(st_old, STATS_SIZE_0_1, sizeof(st_old));
	for (int i = 0; i < NMODS; i++)
		assert_memory_equal(&now[i], old + i * MODULE_STATS_SIZE_0_1,
				    MODULE_STATS_SIZE_0_1);
	assert_guarded(old, NMODS * MODULE_STATS_SIZE_0_1, sizeof(old));
	assert_int_equal(v0_1(NULL, NULL, 1), -EINVAL);
	iobuf_put(ch, buf, 1);
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
		T(dump_prints_exactly_what_get_stats_reports),
		B(dump_before_initialize_prints_what_get_stats_reports),
		T(smaller_old_structs_are_filled_up_to_their_size),
		T(larger_newer_structs_get_zeroed_tails),
		B(sizes_below_one_field_are_einval_and_write_nothing),
		T(the_0_1_abi_still_answers_binaries_linked_against_it),
#undef B
#undef T
	};

	return cmocka_run_group_tests_name("stats", tests, test_group_setup,
					   test_group_teardown);
}
