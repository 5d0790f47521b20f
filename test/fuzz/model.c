/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

#include "model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct model M;

const char *const model_module_name[MODEL_MODULES] = {
	"fuzz0", "fuzz1", "fuzz2", "fuzz3",
};

void
model_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_api: model mismatch at operation %u: ", M.op);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nfuzz_api: rerun this input with FUZZ_TRACE=1 to print every "
	      "operation\n", stderr);
	iobuf_dump(stderr);
	abort();
}

void
model_trace(const char *fmt, ...)
{
	va_list ap;

	if (!M.trace)
		return;
	fprintf(stderr, "%4u ", M.op);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
model_reset(void)
{
	bool trace = M.trace;

	memset(&M, 0, sizeof(M));
	M.trace = trace;
	M.cb_entry = -1;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		M.cl[c].gatherer = -1;
	for (int s = 0; s < MODEL_MODULES; s++) {
		M.mod[s].registered = true;
		M.reg_order[s] = s;
	}
	M.nreg = MODEL_MODULES;
}

bool
model_initialize(const uint64_t bufsize[IOBUF_CLASS_COUNT],
		 const uint64_t total[IOBUF_CLASS_COUNT])
{
	/* Every registered module's reserve comes out of the new ring. */
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		uint64_t reserved = 0;

		for (int s = 0; s < MODEL_MODULES; s++)
			if (M.mod[s].registered)
				reserved += M.mod[s].reserve[c];
		if (reserved > total[c])
			return false;
	}
	M.initialized = true;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		M.bufsize[c] = bufsize[c];
		M.total[c] = total[c];
		M.nknown[c] = 0;
		M.cl[c].ring = total[c];
		for (int s = 0; s < MODEL_MODULES; s++) {
			if (!M.mod[s].registered)
				continue;
			M.mod[s].stash[c] = M.mod[s].reserve[c];
			M.cl[c].ring -= M.mod[s].reserve[c];
		}
	}
	return true;
}

void
model_finished(void)
{
	M.initialized = false;
	memset(M.bufsize, 0, sizeof(M.bufsize));
	memset(M.total, 0, sizeof(M.total));
	memset(M.nknown, 0, sizeof(M.nknown));
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		M.cl[c].ring = 0;
		for (int s = 0; s < MODEL_MODULES; s++)
			M.mod[s].stash[c] = 0;
	}
}

int
model_held_find(const void *buf)
{
	for (int i = 0; i < M.nheld; i++)
		if (M.held[i].buf == buf)
			return i;
	return -1;
}

void
model_held_add(void *buf, int cls)
{
	if (M.nheld == MODEL_MAX_BUFS)
		model_fail("more than %d buffers out", MODEL_MAX_BUFS);
	M.held[M.nheld++] = (struct model_buf){ .buf = buf, .cls = cls };
	M.nheld_cls[cls]++;
}

void
model_held_remove(const void *buf)
{
	int i = model_held_find(buf);

	if (i < 0)
		model_fail("buffer %p is not out", buf);
	M.nheld_cls[M.held[i].cls]--;
	M.held[i] = M.held[--M.nheld];
}

static uintptr_t
distance(uintptr_t a, uintptr_t b)
{
	return a > b ? a - b : b - a;
}

void
model_check_new_buffer(void *buf, int cls)
{
	uintptr_t a = (uintptr_t)buf;
	uint64_t size = M.bufsize[cls];
	uint64_t iova;
	int other = !cls;
	bool seen = false;

	if (buf == NULL || (a & 4095) != 0)
		model_fail("%s buffer %p is not 4 KiB aligned", cls ? "large" :
			   "small", buf);
	if (model_held_find(buf) >= 0)
		model_fail("buffer %p handed out while it is out already", buf);
	iova = iobuf_iova(buf);
	if (iova == UINT64_MAX)
		model_fail("iobuf_iova(%p) says it is not a pool buffer", buf);
	if (iobuf_iova((char *)buf + size - 1) != iova + size - 1)
		model_fail("buffer %p is not IOVA-contiguous over its %llu "
			   "bytes", buf, (unsigned long long)size);

	for (int i = 0; i < M.nknown[cls] && !seen; i++)
		seen = M.known[cls][i] == a;
	if (!seen) {
		if (M.nknown[cls] > 0 && distance(a, M.known[cls][0]) % size != 0)
			model_fail("%s buffer %p is not a whole number of %llu-"
				   "byte buffers away from %p", cls ? "large" :
				   "small", buf, (unsigned long long)size,
				   (void *)M.known[cls][0]);
		if ((uint64_t)M.nknown[cls] == M.total[cls])
			model_fail("%s pool of %llu buffers handed out a "
				   "%dth distinct address %p", cls ? "large" :
				   "small", (unsigned long long)M.total[cls],
				   M.nknown[cls] + 1, buf);
		if (M.nknown[cls] == 0 || a < M.lo[cls])
			M.lo[cls] = a;
		if (M.nknown[cls] == 0 || a > M.hi[cls])
			M.hi[cls] = a;
		M.known[cls][M.nknown[cls]++] = a;
		if (M.nknown[other] > 0 &&
		    M.lo[cls] < M.hi[other] + M.bufsize[other] &&
		    M.lo[other] < M.hi[cls] + size)
			model_fail("the spans of the small and large buffers "
				   "seen overlap (%p is %s)", buf, cls ? "large" :
				   "small");
	}

	/* The caller owns the buffer now: it must be real, writable memory. */
	((volatile uint8_t *)buf)[0] = 0xa5;
	((volatile uint8_t *)buf)[size - 1] = 0x5a;
}

/* ---- lists ------------------------------------------------------------- */

static void
list_push(struct model_list *l, int idx, bool at_head)
{
	if (l->n == MODEL_ENTRIES)
		model_fail("model list overflow with entry %d", idx);
	if (at_head) {
		memmove(l->idx + 1, l->idx, (size_t)l->n * sizeof(l->idx[0]));
		l->idx[0] = idx;
	} else {
		l->idx[l->n] = idx;
	}
	l->n++;
}

static void
list_remove(struct model_list *l, int idx)
{
	int i = 0;

	while (i < l->n && l->idx[i] != idx)
		i++;
	if (i == l->n)
		model_fail("entry %d is not in the model's list", idx);
	memmove(l->idx + i, l->idx + i + 1,
		(size_t)(l->n - i - 1) * sizeof(l->idx[0]));
	l->n--;
}

static struct model_list *
queue_of(const struct fuzz_entry *fe)
{
	return &M.cl[fe->cls].q[M.mod[fe->mod].priority ==
				IOBUF_PRIORITY_HIGH ? 0 : 1];
}

/* Take entry idx out of whatever list it is in; its state stays. */
static void
unlink_entry(int idx)
{
	struct fuzz_entry *fe = &M.entries[idx];
	struct model_class *mc = &M.cl[fe->cls];

	switch (fe->state) {
	case ENTRY_QUEUED:
		if (mc->gatherer == idx)
			mc->gatherer = -1;
		else
			list_remove(queue_of(fe), idx);
		break;
	case ENTRY_BLOCKED:
		list_remove(&M.mod[fe->mod].blocked[fe->cls], idx);
		break;
	case ENTRY_READY:
		list_remove(&mc->ready, idx);
		break;
	case ENTRY_IDLE:
		model_fail("entry %d is not waiting", idx);
	}
}

/* An entry re-queued from its own callback keeps its place (iobuf.h). */
static bool
at_head(int idx)
{
	return idx == M.cb_entry;
}

static void
block(int idx)
{
	struct fuzz_entry *fe = &M.entries[idx];

	fe->state = ENTRY_BLOCKED;
	list_push(&M.mod[fe->mod].blocked[fe->cls], idx, at_head(idx));
}

/* ---- the documented behaviour ------------------------------------------ */

int64_t
model_held(int m, int cls)
{
	int64_t held = M.mod[m].st[cls].out;

	for (int k = m; k < MODEL_CHANNELS; k += MODEL_MODULES)
		if (M.chan[k].ch != NULL)
			held += M.chan[k].cached[cls];
	return held;
}

bool
model_room(int m, int cls, uint64_t k)
{
	uint64_t limit = M.mod[m].limit[cls];

	/*
	 * Signed: a module that returned buffers another module took holds
	 * fewer than none, and has that much more room.
	 */
	return limit == 0 || model_held(m, cls) + (int64_t)k <= (int64_t)limit;
}

int
model_shared_count(int cls)
{
	const struct model_class *mc = &M.cl[cls];

	return (mc->gatherer >= 0) + mc->q[0].n + mc->q[1].n;
}

bool
model_pressure(int m, int cls)
{
	return model_shared_count(cls) + M.cl[cls].ready.n +
		M.mod[m].blocked[cls].n > 0;
}

bool
model_ring_open(int m, int cls)
{
	return model_shared_count(cls) == 0 && M.cl[cls].ready.n == 0 &&
		M.mod[m].blocked[cls].n == 0;
}

static int
first_shared(int cls)
{
	const struct model_class *mc = &M.cl[cls];

	if (mc->gatherer >= 0)
		return mc->gatherer;
	for (int q = 0; q < 2; q++)
		if (mc->q[q].n > 0)
			return mc->q[q].idx[0];
	return -1;
}

static int
first_shared_of(int m, int cls)
{
	const struct model_class *mc = &M.cl[cls];

	if (mc->gatherer >= 0 && M.entries[mc->gatherer].mod == m)
		return mc->gatherer;
	for (int q = 0; q < 2; q++)
		for (int i = 0; i < mc->q[q].n; i++)
			if (M.entries[mc->q[q].idx[i]].mod == m)
				return mc->q[q].idx[i];
	return -1;
}

/* Hand entry idx one buffer (buf when the model can name it). */
static void
feed(int idx, void *buf)
{
	struct fuzz_entry *fe = &M.entries[idx];
	struct model_class *mc = &M.cl[fe->cls];

	M.mod[fe->mod].st[fe->cls].out++;
	if (buf != NULL && fe->known == NULL) {
		fe->known = buf;
		fe->known_at = fe->gathered;
	}
	fe->gathered++;
	if (fe->gathered == (fe->n == 0 ? 1 : fe->n)) {
		if (M.mod[fe->mod].partial[fe->cls] == idx + 1)
			M.mod[fe->mod].partial[fe->cls] = 0;
		unlink_entry(idx);
		fe->state = ENTRY_READY;
		list_push(&mc->ready, idx, false);
		return;
	}
	M.mod[fe->mod].partial[fe->cls] = idx + 1;
	if (fe->state == ENTRY_QUEUED && mc->gatherer != idx &&
	    mc->gatherer < 0) {
		/* At most one entry per class gathers. */
		unlink_entry(idx);
		mc->gatherer = idx;
	}
}

/*
 * Within a module's buffers as in the pool, its one partial entry is fed
 * first, wherever it waits; one that was not first in the shared order
 * becomes the gatherer when there is none.
 */
static void
feed_module(int m, int idx, void *buf)
{
	int p = M.mod[m].partial[M.entries[idx].cls] - 1;
	struct model_class *mc = &M.cl[M.entries[idx].cls];

	if (p >= 0 && p != idx) {
		if (!(M.entries[p].state == ENTRY_QUEUED && mc->gatherer == p) &&
		    mc->gatherer < 0) {
			unlink_entry(p);
			M.entries[p].state = ENTRY_QUEUED;
			mc->gatherer = p;
		}
		idx = p;
	}
	feed(idx, buf);
}

/*
 * Hand a buffer to the first entry in the class's order whose module has
 * room; those at their limit step aside to wait for their module's
 * returns. false when nobody takes it.
 */
static bool
feed_shared(int cls, void *buf)
{
	int idx;

	while ((idx = first_shared(cls)) >= 0) {
		if (model_room(M.entries[idx].mod, cls, 1)) {
			feed_module(M.entries[idx].mod, idx, buf);
			return true;
		}
		unlink_entry(idx);
		block(idx);
	}
	return false;
}

/* A module's reserve serves its own entries ahead of the order. */
static void
serve_from_reserve(int m, int cls)
{
	struct model_module *mm = &M.mod[m];
	int idx;

	while (mm->stash[cls] > 0 && (idx = first_shared_of(m, cls)) >= 0 &&
	       model_room(m, cls, 1)) {
		mm->stash[cls]--;
		feed_module(m, idx, NULL);
	}
}

/*
 * An entry at its module's limit whose module has room again goes back to
 * the head of the shared order (the module's partial entry first), in
 * registration order of the modules.
 */
static void
unblock(int cls)
{
	for (int i = 0; i < M.nreg; i++) {
		int m = M.reg_order[i];
		struct model_module *mm = &M.mod[m];
		int idx = mm->blocked[cls].n > 0 ? mm->blocked[cls].idx[0] : -1;
		int p = mm->partial[cls] - 1;

		if (p >= 0 && M.entries[p].state == ENTRY_BLOCKED)
			idx = p;
		if (idx < 0 || !model_room(m, cls, 1))
			continue;
		unlink_entry(idx);
		M.entries[idx].state = ENTRY_QUEUED;
		if (M.entries[idx].gathered > 0 && M.cl[cls].gatherer < 0)
			M.cl[cls].gatherer = idx;
		else
			list_push(queue_of(&M.entries[idx]), idx, true);
	}
}

void
model_pull(int cls)
{
	unblock(cls);
	while (M.cl[cls].ring > 0 && feed_shared(cls, NULL))
		M.cl[cls].ring--;
}

/* model_return without the pull (what a cancel does). */
static void
return_locked(int k, int cls, uint64_t n, void *first)
{
	int m = model_mod_of(k);
	struct model_module *mm = &M.mod[m];
	uint64_t i = 0;

	while (i < n && mm->blocked[cls].n > 0 && model_room(m, cls, 1)) {
		feed_module(m, mm->blocked[cls].idx[0], i == 0 ? first : NULL);
		i++;
	}
	while (i < n && mm->stash[cls] < mm->reserve[cls]) {
		mm->stash[cls]++;
		i++;
	}
	serve_from_reserve(m, cls);
	while (i < n && feed_shared(cls, i == 0 ? first : NULL))
		i++;
	M.cl[cls].ring += n - i;
}

void
model_return(int k, int cls, uint64_t n, void *first)
{
	return_locked(k, cls, n, first);
	model_pull(cls);
}

void
model_enqueue(int idx)
{
	struct fuzz_entry *fe = &M.entries[idx];
	struct model_module *mm = &M.mod[fe->mod];

	fe->gathered = 0;
	fe->known = NULL;
	if (mm->blocked[fe->cls].n == 0 && model_room(fe->mod, fe->cls, 1)) {
		fe->state = ENTRY_QUEUED;
		list_push(queue_of(fe), idx, at_head(idx));
	} else {
		mm->limit_waits[fe->cls]++;
		block(idx);
	}
	mm->st[fe->cls].waiting++;
	mm->st[fe->cls].retry++;
	model_pull(fe->cls);
}

void
model_cancel(int idx)
{
	struct fuzz_entry *fe = &M.entries[idx];
	uint32_t n = fe->gathered;

	unlink_entry(idx);
	if (M.mod[fe->mod].partial[fe->cls] == idx + 1)
		M.mod[fe->mod].partial[fe->cls] = 0;
	fe->state = ENTRY_IDLE;
	fe->gathered = 0;
	fe->known = NULL;
	M.mod[fe->mod].st[fe->cls].waiting--;
	M.mod[fe->mod].st[fe->cls].out -= n;
	if (n > 0)
		return_locked(fe->chan, fe->cls, n, NULL);
}

void
model_called_back(int idx)
{
	struct fuzz_entry *fe = &M.entries[idx];

	unlink_entry(idx);
	if (M.mod[fe->mod].partial[fe->cls] == idx + 1)
		M.mod[fe->mod].partial[fe->cls] = 0;
	fe->state = ENTRY_IDLE;
	fe->gathered = 0;
	fe->known = NULL;
	M.mod[fe->mod].st[fe->cls].waiting--;
}

/* The first entry queued through channel k, in the order a close finds them. */
static int
first_of_channel(int k, int cls)
{
	const struct model_class *mc = &M.cl[cls];
	const struct model_list *lists[] = {
		&mc->q[0], &mc->q[1], &M.mod[model_mod_of(k)].blocked[cls],
		&mc->ready,
	};

	if (mc->gatherer >= 0 && M.entries[mc->gatherer].chan == k)
		return mc->gatherer;
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
		for (int i = 0; i < lists[l]->n; i++)
			if (M.entries[lists[l]->idx[i]].chan == k)
				return lists[l]->idx[i];
	return -1;
}

static void
flush(int k, int cls)
{
	uint64_t n = (uint64_t)M.chan[k].cached[cls];

	if (n == 0)
		return;
	M.chan[k].cached[cls] = 0;
	model_return(k, cls, n, NULL);
}

void
model_close(int k)
{
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		int idx;

		while ((idx = first_of_channel(k, c)) >= 0)
			model_cancel(idx);
		model_pull(c);
	}
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		flush(k, c);
	M.chan[k].ch = NULL;
}

/* Open channels in the order the thread opened them. */
static int
channels_in_order(int *out)
{
	int n = 0;

	for (int k = 0; k < MODEL_CHANNELS; k++) {
		int i = n++;

		if (M.chan[k].ch == NULL) {
			n--;
			continue;
		}
		while (i > 0 && M.chan[out[i - 1]].opened > M.chan[k].opened) {
			out[i] = out[i - 1];
			i--;
		}
		out[i] = k;
	}
	return n;
}

bool
model_poll(void)
{
	int order[MODEL_CHANNELS], nch = channels_in_order(order);
	int waiting[IOBUF_CLASS_COUNT], blocked[IOBUF_CLASS_COUNT];
	bool any = false;

	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		waiting[c] = model_shared_count(c) + M.cl[c].ready.n;
		blocked[c] = 0;
		for (int s = 0; s < MODEL_MODULES; s++)
			blocked[c] += M.mod[s].blocked[c].n;
		any |= waiting[c] + blocked[c] > 0;
	}
	if (nch == 0 || !any)
		return false;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		if (waiting[c] > 0) {
			/* Idle buffers belong to whoever waits. */
			for (int i = 0; i < nch; i++)
				flush(order[i], c);
			model_pull(c);
		} else if (blocked[c] > 0) {
			/* A module at its limit waits for its own idle buffers. */
			for (int i = 0; i < nch; i++)
				if (M.mod[model_mod_of(order[i])].blocked[c].n > 0)
					flush(order[i], c);
			model_pull(c);
		}
	}
	return true;
}

int
model_walk(int m, int cls, int *out)
{
	const struct model_class *mc = &M.cl[cls];
	const struct model_list *lists[] = {
		&mc->ready, &M.mod[m].blocked[cls], &mc->q[0], &mc->q[1],
	};
	int n = 0;

	/* Handed their buffers, at the limit, then in the order of service. */
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		if (l == 2 && mc->gatherer >= 0 &&
		    M.entries[mc->gatherer].mod == m)
			out[n++] = mc->gatherer;
		for (int i = 0; i < lists[l]->n; i++)
			if (M.entries[lists[l]->idx[i]].mod == m)
				out[n++] = lists[l]->idx[i];
	}
	return n;
}

/* ---- checking against the stats ----------------------------------------- */

/*
 * The actor's cache moved by res buffers the model did not predict: a
 * refill from the ring (res > 0) or a flush (res < 0), which fills the
 * module's reserve before the ring.
 */
static void
charge(int actor, unsigned int allow, int c, int64_t res)
{
	struct model_module *mm;
	uint64_t to_stash = 0, f;

	if (actor < 0 || !(allow & (res > 0 ? ALLOW_REFILL(c) : ALLOW_FLUSH(c))))
		model_fail("%s cached buffers moved by %lld that the model did "
			   "not predict (%s may %s)", model_cls_name(c),
			   (long long)res, actor < 0 ? "nobody" :
			   model_module_name[model_mod_of(actor)],
			   (allow & ALLOW_REFILL(c)) ? "refill" :
			   (allow & ALLOW_FLUSH(c)) ? "flush" : "do neither");
	mm = &M.mod[model_mod_of(actor)];
	if (res > 0) {
		if ((uint64_t)res > M.cl[c].ring)
			model_fail("a refill of %lld %s buffers from a ring of "
				   "%llu", (long long)res, model_cls_name(c),
				   (unsigned long long)M.cl[c].ring);
		M.cl[c].ring -= (uint64_t)res;
	} else {
		f = (uint64_t)-res;
		to_stash = mm->reserve[c] - mm->stash[c];
		if (to_stash > f)
			to_stash = f;
		mm->stash[c] += to_stash;
		M.cl[c].ring += f - to_stash;
	}
	M.chan[actor].cached[c] += res;
}

static void
check_module(int slot, const struct iobuf_module_stats *ms)
{
	const struct model_module *mm = &M.mod[slot];
	uint32_t channels = 0;

	if (strcmp(ms->name, model_module_name[slot]) != 0)
		model_fail("module stats name '%.64s', expected '%s'", ms->name,
			   model_module_name[slot]);
	for (int k = slot; k < MODEL_CHANNELS; k += MODEL_MODULES)
		channels += M.chan[k].ch != NULL;
	if (ms->channels != channels || ms->priority != mm->priority)
		model_fail("module %s reports %u channels and priority %u, the "
			   "model has %u and %u", ms->name, ms->channels,
			   ms->priority, channels, mm->priority);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		const struct iobuf_class_stats *got = &ms->cls[c];
		const struct iobuf_class_stats *want = &mm->st[c];
		uint64_t gathered = 0;

		if (got->cache != want->cache || got->main != want->main ||
		    got->retry != want->retry || got->out != want->out ||
		    got->waiting != want->waiting)
			model_fail("module %s %s stats cache=%llu main=%llu "
				   "retry=%llu out=%lld waiting=%llu, expected "
				   "cache=%llu main=%llu retry=%llu out=%lld "
				   "waiting=%llu", ms->name, model_cls_name(c),
				   (unsigned long long)got->cache,
				   (unsigned long long)got->main,
				   (unsigned long long)got->retry,
				   (long long)got->out,
				   (unsigned long long)got->waiting,
				   (unsigned long long)want->cache,
				   (unsigned long long)want->main,
				   (unsigned long long)want->retry,
				   (long long)want->out,
				   (unsigned long long)want->waiting);
		for (int i = 0; i < MODEL_ENTRIES; i++) {
			const struct fuzz_entry *fe = &M.entries[i];

			/* Gathered until called back (iobuf.h). */
			if (fe->mod == slot && fe->cls == c && fe->n > 0 &&
			    fe->state != ENTRY_IDLE)
				gathered += fe->gathered;
		}
		if (ms->gathered[c] != gathered || ms->reserve[c] != mm->reserve[c] ||
		    ms->reserve_used[c] != (M.initialized ?
					    mm->reserve[c] - mm->stash[c] : 0) ||
		    ms->limit[c] != mm->limit[c] ||
		    ms->limit_waits[c] != mm->limit_waits[c])
			model_fail("module %s %s stats gathered=%llu reserve=%llu "
				   "reserve_used=%llu limit=%llu limit_waits=%llu, "
				   "expected %llu %llu %llu %llu %llu", ms->name,
				   model_cls_name(c),
				   (unsigned long long)ms->gathered[c],
				   (unsigned long long)ms->reserve[c],
				   (unsigned long long)ms->reserve_used[c],
				   (unsigned long long)ms->limit[c],
				   (unsigned long long)ms->limit_waits[c],
				   (unsigned long long)gathered,
				   (unsigned long long)mm->reserve[c],
				   (unsigned long long)(M.initialized ?
					mm->reserve[c] - mm->stash[c] : 0),
				   (unsigned long long)mm->limit[c],
				   (unsigned long long)mm->limit_waits[c]);
		if (mm->limit[c] != 0 && model_held(slot, c) > (int64_t)mm->limit[c])
			model_fail("module %s holds %lld %s buffers, above its "
				   "limit of %llu", ms->name,
				   (long long)model_held(slot, c), model_cls_name(c),
				   (unsigned long long)mm->limit[c]);
	}
}

/* Buffers of cls the entries hold, those of multi entries, and the entries. */
static void
entry_buffers(int cls, uint64_t *held, uint64_t *gathering, uint64_t *waiting)
{
	*held = *gathering = *waiting = 0;
	for (int i = 0; i < MODEL_ENTRIES; i++) {
		const struct fuzz_entry *fe = &M.entries[i];

		if (fe->state == ENTRY_IDLE || fe->cls != cls)
			continue;
		(*waiting)++;
		*held += fe->gathered;
		if (fe->n > 0)
			*gathering += fe->gathered;
	}
}

static void
check_pool(int c, const struct iobuf_stats *st)
{
	const struct iobuf_pool_stats *p = &st->pool[c];
	uint64_t in_entries, gathering, waiting, stash = 0;
	int64_t cached = 0;

	entry_buffers(c, &in_entries, &gathering, &waiting);
	if (!M.initialized) {
		if (p->bufsize != 0 || p->total != 0 || p->free != 0 ||
		    p->cached != 0 || p->out != 0 || p->waiting != 0 ||
		    st->reserve_free[c] != 0 || st->gathered[c] != 0)
			model_fail("%s pool stats are not zero before initialize",
				   model_cls_name(c));
		return;
	}
	for (int k = 0; k < MODEL_CHANNELS; k++) {
		const struct model_channel *mc = &M.chan[k];

		if (mc->ch == NULL)
			continue;
		if (mc->cached[c] < 0 || mc->cached[c] > 2 * (int64_t)mc->size[c])
			model_fail("channel %d of %s now caches %lld %s buffers; "
				   "its cache size is %u (at most twice that may "
				   "be idle)", k, model_module_name[model_mod_of(k)],
				   (long long)mc->cached[c], model_cls_name(c),
				   mc->size[c]);
		cached += mc->cached[c];
	}
	for (int s = 0; s < MODEL_MODULES; s++)
		if (M.mod[s].registered)
			stash += M.mod[s].stash[c];

	if (p->bufsize != M.bufsize[c] || p->total != M.total[c])
		model_fail("%s pool has %llu buffers of %llu B, expected %llu "
			   "of %llu B", model_cls_name(c),
			   (unsigned long long)p->total,
			   (unsigned long long)p->bufsize,
			   (unsigned long long)M.total[c],
			   (unsigned long long)M.bufsize[c]);
	if (p->free != M.cl[c].ring || st->reserve_free[c] != stash ||
	    st->gathered[c] != gathering)
		model_fail("%s pool stats free=%llu reserve_free=%llu gathered=%llu"
			   ", the model has %llu, %llu and %llu",
			   model_cls_name(c), (unsigned long long)p->free,
			   (unsigned long long)st->reserve_free[c],
			   (unsigned long long)st->gathered[c],
			   (unsigned long long)M.cl[c].ring,
			   (unsigned long long)stash,
			   (unsigned long long)gathering);
	if (p->out != (int64_t)((uint64_t)M.nheld_cls[c] + in_entries) ||
	    p->waiting != waiting)
		model_fail("%s pool stats out=%lld waiting=%llu, the model has "
			   "%d out with the caller, %llu with entries and %llu "
			   "entries waiting", model_cls_name(c),
			   (long long)p->out, (unsigned long long)p->waiting,
			   M.nheld_cls[c], (unsigned long long)in_entries,
			   (unsigned long long)waiting);
	/* SPEC §4.1 as iobuf.h states it: out includes gathered. */
	if (p->free + p->cached + (uint64_t)p->out + st->reserve_free[c] !=
	    p->total || (uint64_t)cached != p->cached)
		model_fail("%s conservation: free %llu + cached %llu + out %lld + "
			   "reserve_free %llu != total %llu (the channels "
			   "account for %lld cached)", model_cls_name(c),
			   (unsigned long long)p->free,
			   (unsigned long long)p->cached, (long long)p->out,
			   (unsigned long long)st->reserve_free[c],
			   (unsigned long long)p->total, (long long)cached);
}

void
model_sync(int actor, unsigned int allow)
{
	struct iobuf_module_stats ms[MODEL_MODULES + 1];
	struct iobuf_stats st;
	int n = iobuf_get_stats(&st, sizeof(st), ms, sizeof(ms[0]),
				MODEL_MODULES + 1);

	if (n != M.nreg)
		model_fail("iobuf_get_stats counts %d modules, expected %d", n,
			   M.nreg);
	for (int c = 0; c < IOBUF_CLASS_COUNT && M.initialized; c++) {
		int64_t cached = 0;

		for (int k = 0; k < MODEL_CHANNELS; k++)
			if (M.chan[k].ch != NULL)
				cached += M.chan[k].cached[c];
		if ((int64_t)st.pool[c].cached != cached)
			charge(actor, allow, c,
			       (int64_t)st.pool[c].cached - cached);
	}
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		check_pool(c, &st);
	for (int i = 0; i < n; i++)
		check_module(M.reg_order[i], &ms[i]);
}
