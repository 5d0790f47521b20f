/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Channels: per-thread caches (pointer stacks), the out-of-line halves of
 * iobuf_get and iobuf_put (their cache hits are inline in iobuf.h),
 * batched refill and flush, and the bulk calls. Opening and closing a
 * channel (iobuf.c) builds on iob_channel_create and iob_channel_free here.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "iobuf_internal.h"

_Static_assert(offsetof(struct iobuf_channel, hot) == 0,
	       "the inline get and put find the hot part at the channel's start");

static inline void
stack_set_top(struct iobuf_cache *s, void **top)
{
	/* Stats read top from other threads. */
	__atomic_store_n(&s->top, top, __ATOMIC_RELAXED);
}

static inline uint32_t
stack_count(const struct iobuf_cache *s)
{
	return (uint32_t)(s->top - s->bufs);
}

/*
 * buf's page index in the region by the channel's copy of the layout, or
 * at least ch->hot.pages when no pool owns buf. Rotating right by 12 moves
 * misaligned low bits to the top, so the one compare against ch->hot.pages
 * rejects pointers outside the region and pointers not 4 KiB aligned.
 */
static inline uint64_t
buf_page(const struct iobuf_channel *ch, const void *buf)
{
	uint64_t off = (uintptr_t)buf - ch->hot.base;

	return (off >> 12) | (off << 52);
}

/*
 * Whether page, inside s's class, starts a buffer: the class's pool starts
 * on a multiple of its buffer size in pages, so a buffer starts exactly on
 * the pages that are multiples of it (iob_div_init). A page inside a
 * buffer, or in the gap before the large pool, fails.
 */
static inline bool
page_starts_buffer(const struct iobuf_cache *s, uint64_t page)
{
	return page * s->div_mul <= s->div_max;
}

/* The class of buf if it is the exact start of a pool buffer, else -1. */
static inline int
channel_buf_class(const struct iobuf_channel *ch, const void *buf)
{
	uint64_t page = buf_page(ch, buf);
	int cls;

	if (page < ch->hot.small_pages)
		cls = IOBUF_CLASS_SMALL;
	else if (likely(page < ch->hot.pages))
		cls = IOBUF_CLASS_LARGE;
	else
		return -1;
	return page_starts_buffer(IOB_CACHE(ch, cls), page) ? cls : -1;
}

/* Logs why buf is refused; the cold half of checked_class(). */
static iob_cold void
refuse(const char *what, const void *buf)
{
	iob_buf_check(buf, what);
}

/* The class of buf, or -1 after logging why it is refused. */
static inline int
checked_class(const struct iobuf_channel *ch, const void *buf, const char *what)
{
	int cls = channel_buf_class(ch, buf);

	if (IOBUF_DEBUG_CHECKS)
		return iob_buf_check(buf, what);
	if (unlikely(cls < 0))
		refuse(what, buf);
	return cls;
}

/* Give n buffers of cls back to the pool (or to waiting entries). */
static void
channel_return(struct iobuf_channel *ch, int cls, void *const *bufs,
	       unsigned int n)
{
	iob_wait_return(ch, cls, bufs, n);
}

void
iob_channel_flush_all(struct iobuf_channel *ch, int cls)
{
	struct iobuf_cache *s = IOB_CACHE(ch, cls);

	if (s->top == s->bufs)
		return;
	channel_return(ch, cls, s->bufs, stack_count(s));
	stack_set_top(s, s->bufs);
}

void
iob_channel_counters(const struct iobuf_channel *ch, int cls,
		     struct iob_counters *sum)
{
	const struct iobuf_cache *s = IOB_CACHE(ch, cls);
	const struct iob_slow_counters *st = &ch->st[cls];

	sum->cache += iob_counter_read(&s->hits);
	sum->main += iob_counter_read(&st->main);
	sum->retry += iob_counter_read(&st->retry);
	sum->served += iob_counter_read(&st->served);
	sum->ring += iob_counter_read(&st->ring);
	sum->handed += iob_counter_read(&st->handed);
	sum->cached += iob_channel_cached(ch, cls);
	sum->waiting += iob_counter_read(&st->waiting);
}

uint64_t
iob_channel_cached(const struct iobuf_channel *ch, int cls)
{
	const struct iobuf_cache *s = IOB_CACHE(ch, cls);

	return (uint64_t)(iob_counter_read(&s->top) - s->bufs);
}

/* ---- get ---------------------------------------------------------------- */

static iob_cold void *
get_invalid(const struct iobuf_channel *ch, uint64_t len)
{
	if (ch == NULL)
		IOB_LOG_RATELIMITED(ERR, "iobuf_get: channel is NULL\n");
	else
		IOB_LOG_RATELIMITED(ERR, "iobuf_get: len %" PRIu64 " is outside "
			"[1, %" PRIu64 "] (iobuf_opts.large_bufsize)\n", len,
			ch->hot.large_bufsize);
	errno = EINVAL;
	return NULL;
}

static inline uint32_t
base_batch(const struct iobuf_channel *ch, int cls)
{
	return RTE_MIN(ch->size[cls], IOB_BATCH_MAX);
}

static inline uint32_t
grown(const struct iobuf_channel *ch, int cls, uint32_t batch)
{
	return RTE_MIN(2 * batch, ch->size[cls]);
}

/*
 * A refill happened: the next one is bigger, and flushing starts over at
 * the base batch. The stack holds fewer than size buffers now, so the
 * lower limit is above top.
 */
static void
refilled(struct iobuf_channel *ch, int cls, struct iobuf_cache *s)
{
	ch->refill[cls] = grown(ch, cls, ch->refill[cls]);
	ch->flush[cls] = base_batch(ch, cls);
	s->limit = s->bufs + ch->size[cls] + ch->flush[cls];
}

/* A flush happened: the next one is bigger, refilling starts over. */
static void
flushed(struct iobuf_channel *ch, int cls, struct iobuf_cache *s)
{
	ch->flush[cls] = grown(ch, cls, ch->flush[cls]);
	ch->refill[cls] = base_batch(ch, cls);
	s->limit = s->bufs + ch->size[cls] + ch->flush[cls];
}

/* A buffer for a get that missed the cache, or NULL (errno set). */
static iob_cold void *
get_slow(struct iobuf_channel *ch, int cls, struct iobuf_entry *entry,
	 iobuf_get_cb cb)
{
	struct iobuf_cache *s = IOB_CACHE(ch, cls);
	struct iob_module *m = ch->mod;
	struct iob_entry *e = (struct iob_entry *)entry;
	void *buf;

	/* Nobody waits: a batch from the ring, cut to the module's limit. */
	if (iob_waiting(cls) == 0 &&
	    __atomic_load_n(&m->nblocked[cls], __ATOMIC_RELAXED) == 0) {
		unsigned int want = ch->refill[cls] == 0 ? 1 : ch->refill[cls];
		unsigned int grant = (unsigned int)iob_held_take(m, cls, want,
								 false);
		unsigned int got = grant == 0 ? 0 :
			iob_ring_take_burst(cls, s->bufs, grant);

		iob_held_sub(m, cls, grant - got);
		if (got > 0) {
			buf = s->bufs[got - 1];
			iob_counter_add(&ch->st[cls].ring, got);
			iob_counter_add(&ch->st[cls].main, 1);
			stack_set_top(s, s->bufs + got - 1);
			if (want > 1)
				refilled(ch, cls, s);
			if (IOBUF_DEBUG_CHECKS)
				iob_debug_take(ch, cls, buf);
			return buf;
		}
	}

	if (entry != NULL && (cb == NULL || iob_wait_holds(ch->thr, e))) {
		IOB_LOG_RATELIMITED(ERR, "iobuf_get: entry %p %s; not queued\n",
			(void *)entry, cb == NULL ? "has no callback" :
			"is waiting already");
		errno = EINVAL;
		return NULL;
	}
	if (entry != NULL)
		e->cb.one = cb;
	/* Entries wait, the ring is empty, or the limit is reached. */
	buf = iob_wait_get(ch, cls, e);
	if (buf != NULL) {
		iob_counter_add(&ch->st[cls].ring, 1);
		iob_counter_add(&ch->st[cls].main, 1);
		if (IOBUF_DEBUG_CHECKS)
			iob_debug_take(ch, cls, buf);
		return buf;
	}
	if (entry != NULL)
		iob_counter_add(&ch->st[cls].retry, 1);
	errno = ENOMEM;
	return NULL;
}

/*
 * Everything the inline iobuf_get (iobuf.h) does not serve: bad arguments,
 * an empty cache, and, in debug builds, every get (their inline path always
 * misses, so each get is checked here).
 */
void *
iobuf_get_miss(struct iobuf_channel_hot *h, uint64_t len,
	       struct iobuf_entry *entry, iobuf_get_cb cb)
{
	struct iobuf_channel *ch = (struct iobuf_channel *)h;  /* hot is first */
	struct iobuf_cache *s;
	void **top;
	int cls;

	if (unlikely(ch == NULL))
		return get_invalid(ch, len);
	IOB_CHECK_OWNER(ch, "iobuf_get");

	/* len - 1 wraps for len 0, so 0 fails the compare. */
	if (unlikely(len - 1 >= ch->hot.large_bufsize))
		return get_invalid(ch, len);
	cls = len > ch->hot.small_bufsize;
	s = IOB_CACHE(ch, cls);
	top = s->top;
	if (top != s->bufs) {
		stack_set_top(s, --top);
		iob_counter_add(&s->hits, 1);
		if (IOBUF_DEBUG_CHECKS)
			iob_debug_take(ch, cls, *top);
		return *top;
	}
	return get_slow(ch, cls, entry, cb);
}

/* ---- put ---------------------------------------------------------------- */

static inline void
stack_push(struct iobuf_cache *s, void *buf)
{
	void **top = s->top;

	*top = buf;
	stack_set_top(s, top + 1);
}

/* buf did not fit the fast path: waiters, pressure, or a full cache. */
static iob_cold void
put_slow(struct iobuf_channel *ch, void *buf, int cls)
{
	struct iobuf_cache *s = IOB_CACHE(ch, cls);
	void **top;

	if (iob_pressure_of(__atomic_load_n(&ch->mod->pressure,
					    __ATOMIC_SEQ_CST), cls) != 0) {
		/*
		 * Entries wait that this buffer may serve: it and our idle
		 * ones go to them (SPEC §4.5), then our ready entries are
		 * called back.
		 */
		/* buf first: the first entry gets the buffer it was put. */
		*s->top = s->bufs[0];
		s->bufs[0] = buf;
		channel_return(ch, cls, s->bufs, stack_count(s) + 1);
		stack_set_top(s, s->bufs);
		iob_wait_deliver(ch->thr);
		return;
	}
	if (s->top != s->limit) {
		/* Only the other class is under pressure, or it just ended. */
		stack_push(s, buf);
		return;
	}
	if (ch->flush[cls] == 0) {
		channel_return(ch, cls, &buf, 1);
		return;
	}
	/* Full: flush a batch, keeping buf, the most recently used, cached. */
	top = s->top - ch->flush[cls];
	channel_return(ch, cls, top, ch->flush[cls]);
	*top = buf;
	stack_set_top(s, top + 1);
	flushed(ch, cls, s);
}

static iob_cold void
put_no_channel(void *buf)
{
	IOB_LOG_RATELIMITED(ERR, "iobuf_put: channel is NULL; buffer %p not "
		"returned\n", buf);
}

static inline uint64_t
module_pressure(const struct iobuf_channel *ch)
{
	return __atomic_load_n(ch->hot.pressure, __ATOMIC_RELAXED);
}

/*
 * Put buf of class cls, validated. Any pressure, of either class, sends it
 * to the slow path: one test of the whole word keeps the fast path short,
 * and pressure is rare.
 */
static inline void
put_one(struct iobuf_channel *ch, int cls, void *buf, uint64_t pressure)
{
	struct iobuf_cache *s = IOB_CACHE(ch, cls);
	void **top;

	if (IOBUF_DEBUG_CHECKS)
		iob_debug_give(ch, cls, buf);
	top = s->top;

	if (likely(pressure == 0 && top != s->limit)) {
		*top = buf;
		stack_set_top(s, top + 1);
		return;
	}
	put_slow(ch, buf, cls);
}

/*
 * Everything the inline iobuf_put (iobuf.h) does not serve: a bad channel
 * or pointer, waiters anywhere, a full cache, and, in debug builds, every
 * put (their inline path always misses, so each put is checked here).
 */
void
iobuf_put_miss(struct iobuf_channel_hot *h, void *buf, uint64_t len)
{
	struct iobuf_channel *ch = (struct iobuf_channel *)h;  /* hot is first */
	int cls;

	(void)len; /* the address decides the class (SPEC §3) */
	if (unlikely(ch == NULL)) {
		put_no_channel(buf);
		return;
	}
	IOB_CHECK_OWNER(ch, "iobuf_put");
	cls = checked_class(ch, buf, "iobuf_put");
	if (cls >= 0)
		put_one(ch, cls, buf, module_pressure(ch));
}

/* ---- bulk --------------------------------------------------------------- */

/*
 * n buffers from the cache, then the pool, all or none: 0, -ENOMEM, or
 * -EDQUOT when the module's limit is in the way.
 */
static int
take_now(struct iobuf_channel *ch, int cls, void **bufs, uint32_t n)
{
	struct iobuf_cache *s = IOB_CACHE(ch, cls);
	uint32_t from_cache = RTE_MIN(stack_count(s), n);
	uint32_t from_pool = n - from_cache;
	int rc;

	if (from_pool > 0) {
		rc = iob_wait_take(ch, cls, bufs + from_cache, from_pool);
		if (rc != 0)
			return rc;
		iob_counter_add(&ch->st[cls].main, from_pool);
		iob_counter_add(&ch->st[cls].ring, from_pool);
	}
	memcpy(bufs, s->top - from_cache, from_cache * sizeof(*bufs));
	stack_set_top(s, s->top - from_cache);
	iob_counter_add(&s->hits, from_cache);
	if (IOBUF_DEBUG_CHECKS)
		for (uint32_t i = 0; i < n; i++)
			iob_debug_take(ch, cls, bufs[i]);
	return 0;
}

/*
 * Everything the inline iobuf_get_bulk (iobuf.h) does not serve: bad
 * arguments, a cache holding fewer than n, and, in debug builds, every
 * bulk get.
 */
int
iobuf_get_bulk_miss(struct iobuf_channel_hot *h, uint64_t len, void **bufs,
		    uint32_t n)
{
	struct iobuf_channel *ch = (struct iobuf_channel *)h;  /* hot is first */
	int cls, rc;

	if (unlikely(ch == NULL || bufs == NULL || n == 0 ||
		     len - 1 >= ch->hot.large_bufsize)) {
		IOB_LOG_RATELIMITED(ERR, "iobuf_get_bulk: channel or bufs is "
			"NULL, n is 0, or len %" PRIu64 " is outside [1, "
			"large_bufsize]\n", len);
		return -EINVAL;
	}
	IOB_CHECK_OWNER(ch, "iobuf_get_bulk");
	cls = len > ch->hot.small_bufsize;
	rc = take_now(ch, cls, bufs, n);
	if (rc == -EDQUOT)
		iob_wait_count_limit(ch->mod, cls);
	return rc == 0 ? 0 : -ENOMEM;
}

int
iobuf_get_multi(struct iobuf_channel *ch, uint64_t len, void **bufs,
		uint32_t n, struct iobuf_entry *entry, iobuf_get_multi_cb cb)
{
	struct iob_entry *e = (struct iob_entry *)entry;
	uint64_t most;
	int cls, rc;

	if (unlikely(ch == NULL || bufs == NULL ||
		     len - 1 >= ch->hot.large_bufsize)) {
		IOB_LOG_RATELIMITED(ERR, "iobuf_get_multi: channel or bufs is "
			"NULL, or len %" PRIu64 " is outside [1, "
			"large_bufsize]\n", len);
		return -EINVAL;
	}
	IOB_CHECK_OWNER(ch, "iobuf_get_multi");
	cls = len > ch->hot.small_bufsize;
	most = iob_g.pool[cls].count;
	if (ch->mod->limit[cls] != 0 && ch->mod->limit[cls] < most)
		most = ch->mod->limit[cls];
	if (unlikely(n == 0 || n > most)) {
		IOB_LOG_RATELIMITED(ERR, "iobuf_get_multi: n %u is outside [1, "
			"%" PRIu64 "]: the %s pool's count%s\n", n, most,
			iob_class_name(cls), most < iob_g.pool[cls].count ?
			" is above the module's limit" : "");
		return -EINVAL;
	}
	if (unlikely(entry != NULL &&
		     (cb == NULL || iob_wait_holds(ch->thr, e)))) {
		IOB_LOG_RATELIMITED(ERR, "iobuf_get_multi: entry %p %s; not "
			"queued\n", (void *)entry, cb == NULL ?
			"has no callback" : "is waiting already");
		return -EINVAL;
	}
	rc = take_now(ch, cls, bufs, n);
	if (rc == 0)
		return 0;
	/* With an entry, queueing counts a wait at the limit. */
	if (rc == -EDQUOT && entry == NULL)
		iob_wait_count_limit(ch->mod, cls);
	if (entry != NULL) {
		e->n = n;
		e->bufs = bufs;
		e->cb.multi = cb;
		iob_counter_add(&ch->st[cls].retry, 1);
		iob_wait_enqueue(ch, cls, e);
	}
	return -ENOMEM;
}

/*
 * The rest of iobuf_put_bulk: mixed classes, a cache without room, any
 * pressure, a refused pointer (to log which) and debug builds (per-buffer
 * state). All or nothing: every pointer is checked before any is returned.
 */
static __attribute__((noinline)) int
put_bulk_slow(struct iobuf_channel *ch, void *const *bufs, uint32_t n)
{
	unsigned int classes = 0;

	for (uint32_t i = 0; i < n; i++) {
		int cls = checked_class(ch, bufs[i], "iobuf_put_bulk");

		if (unlikely(cls < 0)) {
			IOB_LOG_RATELIMITED(ERR, "iobuf_put_bulk: bufs[%u] "
				"refused; none of the %u buffers was "
				"returned\n", i, n);
			return -EINVAL;
		}
		classes |= 1u << cls;
	}
	if (module_pressure(ch) == 0 && (classes & (classes - 1)) == 0) {
		int cls = classes >> 1;
		struct iobuf_cache *s = IOB_CACHE(ch, cls);

		if (n <= (uint32_t)(s->limit - s->top)) {
			if (IOBUF_DEBUG_CHECKS)
				for (uint32_t i = 0; i < n; i++)
					iob_debug_give(ch, cls, bufs[i]);
			memcpy(s->top, bufs, n * sizeof(*bufs));
			stack_set_top(s, s->top + n);
			return 0;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		/* A callback run by an earlier put may have changed the pressure. */
		put_one(ch, channel_buf_class(ch, bufs[i]), bufs[i],
			module_pressure(ch));
	}
	return 0;
}

int
iobuf_put_bulk(struct iobuf_channel *ch, void *const *bufs, uint32_t n)
{
	struct iobuf_cache *s;
	void **top;
	int cls;

	if (unlikely(ch == NULL || bufs == NULL || n == 0)) {
		IOB_LOG_RATELIMITED(ERR, "iobuf_put_bulk: channel or bufs is NULL "
			"or n is 0\n");
		return -EINVAL;
	}
	IOB_CHECK_OWNER(ch, "iobuf_put_bulk");

	/*
	 * The common bulk put: buffers of one class, a cache with room and no
	 * pressure. bufs[0] names the class, and the kernel checks it with
	 * the others. The copy lands in the free slots above top, which moves
	 * only when every pointer starts a buffer of the class.
	 */
	cls = buf_page(ch, bufs[0]) >= ch->hot.small_pages;
	s = IOB_CACHE(ch, cls);
	top = s->top;
	if (!IOBUF_DEBUG_CHECKS && likely(module_pressure(ch) == 0) &&
	    likely(n <= (uint32_t)(s->limit - top)) &&
	    likely(ch->exact[cls].copy(&ch->exact[cls], top, bufs, n))) {
		stack_set_top(s, top + n);
		return 0;
	}
	return put_bulk_slow(ch, bufs, n);
}

/* ---- create / free ------------------------------------------------------ */

static int
cache_prefill(struct iobuf_channel *ch, int cls, struct iob_module *m)
{
	struct iobuf_cache *s = IOB_CACHE(ch, cls);
	uint32_t size = ch->size[cls];

	if (size == 0)
		return 0;
	if (iob_held_take(m, cls, size, true) == 0) {
		IOB_LOG(ERR, "channel '%s': %s cache needs %u buffers, the "
			"module holds %" PRId64 " of its limit of %" PRIu64
			"; raise the limit, lower the cache size or return "
			"buffers first\n", m->name, iob_class_name(cls), size,
			__atomic_load_n(&m->held[cls], __ATOMIC_RELAXED),
			m->limit[cls]);
		return -ENOMEM;
	}
	if (iob_ring_take_bulk(cls, s->bufs, size) == 0) {
		s->top = s->bufs + size;
		iob_counter_add(&ch->st[cls].ring, size);
		return 0;
	}
	iob_held_sub(m, cls, size);
	IOB_LOG(ERR, "channel '%s': %s cache needs %u buffers, the pool has %"
		PRIu64 " free of %" PRIu64 "; raise iobuf_opts.%s_pool_count "
		"or lower the cache size\n", m->name, iob_class_name(cls),
		size, iob_ring_free_count(cls), iob_g.pool[cls].count,
		iob_class_name(cls));
	return -ENOMEM;
}

static struct iobuf_channel *
channel_alloc(const uint32_t size[IOBUF_CLASS_COUNT])
{
	struct iobuf_channel *ch;
	size_t slots = 0;
	void **bufs;

	/* A flushing cache holds up to 2 size, and one push more. */
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		slots += 2 * (size_t)size[c] + 1;
	ch = aligned_alloc(IOB_CACHE_LINE, RTE_ALIGN_CEIL(sizeof(*ch) +
			   slots * sizeof(void *), IOB_CACHE_LINE));
	if (ch == NULL)
		return NULL;
	memset(ch, 0, sizeof(*ch));

	bufs = (void **)(ch + 1);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		struct iobuf_cache *s = IOB_CACHE(ch, c);

		ch->size[c] = size[c];
		ch->refill[c] = base_batch(ch, c);
		ch->flush[c] = base_batch(ch, c);
		s->bufs = bufs;
		s->top = bufs;
		s->limit = bufs + ch->size[c] + ch->flush[c];
		bufs += 2 * (size_t)size[c] + 1;
		iob_div_init(iob_g.pool[c].bufsize / IOB_ALIGN, &s->div_mul,
			     &s->div_max);
		iob_exact_init(&ch->exact[c], iob_g.pool[c].base,
			       iob_g.pool[c].bufsize, iob_g.pool[c].count);
	}
	/*
	 * Debug builds keep the caches in debug_cache and leave hot.cache
	 * zeroed: top == bufs and top == limit, so every inline get and put
	 * misses and reaches the checked code.
	 */
	ch->hot.base = iob_g.base;
	ch->hot.pages = iob_g.span / IOB_ALIGN;
	ch->hot.small_pages = iob_g.pool[IOBUF_CLASS_SMALL].count *
		iob_g.pool[IOBUF_CLASS_SMALL].bufsize / IOB_ALIGN;
	ch->hot.small_bufsize = iob_g.pool[IOBUF_CLASS_SMALL].bufsize;
	ch->hot.large_bufsize = iob_g.pool[IOBUF_CLASS_LARGE].bufsize;
	return ch;
}

struct iobuf_channel *
iob_channel_create(struct iob_module *m, const uint32_t size[IOBUF_CLASS_COUNT],
		   int *rc)
{
	struct iobuf_channel *ch;

	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		if (size[c] > iob_g.pool[c].count ||
		    (m->limit[c] != 0 && size[c] > m->limit[c])) {
			IOB_LOG(ERR, "channel '%s': %s cache size %u exceeds the "
				"pool's %" PRIu64 " buffers or the module's "
				"limit of %" PRIu64 "\n", m->name,
				iob_class_name(c), size[c],
				iob_g.pool[c].count, m->limit[c]);
			*rc = -EINVAL;
			return NULL;
		}
	}
	ch = channel_alloc(size);
	if (ch == NULL) {
		IOB_LOG(ERR, "channel '%s': out of memory\n", m->name);
		*rc = -ENOMEM;
		return NULL;
	}
	/* Returns during the pre-fill go through the module. */
	ch->mod = m;
	ch->hot.pressure = &m->pressure;
	*rc = cache_prefill(ch, IOBUF_CLASS_SMALL, m);
	if (*rc == 0) {
		*rc = cache_prefill(ch, IOBUF_CLASS_LARGE, m);
		if (*rc != 0)
			iob_channel_flush_all(ch, IOBUF_CLASS_SMALL);
	}
	if (*rc != 0) {
		free(ch);
		return NULL;
	}
	return ch;
}

void
iob_channel_free(struct iobuf_channel *ch)
{
	free(ch);
}
