/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * libFuzzer target: decodes its input into a sequence of API calls on one
 * thread and checks each result against the reference model (model.h).
 *
 * Input format (bytes past the end read as 0):
 *   3 bytes   pool options (opts_from)
 *   then up to FUZZ_MAX_OPS operations: one opcode byte (modulo OP_COUNT),
 *   one channel byte (modulo MODEL_CHANNELS: channel k belongs to module
 *   fuzz<k % 4>, so a module may have two channels open), then the
 *   operation's argument bytes, as decoded in run_op().
 * test/fuzz/make_corpus.py writes the committed inputs in this format.
 *
 * Every input starts from an initialized library with the modules
 * fuzz0..fuzz3 registered with default options and ends with every entry
 * aborted, every buffer returned, every channel closed and iobuf_finish()
 * returning 0, so inputs are independent. The embedded EAL is started
 * once, in LLVMFuzzerInitialize().
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
	OP_GET_MULTI,
	OP_MODULE_EXT,
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
 * The call that may run callbacks right now: a put or bulk put (each
 * buffer it returns), a poll, or one that must not (FRAME_NONE). Calls
 * made by callbacks push their own frame. The model follows a put buffer
 * by buffer, lazily: each callback first advances the simulation to the
 * point where the library calls back (next_callback).
 */
enum frame_kind { FRAME_NONE, FRAME_PUT, FRAME_POLL };

struct frame {
	enum frame_kind kind;
	int actor;                /* channel charged with unpredicted moves */
	unsigned int allow;       /* which moves (ALLOW_*), until the next sync */
	void *const *bufs;        /* FRAME_PUT: bufs[next..n) not yet put */
	uint32_t n, next;
	int dcls;                 /* class its deliver loop is at; 2: none runs */
	int ncalled;              /* callbacks its own deliver loop ran */
	struct frame *up;
};

static struct frame *frame_top;

static void
frame_push(struct frame *f, enum frame_kind kind, int actor)
{
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->actor = actor;
	f->dcls = IOBUF_CLASS_COUNT;
	f->up = frame_top;
	frame_top = f;
}

static void
frame_pop(struct frame *f)
{
	frame_top = f->up;
}

/* 4 KiB aligned and outside every pool: a put of it must be refused. */
static uint8_t outside[2 * 4096] __attribute__((aligned(4096)));

static void *do_get(int k, uint64_t len, struct fuzz_entry *fe,
		    iobuf_get_cb cb, enum entry_action action, uint32_t need);
static int do_get_multi(int k, uint64_t len, uint32_t n, struct fuzz_entry *fe,
			iobuf_get_multi_cb cb, enum entry_action action,
			uint32_t need, bool null_bufs);
static void do_put(int k, void *buf, uint64_t len);
static void put_bulk(int k, void **bufs, uint32_t n, uint32_t bad_at);
static void do_abort(int k, int idx, uint64_t len);
static void entry_cb(struct iobuf_entry *entry, void *buf);
static void entry_multi_cb(struct iobuf_entry *entry, void **bufs, uint32_t n);

/* ---- callbacks ---------------------------------------------------------- */

/*
 * A put of buf through the frame's channel: with an entry of its class
 * waiting (model_pressure) it and the channel's idle buffers of the class
 * go to the waiting entries and the ring, and the deliver loop starts;
 * otherwise it is cached, and a batch may be flushed.
 */
static void
put_one(struct frame *f, void *buf)
{
	int k = f->actor, m = model_mod_of(k);
	int cls = M.held[model_held_find(buf)].cls;

	model_held_remove(buf);
	M.mod[m].st[cls].out--;
	if (model_pressure(m, cls)) {
		uint64_t n = (uint64_t)M.chan[k].cached[cls] + 1;

		M.chan[k].cached[cls] = 0;
		model_return(k, cls, n, buf);
		f->dcls = 0;
	} else {
		M.chan[k].cached[cls]++;
		f->allow |= ALLOW_FLUSH(cls);
	}
}

/* The entry the frame's call must call back next, or -1 for none. */
static int
next_callback(struct frame *f)
{
	for (;;) {
		/* Small entries, then large ones, each in the order they were served. */
		while (f->dcls < IOBUF_CLASS_COUNT && M.cl[f->dcls].ready.n == 0)
			f->dcls++;
		if (f->dcls < IOBUF_CLASS_COUNT)
			return M.cl[f->dcls].ready.idx[0];
		if (f->kind != FRAME_PUT || f->next == f->n)
			return -1;
		put_one(f, f->bufs[f->next++]);
	}
}

/* The frame's call returned: it must have run every callback it owed. */
static void
frame_done(struct frame *f, const char *what)
{
	int idx = next_callback(f);

	if (idx >= 0)
		model_fail("%s returned without calling back entry %d (handed "
			   "its %s buffers)", what, idx,
			   model_cls_name(M.entries[idx].cls));
}

static void
called_back(struct fuzz_entry *fe, void *const *bufs, uint32_t n, bool multi)
{
	struct frame *f = frame_top;
	int idx = (int)(fe - M.entries);
	uint32_t count = multi ? fe->n : 1;
	void *copy[MODEL_MAX_BUFS];
	int want, saved;

	if (idx < 0 || idx >= MODEL_ENTRIES)
		model_fail("callback with entry %p, which the fuzzer never "
			   "queued", (void *)&fe->entry);
	model_trace("  callback entry %d %s n %u first %p", idx,
		    multi ? "multi" : "single", n, bufs[0]);
	if (f == NULL || f->kind == FRAME_NONE)
		model_fail("callback of entry %d outside iobuf_put, "
			   "iobuf_put_bulk and iobuf_thread_poll", idx);
	want = next_callback(f);
	if (want != idx)
		model_fail("entry %d called back; the model expected %s %d",
			   idx, want < 0 ? "no callback, not even entry" :
			   "entry", want);
	if (multi != (fe->n > 0) || (multi && (bufs != fe->bufs || n != fe->n)))
		model_fail("entry %d called back with bufs %p n %u through the "
			   "%s callback; it asked for %u into %p", idx,
			   (const void *)bufs, n, multi ? "multi" : "single",
			   fe->n, (void *)fe->bufs);
	if (fe->known != NULL && bufs[fe->known_at] != fe->known)
		model_fail("entry %d was handed %p at [%u], not %p, the buffer "
			   "put while it was first in line", idx,
			   bufs[fe->known_at], fe->known_at, fe->known);
	model_called_back(idx);
	for (uint32_t i = 0; i < count; i++) {
		model_check_new_buffer(bufs[i], fe->cls);
		model_held_add(bufs[i], fe->cls);
		copy[i] = bufs[i];
	}
	if (f->kind == FRAME_POLL)
		f->ncalled++;
	model_sync(f->actor, f->allow);
	f->allow = 0;

	saved = M.cb_entry;
	M.cb_entry = idx;
	switch (fe->action) {
	case ACT_KEEP:
	case ACT_COUNT:
		break;
	case ACT_REQUEUE:
		/* A request that comes back for more with the same entry. */
		while (--fe->need > 0) {
			if (multi ? do_get_multi(fe->chan, fe->len, fe->n, fe,
						 entry_multi_cb, fe->action,
						 fe->need, false) != 0 :
			    do_get(fe->chan, fe->len, fe, entry_cb,
				   fe->action, fe->need) == NULL)
				break;
		}
		break;
	case ACT_PUTBACK:
		if (multi)
			put_bulk(fe->chan, copy, count, UINT32_MAX);
		else
			do_put(fe->chan, copy[0], fe->len);
		break;
	case ACT_ABORT_NEXT: {
		/* The next waiter of its module and class, wherever it waits. */
		int walk[MODEL_ENTRIES];

		if (model_walk(fe->mod, fe->cls, walk) > 0)
			do_abort(fe->chan, walk[0], M.entries[walk[0]].len);
		break;
	}
	}
	M.cb_entry = saved;
}

static void
entry_cb(struct iobuf_entry *entry, void *buf)
{
	called_back(MODEL_CONTAINER_OF(entry, struct fuzz_entry, entry), &buf,
		    1, false);
}

static void
entry_multi_cb(struct iobuf_entry *entry, void **bufs, uint32_t n)
{
	called_back(MODEL_CONTAINER_OF(entry, struct fuzz_entry, entry), bufs,
		    n, true);
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

static const char *
chan_name(int k)
{
	static char name[2][32];
	static int turn;
	char *s = name[turn++ & 1];

	if (M.chan[k].ch == NULL)
		snprintf(s, sizeof(name[0]), "closed channel %d", k);
	else
		snprintf(s, sizeof(name[0]), "%s channel %d",
			 model_module_name[model_mod_of(k)], k);
	return s;
}

static void
take_buffers(void **bufs, uint32_t n, int cls)
{
	for (uint32_t i = 0; i < n; i++) {
		model_check_new_buffer(bufs[i], cls);
		model_held_add(bufs[i], cls);
	}
}

static void *
do_get(int k, uint64_t len, struct fuzz_entry *fe, iobuf_get_cb cb,
       enum entry_action action, uint32_t need)
{
	enum { X_EINVAL, X_CACHE, X_MAIN, X_RESERVE, X_EMPTY } want;
	struct model_channel *mc = &M.chan[k];
	int m = model_mod_of(k), idx = fe == NULL ? -1 : (int)(fe - M.entries);
	int cls = len_class(len);
	struct model_module *mm = &M.mod[m];
	struct frame f;
	void *buf;
	int err;

	if (mc->ch == NULL || !len_valid(len))
		want = X_EINVAL;
	else if (mc->cached[cls] > 0)
		want = X_CACHE;
	else if (model_ring_open(m, cls) && model_room(m, cls, 1) &&
		 M.cl[cls].ring > 0)
		want = X_MAIN;
	else if (fe != NULL && (cb == NULL || fe->state != ENTRY_IDLE))
		want = X_EINVAL; /* it would queue an entry it must not */
	else if (model_room(m, cls, 1) && mm->stash[cls] > 0)
		want = X_RESERVE;
	else
		want = X_EMPTY;

	model_trace("get %s len %llu entry %d%s action %d need %u",
		    chan_name(k), (unsigned long long)len, idx,
		    cb == NULL ? " (no cb)" : "", action, need);
	frame_push(&f, FRAME_NONE, ACTOR_NONE);
	errno = 0;
	buf = iobuf_get(mc->ch, len, fe == NULL ? NULL : &fe->entry, cb);
	err = errno;
	frame_pop(&f);

	switch (want) {
	case X_EINVAL:
		if (buf != NULL || err != EINVAL)
			model_fail("iobuf_get(%s, len %llu, entry %d%s%s) returned "
				   "%p errno %d, expected NULL with EINVAL",
				   chan_name(k), (unsigned long long)len, idx,
				   cb == NULL ? ", no cb" : "",
				   fe != NULL && fe->state != ENTRY_IDLE ?
				   ", waiting" : "", buf, err);
		model_sync(ACTOR_NONE, 0);
		return NULL;
	case X_CACHE:
	case X_MAIN:
	case X_RESERVE:
		if (buf == NULL)
			model_fail("iobuf_get(%s, len %llu, entry %d) returned NULL "
				   "errno %d; expected a buffer from the %s: the "
				   "channel caches %lld, the ring has %llu, the "
				   "reserve %llu, %d %s entries wait", chan_name(k),
				   (unsigned long long)len, idx, err,
				   want == X_CACHE ? "cache" : want == X_MAIN ?
				   "ring" : "reserve", (long long)mc->cached[cls],
				   (unsigned long long)M.cl[cls].ring,
				   (unsigned long long)mm->stash[cls],
				   model_shared_count(cls), model_cls_name(cls));
		take_buffers(&buf, 1, cls);
		if (want == X_CACHE) {
			mc->cached[cls]--;
			mm->st[cls].cache++;
		} else if (want == X_MAIN) {
			M.cl[cls].ring--;
			mm->st[cls].main++;
		} else {
			mm->stash[cls]--;
			mm->st[cls].main++;
		}
		mm->st[cls].out++;
		model_sync(k, want == X_MAIN ? ALLOW_REFILL(cls) : 0);
		return buf;
	case X_EMPTY:
		if (buf != NULL || err != ENOMEM)
			model_fail("iobuf_get(%s, len %llu, entry %d) returned %p "
				   "errno %d; expected NULL with ENOMEM: the "
				   "channel caches none, the ring has %llu, the "
				   "reserve %llu, %d %s entries wait, held %lld of "
				   "limit %llu", chan_name(k),
				   (unsigned long long)len, idx, buf, err,
				   (unsigned long long)M.cl[cls].ring,
				   (unsigned long long)mm->stash[cls],
				   model_shared_count(cls), model_cls_name(cls),
				   (long long)model_held(m, cls),
				   (unsigned long long)mm->limit[cls]);
		/* Without an entry it fails; at the limit that counts. */
		if (fe == NULL && model_ring_open(m, cls) &&
		    !model_room(m, cls, 1))
			mm->limit_waits[cls]++;
		if (fe != NULL) {
			fe->chan = k;
			fe->mod = m;
			fe->cls = cls;
			fe->len = len;
			fe->n = 0;
			fe->action = action;
			fe->need = need;
			model_enqueue(idx);
		}
		model_sync(ACTOR_NONE, 0);
		return NULL;
	}
	return NULL;
}

/*
 * What iobuf_get_bulk or iobuf_get_multi take at once through channel k:
 * the cache first, then the ring (unless entries wait) and the module's
 * reserve, all or nothing, the part beyond the cache within the module's
 * limit. Returns whether they can; *at_limit when the limit was in the way.
 */
static bool
take_now(int k, int cls, uint32_t n, bool *at_limit, uint32_t part[3])
{
	int m = model_mod_of(k);
	uint32_t from_cache = M.chan[k].cached[cls] < (int64_t)n ?
		(uint32_t)M.chan[k].cached[cls] : n;
	uint32_t from_pool = n - from_cache, from_ring = 0;

	*at_limit = false;
	if (from_pool > 0) {
		if (!model_room(m, cls, from_pool)) {
			*at_limit = true;
			return false;
		}
		if (model_ring_open(m, cls))
			from_ring = M.cl[cls].ring < from_pool ?
				(uint32_t)M.cl[cls].ring : from_pool;
		if (from_pool - from_ring > M.mod[m].stash[cls])
			return false;
	}
	part[0] = from_cache;
	part[1] = from_ring;
	part[2] = from_pool - from_ring;
	return true;
}

static void
took_now(int k, int cls, const uint32_t part[3])
{
	struct model_module *mm = &M.mod[model_mod_of(k)];

	M.chan[k].cached[cls] -= part[0];
	M.cl[cls].ring -= part[1];
	mm->stash[cls] -= part[2];
	mm->st[cls].cache += part[0];
	mm->st[cls].main += part[1] + part[2];
	mm->st[cls].out += part[0] + part[1] + part[2];
}

static int
do_get_multi(int k, uint64_t len, uint32_t n, struct fuzz_entry *fe,
	     iobuf_get_multi_cb cb, enum entry_action action, uint32_t need,
	     bool null_bufs)
{
	void *local[MODEL_MAX_BUFS];
	void **bufs = null_bufs ? NULL : fe != NULL ? fe->bufs : local;
	struct model_channel *mc = &M.chan[k];
	int m = model_mod_of(k), idx = fe == NULL ? -1 : (int)(fe - M.entries);
	int cls = len_class(len);
	struct model_module *mm = &M.mod[m];
	uint32_t part[3];
	bool ok = false, at_limit = false;
	struct frame f;
	int want, rc;

	if (mc->ch == NULL || bufs == NULL || !len_valid(len) || n == 0 ||
	    n > M.total[cls] || (mm->limit[cls] != 0 && n > mm->limit[cls]) ||
	    (fe != NULL && (cb == NULL || fe->state != ENTRY_IDLE))) {
		want = -EINVAL;
	} else {
		ok = take_now(k, cls, n, &at_limit, part);
		want = ok ? 0 : -ENOMEM;
	}

	model_trace("get_multi %s len %llu n %u entry %d%s%s action %d need %u",
		    chan_name(k), (unsigned long long)len, n, idx,
		    cb == NULL ? " (no cb)" : "", null_bufs ? " (NULL bufs)" : "",
		    action, need);
	frame_push(&f, FRAME_NONE, ACTOR_NONE);
	rc = iobuf_get_multi(mc->ch, len, bufs, n,
			     fe == NULL ? NULL : &fe->entry, cb);
	frame_pop(&f);
	if (rc != want)
		model_fail("iobuf_get_multi(%s, len %llu, n %u, entry %d) "
			   "returned %d, expected %d: the channel caches %lld, "
			   "the ring has %llu, the reserve %llu, %d %s entries "
			   "wait, held %lld of limit %llu", chan_name(k),
			   (unsigned long long)len, n, idx, rc, want,
			   (long long)mc->cached[cls],
			   (unsigned long long)M.cl[cls].ring,
			   (unsigned long long)mm->stash[cls],
			   model_shared_count(cls), model_cls_name(cls),
			   (long long)model_held(m, cls),
			   (unsigned long long)mm->limit[cls]);
	if (rc == 0) {
		take_buffers(bufs, n, cls);
		took_now(k, cls, part);
	} else if (rc == -ENOMEM) {
		/*
		 * At the limit: without an entry it failed because of it;
		 * an entry counts when it queues at the limit.
		 */
		if (at_limit && fe == NULL)
			mm->limit_waits[cls]++;
		if (fe != NULL) {
			fe->chan = k;
			fe->mod = m;
			fe->cls = cls;
			fe->len = len;
			fe->n = n;
			fe->action = action;
			fe->need = need;
			model_enqueue(idx);
		}
	}
	model_sync(ACTOR_NONE, 0);
	return rc;
}

static void
do_get_bulk(int k, uint64_t len, uint32_t n)
{
	struct model_channel *mc = &M.chan[k];
	void *bufs[MODEL_MAX_BUFS];
	int m = model_mod_of(k), cls = len_class(len);
	uint32_t part[3];
	bool at_limit = false;
	struct frame f;
	int want, rc;

	if (mc->ch == NULL || !len_valid(len) || n == 0)
		want = -EINVAL;
	else
		want = take_now(k, cls, n, &at_limit, part) ? 0 : -ENOMEM;
	model_trace("get_bulk %s len %llu n %u", chan_name(k),
		    (unsigned long long)len, n);
	frame_push(&f, FRAME_NONE, ACTOR_NONE);
	rc = iobuf_get_bulk(mc->ch, len, bufs, n);
	frame_pop(&f);
	if (rc != want)
		model_fail("iobuf_get_bulk(%s, len %llu, n %u) returned %d, "
			   "expected %d: the channel caches %lld, the ring has "
			   "%llu, the reserve %llu, %d %s entries wait, held "
			   "%lld of limit %llu", chan_name(k),
			   (unsigned long long)len, n, rc, want,
			   (long long)mc->cached[cls],
			   (unsigned long long)M.cl[cls].ring,
			   (unsigned long long)M.mod[m].stash[cls],
			   model_shared_count(cls), model_cls_name(cls),
			   (long long)model_held(m, cls),
			   (unsigned long long)M.mod[m].limit[cls]);
	if (rc == 0) {
		take_buffers(bufs, n, cls);
		took_now(k, cls, part);
	} else if (at_limit) {
		M.mod[m].limit_waits[cls]++;
	}
	model_sync(ACTOR_NONE, 0);
}

static void
do_put(int k, void *buf, uint64_t len)
{
	struct model_channel *mc = &M.chan[k];
	int m = model_mod_of(k);
	int cls = M.held[model_held_find(buf)].cls;
	/* Nobody waits and the cache is below its size: it must cache (SPEC §3). */
	bool caches = mc->ch != NULL && !model_pressure(m, cls) &&
		mc->cached[cls] < (int64_t)mc->size[cls];
	int64_t cached_before = mc->cached[cls];
	struct frame f;

	model_trace("put %s %s buf %p len %llu%s", chan_name(k),
		    model_cls_name(cls), buf, (unsigned long long)len,
		    mc->ch != NULL && model_pressure(m, cls) ?
		    " (entries wait)" : "");
	frame_push(&f, mc->ch == NULL ? FRAME_NONE : FRAME_PUT,
		   mc->ch == NULL ? ACTOR_NONE : k);
	f.bufs = &buf;
	f.n = 1;
	iobuf_put(mc->ch, buf, len);
	frame_done(&f, "iobuf_put");
	frame_pop(&f);
	model_sync(f.actor, f.allow);
	if (caches && mc->cached[cls] != cached_before + 1)
		model_fail("iobuf_put(%p) with nobody waiting left %s's %s cache "
			   "at %lld, was %lld below its size %u: it must cache",
			   buf, chan_name(k), model_cls_name(cls),
			   (long long)mc->cached[cls], (long long)cached_before,
			   mc->size[cls]);
}

/* iobuf_put_bulk of bufs through channel k; bufs[bad_at] is no buffer. */
static void
put_bulk(int k, void **bufs, uint32_t n, uint32_t bad_at)
{
	struct model_channel *mc = &M.chan[k];
	int want = mc->ch == NULL || n == 0 || bad_at < n ? -EINVAL : 0;
	struct frame f;
	int rc;

	model_trace("put_bulk %s n %u bad at %d", chan_name(k), n, (int)bad_at);
	frame_push(&f, want == 0 ? FRAME_PUT : FRAME_NONE,
		   want == 0 ? k : ACTOR_NONE);
	f.bufs = bufs;
	f.n = n;
	rc = iobuf_put_bulk(mc->ch, bufs, n);
	if (rc != want)
		model_fail("iobuf_put_bulk(%s, n %u, bad pointer at %d) returned "
			   "%d, expected %d", chan_name(k), n, (int)bad_at, rc,
			   want);
	frame_done(&f, "iobuf_put_bulk");
	frame_pop(&f);
	model_sync(f.actor, f.allow);
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
do_put_bad(int k, uint8_t b)
{
	struct frame f;
	void *bad = bad_pointer(b);

	model_trace("put %s bad pointer %p", chan_name(k), bad);
	frame_push(&f, FRAME_NONE, ACTOR_NONE);
	iobuf_put(M.chan[k].ch, bad, 4096);
	frame_pop(&f);
	model_sync(ACTOR_NONE, 0);
}

static void
do_put_bulk(int k, uint8_t start, uint32_t n, uint8_t bad)
{
	void *bufs[MODEL_MAX_BUFS];
	uint32_t bad_at = bad & 0x7f;

	if (n > (uint32_t)M.nheld)
		n = (uint32_t)M.nheld;
	for (uint32_t i = 0; i < n; i++)
		bufs[i] = M.held[(start + i) % (uint32_t)M.nheld].buf;
	/* One pointer that is no buffer makes the whole call a no-op. */
	if ((bad & 0x80) && bad_at < n)
		bufs[bad_at] = bad_pointer(bad);
	else
		bad_at = UINT32_MAX;
	put_bulk(k, bufs, n, bad_at);
}

static void
do_abort(int k, int idx, uint64_t len)
{
	struct model_channel *mc = &M.chan[k];
	struct fuzz_entry *fe = &M.entries[idx];
	/* Any channel of the entry's module; len picks the class. */
	bool removes = mc->ch != NULL && len_valid(len) &&
		fe->state != ENTRY_IDLE && fe->cls == len_class(len) &&
		fe->mod == model_mod_of(k);
	struct frame f;

	model_trace("abort %s entry %d len %llu%s", chan_name(k), idx,
		    (unsigned long long)len, removes ? " (removes it)" : "");
	frame_push(&f, FRAME_NONE, ACTOR_NONE);
	iobuf_entry_abort(mc->ch, &fe->entry, len);
	frame_pop(&f);
	if (removes) {
		model_cancel(idx);
		model_pull(fe->cls);
	}
	model_sync(ACTOR_NONE, 0);
}

struct visit {
	int chan;
	int expect[IOBUF_CLASS_COUNT * MODEL_ENTRIES];
	int nexpect;
	int pos;
	int nvisited;
	int stop_at;
	uint32_t abort_mask;
	bool stopped;
};

/* Skip expected entries that left before their turn (aborted by the visitor). */
static void
visit_skip(struct visit *v)
{
	while (v->pos < v->nexpect &&
	       M.entries[v->expect[v->pos]].state == ENTRY_IDLE)
		v->pos++;
}

static int
visitor(struct iobuf_channel *ch, struct iobuf_entry *entry, void *ctx)
{
	struct fuzz_entry *fe = MODEL_CONTAINER_OF(entry, struct fuzz_entry,
						   entry);
	struct visit *v = ctx;
	int idx = (int)(fe - M.entries);
	int k = v->nvisited++;

	if (ch != M.chan[v->chan].ch)
		model_fail("iobuf_for_each_entry passed channel %p, not %p",
			   (void *)ch, (void *)M.chan[v->chan].ch);
	visit_skip(v);
	if (v->pos == v->nexpect || idx != v->expect[v->pos])
		model_fail("iobuf_for_each_entry(%s): visit %d is entry %d, "
			   "expected %d", chan_name(v->chan), k, idx,
			   v->pos < v->nexpect ? v->expect[v->pos] : -1);
	v->pos++;
	if ((v->abort_mask >> k) & 1)
		do_abort(v->chan, idx, fe->len);
	v->stopped = k == v->stop_at;
	return v->stopped ? 7 : 0;
}

static void
do_for_each(int k, uint8_t stop, uint8_t mask, bool no_fn)
{
	struct model_channel *mc = &M.chan[k];
	struct visit v = {
		.chan = k,
		.stop_at = stop % 24,
		.abort_mask = mask,
	};
	struct frame f;
	int rc, want;

	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		v.nexpect += model_walk(model_mod_of(k), c, v.expect + v.nexpect);
	model_trace("for_each_entry %s stop %d abort mask %#x%s", chan_name(k),
		    v.stop_at, mask, no_fn ? " (no fn)" : "");
	frame_push(&f, FRAME_NONE, ACTOR_NONE);
	rc = iobuf_for_each_entry(mc->ch, no_fn ? NULL : visitor, &v);
	frame_pop(&f);
	want = mc->ch == NULL || no_fn ? -EINVAL : v.stopped ? 7 : 0;
	visit_skip(&v);
	if (rc != want || (want == 0 && v.pos != v.nexpect) ||
	    (want == -EINVAL && v.nvisited != 0))
		model_fail("iobuf_for_each_entry(%s) returned %d after %d "
			   "visits, expected %d (%d entries, stop at %d, %d not "
			   "visited)", chan_name(k), rc, v.nvisited, want,
			   v.nexpect, v.stop_at, v.nexpect - v.pos);
	model_sync(ACTOR_NONE, 0);
}

static void
do_poll(void)
{
	struct frame f;
	int rc;

	model_trace("poll (%d small, %d large in line)", model_shared_count(0),
		    model_shared_count(1));
	frame_push(&f, FRAME_POLL, ACTOR_NONE);
	if (model_poll())
		f.dcls = 0;
	rc = iobuf_thread_poll();
	frame_done(&f, "iobuf_thread_poll");
	frame_pop(&f);
	if (rc != f.ncalled)
		model_fail("iobuf_thread_poll returned %d, it ran %d callbacks",
			   rc, f.ncalled);
	model_sync(ACTOR_NONE, 0);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		if (model_shared_count(c) > 0 && M.cl[c].ring > 0)
			model_fail("iobuf_thread_poll left %d %s entries waiting "
				   "in line and %llu buffers in the ring",
				   model_shared_count(c), model_cls_name(c),
				   (unsigned long long)M.cl[c].ring);
}

static void
do_open(int k, uint8_t b, uint8_t flags)
{
	static const uint32_t small_sizes[] = { 0, 1, 2, 3, 5, 8, 16, 31, 32, 33, 64 };
	static const uint32_t large_sizes[] = { 0, 1, 2, 3, 4, 8 };
	struct model_channel *mc = &M.chan[k];
	int m = model_mod_of(k);
	struct iobuf_channel *ch = NULL;
	uint32_t size[IOBUF_CLASS_COUNT];
	bool fails[IOBUF_CLASS_COUNT] = { false, false };
	bool can_einval, can_enodev, can_enomem;
	const char *name = model_module_name[m];
	bool null_ch = flags == 0xfe, null_name = flags == 0xff;
	int rc;

	size[0] = (b & 0xf) < 11 ? small_sizes[b & 0xf] :
		(uint32_t)M.total[0] + (b & 0xf) - 12;
	size[1] = (b >> 4) < 6 ? large_sizes[b >> 4] :
		(uint32_t)M.total[1] + (b >> 4) - 7;
	if (mc->ch != NULL && !null_ch && !null_name) {
		/* A module may have several channels, but this slot is taken. */
		model_trace("channel_init %s: slot taken, skipped", chan_name(k));
		return;
	}

	can_einval = null_ch || null_name || !M.initialized;
	can_enodev = !null_name && !M.mod[m].registered;
	for (int c = 0; c < IOBUF_CLASS_COUNT && M.initialized; c++) {
		uint64_t limit = M.mod[m].limit[c];

		if (size[c] > M.total[c] || (limit != 0 && size[c] > limit))
			can_einval = true;
		fails[c] = size[c] > 0 && (!model_room(m, c, size[c]) ||
					  M.cl[c].ring < size[c]);
	}
	can_enomem = !can_einval && !can_enodev && (fails[0] || fails[1]);

	model_trace("channel_init %d of %s small %u large %u%s%s", k, name,
		    size[0], size[1], null_ch ? " (NULL ch)" : "",
		    null_name ? " (NULL module)" : "");
	rc = iobuf_channel_init(null_ch ? NULL : &ch, null_name ? NULL : name,
				size[0], size[1]);
	if ((rc == 0 && (can_einval || can_enodev || can_enomem)) ||
	    (rc == -EINVAL && !can_einval) || (rc == -ENODEV && !can_enodev) ||
	    (rc == -ENOMEM && !can_enomem) ||
	    (rc != 0 && rc != -EINVAL && rc != -ENODEV && rc != -ENOMEM))
		model_fail("iobuf_channel_init(%s, small %u, large %u) returned "
			   "%d; allowed: %s%s%s (free %llu/%llu, held %lld/%lld "
			   "of limit %llu/%llu)", name, size[0], size[1], rc,
			   can_einval ? "EINVAL " : "", can_enodev ? "ENODEV " : "",
			   can_enomem ? "ENOMEM" : (!can_einval && !can_enodev ?
			   "0" : ""),
			   (unsigned long long)M.cl[0].ring,
			   (unsigned long long)M.cl[1].ring,
			   (long long)model_held(m, 0), (long long)model_held(m, 1),
			   (unsigned long long)M.mod[m].limit[0],
			   (unsigned long long)M.mod[m].limit[1]);
	if (rc == -ENOMEM && !fails[0] && size[0] > 0) {
		/* The small cache filled, the large one could not: given back. */
		M.cl[0].ring -= size[0];
		model_return(k, 0, size[0], NULL);
	}
	if (rc != 0) {
		model_sync(ACTOR_NONE, 0);
		return;
	}
	if (ch == NULL)
		model_fail("iobuf_channel_init returned 0 and no channel");
	mc->ch = ch;
	mc->opened = ++M.opened;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		mc->size[c] = size[c];
		mc->cached[c] = size[c];
		M.cl[c].ring -= size[c];
	}
	model_sync(ACTOR_NONE, 0);
}

static void
do_close(int k)
{
	struct iobuf_channel *ch = M.chan[k].ch;
	struct frame f;

	model_trace("channel_fini %s", chan_name(k));
	frame_push(&f, FRAME_NONE, ACTOR_NONE);
	iobuf_channel_fini(ch);
	frame_pop(&f);
	/* Entries left waiting are dropped without a callback (iobuf.h). */
	if (ch != NULL)
		model_close(k);
	model_sync(ACTOR_NONE, 0);
}

static void
module_registered(int m, const struct iobuf_module_opts *o)
{
	struct model_module *mm = &M.mod[m];

	memset(mm, 0, sizeof(*mm));
	mm->registered = true;
	mm->priority = o->priority;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		mm->reserve[c] = o->reserve[c];
		mm->limit[c] = o->limit[c];
		if (M.initialized) {
			mm->stash[c] = o->reserve[c];
			M.cl[c].ring -= o->reserve[c];
		}
	}
	M.reg_order[M.nreg++] = m;
}

static void
module_unregistered(int m)
{
	struct model_module *mm = &M.mod[m];
	int i = 0;

	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		M.cl[c].ring += mm->stash[c];
		mm->stash[c] = 0;
	}
	mm->registered = false;
	while (M.reg_order[i] != m)
		i++;
	memmove(&M.reg_order[i], &M.reg_order[i + 1],
		(size_t)(M.nreg - i - 1) * sizeof(M.reg_order[0]));
	M.nreg--;
}

static bool
module_busy(int m)
{
	for (int k = m; k < MODEL_CHANNELS; k += MODEL_MODULES)
		if (M.chan[k].ch != NULL)
			return true;
	return false;
}

static void
expect_rc(const char *what, int rc, int want)
{
	if (rc != want)
		model_fail("%s returned %d, expected %d", what, rc, want);
}

static const char long_name[] =
	"a_module_name_of_sixty_four_characters_is_one_too_long_for_iobuf";
_Static_assert(sizeof(long_name) == IOBUF_MODULE_NAME_MAX + 2,
	       "long_name must be one character too long");

static void
do_module(int m, uint8_t b)
{
	const struct iobuf_module_opts plain = { .opts_size = sizeof(plain) };
	const char *name = model_module_name[m];
	int want;

	model_trace("module %s op %d", name, b % 6);
	switch (b % 6) {
	case 0:
		want = !M.mod[m].registered ? -ENOENT : module_busy(m) ? -EBUSY : 0;
		expect_rc("iobuf_unregister_module", iobuf_unregister_module(name),
			  want);
		if (want == 0)
			module_unregistered(m);
		break;
	case 1:
		want = M.mod[m].registered ? -EEXIST : 0;
		expect_rc("iobuf_register_module", iobuf_register_module(name),
			  want);
		if (want == 0)
			module_registered(m, &plain);
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
	model_sync(ACTOR_NONE, 0);
}

/* A reserve from b: mostly none, a few, or about the pool's count. */
static uint64_t
reserve_from(uint8_t b, uint64_t few, uint64_t count)
{
	if (b < 0x80)
		return 0;
	if (b < 0xf8)
		return (b & 0x7f) % few;
	return count + (b & 7) - 4;
}

/* A limit from b: mostly none, else above the reserve, or just below it. */
static uint64_t
limit_from(uint8_t b, uint64_t reserve, uint64_t span)
{
	if (b < 0x80)
		return 0;
	if (b & 0x40)
		return reserve > 0 ? reserve - 1 : 0;
	return reserve + 1 + (b & 0x3f) % span;
}

/* The field at off of size len is wholly inside opts_size: it is read. */
static bool
inside(size_t opts_size, size_t off, size_t len)
{
	return off + len <= opts_size;
}

static void
do_module_ext(int m, struct reader *r)
{
	/* Caller struct sizes: current, older ones, cut mid-field, newer. */
	static const size_t sizes[] = { 48, 48, 48, 12, 24, 40, 36, 64 };
	struct {
		struct iobuf_module_opts o;
		uint64_t newer[2];  /* fields of a newer caller: ignored */
	} raw;
	struct iobuf_module_opts want_o = { .opts_size = sizeof(want_o) };
	uint8_t sel = rd(r), pri = rd(r), rs = rd(r), rl = rd(r);
	uint8_t ls = rd(r), ll = rd(r);
	const char *name = sel == 0xfe ? NULL : sel == 0xfd ? long_name :
		sel == 0xfc ? "" : model_module_name[m];
	bool null_opts = sel == 0xff;
	uint64_t count[IOBUF_CLASS_COUNT];
	bool valid, name_ok = name != NULL && name[0] != '\0' &&
		strlen(name) <= IOBUF_MODULE_NAME_MAX;
	int rc, want;

	/* Registered without a channel: re-registered, unless sel asks for EEXIST. */
	if (!(sel & 0x40) && name == model_module_name[m] &&
	    M.mod[m].registered && !module_busy(m)) {
		model_trace("unregister %s to register it again", name);
		expect_rc("iobuf_unregister_module",
			  iobuf_unregister_module(name), 0);
		module_unregistered(m);
	}
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		count[c] = M.initialized ? M.total[c] : M.opts_count[c];
	memset(&raw, 0, sizeof(raw));
	raw.o.opts_size = sel == 0xfb ? 4 : sizes[sel & 7];
	raw.o.priority = pri % 8 < 5 ? IOBUF_PRIORITY_NORMAL :
		pri % 8 < 7 ? IOBUF_PRIORITY_HIGH : 2 + (pri >> 3);
	raw.o.flags = (sel & 0x38) == 0x38 && sel < 0xf8 ? 1u + (sel >> 6) : 0;
	raw.o.reserve[0] = reserve_from(rs, 12, count[0]);
	raw.o.reserve[1] = reserve_from(rl, 4, count[1]);
	raw.o.limit[0] = limit_from(ls, raw.o.reserve[0], 24);
	raw.o.limit[1] = limit_from(ll, raw.o.reserve[1], 6);
	raw.newer[0] = raw.newer[1] = ~(uint64_t)0;

	/* What the library must read: the fields wholly inside opts_size. */
	if (inside(raw.o.opts_size, offsetof(struct iobuf_module_opts, priority), 4))
		want_o.priority = raw.o.priority;
	if (inside(raw.o.opts_size, offsetof(struct iobuf_module_opts, flags), 4))
		want_o.flags = raw.o.flags;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		if (inside(raw.o.opts_size,
			   offsetof(struct iobuf_module_opts, reserve[c]), 8))
			want_o.reserve[c] = raw.o.reserve[c];
		if (inside(raw.o.opts_size,
			   offsetof(struct iobuf_module_opts, limit[c]), 8))
			want_o.limit[c] = raw.o.limit[c];
	}
	valid = name_ok && !null_opts && raw.o.opts_size >= sizeof(size_t) &&
		want_o.priority <= IOBUF_PRIORITY_HIGH && want_o.flags == 0;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		valid &= want_o.reserve[c] <= count[c] &&
			(want_o.limit[c] == 0 ||
			 want_o.limit[c] >= want_o.reserve[c]);
	if (!valid)
		want = -EINVAL;
	else if (M.mod[m].registered)
		want = -EEXIST;
	else if (M.initialized && (M.cl[0].ring < want_o.reserve[0] ||
				   M.cl[1].ring < want_o.reserve[1]))
		want = -ENOMEM;
	else
		want = 0;

	model_trace("register_module_ext %s size %zu priority %u flags %u "
		    "reserve %llu/%llu limit %llu/%llu%s (expect %d)",
		    name == NULL ? "(NULL)" : name, raw.o.opts_size,
		    raw.o.priority, raw.o.flags,
		    (unsigned long long)raw.o.reserve[0],
		    (unsigned long long)raw.o.reserve[1],
		    (unsigned long long)raw.o.limit[0],
		    (unsigned long long)raw.o.limit[1],
		    null_opts ? " (NULL opts)" : "", want);
	rc = iobuf_register_module_ext(name, null_opts ? NULL : &raw.o);
	/* Both wrong: either error says so. */
	if (!(rc == want || (want == -EINVAL && rc == -EEXIST && name_ok &&
			     M.mod[m].registered)))
		model_fail("iobuf_register_module_ext(%s, size %zu, priority %u, "
			   "flags %u, reserve %llu/%llu, limit %llu/%llu) "
			   "returned %d, expected %d (free %llu/%llu)",
			   name == NULL ? "NULL" : name, raw.o.opts_size,
			   raw.o.priority, raw.o.flags,
			   (unsigned long long)raw.o.reserve[0],
			   (unsigned long long)raw.o.reserve[1],
			   (unsigned long long)raw.o.limit[0],
			   (unsigned long long)raw.o.limit[1], rc, want,
			   (unsigned long long)M.cl[0].ring,
			   (unsigned long long)M.cl[1].ring);
	if (rc == 0)
		module_registered(m, &want_o);
	model_sync(ACTOR_NONE, 0);
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
set_opts(const struct iobuf_opts *o)
{
	expect_rc("iobuf_set_opts", iobuf_set_opts(o), 0);
	M.opts_count[IOBUF_CLASS_SMALL] = o->small_pool_count;
	M.opts_count[IOBUF_CLASS_LARGE] = o->large_pool_count;
}

static void
do_initialize(struct reader *r)
{
	struct iobuf_opts o;
	uint64_t bufsize[2], total[2];
	int want;

	opts_from(r, &o, bufsize, total);
	model_trace("initialize small %llu x %u large %llu x %u",
		    (unsigned long long)o.small_pool_count, o.small_bufsize,
		    (unsigned long long)o.large_pool_count, o.large_bufsize);
	set_opts(&o);
	/* Reserves of modules registered before must fit the new pools. */
	want = model_initialize(bufsize, total) ? 0 : -ENOMEM;
	expect_rc("iobuf_initialize", iobuf_initialize(), want);
	model_sync(ACTOR_NONE, 0);
}

static void
do_finish(void)
{
	bool busy = M.nheld > 0;
	int want;

	for (int k = 0; k < MODEL_CHANNELS; k++)
		busy |= M.chan[k].ch != NULL;
	want = M.initialized && busy ? -EBUSY : 0;
	model_trace("finish (expect %d)", want);
	expect_rc("iobuf_finish", iobuf_finish(), want);
	if (want == 0)
		model_finished();
	model_sync(ACTOR_NONE, 0);
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
		/* Options are fixed while initialized. */
		opts_from(r, &o, bufsize, total);
		model_trace("set_opts");
		iobuf_get_opts(&before, sizeof(before));
		if (M.initialized)
			expect_rc("iobuf_set_opts", iobuf_set_opts(&o), -EBUSY);
		else
			set_opts(&o);
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
	model_sync(ACTOR_NONE, 0);
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
	if (fe->state == ENTRY_IDLE)
		fe->entry.opaque[(b >> 4) & 7] = v;
}

_Static_assert(ACT_COUNT == 4, "run_op decodes the entry action from 2 bits");

/* An entry from e, or NULL: e % 20 past the entries. */
static struct fuzz_entry *
entry_from(uint8_t e)
{
	return e % 20 < MODEL_ENTRIES ? &M.entries[e % 20] : NULL;
}

/*
 * iobuf_get_multi's n from b, for class cls of module m: a few, up to
 * 64, about the pool's count, just above the limit or the count, or 0.
 */
static uint32_t
multi_n(uint8_t b, int cls, int m)
{
	uint64_t total = M.total[cls], limit = M.mod[m].limit[cls];

	if (b == 0xff)
		return 0;
	switch (b >> 6) {
	case 0:
		return 1 + (b & 7);
	case 1:
		return 1 + (b & 63);
	case 2:
		return (uint32_t)(total > (b & 3) ? total - (b & 3) : 1);
	default:
		return (uint32_t)((b & 4) && limit != 0 ? limit + (b & 1) :
				  total + (b & 3));
	}
}

static void
run_op(struct reader *r)
{
	uint8_t op = rd(r);
	int k = rd(r) % MODEL_CHANNELS;

	switch (op % OP_COUNT) {
	case OP_OPEN: {
		uint8_t sizes = rd(r);

		do_open(k, sizes, rd(r));
		break;
	}
	case OP_CLOSE:
		do_close(k);
		break;
	case OP_GET: {
		uint64_t len = len_from(rd(r));
		uint8_t e = rd(r), a = rd(r);

		do_get(k, len, entry_from(e),
		       (e & 0xe0) == 0xe0 ? NULL : entry_cb,
		       (enum entry_action)(a & 3), 1 + ((a >> 2) & 7));
		break;
	}
	case OP_PUT: {
		uint8_t h = rd(r), l = rd(r);

		if (M.nheld > 0)
			do_put(k, M.held[h % M.nheld].buf, len_from(l));
		break;
	}
	case OP_PUT_BAD:
		do_put_bad(k, rd(r));
		break;
	case OP_GET_BULK: {
		uint64_t len = len_from(rd(r));

		do_get_bulk(k, len, rd(r) % 160);
		break;
	}
	case OP_PUT_BULK: {
		uint8_t start = rd(r), n = rd(r);

		do_put_bulk(k, start, n, rd(r));
		break;
	}
	case OP_ABORT: {
		uint8_t e = rd(r), l = rd(r);
		struct fuzz_entry *fe = &M.entries[e % MODEL_ENTRIES];
		uint64_t len = l < 0xf0 ? (fe->state != ENTRY_IDLE ? fe->len : 1) :
			len_from(l);

		do_abort(k, e % MODEL_ENTRIES, len);
		break;
	}
	case OP_FOR_EACH: {
		uint8_t stop = rd(r), mask = rd(r);

		do_for_each(k, stop, mask, stop == 0xff);
		break;
	}
	case OP_POLL:
		do_poll();
		break;
	case OP_MODULE:
		do_module(model_mod_of(k), rd(r));
		break;
	case OP_LIFECYCLE:
		do_lifecycle(r, rd(r));
		break;
	case OP_SCRIBBLE:
		do_scribble(rd(r), r);
		break;
	case OP_GET_MULTI: {
		uint64_t len = len_from(rd(r));
		uint8_t nb = rd(r), e = rd(r), a = rd(r);

		do_get_multi(k, len, multi_n(nb, len_class(len), model_mod_of(k)),
			     entry_from(e),
			     (e & 0xe0) == 0xe0 ? NULL : entry_multi_cb,
			     (enum entry_action)(a & 3), 1 + ((a >> 2) & 7),
			     (a & 0xe0) == 0xe0);
		break;
	}
	default:
		do_module_ext(model_mod_of(k), r);
		break;
	}
}

/* Return everything and finish: the next input starts from scratch. */
static void
cleanup(void)
{
	int k;

	model_trace("cleanup");
	if (M.initialized) {
		for (int i = 0; i < MODEL_ENTRIES; i++)
			if (M.entries[i].state != ENTRY_IDLE)
				do_abort(M.entries[i].chan, i, M.entries[i].len);
		if (M.nheld > 0) {
			for (k = 0; k < MODEL_CHANNELS && M.chan[k].ch == NULL; k++)
				;
			if (k == MODEL_CHANNELS) {
				k = 0;
				if (!M.mod[k].registered)
					do_module(k, 1);
				do_open(k, 0, 0);
			}
			while (M.nheld > 0)
				do_put(k, M.held[0].buf, 1);
		}
		for (k = 0; k < MODEL_CHANNELS; k++)
			if (M.chan[k].ch != NULL)
				do_close(k);
		do_finish();
	}
	expect_rc("iobuf_thread_poll after cleanup", iobuf_thread_poll(), 0);
	/* Fresh modules with default options: the next input expects them. */
	for (int m = 0; m < MODEL_MODULES; m++) {
		if (M.mod[m].registered)
			expect_rc("iobuf_unregister_module",
				  iobuf_unregister_module(model_module_name[m]), 0);
		expect_rc("iobuf_register_module",
			  iobuf_register_module(model_module_name[m]), 0);
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
	for (int m = 0; m < MODEL_MODULES; m++) {
		rc = iobuf_register_module(model_module_name[m]);
		if (rc != 0) {
			fprintf(stderr, "fuzz_api: register %s: %d\n",
				model_module_name[m], rc);
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
