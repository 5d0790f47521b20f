/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Bad input never corrupts state (SPEC §4.6), table-driven: every function
 * of iobuf.h called with NULL pointers, zero and oversize lengths and
 * counts, unknown and over-long names, and out of order (before
 * initialize, after finish, twice). A case prepares a world (pools up or
 * down, channels, buffers out, entries waiting), snapshots everything the
 * API can observe (pool and module statistics, the module list, the
 * options, the entries for_each sees), makes one bad call, then checks the
 * documented result, that the failure was logged (iobuf.h: "Every failure
 * is also logged") and that the snapshot is exactly as before.
 *
 * Channel use after iobuf_channel_fini() is not tested: the channel is
 * freed memory, so the test itself would be the bug. Aborts of debug
 * builds and calls around the EAL's life need a fresh process each:
 * test_badinput_process.c.
 *
 * Refusals reachable from the data path are rate-limited per call site
 * (16 messages, then one in 65536); this suite stays below that per site,
 * so every refusal it makes must show in the log.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_env.h"
#include "test_snapshot.h"

#define MOD "bad_mod"
#define MOD_OTHER "other_mod"
#define SMALL_CACHE 4
#define LARGE_CACHE 2
#define HELD_MAX (TEST_SMALL_COUNT + TEST_LARGE_COUNT)
#define SNAP_ENTRIES 8
#define GUARD 0xA5

/* ---- worlds ------------------------------------------------------------- */

enum {
	/* Pools initialized. */
	W_INIT = 1 << 0,
	/* Pools initialized, used and finished again. */
	W_FINISHED = 1 << 1,
	/* MOD and MOD_OTHER registered. */
	W_MODULES = 1 << 2,
	/* A channel of MOD holding one buffer of each class out. */
	W_CHANNEL = 1 << 3,
	/* Every buffer out; one entry of each module waits for a small one. */
	W_EXHAUSTED = 1 << 4,
	/* The channel of MOD closed again, its buffers still out. */
	W_OUT_CLOSED = 1 << 5,
	/* 8 KiB small buffers and 16 KiB large ones. */
	W_8K_SMALL = 1 << 6,
};

#define WORLD_BARE 0
#define WORLD_MODULES W_MODULES
#define WORLD_INIT (W_INIT | W_MODULES)
#define WORLD_FINISHED (W_FINISHED | W_MODULES)
#define WORLD_CHANNEL (W_INIT | W_MODULES | W_CHANNEL)
#define WORLD_EXHAUSTED (WORLD_CHANNEL | W_EXHAUSTED)
#define WORLD_OUT_CLOSED (WORLD_CHANNEL | W_OUT_CLOSED)
#define WORLD_CHANNEL_8K (WORLD_CHANNEL | W_8K_SMALL)

struct world {
	unsigned int flags;
	struct iobuf_channel *ch;      /* of MOD */
	struct iobuf_channel *other;   /* of MOD_OTHER, W_EXHAUSTED */
	uint64_t small_len;            /* buffer sizes of the pools */
	uint64_t large_len;
	void *small;                   /* one buffer of each class out */
	void *large;
	void *held[HELD_MAX];          /* every buffer out, small and large */
	uint32_t nheld;
	uintptr_t region_lo;           /* first byte of the lowest buffer */
	uintptr_t region_hi;           /* one past the highest buffer */
	struct test_req waiting;       /* small, queued through ch */
	struct test_req waiting_other; /* small, queued through other */
	void *stale;                   /* a buffer address from before finish */
	void *foreign;                 /* heap memory a case put or looked up */
};

static struct world w;

static char name_63[IOBUF_MODULE_NAME_MAX + 1];
static char name_64[IOBUF_MODULE_NAME_MAX + 2];
static char name_4k[4097];

static void fill_name(char *name, size_t len)
{
	memset(name, 'm', len);
	name[len] = '\0';
}

static void world_lens(void)
{
	struct iobuf_opts opts;

	iobuf_get_opts(&opts, sizeof(opts));
	w.small_len = opts.small_bufsize;
	w.large_len = opts.large_bufsize;
}

/* Widen [region_lo, region_hi) to cover n buffers of len bytes. */
static void extend_region(void *const *bufs, uint32_t n, uint64_t len)
{
	for (uint32_t i = 0; i < n; i++) {
		uintptr_t a = (uintptr_t)bufs[i];

		if (a < w.region_lo)
			w.region_lo = a;
		if (a + len > w.region_hi)
			w.region_hi = a + len;
	}
}

static void world_hold_everything(void)
{
	uint32_t n;

	w.region_lo = UINTPTR_MAX;
	w.region_hi = 0;
	extend_region(&w.small, 1, w.small_len);
	extend_region(&w.large, 1, w.large_len);
	n = test_drain(w.ch, w.small_len, &w.held[w.nheld], HELD_MAX - w.nheld);
	extend_region(&w.held[w.nheld], n, w.small_len);
	w.nheld += n;
	n = test_drain(w.ch, w.large_len, &w.held[w.nheld], HELD_MAX - w.nheld);
	extend_region(&w.held[w.nheld], n, w.large_len);
	w.nheld += n;
	assert_int_equal(w.nheld, TEST_SMALL_COUNT + TEST_LARGE_COUNT);
}

static void world_setup(unsigned int flags)
{
	memset(&w, 0, sizeof(w));
	w.flags = flags;
	test_served_reset();

	if (flags & W_8K_SMALL) {
		struct iobuf_opts opts;

		test_opts_default(&opts);
		opts.small_bufsize = 8192;
		opts.large_bufsize = 16384;
		assert_int_equal(iobuf_set_opts(&opts), 0);
	}
	world_lens();
	if (flags & (W_INIT | W_FINISHED))
		assert_int_equal(iobuf_initialize(), 0);
	if (flags & W_MODULES) {
		assert_int_equal(iobuf_register_module(MOD), 0);
		assert_int_equal(iobuf_register_module(MOD_OTHER), 0);
	}
	if (flags & W_FINISHED) {
		struct iobuf_channel *ch = NULL;

		assert_int_equal(iobuf_channel_init(&ch, MOD, 0, 0), 0);
		w.stale = iobuf_get(ch, 1, NULL, NULL);
		assert_non_null(w.stale);
		iobuf_put(ch, w.stale, 1);
		iobuf_channel_fini(ch);
		assert_int_equal(iobuf_finish(), 0);
	}
	if (flags & W_CHANNEL) {
		assert_int_equal(iobuf_channel_init(&w.ch, MOD, SMALL_CACHE,
						    LARGE_CACHE), 0);
		w.small = iobuf_get(w.ch, w.small_len, NULL, NULL);
		w.large = iobuf_get(w.ch, w.large_len, NULL, NULL);
		assert_non_null(w.small);
		assert_non_null(w.large);
		w.held[w.nheld++] = w.small;
		w.held[w.nheld++] = w.large;
	}
	if (flags & W_EXHAUSTED) {
		world_hold_everything();
		assert_int_equal(iobuf_channel_init(&w.other, MOD_OTHER, 0, 0),
				 0);
		test_req_init(&w.waiting, 1, w.ch, 1);
		test_req_queue(&w.waiting);
		test_req_init(&w.waiting_other, 2, w.other, 1);
		test_req_queue(&w.waiting_other);
	}
	if (flags & W_OUT_CLOSED) {
		iobuf_channel_fini(w.ch);
		w.ch = NULL;
	}
}

/* Undo world_setup; the common teardown then checks and resets the rest. */
static void world_teardown(void)
{
	if (w.flags & W_EXHAUSTED) {
		if (w.ch != NULL)
			iobuf_entry_abort(w.ch, &w.waiting.entry,
					  w.waiting.len);
		if (w.other != NULL)
			iobuf_entry_abort(w.other, &w.waiting_other.entry,
					  w.waiting_other.len);
	}
	if (w.nheld > 0 && w.ch == NULL)
		assert_int_equal(iobuf_channel_init(&w.ch, MOD, 0, 0), 0);
	test_put_all(w.ch, w.held, w.nheld, 1);
	if (w.other != NULL)
		iobuf_channel_fini(w.other);
	if (w.ch != NULL)
		iobuf_channel_fini(w.ch);
	free(w.foreign);
	memset(&w, 0, sizeof(w));
}

/* ---- snapshots ---------------------------------------------------------- */

struct entry_list {
	int count;
	struct iobuf_entry *entry[SNAP_ENTRIES];
};

struct snapshot {
	struct test_snapshot stats;
	struct iobuf_opts opts;
	struct entry_list entries;        /* for_each through w.ch */
	struct entry_list entries_other;  /* for_each through w.other */
};

static int record_entry(struct iobuf_channel *ch, struct iobuf_entry *entry,
			void *ctx)
{
	struct entry_list *list = ctx;

	(void)ch;
	if (list->count < SNAP_ENTRIES)
		list->entry[list->count] = entry;
	list->count++;
	return 0;
}

static void snapshot_entries(struct iobuf_channel *ch, struct entry_list *list)
{
	memset(list, 0, sizeof(*list));
	if (ch != NULL)
		assert_int_equal(iobuf_for_each_entry(ch, record_entry, list),
				 0);
}

static void snapshot_take(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	test_snapshot_take(&s->stats);
	iobuf_get_opts(&s->opts, sizeof(s->opts));
	snapshot_entries(w.ch, &s->entries);
	snapshot_entries(w.other, &s->entries_other);
}

static void same(uint64_t before, uint64_t after, const char *what, int index)
{
	if (before != after)
		fail_msg("state changed by the bad call: %s[%d] was %" PRIu64
			 ", is %" PRIu64, what, index, before, after);
}

static void same_entries(const struct entry_list *a, const struct entry_list *b,
			 const char *what)
{
	same((uint64_t)a->count, (uint64_t)b->count, what, 0);
	for (int i = 0; i < a->count && i < SNAP_ENTRIES; i++)
		same((uintptr_t)a->entry[i], (uintptr_t)b->entry[i], what, i);
}

static void snapshot_assert_same(const struct snapshot *a,
				 const struct snapshot *b)
{
	test_snapshot_assert_same(&a->stats, &b->stats);
	same(a->opts.opts_size, b->opts.opts_size, "opts.opts_size", 0);
	same(a->opts.small_pool_count, b->opts.small_pool_count,
	     "opts.small_pool_count", 0);
	same(a->opts.large_pool_count, b->opts.large_pool_count,
	     "opts.large_pool_count", 0);
	same(a->opts.small_bufsize, b->opts.small_bufsize,
	     "opts.small_bufsize", 0);
	same(a->opts.large_bufsize, b->opts.large_bufsize,
	     "opts.large_bufsize", 0);
	same_entries(&a->entries, &b->entries, "entries of " MOD);
	same_entries(&a->entries_other, &b->entries_other,
		     "entries of " MOD_OTHER);
}

/* ---- the case table ----------------------------------------------------- */

enum expect {
	EXP_RC,          /* int return equals want */
	EXP_NULL_ERRNO,  /* NULL, errno == want */
	EXP_VOID,        /* nothing returned: the log and the state tell */
	EXP_BAD_IOVA,    /* UINT64_MAX */
};

enum {
	/* A void call that refuses: it must log. */
	C_LOGGED = 1 << 0,
	/* A failure not logged: running out of buffers on the data path. */
	C_QUIET = 1 << 1,
	/* The log names the pointer the call passed (r->arg) as %p does. */
	C_NAMES_ARG = 1 << 3,
};

struct result {
	int rc;
	void *ptr;
	int err;
	uint64_t iova;
	void *arg;                /* the pointer the call passed in */
	unsigned char scratch[2048];
};

struct bad_case {
	unsigned int world;
	void (*call)(struct result *r);
	enum expect expect;
	int want;
	unsigned int flags;
	const char *needle;                      /* the log must contain it */
	void (*check)(const struct result *r);   /* more checks, after */
};

/* ---- calls: options ----------------------------------------------------- */

static void call_version(struct result *r)
{
	r->ptr = (void *)(uintptr_t)iobuf_version();
}

static void check_version(const struct result *r)
{
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.%d", IOBUF_VERSION_MAJOR,
		 IOBUF_VERSION_MINOR, IOBUF_VERSION_PATCH);
	assert_non_null(r->ptr);
	assert_string_equal((const char *)r->ptr, want);
}

static void call_get_opts_null(struct result *r)
{
	(void)r;
	iobuf_get_opts(NULL, sizeof(struct iobuf_opts));
}

static void call_get_opts_size_7(struct result *r)
{
	memset(r->scratch, GUARD, sizeof(r->scratch));
	iobuf_get_opts((struct iobuf_opts *)(void *)r->scratch,
		       sizeof(size_t) - 1);
}

static void call_get_opts_size_0(struct result *r)
{
	memset(r->scratch, GUARD, sizeof(r->scratch));
	iobuf_get_opts((struct iobuf_opts *)(void *)r->scratch, 0);
}

static void check_scratch_untouched(const struct result *r)
{
	for (size_t i = 0; i < sizeof(r->scratch); i++)
		if (r->scratch[i] != GUARD)
			fail_msg("byte %zu of the caller's memory was written",
				 i);
}

static void call_set_opts_null(struct result *r)
{
	r->rc = iobuf_set_opts(NULL);
}

/*
 * Every set_opts case starts from valid options that differ from the
 * current ones, then breaks one thing, so a partial update would show.
 */
static void changed_opts(struct iobuf_opts *o)
{
	test_opts_default(o);
	o->small_pool_count = 2 * TEST_SMALL_COUNT;
	o->large_pool_count = 2 * TEST_LARGE_COUNT;
}

#define SET_OPTS_CASE(fn, stmt) \
	static void fn(struct result *r) \
	{ \
		struct iobuf_opts o; \
		changed_opts(&o); \
		stmt; \
		r->rc = iobuf_set_opts(&o); \
	}

SET_OPTS_CASE(call_set_opts_size_0, o.opts_size = 0)
SET_OPTS_CASE(call_set_opts_size_7, o.opts_size = sizeof(size_t) - 1)
SET_OPTS_CASE(call_set_opts_small_count_63, o.small_pool_count = 63)
SET_OPTS_CASE(call_set_opts_small_count_2g, o.small_pool_count = 1ull << 31)
SET_OPTS_CASE(call_set_opts_large_count_7, o.large_pool_count = 7)
SET_OPTS_CASE(call_set_opts_large_count_max, o.large_pool_count = UINT64_MAX)
SET_OPTS_CASE(call_set_opts_small_size_4095, o.small_bufsize = 4095)
SET_OPTS_CASE(call_set_opts_small_size_max, o.small_bufsize = UINT32_MAX)
SET_OPTS_CASE(call_set_opts_large_size_8191, o.large_bufsize = 8191)
SET_OPTS_CASE(call_set_opts_large_size_max, o.large_bufsize = UINT32_MAX)
SET_OPTS_CASE(call_set_opts_small_eq_large,
	      (o.small_bufsize = 8192, o.large_bufsize = 8192))
SET_OPTS_CASE(call_set_opts_small_rounds_to_large,
	      (o.small_bufsize = 8000, o.large_bufsize = 8192))
SET_OPTS_CASE(call_set_opts_small_above_large,
	      (o.small_bufsize = 16384, o.large_bufsize = 8192))
/*
 * Each count fits one ring and each size 32 bits, but the region would be
 * about 1.5 * 2^63 bytes: more than any address space.
 */
SET_OPTS_CASE(call_set_opts_region_too_large,
	      (o.small_pool_count = (1ull << 31) - 1,
	       o.large_pool_count = (1ull << 31) - 1,
	       o.small_bufsize = 0x7ffff000u, o.large_bufsize = 0xfffff000u))
/* A valid change to one field and an invalid one to another. */
SET_OPTS_CASE(call_set_opts_one_good_one_bad, o.large_bufsize = 8191)
/* Valid options: refused only because the pools are up. */
SET_OPTS_CASE(call_set_opts_valid, (void)0)

/* ---- calls: environment and lifecycle ----------------------------------- */

static void call_env_init(struct result *r)
{
	r->rc = iobuf_env_init();
}

static void call_env_fini(struct result *r)
{
	(void)r;
	iobuf_env_fini();
}

/* The EAL survived: the pools can go down and come up again. */
static void check_eal_still_up(const struct result *r)
{
	(void)r;
	assert_int_equal(iobuf_finish(), 0);
	assert_int_equal(iobuf_initialize(), 0);
}

static void call_initialize(struct result *r)
{
	r->rc = iobuf_initialize();
}

static void call_finish(struct result *r)
{
	r->rc = iobuf_finish();
}

static void call_thread_poll(struct result *r)
{
	r->rc = iobuf_thread_poll();
}

static void call_dump_null(struct result *r)
{
	(void)r;
	iobuf_dump(NULL);
}

/* ---- calls: modules ----------------------------------------------------- */

static void call_register_null(struct result *r)
{
	r->rc = iobuf_register_module(NULL);
}

static void call_register_empty(struct result *r)
{
	r->rc = iobuf_register_module("");
}

static void call_register_64(struct result *r)
{
	r->rc = iobuf_register_module(name_64);
}

static void call_register_4k(struct result *r)
{
	r->rc = iobuf_register_module(name_4k);
}

static void call_register_dup(struct result *r)
{
	r->rc = iobuf_register_module(MOD);
}

static void call_unregister_null(struct result *r)
{
	r->rc = iobuf_unregister_module(NULL);
}

static void call_unregister_unknown(struct result *r)
{
	r->rc = iobuf_unregister_module("no_such_mod");
}

static void call_unregister_64(struct result *r)
{
	r->rc = iobuf_unregister_module(name_64);
}

static void call_unregister_prefix(struct result *r)
{
	r->rc = iobuf_unregister_module("bad");
}

static void call_unregister_other_case(struct result *r)
{
	r->rc = iobuf_unregister_module("BAD_MOD");
}

static void call_unregister_busy(struct result *r)
{
	r->rc = iobuf_unregister_module(MOD);
}

/* ---- calls: channels ---------------------------------------------------- */

/* The channel pointer a failed channel_init must leave alone. */
static struct iobuf_channel *const untouched_ch =
	(struct iobuf_channel *)(uintptr_t)0x5a5a5a5a5a5a5000ull;

#define CHANNEL_INIT_CASE(fn, module, small, large) \
	static void fn(struct result *r) \
	{ \
		struct iobuf_channel *ch = untouched_ch; \
		r->rc = iobuf_channel_init(&ch, module, small, large); \
		r->ptr = ch; \
	}

CHANNEL_INIT_CASE(call_channel_init_plain, MOD, 0, 0)
CHANNEL_INIT_CASE(call_channel_init_null_module, NULL, 0, 0)
CHANNEL_INIT_CASE(call_channel_init_unknown, "no_such_mod", 0, 0)
CHANNEL_INIT_CASE(call_channel_init_name_64, name_64, 0, 0)
CHANNEL_INIT_CASE(call_channel_init_name_4k, name_4k, 0, 0)
CHANNEL_INIT_CASE(call_channel_init_small_above_pool, MOD,
		  TEST_SMALL_COUNT + 1, 0)
CHANNEL_INIT_CASE(call_channel_init_large_above_pool, MOD, 0,
		  TEST_LARGE_COUNT + 1)
CHANNEL_INIT_CASE(call_channel_init_caches_max, MOD, UINT32_MAX, UINT32_MAX)
/* The pool has every buffer but the few the world holds. */
CHANNEL_INIT_CASE(call_channel_init_small_short, MOD_OTHER, TEST_SMALL_COUNT, 0)
/* The small cache fills, the large one cannot: the small part goes back. */
CHANNEL_INIT_CASE(call_channel_init_large_short, MOD_OTHER, 8,
		  TEST_LARGE_COUNT)

static void call_channel_init_null_ch(struct result *r)
{
	r->rc = iobuf_channel_init(NULL, MOD, 0, 0);
	r->ptr = untouched_ch;
}

static void check_ch_untouched(const struct result *r)
{
	assert_ptr_equal(r->ptr, untouched_ch);
}

static void call_channel_fini_null(struct result *r)
{
	(void)r;
	iobuf_channel_fini(NULL);
}

/* ---- calls: get and put ------------------------------------------------- */

static struct iobuf_entry fresh_entry;

#define GET_CASE(fn, ch, len, entry, cb) \
	static void fn(struct result *r) \
	{ \
		memset(&fresh_entry, 0, sizeof(fresh_entry)); \
		errno = 0; \
		r->ptr = iobuf_get(ch, len, entry, cb); \
		r->err = errno; \
	}

GET_CASE(call_get_null_channel, NULL, 1, NULL, NULL)
GET_CASE(call_get_null_channel_entry, NULL, 1, &fresh_entry, test_req_cb)
GET_CASE(call_get_len_0, w.ch, 0, NULL, NULL)
GET_CASE(call_get_len_0_entry, w.ch, 0, &fresh_entry, test_req_cb)
GET_CASE(call_get_len_over_entry, w.ch, w.large_len + 1, &fresh_entry,
	 test_req_cb)
GET_CASE(call_get_len_max_entry, w.ch, UINT64_MAX, &fresh_entry, test_req_cb)
GET_CASE(call_get_entry_no_cb, w.ch, 1, &fresh_entry, NULL)
GET_CASE(call_get_entry_waiting, w.ch, 1, &w.waiting.entry, test_req_cb)

/* Refused puts: the pointer is recorded so the log can be checked for it. */
#define PUT_CASE(fn, ch, expr) \
	static void fn(struct result *r) \
	{ \
		r->arg = (expr); \
		iobuf_put(ch, r->arg, 1); \
	}

PUT_CASE(call_put_null_channel, NULL, w.small)
PUT_CASE(call_put_null_buf, w.ch, NULL)
PUT_CASE(call_put_malloced, w.ch, (w.foreign = malloc(64)))
PUT_CASE(call_put_aligned_foreign, w.ch,
	 (w.foreign = aligned_alloc(4096, 4096)))
PUT_CASE(call_put_small_plus_1, w.ch, (char *)w.small + 1)
PUT_CASE(call_put_large_plus_64, w.ch, (char *)w.large + 64)
PUT_CASE(call_put_small_plus_4k, w.ch, (char *)w.small + 4096)
PUT_CASE(call_put_large_plus_4k, w.ch, (char *)w.large + 4096)
PUT_CASE(call_put_last_4k_of_large, w.ch, (char *)w.large + w.large_len - 4096)
PUT_CASE(call_put_before_region, w.ch, (void *)(w.region_lo - 4096))
PUT_CASE(call_put_region_end, w.ch, (void *)w.region_hi)

static void call_put_stack(struct result *r)
{
	char on_stack[64];

	r->arg = on_stack;
	iobuf_put(w.ch, on_stack, sizeof(on_stack));
}

/* ---- calls: bulk -------------------------------------------------------- */

#define GET_BULK_CASE(fn, ch, len, use_bufs, n) \
	static void fn(struct result *r) \
	{ \
		memset(r->scratch, GUARD, sizeof(r->scratch)); \
		r->rc = iobuf_get_bulk(ch, len, \
			use_bufs ? (void **)(void *)r->scratch : NULL, n); \
	}

GET_BULK_CASE(call_get_bulk_null_channel, NULL, 1, true, 1)
GET_BULK_CASE(call_get_bulk_null_bufs, w.ch, 1, false, 1)
GET_BULK_CASE(call_get_bulk_n_0, w.ch, 1, true, 0)
GET_BULK_CASE(call_get_bulk_len_0, w.ch, 0, true, 1)
GET_BULK_CASE(call_get_bulk_len_over, w.ch, w.large_len + 1, true, 1)
/* More than the pool holds; scratch has room for all of them. */
GET_BULK_CASE(call_get_bulk_n_over_pool, w.ch, 1, true, TEST_SMALL_COUNT + 1)

_Static_assert((TEST_SMALL_COUNT + 1) * sizeof(void *) <=
	       sizeof(((struct result *)0)->scratch),
	       "scratch must hold a get_bulk of the whole small pool plus one");

static void call_put_bulk_null_channel(struct result *r)
{
	void *bufs[1] = { w.small };

	r->rc = iobuf_put_bulk(NULL, bufs, 1);
}

static void call_put_bulk_null_bufs(struct result *r)
{
	r->rc = iobuf_put_bulk(w.ch, NULL, 1);
}

static void call_put_bulk_n_0(struct result *r)
{
	void *bufs[1] = { w.small };

	r->rc = iobuf_put_bulk(w.ch, bufs, 0);
}

static void call_put_bulk_foreign_second(struct result *r)
{
	void *bufs[2];

	w.foreign = malloc(64);
	bufs[0] = w.small;
	bufs[1] = w.foreign;
	r->rc = iobuf_put_bulk(w.ch, bufs, 2);
}

static void call_put_bulk_misaligned_third(struct result *r)
{
	void *bufs[3] = { w.small, w.large, (char *)w.small + 1 };

	r->rc = iobuf_put_bulk(w.ch, bufs, 3);
}

static void call_put_bulk_interior_page_second(struct result *r)
{
	void *bufs[3] = { w.small, (char *)w.large + 4096, w.large };

	r->rc = iobuf_put_bulk(w.ch, bufs, 3);
}

/* ---- calls: entries ----------------------------------------------------- */

static void call_abort_null_channel(struct result *r)
{
	(void)r;
	iobuf_entry_abort(NULL, &fresh_entry, 1);
}

static void call_abort_null_entry(struct result *r)
{
	(void)r;
	iobuf_entry_abort(w.ch, NULL, 1);
}

#define ABORT_GARBAGE_CASE(fn, byte) \
	static void fn(struct result *r) \
	{ \
		struct iobuf_entry e; \
		(void)r; \
		memset(&e, byte, sizeof(e)); \
		iobuf_entry_abort(w.ch, &e, 1); \
	}

ABORT_GARBAGE_CASE(call_abort_garbage_a5, 0xA5)
ABORT_GARBAGE_CASE(call_abort_garbage_ff, 0xFF)
ABORT_GARBAGE_CASE(call_abort_garbage_00, 0x00)

static void call_abort_len_0(struct result *r)
{
	(void)r;
	iobuf_entry_abort(w.ch, &w.waiting.entry, 0);
}

static void call_abort_len_over(struct result *r)
{
	(void)r;
	iobuf_entry_abort(w.ch, &w.waiting.entry, w.large_len + 1);
}

static void call_abort_other_module(struct result *r)
{
	(void)r;
	iobuf_entry_abort(w.ch, &w.waiting_other.entry, 1);
}

static void check_nobody_served(const struct result *r)
{
	(void)r;
	assert_int_equal(test_served_count, 0);
}

static void call_for_each_null_channel(struct result *r)
{
	r->rc = iobuf_for_each_entry(NULL, record_entry, NULL);
}

static void call_for_each_null_fn(struct result *r)
{
	r->rc = iobuf_for_each_entry(w.ch, NULL, NULL);
}

/* ---- calls: iova and stats ---------------------------------------------- */

#define IOVA_CASE(fn, expr) \
	static void fn(struct result *r) \
	{ \
		r->iova = iobuf_iova(expr); \
	}

IOVA_CASE(call_iova_null, NULL)
IOVA_CASE(call_iova_malloced, (w.foreign = calloc(1, 64)))
IOVA_CASE(call_iova_stale, w.stale)
IOVA_CASE(call_iova_before_region, (void *)(w.region_lo - 1))
IOVA_CASE(call_iova_region_end, (void *)w.region_hi)

static void call_iova_stack(struct result *r)
{
	char on_stack[64] = { 0 };

	r->iova = iobuf_iova(on_stack);
}

static void call_get_stats_null_modules(struct result *r)
{
	r->rc = iobuf_get_stats(NULL, 0, NULL, 0, 1);
}

/* Pool statistics land in scratch, poisoned first. */
static void call_get_stats_pools(struct result *r)
{
	memset(r->scratch, GUARD, sizeof(r->scratch));
	r->rc = iobuf_get_stats((struct iobuf_stats *)(void *)r->scratch,
				sizeof(struct iobuf_stats), NULL, 0, 0);
}

static void check_pools_zeroed(const struct result *r)
{
	for (size_t i = 0; i < sizeof(struct iobuf_stats); i++)
		if (r->scratch[i] != 0)
			fail_msg("byte %zu of struct iobuf_stats is %#x, not 0",
				 i, r->scratch[i]);
}

/* Room for one module while two are registered; the rest is a guard. */
static void call_get_stats_one_slot(struct result *r)
{
	memset(r->scratch, GUARD, sizeof(r->scratch));
	r->rc = iobuf_get_stats(NULL, 0,
		(struct iobuf_module_stats *)(void *)r->scratch,
		sizeof(struct iobuf_module_stats), 1);
}

static void check_one_slot(const struct result *r)
{
	const struct iobuf_module_stats *ms =
		(const struct iobuf_module_stats *)(const void *)r->scratch;

	assert_string_equal(ms->name, MOD);
	for (size_t i = sizeof(*ms); i < sizeof(r->scratch); i++)
		if (r->scratch[i] != GUARD)
			fail_msg("byte %zu past the module slot was written",
				 i - sizeof(*ms));
}

/* ---- the table ---------------------------------------------------------- */

#define RC(w_, call_, want_) \
	.world = (w_), .call = (call_), .expect = EXP_RC, .want = (want_)
#define NULLERR(w_, call_, err_) \
	.world = (w_), .call = (call_), .expect = EXP_NULL_ERRNO, .want = (err_)
#define VOID(w_, call_) .world = (w_), .call = (call_), .expect = EXP_VOID
#define BAD_IOVA(w_, call_) \
	.world = (w_), .call = (call_), .expect = EXP_BAD_IOVA

#define CASE(name, ...) { #name, { __VA_ARGS__ } }

/*
 * Not const: CMocka hands each case to the runner through a void *.
 * Cases before the first initialize run first, so "before initialize"
 * means never initialized in this process.
 */
static struct named_case {
	const char *name;
	struct bad_case c;
} cases[] = {
	/* Before iobuf_initialize. */
	CASE(version_needs_no_state,
	     VOID(WORLD_BARE, call_version), .check = check_version),
	CASE(finish_before_initialize_is_a_no_op,
	     RC(WORLD_BARE, call_finish, 0)),
	CASE(thread_poll_before_initialize_serves_nothing,
	     RC(WORLD_BARE, call_thread_poll, 0)),
	CASE(channel_init_before_initialize_is_einval,
	     RC(WORLD_MODULES, call_channel_init_plain, -EINVAL),
	     .check = check_ch_untouched),
	CASE(get_stats_before_initialize_zeroes_the_pools,
	     RC(WORLD_MODULES, call_get_stats_pools, 2),
	     .check = check_pools_zeroed),
	CASE(iova_before_initialize_is_bad_iova,
	     BAD_IOVA(WORLD_BARE, call_iova_null)),
	CASE(iova_of_a_stack_pointer_before_initialize_is_bad_iova,
	     BAD_IOVA(WORLD_BARE, call_iova_stack)),
	CASE(get_with_null_channel_before_initialize_is_einval,
	     NULLERR(WORLD_BARE, call_get_null_channel, EINVAL)),
	CASE(put_with_null_channel_before_initialize_is_logged,
	     VOID(WORLD_BARE, call_put_stack), .flags = C_LOGGED),
	CASE(get_bulk_with_null_channel_before_initialize_is_einval,
	     RC(WORLD_BARE, call_get_bulk_null_channel, -EINVAL)),
	CASE(put_bulk_with_null_channel_before_initialize_is_einval,
	     RC(WORLD_BARE, call_put_bulk_null_channel, -EINVAL)),
	CASE(abort_with_null_channel_before_initialize_is_logged,
	     VOID(WORLD_BARE, call_abort_null_channel), .flags = C_LOGGED),
	CASE(for_each_with_null_channel_before_initialize_is_einval,
	     RC(WORLD_BARE, call_for_each_null_channel, -EINVAL)),
	CASE(channel_fini_of_null_is_logged,
	     VOID(WORLD_BARE, call_channel_fini_null), .flags = C_LOGGED),
	CASE(dump_to_null_is_logged,
	     VOID(WORLD_BARE, call_dump_null), .flags = C_LOGGED),
	CASE(env_init_again_is_a_no_op,
	     RC(WORLD_BARE, call_env_init, 0)),

	/* Options. */
	CASE(get_opts_with_null_opts_is_logged,
	     VOID(WORLD_BARE, call_get_opts_null), .flags = C_LOGGED),
	CASE(get_opts_with_size_below_its_first_field_writes_nothing,
	     VOID(WORLD_BARE, call_get_opts_size_7),
	     .flags = C_LOGGED, .check = check_scratch_untouched),
	CASE(get_opts_with_size_0_writes_nothing,
	     VOID(WORLD_BARE, call_get_opts_size_0),
	     .flags = C_LOGGED, .check = check_scratch_untouched),
	CASE(set_opts_null_is_einval,
	     RC(WORLD_BARE, call_set_opts_null, -EINVAL)),
	CASE(set_opts_with_opts_size_0_is_einval,
	     RC(WORLD_BARE, call_set_opts_size_0, -EINVAL)),
	CASE(set_opts_with_opts_size_below_its_first_field_is_einval,
	     RC(WORLD_BARE, call_set_opts_size_7, -EINVAL)),
	CASE(set_opts_small_pool_count_63_is_einval,
	     RC(WORLD_BARE, call_set_opts_small_count_63, -EINVAL)),
	CASE(set_opts_small_pool_count_above_one_ring_is_einval,
	     RC(WORLD_BARE, call_set_opts_small_count_2g, -EINVAL)),
	CASE(set_opts_large_pool_count_7_is_einval,
	     RC(WORLD_BARE, call_set_opts_large_count_7, -EINVAL)),
	CASE(set_opts_large_pool_count_uint64_max_is_einval,
	     RC(WORLD_BARE, call_set_opts_large_count_max, -EINVAL)),
	CASE(set_opts_small_bufsize_4095_is_einval,
	     RC(WORLD_BARE, call_set_opts_small_size_4095, -EINVAL)),
	CASE(set_opts_small_bufsize_not_rounding_within_32_bits_is_einval,
	     RC(WORLD_BARE, call_set_opts_small_size_max, -EINVAL)),
	CASE(set_opts_large_bufsize_8191_is_einval,
	     RC(WORLD_BARE, call_set_opts_large_size_8191, -EINVAL)),
	CASE(set_opts_large_bufsize_not_rounding_within_32_bits_is_einval,
	     RC(WORLD_BARE, call_set_opts_large_size_max, -EINVAL)),
	CASE(set_opts_small_bufsize_equal_to_large_is_einval,
	     RC(WORLD_BARE, call_set_opts_small_eq_large, -EINVAL)),
	CASE(set_opts_small_bufsize_rounding_up_to_large_is_einval,
	     RC(WORLD_BARE, call_set_opts_small_rounds_to_large, -EINVAL)),
	CASE(set_opts_small_bufsize_above_large_is_einval,
	     RC(WORLD_BARE, call_set_opts_small_above_large, -EINVAL)),
	CASE(set_opts_region_larger_than_any_address_space_is_einval,
	     RC(WORLD_BARE, call_set_opts_region_too_large, -EINVAL)),
	CASE(set_opts_with_one_bad_field_changes_no_field,
	     RC(WORLD_BARE, call_set_opts_one_good_one_bad, -EINVAL)),
	CASE(set_opts_after_initialize_is_ebusy,
	     RC(WORLD_INIT, call_set_opts_valid, -EBUSY)),

	/* Lifecycle out of order. */
	CASE(initialize_twice_is_ealready,
	     RC(WORLD_INIT, call_initialize, -EALREADY)),
	CASE(env_init_while_initialized_is_a_no_op,
	     RC(WORLD_INIT, call_env_init, 0)),
	CASE(env_fini_while_initialized_is_logged_and_keeps_the_eal,
	     VOID(WORLD_INIT, call_env_fini),
	     .flags = C_LOGGED, .check = check_eal_still_up),
	CASE(finish_twice_is_a_no_op,
	     RC(WORLD_FINISHED, call_finish, 0)),
	CASE(finish_with_a_channel_open_is_ebusy_naming_the_module,
	     RC(WORLD_CHANNEL, call_finish, -EBUSY), .needle = MOD),
	CASE(finish_with_buffers_out_and_no_channel_is_ebusy_naming_it,
	     RC(WORLD_OUT_CLOSED, call_finish, -EBUSY), .needle = MOD),
	CASE(channel_init_after_finish_is_einval,
	     RC(WORLD_FINISHED, call_channel_init_plain, -EINVAL),
	     .check = check_ch_untouched),
	CASE(get_stats_after_finish_zeroes_the_pools,
	     RC(WORLD_FINISHED, call_get_stats_pools, 2),
	     .check = check_pools_zeroed),
	CASE(iova_of_a_former_buffer_after_finish_is_bad_iova,
	     BAD_IOVA(WORLD_FINISHED, call_iova_stale)),
	CASE(thread_poll_after_finish_serves_nothing,
	     RC(WORLD_FINISHED, call_thread_poll, 0)),

	/* Modules. */
	CASE(register_null_is_einval,
	     RC(WORLD_BARE, call_register_null, -EINVAL)),
	CASE(register_empty_name_is_einval,
	     RC(WORLD_BARE, call_register_empty, -EINVAL)),
	CASE(register_name_of_64_chars_is_einval,
	     RC(WORLD_MODULES, call_register_64, -EINVAL)),
	CASE(register_name_of_4096_chars_is_einval,
	     RC(WORLD_MODULES, call_register_4k, -EINVAL)),
	CASE(register_twice_is_eexist,
	     RC(WORLD_MODULES, call_register_dup, -EEXIST)),
	CASE(unregister_null_is_einval,
	     RC(WORLD_MODULES, call_unregister_null, -EINVAL)),
	CASE(unregister_unknown_name_is_enoent,
	     RC(WORLD_MODULES, call_unregister_unknown, -ENOENT)),
	CASE(unregister_name_of_64_chars_is_enoent,
	     RC(WORLD_MODULES, call_unregister_64, -ENOENT)),
	CASE(unregister_prefix_of_a_name_is_enoent,
	     RC(WORLD_MODULES, call_unregister_prefix, -ENOENT)),
	CASE(unregister_name_in_other_case_is_enoent,
	     RC(WORLD_MODULES, call_unregister_other_case, -ENOENT)),
	CASE(unregister_with_a_channel_open_is_ebusy,
	     RC(WORLD_CHANNEL, call_unregister_busy, -EBUSY)),

	/* Channels. */
	CASE(channel_init_with_null_ch_is_einval,
	     RC(WORLD_INIT, call_channel_init_null_ch, -EINVAL)),
	CASE(channel_init_with_null_module_is_einval,
	     RC(WORLD_INIT, call_channel_init_null_module, -EINVAL),
	     .check = check_ch_untouched),
	CASE(channel_init_of_unknown_module_is_enodev,
	     RC(WORLD_INIT, call_channel_init_unknown, -ENODEV),
	     .check = check_ch_untouched),
	CASE(channel_init_of_64_char_name_is_enodev,
	     RC(WORLD_INIT, call_channel_init_name_64, -ENODEV),
	     .check = check_ch_untouched),
	CASE(channel_init_of_4096_char_name_is_enodev,
	     RC(WORLD_INIT, call_channel_init_name_4k, -ENODEV),
	     .check = check_ch_untouched),
	CASE(channel_init_small_cache_above_pool_count_is_einval,
	     RC(WORLD_INIT, call_channel_init_small_above_pool, -EINVAL),
	     .check = check_ch_untouched),
	CASE(channel_init_large_cache_above_pool_count_is_einval,
	     RC(WORLD_INIT, call_channel_init_large_above_pool, -EINVAL),
	     .check = check_ch_untouched),
	CASE(channel_init_caches_of_uint32_max_is_einval,
	     RC(WORLD_INIT, call_channel_init_caches_max, -EINVAL),
	     .check = check_ch_untouched),
	CASE(channel_init_small_cache_above_free_is_enomem,
	     RC(WORLD_CHANNEL, call_channel_init_small_short, -ENOMEM),
	     .check = check_ch_untouched),
	CASE(channel_init_large_cache_above_free_gives_the_small_back,
	     RC(WORLD_CHANNEL, call_channel_init_large_short, -ENOMEM),
	     .check = check_ch_untouched),

	/* iobuf_get. */
	CASE(get_with_null_channel_is_einval_and_queues_nothing,
	     NULLERR(WORLD_EXHAUSTED, call_get_null_channel_entry, EINVAL)),
	CASE(get_len_0_is_einval_and_leaves_the_cache,
	     NULLERR(WORLD_CHANNEL, call_get_len_0, EINVAL)),
	CASE(get_len_0_with_entry_is_einval_and_queues_nothing,
	     NULLERR(WORLD_EXHAUSTED, call_get_len_0_entry, EINVAL)),
	CASE(get_len_over_large_bufsize_with_entry_is_einval_queues_nothing,
	     NULLERR(WORLD_EXHAUSTED, call_get_len_over_entry, EINVAL)),
	CASE(get_len_uint64_max_with_entry_is_einval_and_queues_nothing,
	     NULLERR(WORLD_EXHAUSTED, call_get_len_max_entry, EINVAL)),
	CASE(get_that_would_queue_an_entry_without_cb_is_einval,
	     NULLERR(WORLD_EXHAUSTED, call_get_entry_no_cb, EINVAL)),
	CASE(get_with_an_entry_waiting_already_is_einval,
	     NULLERR(WORLD_EXHAUSTED, call_get_entry_waiting, EINVAL)),

	/* iobuf_put: refused pointers never enter a pool. */
	CASE(put_with_null_channel_keeps_the_buffer_out,
	     VOID(WORLD_CHANNEL, call_put_null_channel),
	     .flags = C_LOGGED | C_NAMES_ARG),
	CASE(put_of_null_is_refused,
	     VOID(WORLD_CHANNEL, call_put_null_buf),
	     .flags = C_LOGGED | C_NAMES_ARG),
	CASE(put_of_malloced_memory_is_refused,
	     VOID(WORLD_CHANNEL, call_put_malloced),
	     .flags = C_LOGGED | C_NAMES_ARG),
	CASE(put_of_a_stack_pointer_is_refused,
	     VOID(WORLD_CHANNEL, call_put_stack),
	     .flags = C_LOGGED | C_NAMES_ARG),
	CASE(put_of_4k_aligned_foreign_memory_is_refused,
	     VOID(WORLD_CHANNEL, call_put_aligned_foreign),
	     .flags = C_LOGGED | C_NAMES_ARG),
	CASE(put_of_small_buffer_plus_1_is_refused,
	     VOID(WORLD_CHANNEL, call_put_small_plus_1),
	     .flags = C_LOGGED | C_NAMES_ARG),
	CASE(put_of_large_buffer_plus_64_is_refused,
	     VOID(WORLD_CHANNEL, call_put_large_plus_64),
	     .flags = C_LOGGED | C_NAMES_ARG),
	CASE(put_of_the_page_before_the_pools_is_refused_not_handed_to_a_waiter,
	     VOID(WORLD_EXHAUSTED, call_put_before_region),
	     .flags = C_LOGGED | C_NAMES_ARG, .check = check_nobody_served),
	CASE(put_of_the_end_of_the_pools_is_refused_not_handed_to_a_waiter,
	     VOID(WORLD_EXHAUSTED, call_put_region_end),
	     .flags = C_LOGGED | C_NAMES_ARG, .check = check_nobody_served),
	CASE(put_of_the_second_4k_of_an_8k_small_buffer_is_refused,
	     VOID(WORLD_CHANNEL_8K, call_put_small_plus_4k),
	     .flags = C_LOGGED | C_NAMES_ARG),
	CASE(put_of_the_second_4k_of_a_large_buffer_is_refused,
	     VOID(WORLD_CHANNEL, call_put_large_plus_4k),
	     .flags = C_LOGGED | C_NAMES_ARG),
	CASE(put_of_the_last_4k_of_a_16k_large_buffer_is_refused,
	     VOID(WORLD_CHANNEL_8K, call_put_last_4k_of_large),
	     .flags = C_LOGGED | C_NAMES_ARG),

	/* Bulk. */
	CASE(get_bulk_with_null_bufs_is_einval,
	     RC(WORLD_CHANNEL, call_get_bulk_null_bufs, -EINVAL)),
	CASE(get_bulk_of_0_is_einval,
	     RC(WORLD_CHANNEL, call_get_bulk_n_0, -EINVAL),
	     .check = check_scratch_untouched),
	CASE(get_bulk_len_0_is_einval,
	     RC(WORLD_CHANNEL, call_get_bulk_len_0, -EINVAL),
	     .check = check_scratch_untouched),
	CASE(get_bulk_len_above_large_bufsize_is_einval,
	     RC(WORLD_CHANNEL, call_get_bulk_len_over, -EINVAL),
	     .check = check_scratch_untouched),
	CASE(get_bulk_of_more_than_the_pool_is_enomem_and_takes_nothing,
	     RC(WORLD_CHANNEL, call_get_bulk_n_over_pool, -ENOMEM),
	     .flags = C_QUIET, .check = check_scratch_untouched),
	CASE(put_bulk_with_null_bufs_is_einval,
	     RC(WORLD_CHANNEL, call_put_bulk_null_bufs, -EINVAL)),
	CASE(put_bulk_of_0_is_einval,
	     RC(WORLD_CHANNEL, call_put_bulk_n_0, -EINVAL)),
	CASE(put_bulk_with_foreign_bufs_1_returns_none_logs_index,
	     RC(WORLD_CHANNEL, call_put_bulk_foreign_second, -EINVAL),
	     .needle = "[1]"),
	CASE(put_bulk_with_misaligned_bufs_2_returns_none_logs_index,
	     RC(WORLD_CHANNEL, call_put_bulk_misaligned_third, -EINVAL),
	     .needle = "[2]"),
	CASE(put_bulk_with_a_page_inside_bufs_1_returns_none_logs_index,
	     RC(WORLD_CHANNEL, call_put_bulk_interior_page_second, -EINVAL),
	     .needle = "[1]"),

	/* Entries. */
	CASE(abort_with_null_entry_is_logged,
	     VOID(WORLD_CHANNEL, call_abort_null_entry), .flags = C_LOGGED),
	CASE(abort_of_a_never_queued_entry_of_a5_bytes_is_a_no_op,
	     VOID(WORLD_EXHAUSTED, call_abort_garbage_a5)),
	CASE(abort_of_a_never_queued_entry_of_ff_bytes_is_a_no_op,
	     VOID(WORLD_EXHAUSTED, call_abort_garbage_ff)),
	CASE(abort_of_a_never_queued_zeroed_entry_is_a_no_op,
	     VOID(WORLD_EXHAUSTED, call_abort_garbage_00)),
	CASE(abort_len_0_is_logged_and_leaves_the_entry_waiting,
	     VOID(WORLD_EXHAUSTED, call_abort_len_0), .flags = C_LOGGED),
	CASE(abort_len_over_large_bufsize_is_logged_entry_keeps_waiting,
	     VOID(WORLD_EXHAUSTED, call_abort_len_over), .flags = C_LOGGED),
	CASE(abort_through_a_channel_of_another_module_is_a_no_op,
	     VOID(WORLD_EXHAUSTED, call_abort_other_module)),
	CASE(for_each_with_null_channel_is_einval,
	     RC(WORLD_EXHAUSTED, call_for_each_null_channel, -EINVAL)),
	CASE(for_each_with_null_fn_is_einval,
	     RC(WORLD_EXHAUSTED, call_for_each_null_fn, -EINVAL)),
	CASE(thread_poll_with_nothing_free_serves_nobody,
	     RC(WORLD_EXHAUSTED, call_thread_poll, 0),
	     .check = check_nobody_served),

	/* iova and stats. */
	CASE(iova_of_null_is_bad_iova,
	     BAD_IOVA(WORLD_EXHAUSTED, call_iova_null)),
	CASE(iova_of_malloced_memory_is_bad_iova,
	     BAD_IOVA(WORLD_EXHAUSTED, call_iova_malloced)),
	CASE(iova_of_a_stack_pointer_is_bad_iova,
	     BAD_IOVA(WORLD_EXHAUSTED, call_iova_stack)),
	CASE(iova_of_the_byte_before_the_pools_is_bad_iova,
	     BAD_IOVA(WORLD_EXHAUSTED, call_iova_before_region)),
	CASE(iova_of_the_end_of_the_pools_is_bad_iova,
	     BAD_IOVA(WORLD_EXHAUSTED, call_iova_region_end)),
	CASE(get_stats_with_null_modules_and_nonzero_max_is_einval,
	     RC(WORLD_EXHAUSTED, call_get_stats_null_modules, -EINVAL)),
	CASE(get_stats_with_fewer_slots_than_modules_writes_only_those,
	     RC(WORLD_INIT, call_get_stats_one_slot, 2),
	     .check = check_one_slot),
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* ---- running a case ----------------------------------------------------- */

static void assert_contains(const char *text, const char *needle,
			    const char *where)
{
	if (strstr(text, needle) == NULL)
		fail_msg("%s does not contain \"%s\"; it was:\n%s", where,
			 needle, text);
}

static bool must_log(const struct bad_case *bc)
{
	if (bc->flags & C_QUIET)
		return false;
	switch (bc->expect) {
	case EXP_RC:
		return bc->want < 0;
	case EXP_NULL_ERRNO:
		return true;
	default:
		return (bc->flags & C_LOGGED) != 0;
	}
}

static void assert_outcome(const struct bad_case *bc, const struct result *r)
{
	switch (bc->expect) {
	case EXP_RC:
		if (r->rc != bc->want)
			fail_msg("returned %d (%s), expected %d (%s)", r->rc,
				 strerror(r->rc < 0 ? -r->rc : 0), bc->want,
				 strerror(bc->want < 0 ? -bc->want : 0));
		break;
	case EXP_NULL_ERRNO:
		if (r->ptr != NULL)
			fail_msg("returned %p, expected NULL", r->ptr);
		if (r->err != bc->want)
			fail_msg("errno %d (%s), expected %d (%s)", r->err,
				 strerror(r->err), bc->want,
				 strerror(bc->want));
		break;
	case EXP_BAD_IOVA:
		if (r->iova != UINT64_MAX)
			fail_msg("iova %#" PRIx64 ", expected UINT64_MAX",
				 r->iova);
		break;
	case EXP_VOID:
		break;
	}
}

static void run_case(void **state)
{
	const struct bad_case *bc = &((struct named_case *)*state)->c;
	static struct snapshot before, after;
	struct result r;
	char needle[64];
	char *log;

	world_setup(bc->world);
	snapshot_take(&before);

	memset(&r, 0, sizeof(r));
	test_log_begin();
	bc->call(&r);
	log = test_log_end();

	snapshot_take(&after);
	snapshot_assert_same(&before, &after);
	test_assert_conservation();
	assert_outcome(bc, &r);

	if (must_log(bc) && strstr(log, "iobuf") == NULL)
		fail_msg("nothing was logged; every refusal must be");
	if (bc->needle != NULL)
		assert_contains(log, bc->needle, "the log");
	if (bc->flags & C_NAMES_ARG) {
		snprintf(needle, sizeof(needle), "%p", r.arg);
		assert_contains(log, needle, "the log");
	}
	if (bc->check != NULL)
		bc->check(&r);
	free(log);
}

static int case_teardown(void **state)
{
	world_teardown();
	return test_teardown(state);
}

/* ---- tests that change state on purpose --------------------------------- */

/* The boundary next to register_name_of_64_chars_is_einval. */
static void register_name_of_63_chars_is_accepted(void **state)
{
	struct iobuf_module_stats ms;

	(void)state;
	world_setup(WORLD_MODULES);
	assert_int_equal(iobuf_register_module(name_63), 0);
	test_module_stats(name_63, &ms);
	assert_int_equal(strlen(ms.name), IOBUF_MODULE_NAME_MAX);
	assert_int_equal(iobuf_get_stats(NULL, 0, NULL, 0, 0), 3);
}

/*
 * Closing a channel with entries waiting is a caller bug with a defined
 * outcome: logged, entries removed, no callback, the other module's entry
 * untouched.
 */
static void
channel_fini_with_an_entry_waiting_drops_it_without_callback(void **state)
{
	struct iobuf_stats st;
	struct iobuf_module_stats ms;
	struct entry_list list;
	char *log;

	(void)state;
	world_setup(WORLD_EXHAUSTED);
	test_log_begin();
	iobuf_channel_fini(w.other);
	log = test_log_end();
	w.other = NULL;

	assert_contains(log, MOD_OTHER, "the log");
	free(log);
	assert_int_equal(w.waiting_other.served, 0);
	assert_int_equal(test_served_count, 0);
	test_module_stats(MOD_OTHER, &ms);
	assert_int_equal(ms.channels, 0);
	assert_int_equal(ms.cls[IOBUF_CLASS_SMALL].waiting, 0);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].waiting, 1);
	snapshot_entries(w.ch, &list);
	assert_int_equal(list.count, 1);
	assert_ptr_equal(list.entry[0], &w.waiting.entry);
	test_assert_conservation();
}

static int bad_group_setup(void **state)
{
	fill_name(name_63, IOBUF_MODULE_NAME_MAX);
	fill_name(name_64, IOBUF_MODULE_NAME_MAX + 1);
	fill_name(name_4k, sizeof(name_4k) - 1);
	return test_group_setup(state);
}

int main(void)
{
	struct CMUnitTest tests[NCASES + 2] = { 0 };
	size_t n = 0;

	for (size_t i = 0; i < NCASES; i++) {
		tests[n++] = (struct CMUnitTest){
			.name = cases[i].name,
			.test_func = run_case,
			.setup_func = test_setup_bare,
			.teardown_func = case_teardown,
			.initial_state = &cases[i],
		};
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
		register_name_of_63_chars_is_accepted, test_setup_bare,
		case_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
		channel_fini_with_an_entry_waiting_drops_it_without_callback,
		test_setup_bare, case_teardown);

	/* CMocka ignores the zeroed entries left at the end. */
	return cmocka_run_group_tests_name("badinput", tests, bad_group_setup,
					   test_group_teardown);
}
