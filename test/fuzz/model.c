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
	for (int s = 0; s < MODEL_MODULES; s++) {
		M.mod[s].registered = true;
		M.reg_order[s] = s;
	}
	M.nreg = MODEL_MODULES;
}

void
model_initialized(const uint64_t bufsize[IOBUF_CLASS_COUNT],
		  const uint64_t total[IOBUF_CLASS_COUNT])
{
	M.initialized = true;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		M.bufsize[c] = bufsize[c];
		M.total[c] = total[c];
		M.nknown[c] = 0;
	}
}

void
model_rebase(void)
{
	if (iobuf_get_stats(&M.snap, sizeof(M.snap), NULL, 0, 0) < 0)
		model_fail("iobuf_get_stats(stats, sizeof(*stats), NULL, 0, 0) failed");
}

void
model_finished(void)
{
	M.initialized = false;
	memset(M.bufsize, 0, sizeof(M.bufsize));
	memset(M.total, 0, sizeof(M.total));
	memset(M.nknown, 0, sizeof(M.nknown));
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

void
model_queue_push(int idx, bool at_head)
{
	struct fuzz_entry *fe = &M.entries[idx];
	int *q = M.queue[fe->cls];
	int *n = &M.qlen[fe->cls];

	if (at_head) {
		memmove(q + 1, q, (size_t)*n * sizeof(*q));
		q[0] = idx;
	} else {
		q[*n] = idx;
	}
	(*n)++;
	fe->waiting = true;
	M.mod[fe->slot].st[fe->cls].waiting++;
}

void
model_queue_remove(int idx)
{
	struct fuzz_entry *fe = &M.entries[idx];
	int *q = M.queue[fe->cls];
	int *n = &M.qlen[fe->cls];
	int i = 0;

	while (i < *n && q[i] != idx)
		i++;
	if (i == *n)
		model_fail("entry %d is not in the model's queue", idx);
	memmove(q + i, q + i + 1, (size_t)(*n - i - 1) * sizeof(*q));
	(*n)--;
	fe->waiting = false;
	M.mod[fe->slot].st[fe->cls].waiting--;
}

static void
charge(int actor, int c, int64_t dc, uint64_t cached_now)
{
	struct model_channel *mc;

	if (actor == ACTOR_NONE) {
		if (dc != 0)
			model_fail("%s cached buffers moved by %lld during a call "
				   "that must not move them", c ? "large" : "small",
				   (long long)dc);
		return;
	}
	if (actor == ACTOR_POLL) {
		/* A poll only gives this thread's idle buffers back, all at once. */
		if (dc > 0 || (dc < 0 && cached_now != 0))
			model_fail("iobuf_thread_poll moved %s cached buffers by "
				   "%lld leaving %llu cached; expected nothing or "
				   "a flush of every cache", c ? "large" : "small",
				   (long long)dc,
				   (unsigned long long)cached_now);
		if (dc < 0)
			for (int s = 0; s < MODEL_MODULES; s++)
				M.chan[s].cached[c] = 0;
		return;
	}
	mc = &M.chan[actor];
	mc->cached[c] += dc;
	if (mc->cached[c] < 0 || mc->cached[c] > 2 * (int64_t)mc->size[c])
		model_fail("channel of %s now caches %lld %s buffers; its cache "
			   "size is %u (at most twice that may be idle)",
			   model_module_name[actor], (long long)mc->cached[c],
			   c ? "large" : "small", mc->size[c]);
}

static void
check_module(int slot, const struct iobuf_module_stats *ms)
{
	const struct model_module *mm = &M.mod[slot];

	if (strcmp(ms->name, model_module_name[slot]) != 0)
		model_fail("module stats name '%.64s', expected '%s'", ms->name,
			   model_module_name[slot]);
	if (ms->channels != (M.chan[slot].ch != NULL))
		model_fail("module %s reports %u channels, the model has %d",
			   ms->name, ms->channels, M.chan[slot].ch != NULL);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		const struct iobuf_class_stats *got = &ms->cls[c];
		const struct iobuf_class_stats *want = &mm->st[c];

		if (got->cache != want->cache || got->main != want->main ||
		    got->retry != want->retry || got->out != want->out ||
		    got->waiting != want->waiting)
			model_fail("module %s %s stats cache=%llu main=%llu "
				   "retry=%llu out=%lld waiting=%llu, expected "
				   "cache=%llu main=%llu retry=%llu out=%lld "
				   "waiting=%llu", ms->name, c ? "large" : "small",
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
	}
}

void
model_sync(int actor, int64_t delta_free[IOBUF_CLASS_COUNT],
	   int64_t delta_cached[IOBUF_CLASS_COUNT])
{
	struct iobuf_module_stats ms[MODEL_MODULES + 1];
	struct iobuf_stats st;
	int n = iobuf_get_stats(&st, sizeof(st), ms, sizeof(ms[0]), MODEL_MODULES + 1);

	if (n != M.nreg)
		model_fail("iobuf_get_stats counts %d modules, expected %d", n,
			   M.nreg);
	for (int i = 0; i < n; i++)
		check_module(M.reg_order[i], &ms[i]);

	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		const struct iobuf_pool_stats *p = &st.pool[c];
		int64_t df = (int64_t)(p->free - M.snap.pool[c].free);
		int64_t dc = (int64_t)(p->cached - M.snap.pool[c].cached);
		uint64_t sum = p->free + p->cached + (uint64_t)M.nheld_cls[c];
		int64_t cached = 0;

		if (delta_free != NULL)
			delta_free[c] = df;
		if (delta_cached != NULL)
			delta_cached[c] = dc;
		if (actor == ACTOR_NONE && df != 0)
			model_fail("%s free buffers moved by %lld during a call "
				   "that must not move them", c ? "large" : "small",
				   (long long)df);
		M.snap.pool[c] = *p;
		charge(actor, c, dc, p->cached);

		if (!M.initialized) {
			if (p->bufsize != 0 || p->total != 0 || p->free != 0 ||
			    p->cached != 0 || p->out != 0 || p->waiting != 0)
				model_fail("%s pool stats are not zero before "
					   "initialize", c ? "large" : "small");
			continue;
		}
		if (p->bufsize != M.bufsize[c] || p->total != M.total[c])
			model_fail("%s pool has %llu buffers of %llu B, expected "
				   "%llu of %llu B", c ? "large" : "small",
				   (unsigned long long)p->total,
				   (unsigned long long)p->bufsize,
				   (unsigned long long)M.total[c],
				   (unsigned long long)M.bufsize[c]);
		if (p->out != M.nheld_cls[c] || p->waiting != (uint64_t)M.qlen[c])
			model_fail("%s pool stats out=%lld waiting=%llu, the model "
				   "has %d out and %d waiting", c ? "large" :
				   "small", (long long)p->out,
				   (unsigned long long)p->waiting,
				   M.nheld_cls[c], M.qlen[c]);
		for (int s = 0; s < MODEL_MODULES; s++)
			cached += M.chan[s].cached[c];
		if ((uint64_t)cached != p->cached)
			model_fail("%s pool caches %llu buffers, the channels "
				   "account for %lld", c ? "large" : "small",
				   (unsigned long long)p->cached, (long long)cached);
		/* SPEC §4.1; a running poll may hold dequeued buffers in hand. */
		if (sum > p->total || (M.poll_depth == 0 && sum != p->total))
			model_fail("%s conservation: free %llu + cached %llu + "
				   "out %d != total %llu", c ? "large" : "small",
				   (unsigned long long)p->free,
				   (unsigned long long)p->cached, M.nheld_cls[c],
				   (unsigned long long)p->total);
	}
}
