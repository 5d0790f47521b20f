/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * libFuzzer target: decodes its input into a sequence of API calls on one
 * thread and checks each result against the reference model (model.h).
 *
 * Input format (bytes past the end read as 0):
 *   3 bytes   pool options (opts_from)
 *   then up to FUZZ_MAX_OPS operations: one opcode byte (modulo OP_COUNT)
 *   followed by the operation's argument bytes, as decoded in run_op().
 * test/fuzz/make_corpus.py writes the seed inputs in this format.
 *
 * Every input starts from an initialized library with the modules
 * fuzz0..fuzz3 registered and ends with every entry aborted, every buffer
 * returned, every channel closed and iobuf_finish() returning 0, so inputs
 * are independent. The embedded EAL is started once, in
 * LLVMFuzzerInitialize().
 *
 * Set FUZZ_TRACE=1 to print each operation and the library's log.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "iobuf_config.h"
#include "model.h"

#define FUZZ_MAX_OPS 256

enum op {
	OP_OPEN,
	OP_CLOSE,
	OP_GET,
	OP_PUT,
	OP_PUT_BAD,
	OP_GET_BULK,
	OP_PUT_BULK,
	OP_ABORT,
	OP_FOR_EACH,
	OP_POLL,
	OP_MODULE,
	OP_LIFECYCLE,
	OP_SCRIBBLE,
	OP_COUNT,
};

struct reader {
	const uint8_t *p;
	size_t n;
};

static uint8_t
rd(struct reader *r)
{
	if (r->n == 0)
		return 0;
	r->n--;
	return *r->p++;
}

/*
 * What may run an entry's callback right now: a put (the buffer it
 * returns), a bulk put (one of the buffers it has not returned yet), a poll
 * (a buffer from the ring), or nothing (FRAME_NONE). Nested calls made by
 * callbacks push their own frame.
 */
enum frame_kind { FRAME_NONE, FRAME_PUT, FRAME_BULK, FRAME_POLL };

struct frame {
	enum frame_kind kind;
	int slot;
	void *buf;               /* FRAME_PUT */
	bool served;
	void *const *bufs;       /* FRAME_BULK: bufs[next..n) not yet settled */
	uint32_t n, next;
	int nserved;             /* FRAME_POLL */
	struct frame *up;
};

static struct frame *frame_top;

static void
frame_push(struct frame *f, enum frame_kind kind, int slot)
{
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->slot = slot;
	f->up = frame_top;
	frame_top = f;
}

static void
frame_pop(struct frame *f)
{
	frame_top = f->up;
}

static const char *
cls_name(int cls)
{
	return cls ? "large" : "small";
}

/* 4 KiB aligned and outside every pool: a put of it must be refused. */
static uint8_t outside[2 * 4096] __attribute__((aligned(4096)));

static void *do_get(int slot, uint64_t len, struct fuzz_entry *fe,
		    iobuf_get_cb cb, enum entry_action action, uint32_t need);
static void do_put(int slot, void *buf, uint64_t len);
static void do_abort(int slot, int idx, uint64_t len);

/* ---- callbacks ---------------------------------------------------------- */

/* Buffers of a bulk put that no entry took went to a cache or the ring. */
static void
bulk_settle(struct frame *f, uint32_t upto)
{
	for (; f->next < upto; f->next++) {
		void *b = f->bufs[f->next];
		int cls = M.held[model_held_find(b)].cls;

		if (M.qlen[cls] > 0)
			model_fail("iobuf_put_bulk: bufs[%u] (%s) was not handed "
				   "to the oldest waiting entry %d", f->next,
				   cls_name(cls), M.queue[cls][0]);
		model_held_remove(b);
		M.mod[f->slot].st[cls].out--;
	}
}

static void
entry_cb(struct iobuf_entry *entry, void *buf)
{
	struct fuzz_entry *fe = MODEL_CONTAINER_OF(entry, struct fuzz_entry,
						   entry);
	struct frame *f = frame_top;
	int64_t df[IOBUF_CLASS_COUNT], dc[IOBUF_CLASS_COUNT];
	int idx = (int)(fe - M.entries);
	int saved, held;

	if (idx < 0 || idx >= MODEL_ENTRIES)
		model_fail("callback with entry %p, which the fuzzer never "
			   "queued", (void *)entry);
	model_trace("  callback entry %d buf %p", idx, buf);
	if (f == NULL || f->kind == FRAME_NONE)
		model_fail("callback of entry %d outside iobuf_put, "
			   "iobuf_put_bulk and iobuf_thread_poll", idx);
	if (!fe->waiting)
		model_fail("callback of entry %d, which is not waiting", idx);
	if (M.queue[fe->cls][0] != idx)
		model_fail("FIFO: entry %d served while entry %d is the oldest "
			   "%s waiter", idx, M.queue[fe->cls][0],
			   cls_name(fe->cls));

	switch (f->kind) {
	case FRAME_PUT:
		if (f->served || buf != f->buf)
			model_fail("iobuf_put(%p) handed %p to entry %d", f->buf,
				   buf, idx);
		f->served = true;
		break;
	case FRAME_BULK: {
		uint32_t k = f->next;

		while (k < f->n && f->bufs[k] != buf)
			k++;
		if (k == f->n)
			model_fail("iobuf_put_bulk handed %p, not one of the "
				   "buffers it has still to return, to entry %d",
				   buf, idx);
		bulk_settle(f, k);
		M.mod[f->slot].st[fe->cls].out--;
		f->next = k + 1;
		break;
	}
	case FRAME_POLL:
		model_check_new_buffer(buf, fe->cls);
		model_held_add(buf, fe->cls);
		f->nserved++;
		break;
	case FRAME_NONE:
		break;
	}
	held = model_held_find(buf);
	if (M.held[held].cls != fe->cls)
		model_fail("%s entry %d was handed a %s buffer %p",
			   cls_name(fe->cls), idx, cls_name(M.held[held].cls), buf);

	model_queue_remove(idx);
	M.mod[fe->slot].st[fe->cls].out++;
	model_sync(f->kind == FRAME_POLL ? ACTOR_POLL : f->slot, df, dc);
	if (f->kind == FRAME_PUT && (df[fe->cls] != 0 || dc[fe->cls] != 0))
		model_fail("a put with entry %d waiting moved free %s buffers by "
			   "%lld and cached ones by %lld; it must hand the buffer "
			   "over (SPEC §4b)", idx, cls_name(fe->cls),
			   (long long)df[fe->cls], (long long)dc[fe->cls]);

	saved = M.cb_entry;
	M.cb_entry = idx;
	switch (fe->action) {
	case ACT_KEEP:
	case ACT_COUNT:
		break;
	case ACT_REQUEUE:
		/* A request collecting fe->need buffers, one get at a time. */
		while (--fe->need > 0)
			if (do_get(fe->slot, fe->len, fe, entry_cb, fe->action,
				   fe->need) == NULL)
				break;
		break;
	case ACT_PUTBACK:
		do_put(fe->slot, buf, fe->len);
		break;
	case ACT_ABORT_NEXT:
		/* A poll must then give back what it took for that entry. */
		for (int i = 0; i < M.qlen[fe->cls]; i++) {
			struct fuzz_entry *next = &M.entries[M.queue[fe->cls][i]];

			if (next->slot == fe->slot) {
				do_abort(fe->slot, M.queue[fe->cls][i], next->len);
				break;
			}
		}
		break;
	}
	M.cb_entry = saved;
}

/* ---- operations --------------------------------------------------------- */

static uint64_t
len_from(uint8_t b)
{
	uint64_t s = M.bufsize[IOBUF_CLASS_SMALL];
	uint64_t l = M.bufsize[IOBUF_CLASS_LARGE];

	switch (b % 10) {
	case 0: return 1;
	case 1: return s;
	case 2: return s + 1;
	case 3: return l;
	case 4: return 0;
	case 5: return l + 1;
	case 6: return UINT64_MAX;
	case 7: return s - 1 - (b >> 4);
	case 8: return l - (b >> 4);
	default: return 1 + (uint64_t)b * 97;
	}
}

static bool
len_valid(uint64_t len)
{
	return M.initialized && len >= 1 && len <= M.bufsize[IOBUF_CLASS_LARGE];
}

static int
len_class(uint64_t len)
{
	return len > M.bufsize[IOBUF_CLASS_SMALL];
}

static void *
do_get(int slot, uint64_t len, struct fuzz_entry *fe, iobuf_get_cb cb,
       enum entry_action action, uint32_t need)
{
	enum { X_EINVAL, X_CACHE, X_MAIN, X_EMPTY } want;
	struct model_channel *mc = &M.chan[slot];
	int idx = fe == NULL ? -1 : (int)(fe - M.entries);
	int cls = len_class(len);
	struct frame f;
	void *buf;
	int err;

	if (mc->ch == NULL || !len_valid(len))
		want = X_EINVAL;
	else if (mc->cached[cls] > 0)
		want = X_CACHE;
	else if (M.qlen[cls] == 0 && M.snap.pool[cls].free > 0)
		want = X_MAIN;
	else if (fe != NULL && (cb == NULL || fe->waiting))
		want = X_EINVAL; /* it would queue an entry it must not */
	else
		want = X_EMPTY;

	model_trace("get %s len %llu entry %d%s action %d need %u",
		    model_module_name[slot], (unsigned long long)len, idx,
		    cb == NULL ? " (no cb)" : "", action, need);
	frame_push(&f, FRAME_NONE, slot);
	errno = 0;
	buf = iobuf_get(mc->ch, len, fe == NULL ? NULL : &fe->entry, cb);
	err = errno;
	frame_pop(&f);

	switch (want) {
	case X_EINVAL:
		if (buf != NULL || err != EINVAL)
			model_fail("iobuf_get(%s, len %llu, entry %d%s%s) returned "
				   "%p errno %d, expected NULL with EINVAL",
				   mc->ch == NULL ? "NULL channel" :
				   model_module_name[slot], (unsigned long long)len,
				   idx, cb == NULL ? ", no cb" : "",
				   fe != NULL && fe->waiting ? ", waiting" : "",
				   buf, err);
		model_sync(ACTOR_NONE, NULL, NULL);
		return NULL;
	case X_CACHE:
	case X_MAIN:
		if (buf == NULL)
			model_fail("iobuf_get(%s, len %llu, entry %d) returned NULL "
				   "errno %d; expected a buffer: the channel caches "
				   "%lld, the ring has %llu, %d %s entries wait",
				   model_module_name[slot], (unsigned long long)len,
				   idx, err, (long long)mc->cached[cls],
				   (unsigned long long)M.snap.pool[cls].free,
				   M.qlen[cls], cls_name(cls));
		model_check_new_buffer(buf, cls);
		model_held_add(buf, cls);
		if (want == X_CACHE)
			M.mod[slot].st[cls].cache++;
		else
			M.mod[slot].st[cls].main++;
		M.mod[slot].st[cls].out++;
		model_sync(slot, NULL, NULL);
		return buf;
	case X_EMPTY:
		if (buf != NULL || err != ENOMEM)
			model_fail("iobuf_get(%s, len %llu, entry %d) returned %p "
				   "errno %d; expected NULL with ENOMEM: the "
				   "channel caches none, the ring has %llu, %d %s "
				   "entries wait", model_module_name[slot],
				   (unsigned long long)len, idx, buf, err,
				   (unsigned long long)M.snap.pool[cls].free,
				   M.qlen[cls], cls_name(cls));
		if (fe != NULL) {
			fe->slot = slot;
			fe->cls = cls;
			fe->len = len;
			fe->action = action;
			fe->need = need;
			/* Re-queued from its own callback: keeps its place (SPEC §3). */
			model_queue_push(idx, idx == M.cb_entry);
			M.mod[slot].st[cls].retry++;
		}
		model_sync(ACTOR_NONE, NULL, NULL);
		return NULL;
	}
	return NULL;
}

static void
do_put(int slot, void *buf, uint64_t len)
{
	struct model_channel *mc = &M.chan[slot];
	int cls = M.held[model_held_find(buf)].cls;
	bool handoff = mc->ch != NULL && M.qlen[cls] > 0;
	/* Nobody waits and the cache is below its size: it must cache (SPEC §3). */
	bool caches = mc->ch != NULL && !handoff &&
		mc->cached[cls] < (int64_t)mc->size[cls];
	int64_t cached_before = mc->cached[cls];
	struct frame f;

	model_trace("put %s %s buf %p len %llu%s", mc->ch == NULL ? "NULL" :
		    model_module_name[slot], cls_name(cls), buf,
		    (unsigned long long)len, handoff ? " (to a waiter)" : "");
	frame_push(&f, mc->ch == NULL ? FRAME_NONE : FRAME_PUT, slot);
	f.buf = buf;
	if (mc->ch != NULL) {
		M.mod[slot].st[cls].out--;
		if (!handoff)
			model_held_remove(buf);
	}
	iobuf_put(mc->ch, buf, len);
	frame_pop(&f);
	if (handoff && !f.served)
		model_fail("iobuf_put(%p) returned without serving any of the %d "
			   "waiting %s entries", buf, M.qlen[cls], cls_name(cls));
	model_sync(mc->ch == NULL ? ACTOR_NONE : slot, NULL, NULL);
	if (caches && mc->cached[cls] != cached_before + 1)
		model_fail("iobuf_put(%p) with nobody waiting left %s's %s cache "
			   "at %lld, was %lld below its size %u: it must cache",
			   buf, model_module_name[slot], cls_name(cls),
			   (long long)mc->cached[cls], (long long)cached_before,
			   mc->size[cls]);
}

/* A pointer that is not the start of a pool buffer, chosen by b. */
static void *
bad_pointer(uint8_t b)
{
	uintptr_t p;

	switch (b % 7) {
	case 0:
		return NULL;
	case 1:
		/* unaligned, inside a buffer */
		if (M.nheld > 0)
			return (char *)M.held[b % M.nheld].buf + 64 * (1 + (b >> 3));
		break;
	case 2:
		/* just below the lowest small buffer seen, if no pool owns it */
		if (M.nknown[IOBUF_CLASS_SMALL] > 0) {
			p = M.lo[IOBUF_CLASS_SMALL] - 4096;
			if (iobuf_iova((void *)p) == UINT64_MAX)
				return (void *)p;
		}
		break;
	case 3:
		/* just past the highest large buffer seen, if no pool owns it */
		if (M.nknown[IOBUF_CLASS_LARGE] > 0) {
			p = M.hi[IOBUF_CLASS_LARGE] + M.bufsize[IOBUF_CLASS_LARGE];
			if (iobuf_iova((void *)p) == UINT64_MAX)
				return (void *)p;
		}
		break;
	case 4:
		/* a page inside a buffer of more than one page, chosen by b */
		for (int i = 0; i < M.nheld; i++) {
			int j = (i + b) % M.nheld;
			uint64_t pages = M.bufsize[M.held[j].cls] / 4096;

			if (pages > 1)
				return (char *)M.held[j].buf +
					4096 * (1 + (b >> 3) % (pages - 1));
		}
		/*
		 * The page before the lowest large buffer seen: in the gap
		 * before the large pool, or inside a buffer, unless it lines
		 * up with the small buffers' starts.
		 */
		if (M.nknown[IOBUF_CLASS_LARGE] > 0 &&
		    M.nknown[IOBUF_CLASS_SMALL] > 0) {
			p = M.lo[IOBUF_CLASS_LARGE] - 4096;
			if ((p - M.lo[IOBUF_CLASS_SMALL]) %
			    M.bufsize[IOBUF_CLASS_SMALL] != 0)
				return (void *)p;
		}
		break;
	case 5:
		return (void *)(UINTPTR_MAX & ~(uintptr_t)4095);
	default:
		break;
	}
	return outside + 4096 * (b & 1);
}

static void
do_put_bad(int slot, uint8_t b)
{
	struct frame f;
	void *bad = bad_pointer(b);

	model_trace("put %s bad pointer %p", model_module_name[slot], bad);
	frame_push(&f, FRAME_NONE, slot);
	iobuf_put(M.chan[slot].ch, bad, 4096);
	frame_pop(&f);
	model_sync(ACTOR_NONE, NULL, NULL);
}

static void
do_get_bulk(int slot, uint64_t len, uint32_t n)
{
	struct model_channel *mc = &M.chan[slot];
	void *bufs[MODEL_MAX_BUFS];
	int cls = len_class(len);
	uint32_t from_cache = 0, from_ring = 0;
	struct frame f;
	int want, rc;

	if (mc->ch == NULL || !len_valid(len) || n == 0) {
		want = -EINVAL;
	} else {
		from_cache = mc->cached[cls] < n ? (uint32_t)mc->cached[cls] : n;
		from_ring = n - from_cache;
		/* All or nothing; older waiters have the ring first (SPEC §4b). */
		want = from_ring == 0 || (M.qlen[cls] == 0 &&
			M.snap.pool[cls].free >= from_ring) ? 0 : -ENOMEM;
	}
	model_trace("get_bulk %s len %llu n %u", model_module_name[slot],
		    (unsigned long long)len, n);
	frame_push(&f, FRAME_NONE, slot);
	rc = iobuf_get_bulk(mc->ch, len, bufs, n);
	frame_pop(&f);
	if (rc != want)
		model_fail("iobuf_get_bulk(%s, len %llu, n %u) returned %d, "
			   "expected %d: the channel caches %lld, the ring has "
			   "%llu, %d %s entries wait", mc->ch == NULL ? "NULL" :
			   model_module_name[slot], (unsigned long long)len, n,
			   rc, want, (long long)mc->cached[cls],
			   (unsigned long long)M.snap.pool[cls].free, M.qlen[cls],
			   cls_name(cls));
	if (rc != 0) {
		model_sync(ACTOR_NONE, NULL, NULL);
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		model_check_new_buffer(bufs[i], cls);
		model_held_add(bufs[i], cls);
	}
	M.mod[slot].st[cls].cache += from_cache;
	M.mod[slot].st[cls].main += from_ring;
	M.mod[slot].st[cls].out += n;
	model_sync(slot, NULL, NULL);
}

static void
do_put_bulk(int slot, uint8_t start, uint32_t n, uint8_t bad)
{
	struct model_channel *mc = &M.chan[slot];
	void *bufs[MODEL_MAX_BUFS];
	uint32_t bad_at = bad & 0x7f;
	struct frame f;
	int want, rc;

	if (n > (uint32_t)M.nheld)
		n = (uint32_t)M.nheld;
	for (uint32_t i = 0; i < n; i++)
		bufs[i] = M.held[(start + i) % (uint32_t)M.nheld].buf;
	/* One pointer that is no buffer makes the whole call a no-op. */
	if ((bad & 0x80) && bad_at < n)
		bufs[bad_at] = bad_pointer(bad);
	else
		bad_at = UINT32_MAX;
	want = mc->ch == NULL || n == 0 || bad_at != UINT32_MAX ? -EINVAL : 0;

	model_trace("put_bulk %s n %u bad at %d", mc->ch == NULL ? "NULL" :
		    model_module_name[slot], n, (int)bad_at);
	frame_push(&f, want == 0 ? FRAME_BULK : FRAME_NONE, slot);
	f.bufs = bufs;
	f.n = n;
	rc = iobuf_put_bulk(mc->ch, bufs, n);
	frame_pop(&f);
	if (rc != want)
		model_fail("iobuf_put_bulk(%s, n %u, bad pointer at %d) returned "
			   "%d, expected %d", mc->ch == NULL ? "NULL" :
			   model_module_name[slot], n, (int)bad_at, rc, want);
	if (rc == 0)
		bulk_settle(&f, n);
	model_sync(rc == 0 ? slot : ACTOR_NONE, NULL, NULL);
}

static void
do_abort(int slot, int idx, uint64_t len)
{
	struct model_channel *mc = &M.chan[slot];
	struct fuzz_entry *fe = &M.entries[idx];
	bool removes = mc->ch != NULL && len_valid(len) && fe->waiting &&
		fe->slot == slot;
	struct frame f;

	model_trace("abort %s entry %d len %llu%s", mc->ch == NULL ? "NULL" :
		    model_module_name[slot], idx, (unsigned long long)len,
		    removes ? " (removes it)" : "");
	frame_push(&f, FRAME_NONE, slot);
	iobuf_entry_abort(mc->ch, &fe->entry, len);
	frame_pop(&f);
	if (removes)
		model_queue_remove(idx);
	model_sync(ACTOR_NONE, NULL, NULL);
}

struct visit {
	int slot;
	int expect[MODEL_ENTRIES];
	int nexpect;
	int nvisited;
	int stop_at;
	uint32_t abort_mask;
};

static int
visitor(struct iobuf_channel *ch, struct iobuf_entry *entry, void *ctx)
{
	struct fuzz_entry *fe = MODEL_CONTAINER_OF(entry, struct fuzz_entry,
						   entry);
	struct visit *v = ctx;
	int idx = (int)(fe - M.entries);
	int k = v->nvisited++;

	if (ch != M.chan[v->slot].ch)
		model_fail("iobuf_for_each_entry passed channel %p, not %p",
			   (void *)ch, (void *)M.chan[v->slot].ch);
	if (k >= v->nexpect || idx != v->expect[k])
		model_fail("iobuf_for_each_entry(%s): visit %d is entry %d, "
			   "expected %d of %d entries",
			   model_module_name[v->slot], k, idx,
			   k < v->nexpect ? v->expect[k] : -1, v->nexpect);
	if ((v->abort_mask >> k) & 1)
		do_abort(v->slot, idx, fe->len);
	return k == v->stop_at ? 7 : 0;
}

static void
do_for_each(int slot, uint8_t stop, uint8_t mask, bool no_fn)
{
	struct model_channel *mc = &M.chan[slot];
	struct visit v = {
		.slot = slot,
		.stop_at = stop % 24,
		.abort_mask = mask,
	};
	struct frame f;
	int want, rc;

	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		for (int i = 0; i < M.qlen[c]; i++)
			if (M.entries[M.queue[c][i]].slot == slot)
				v.expect[v.nexpect++] = M.queue[c][i];
	if (mc->ch == NULL || no_fn)
		want = -EINVAL;
	else
		want = v.stop_at < v.nexpect ? 7 : 0;

	model_trace("for_each_entry %s stop %d abort mask %#x%s",
		    mc->ch == NULL ? "NULL" : model_module_name[slot], v.stop_at,
		    mask, no_fn ? " (no fn)" : "");
	frame_push(&f, FRAME_NONE, slot);
	rc = iobuf_for_each_entry(mc->ch, no_fn ? NULL : visitor, &v);
	frame_pop(&f);
	if (rc != want || (want == 7 && v.nvisited != v.stop_at + 1) ||
	    (want == 0 && v.nvisited != v.nexpect) ||
	    (want == -EINVAL && v.nvisited != 0))
		model_fail("iobuf_for_each_entry(%s) returned %d after %d "
			   "visits, expected %d (%d entries, stop at %d)",
			   mc->ch == NULL ? "NULL" : model_module_name[slot], rc,
			   v.nvisited, want, v.nexpect, v.stop_at);
	model_sync(ACTOR_NONE, NULL, NULL);
}

static void
do_poll(void)
{
	/* With nobody waiting a poll is one branch: it moves nothing. */
	int actor = M.qlen[IOBUF_CLASS_SMALL] + M.qlen[IOBUF_CLASS_LARGE] == 0 ?
		ACTOR_NONE : ACTOR_POLL;
	struct frame f;
	int rc;

	model_trace("poll (%d small, %d large waiting)",
		    M.qlen[IOBUF_CLASS_SMALL], M.qlen[IOBUF_CLASS_LARGE]);
	frame_push(&f, FRAME_POLL, ACTOR_POLL);
	M.poll_depth++;
	rc = iobuf_thread_poll();
	M.poll_depth--;
	frame_pop(&f);
	if (rc != f.nserved)
		model_fail("iobuf_thread_poll returned %d, it ran %d callbacks",
			   rc, f.nserved);
	model_sync(actor, NULL, NULL);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		if (M.qlen[c] > 0 && M.snap.pool[c].free > 0)
			model_fail("iobuf_thread_poll left %d %s entries waiting "
				   "and %llu buffers in the ring", M.qlen[c],
				   cls_name(c),
				   (unsigned long long)M.snap.pool[c].free);
}

static void
do_open(int slot, uint8_t b, uint8_t flags)
{
	static const uint32_t small_sizes[] = { 0, 1, 2, 3, 5, 8, 16, 31, 32, 33, 64 };
	static const uint32_t large_sizes[] = { 0, 1, 2, 3, 4, 8 };
	struct model_channel *mc = &M.chan[slot];
	struct iobuf_channel *ch = NULL;
	uint32_t size[IOBUF_CLASS_COUNT];
	bool can_einval = false, can_enodev = false, can_eexist = false;
	bool can_enomem = false;
	const char *name = model_module_name[slot];
	bool null_ch = flags == 0xfe, null_name = flags == 0xff;
	int rc;

	size[0] = (b & 0xf) < 11 ? small_sizes[b & 0xf] :
		(uint32_t)M.total[0] + (b & 0xf) - 12;
	size[1] = (b >> 4) < 6 ? large_sizes[b >> 4] :
		(uint32_t)M.total[1] + (b >> 4) - 7;

	if (null_ch || null_name || !M.initialized || size[0] > M.total[0] ||
	    size[1] > M.total[1])
		can_einval = true;
	if (!null_name && !M.mod[slot].registered)
		can_enodev = true;
	if (mc->ch != NULL)
		can_eexist = true;
	if (!can_einval && !can_enodev && !can_eexist &&
	    (M.snap.pool[0].free < size[0] || M.snap.pool[1].free < size[1]))
		can_enomem = true;

	model_trace("channel_init %s small %u large %u%s%s", name, size[0],
		    size[1], null_ch ? " (NULL ch)" : "",
		    null_name ? " (NULL module)" : "");
	rc = iobuf_channel_init(null_ch ? NULL : &ch, null_name ? NULL : name,
				size[0], size[1]);
	if ((rc == 0 && (can_einval || can_enodev || can_eexist || can_enomem)) ||
	    (rc == -EINVAL && !can_einval) || (rc == -ENODEV && !can_enodev) ||
	    (rc == -EEXIST && !can_eexist) || (rc == -ENOMEM && !can_enomem) ||
	    (rc != 0 && rc != -EINVAL && rc != -ENODEV && rc != -EEXIST &&
	     rc != -ENOMEM))
		model_fail("iobuf_channel_init(%s, small %u, large %u) returned "
			   "%d; allowed: %s%s%s%s (free %llu/%llu)", name, size[0],
			   size[1], rc, can_einval ? "EINVAL " : "",
			   can_enodev ? "ENODEV " : "", can_eexist ? "EEXIST " : "",
			   can_enomem ? "ENOMEM" : (!can_einval && !can_enodev &&
			   !can_eexist ? "0" : ""),
			   (unsigned long long)M.snap.pool[0].free,
			   (unsigned long long)M.snap.pool[1].free);
	if (rc != 0) {
		model_sync(ACTOR_NONE, NULL, NULL);
		return;
	}
	if (ch == NULL)
		model_fail("iobuf_channel_init returned 0 and no channel");
	mc->ch = ch;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		mc->size[c] = size[c];
		mc->cached[c] = 0;
	}
	model_sync(slot, NULL, NULL);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		if (mc->cached[c] != size[c])
			model_fail("channel of %s pre-filled %lld %s buffers, asked "
				   "for %u", name, (long long)mc->cached[c],
				   cls_name(c), size[c]);
}

static void
do_close(int slot)
{
	struct model_channel *mc = &M.chan[slot];
	struct frame f;

	model_trace("channel_fini %s", mc->ch == NULL ? "NULL" :
		    model_module_name[slot]);
	/* Entries left waiting are dropped without a callback (SPEC §3). */
	for (int i = 0; mc->ch != NULL && i < MODEL_ENTRIES; i++)
		if (M.entries[i].waiting && M.entries[i].slot == slot)
			model_queue_remove(i);
	frame_push(&f, FRAME_NONE, slot);
	iobuf_channel_fini(mc->ch);
	frame_pop(&f);
	if (mc->ch == NULL) {
		model_sync(ACTOR_NONE, NULL, NULL);
		return;
	}
	mc->ch = NULL;
	model_sync(slot, NULL, NULL);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		if (mc->cached[c] != 0)
			model_fail("closing %s left %lld %s buffers in its cache",
				   model_module_name[slot],
				   (long long)mc->cached[c], cls_name(c));
		mc->size[c] = 0;
	}
}

static void
module_registered(int slot)
{
	M.mod[slot].registered = true;
	memset(M.mod[slot].st, 0, sizeof(M.mod[slot].st));
	M.reg_order[M.nreg++] = slot;
}

static void
module_unregistered(int slot)
{
	int i = 0;

	M.mod[slot].registered = false;
	while (M.reg_order[i] != slot)
		i++;
	memmove(&M.reg_order[i], &M.reg_order[i + 1],
		(size_t)(M.nreg - i - 1) * sizeof(M.reg_order[0]));
	M.nreg--;
}

static void
expect_rc(const char *what, int rc, int want)
{
	if (rc != want)
		model_fail("%s returned %d, expected %d", what, rc, want);
}

static void
do_module(int slot, uint8_t b)
{
	static const char long_name[] =
		"a_module_name_of_sixty_four_characters_is_one_too_long_for_iobuf";
	const char *name = model_module_name[slot];
	int want;

	_Static_assert(sizeof(long_name) == IOBUF_MODULE_NAME_MAX + 2,
		       "long_name must be one character too long");
	model_trace("module %s op %d", name, b % 6);
	switch (b % 6) {
	case 0:
		want = !M.mod[slot].registered ? -ENOENT :
			M.chan[slot].ch != NULL ? -EBUSY : 0;
		expect_rc("iobuf_unregister_module", iobuf_unregister_module(name),
			  want);
		if (want == 0)
			module_unregistered(slot);
		break;
	case 1:
		want = M.mod[slot].registered ? -EEXIST : 0;
		expect_rc("iobuf_register_module", iobuf_register_module(name),
			  want);
		if (want == 0)
			module_registered(slot);
		break;
	case 2:
		expect_rc("iobuf_register_module(NULL)",
			  iobuf_register_module(NULL), -EINVAL);
		expect_rc("iobuf_register_module(\"\")",
			  iobuf_register_module(""), -EINVAL);
		break;
	case 3:
		expect_rc("iobuf_register_module(64 characters)",
			  iobuf_register_module(long_name), -EINVAL);
		break;
	case 4:
		expect_rc("iobuf_unregister_module(NULL)",
			  iobuf_unregister_module(NULL), -EINVAL);
		break;
	default:
		expect_rc("iobuf_unregister_module(unknown)",
			  iobuf_unregister_module("fuzz_unknown"), -ENOENT);
		break;
	}
	model_sync(ACTOR_NONE, NULL, NULL);
}

static uint64_t
round_4k(uint64_t v)
{
	return (v + 4095) & ~(uint64_t)4095;
}

/* Pool options from 3 bytes: tiny pools, sizes that need rounding. */
static void
opts_from(struct reader *r, struct iobuf_opts *o, uint64_t bufsize[2],
	  uint64_t total[2])
{
	static const uint32_t small_raw[] = { 4096, 5000, 8192, 4097 };
	uint8_t a = rd(r), b = rd(r), c = rd(r);

	memset(o, 0, sizeof(*o));
	o->opts_size = sizeof(*o);
	o->small_pool_count = 64 + (a & 63);
	o->large_pool_count = 8 + (b & 15);
	o->small_bufsize = small_raw[c & 3];
	bufsize[0] = round_4k(o->small_bufsize);
	bufsize[1] = bufsize[0] + 4096 * (1 + ((c >> 2) & 3));
	/* 100 bytes short rounds up to the same size, if above the minimum. */
	o->large_bufsize = (uint32_t)bufsize[1] -
		((c & 0x10) && bufsize[1] > 8192 ? 100 : 0);
	total[0] = o->small_pool_count;
	total[1] = o->large_pool_count;
}

static void
do_initialize(struct reader *r)
{
	struct iobuf_opts o;
	uint64_t bufsize[2], total[2];

	opts_from(r, &o, bufsize, total);
	model_trace("initialize small %llu x %u large %llu x %u",
		    (unsigned long long)o.small_pool_count, o.small_bufsize,
		    (unsigned long long)o.large_pool_count, o.large_bufsize);
	expect_rc("iobuf_set_opts", iobuf_set_opts(&o), 0);
	expect_rc("iobuf_initialize", iobuf_initialize(), 0);
	model_initialized(bufsize, total);
	model_rebase();
	model_sync(ACTOR_NONE, NULL, NULL);
}

static void
do_finish(void)
{
	bool busy = false;
	int want;

	for (int s = 0; s < MODEL_MODULES; s++)
		busy |= M.chan[s].ch != NULL;
	want = M.initialized && (busy || M.nheld > 0) ? -EBUSY : 0;
	model_trace("finish (expect %d)", want);
	expect_rc("iobuf_finish", iobuf_finish(), want);
	if (want == 0) {
		model_finished();
		model_rebase();
	}
	model_sync(ACTOR_NONE, NULL, NULL);
}

static void
do_lifecycle(struct reader *r, uint8_t b)
{
	struct iobuf_module_stats ms[3];
	struct iobuf_opts before, after, o;
	uint64_t bufsize[2], total[2];
	static FILE *devnull;

	switch (b % 5) {
	case 0:
		do_finish();
		break;
	case 1:
		if (M.initialized) {
			model_trace("initialize again");
			expect_rc("iobuf_initialize", iobuf_initialize(),
				  -EALREADY);
		} else {
			do_initialize(r);
		}
		break;
	case 2:
		/* Options are fixed while initialized; otherwise the next
		 * initialize reads them again anyway. */
		opts_from(r, &o, bufsize, total);
		model_trace("set_opts");
		iobuf_get_opts(&before, sizeof(before));
		expect_rc("iobuf_set_opts", iobuf_set_opts(&o),
			  M.initialized ? -EBUSY : 0);
		iobuf_get_opts(&after, sizeof(after));
		if (M.initialized && memcmp(&before, &after, sizeof(before)) != 0)
			model_fail("a refused iobuf_set_opts changed the options");
		break;
	case 3:
		model_trace("stats probes");
		expect_rc("iobuf_get_stats(NULL, 0, NULL, 0, 3)",
			  iobuf_get_stats(NULL, 0, NULL, 0, 3), -EINVAL);
		memset(ms, 0xab, sizeof(ms));
		expect_rc("iobuf_get_stats(NULL, 0, ms, sizeof(ms[0]), 2)",
			  iobuf_get_stats(NULL, 0, ms, sizeof(ms[0]), 2), M.nreg);
		for (size_t i = 0; i < sizeof(ms[2]); i++)
			if (((const uint8_t *)&ms[2])[i] != 0xab)
				model_fail("iobuf_get_stats wrote past max_modules");
		break;
	default:
		model_trace("dump");
		if (devnull == NULL)
			devnull = fopen("/dev/null", "w");
		iobuf_dump(devnull);
		break;
	}
	model_sync(ACTOR_NONE, NULL, NULL);
}

static void
do_scribble(uint8_t b, struct reader *r)
{
	struct fuzz_entry *fe = &M.entries[b % MODEL_ENTRIES];
	uint64_t v = 0;

	/* An entry needs no initialisation: any bytes while it is not queued. */
	/* Little-endian, as in memory, so compared constants can be planted. */
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)rd(r) << (8 * i);
	model_trace("scribble entry %d word %d = %#llx", b % MODEL_ENTRIES,
		    (b >> 4) & 7, (unsigned long long)v);
	if (!fe->waiting)
		fe->entry.opaque[(b >> 4) & 7] = v;
}

_Static_assert(ACT_COUNT == 4, "run_op decodes the entry action from 2 bits");

static int
slot_of(uint8_t b)
{
	return b % MODEL_MODULES;
}

static void
run_op(struct reader *r)
{
	uint8_t op = rd(r);
	int slot = slot_of(rd(r));

	switch (op % OP_COUNT) {
	case OP_OPEN: {
		uint8_t sizes = rd(r);

		do_open(slot, sizes, rd(r));
		break;
	}
	case OP_CLOSE:
		do_close(slot);
		break;
	case OP_GET: {
		uint64_t len = len_from(rd(r));
		uint8_t e = rd(r), a = rd(r);
		struct fuzz_entry *fe = e % 20 < MODEL_ENTRIES ?
			&M.entries[e % 20] : NULL;

		do_get(slot, len, fe, (e & 0xe0) == 0xe0 ? NULL : entry_cb,
		       (enum entry_action)(a & 3),
		       1 + ((a >> 2) & 7));
		break;
	}
	case OP_PUT: {
		uint8_t h = rd(r), l = rd(r);

		if (M.nheld > 0)
			do_put(slot, M.held[h % M.nheld].buf, len_from(l));
		break;
	}
	case OP_PUT_BAD:
		do_put_bad(slot, rd(r));
		break;
	case OP_GET_BULK: {
		uint64_t len = len_from(rd(r));

		do_get_bulk(slot, len, rd(r) % 160);
		break;
	}
	case OP_PUT_BULK: {
		uint8_t start = rd(r), n = rd(r);

		do_put_bulk(slot, start, n, rd(r));
		break;
	}
	case OP_ABORT: {
		uint8_t e = rd(r), l = rd(r);
		struct fuzz_entry *fe = &M.entries[e % MODEL_ENTRIES];
		uint64_t len = l < 0xf0 ? (fe->waiting ? fe->len : 1) :
			len_from(l);

		do_abort(slot, e % MODEL_ENTRIES, len);
		break;
	}
	case OP_FOR_EACH: {
		uint8_t stop = rd(r), mask = rd(r);

		do_for_each(slot, stop, mask, stop == 0xff);
		break;
	}
	case OP_POLL:
		do_poll();
		break;
	case OP_MODULE:
		do_module(slot, rd(r));
		break;
	case OP_LIFECYCLE:
		do_lifecycle(r, rd(r));
		break;
	default:
		do_scribble(rd(r), r);
		break;
	}
}

/* Return everything and finish: the next input starts from scratch. */
static void
cleanup(void)
{
	int s;

	model_trace("cleanup");
	if (M.initialized) {
		for (int i = 0; i < MODEL_ENTRIES; i++)
			if (M.entries[i].waiting)
				do_abort(M.entries[i].slot, i, M.entries[i].len);
		if (M.nheld > 0) {
			for (s = 0; s < MODEL_MODULES && M.chan[s].ch == NULL; s++)
				;
			if (s == MODEL_MODULES) {
				s = 0;
				if (!M.mod[s].registered)
					do_module(s, 1);
				do_open(s, 0, 0);
			}
			while (M.nheld > 0)
				do_put(s, M.held[0].buf, 1);
		}
		for (s = 0; s < MODEL_MODULES; s++)
			if (M.chan[s].ch != NULL)
				do_close(s);
		do_finish();
	}
	expect_rc("iobuf_thread_poll after cleanup", iobuf_thread_poll(), 0);
	/* Fresh modules: the next input expects zeroed counters. */
	for (s = 0; s < MODEL_MODULES; s++) {
		if (M.mod[s].registered)
			expect_rc("iobuf_unregister_module",
				  iobuf_unregister_module(model_module_name[s]), 0);
		expect_rc("iobuf_register_module",
			  iobuf_register_module(model_module_name[s]), 0);
	}
}

static void
env_fini_at_exit(void)
{
	iobuf_env_fini();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* EAL memory is sized once, from the largest pools opts_from makes. */
	const struct iobuf_opts roomy = {
		.opts_size = sizeof(roomy),
		.small_pool_count = 128,
		.large_pool_count = 24,
		.small_bufsize = 8192,
		.large_bufsize = 8192 + 4 * 4096,
	};
	int rc;

	(void)argc;
	(void)argv;
	M.trace = getenv("FUZZ_TRACE") != NULL;
	rc = iobuf_set_opts(&roomy);
	if (rc == 0)
		rc = iobuf_env_init();
	if (rc != 0) {
		fprintf(stderr, "fuzz_api: cannot start the environment: %s\n",
			strerror(-rc));
		exit(1);
	}
	atexit(env_fini_at_exit);
	rte_openlog_stream(stderr);
	/* Refused calls log on purpose; only a trace wants to read them. */
	if (!M.trace)
		rte_log_set_level_pattern("lib.iobuf", RTE_LOG_CRIT);
	for (int s = 0; s < MODEL_MODULES; s++) {
		rc = iobuf_register_module(model_module_name[s]);
		if (rc != 0) {
			fprintf(stderr, "fuzz_api: register %s: %d\n",
				model_module_name[s], rc);
			exit(1);
		}
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { .p = data, .n = size };

	model_reset();
	do_initialize(&r);
	for (M.op = 1; M.op <= FUZZ_MAX_OPS && r.n > 0; M.op++)
		run_op(&r);
	cleanup();
	return 0;
}
