/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * FIFO wait queues, one per class per thread, shared by the thread's
 * channels: queueing, hand-off of a returned buffer to the oldest entry,
 * abort and iteration, and the pressure word that tells every thread some
 * thread waits. Everything here is a slow path.
 */

#include <errno.h>
#include <stdlib.h>

#include "iobuf_internal.h"

_Static_assert(sizeof(struct iob_entry) <= sizeof(struct iobuf_entry),
	       "struct iob_entry outgrew the storage of struct iobuf_entry");
_Static_assert(_Alignof(struct iob_entry) <= _Alignof(struct iobuf_entry),
	       "struct iob_entry needs more alignment than struct iobuf_entry");

struct iob_pressure_line iob_pressure;

static void
pressure_add(int cls, int64_t delta)
{
	__atomic_fetch_add(&iob_pressure.threads_waiting,
			   (uint64_t)delta << (32 * cls), __ATOMIC_SEQ_CST);
}

void
iob_waitq_push(struct iob_thread *thr, struct iob_entry *e)
{
	struct iob_slow_counters *st = &e->ch->st[e->cls];

	/* An entry re-queued from its own callback keeps its place (SPEC §3). */
	if (e == thr->in_callback)
		TAILQ_INSERT_HEAD(&thr->waitq[e->cls], e, link);
	else
		TAILQ_INSERT_TAIL(&thr->waitq[e->cls], e, link);
	e->state = IOB_ENTRY_WAITING;
	if (thr->nwaiting[e->cls]++ == 0)
		pressure_add(e->cls, 1);
	iob_counter_add(&st->waiting, 1);
}

void
iob_waitq_remove(struct iob_thread *thr, struct iob_entry *e)
{
	struct iob_slow_counters *st = &e->ch->st[e->cls];

	for (struct iob_cursor *cur = thr->cursors; cur != NULL; cur = cur->up)
		if (cur->next == e)
			cur->next = TAILQ_NEXT(e, link);
	TAILQ_REMOVE(&thr->waitq[e->cls], e, link);
	e->state = 0;
	if (--thr->nwaiting[e->cls] == 0)
		pressure_add(e->cls, -1);
	iob_counter_add(&st->waiting, -1);
}

void
iob_waitq_serve(struct iob_thread *thr, int cls, void *buf)
{
	struct iob_entry *e = TAILQ_FIRST(&thr->waitq[cls]);
	struct iob_entry *outer = thr->in_callback;

	iob_waitq_remove(thr, e);
	if (IOBUF_DEBUG_CHECKS)
		iob_debug_take(e->ch, cls, buf);
	iob_counter_add(&e->ch->st[cls].served, 1);
	thr->in_callback = e;
	e->cb((struct iobuf_entry *)e, buf);
	thr->in_callback = outer;
}

unsigned int
iob_waitq_drop_channel(struct iob_thread *thr, struct iobuf_channel *ch)
{
	unsigned int dropped = 0;

	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		struct iob_entry *e, *next;

		for (e = TAILQ_FIRST(&thr->waitq[c]); e != NULL; e = next) {
			next = TAILQ_NEXT(e, link);
			if (e->ch == ch) {
				iob_waitq_remove(thr, e);
				dropped++;
			}
		}
	}
	return dropped;
}

bool
iob_waitq_holds(const struct iob_thread *thr, const struct iob_entry *e)
{
	const struct iob_entry *it;

	/*
	 * The entry is caller memory: a never-queued one holds arbitrary
	 * bytes, a struct copy holds a real entry's. Its marker only rules
	 * most entries out cheaply; membership is decided by comparing
	 * pointers along our own queue, never by following the entry's.
	 */
	if (e->state != IOB_ENTRY_WAITING || e->cls >= IOBUF_CLASS_COUNT)
		return false;
	TAILQ_FOREACH(it, &thr->waitq[e->cls], link)
		if (it == e)
			return true;
	return false;
}

void
iobuf_entry_abort(struct iobuf_channel *ch, struct iobuf_entry *entry,
		  uint64_t len)
{
	struct iob_entry *e = (struct iob_entry *)entry;

	if (ch == NULL || entry == NULL) {
		IOB_LOG(ERR, "iobuf_entry_abort: channel or entry is NULL\n");
		return;
	}
	if (len == 0 || len > ch->hot.large_bufsize) {
		IOB_LOG(ERR, "iobuf_entry_abort: len %" PRIu64 " is outside "
			"[1, %" PRIu64 "]; pass the len of the iobuf_get that "
			"queued the entry\n", len, ch->hot.large_bufsize);
		return;
	}
	IOB_DEBUG_ASSERT(pthread_equal(ch->thr->owner, pthread_self()),
			 "iobuf_entry_abort: channel %p of module '%s' used by "
			 "a thread that does not own it", (void *)ch,
			 ch->mod->name);
	if (!iob_waitq_holds(ch->thr, e) || e->ch->mod != ch->mod)
		return;
	iob_waitq_remove(ch->thr, e);
}

int
iobuf_for_each_entry(struct iobuf_channel *ch, iobuf_for_each_entry_fn fn,
		     void *ctx)
{
	struct iob_thread *thr;
	struct iob_cursor cur;
	int rc = 0;

	if (ch == NULL || fn == NULL) {
		IOB_LOG(ERR, "iobuf_for_each_entry: channel or fn is NULL\n");
		return -EINVAL;
	}
	thr = ch->thr;
	IOB_DEBUG_ASSERT(pthread_equal(thr->owner, pthread_self()),
			 "iobuf_for_each_entry: channel %p of module '%s' used "
			 "by a thread that does not own it", (void *)ch,
			 ch->mod->name);

	cur.up = thr->cursors;
	thr->cursors = &cur;
	for (int c = 0; c < IOBUF_CLASS_COUNT && rc == 0; c++) {
		cur.next = TAILQ_FIRST(&thr->waitq[c]);
		while (cur.next != NULL && rc == 0) {
			struct iob_entry *e = cur.next;

			cur.next = TAILQ_NEXT(e, link);
			if (e->ch->mod == ch->mod)
				rc = fn(ch, (struct iobuf_entry *)e, ctx);
		}
	}
	thr->cursors = cur.up;
	return rc;
}
