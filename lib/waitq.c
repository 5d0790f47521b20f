/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Waiting: the process-wide order of the entries of each class, hand-off
 * of returned buffers to them, gathering for multi-buffer entries, module
 * reserves and limits, the pressure words every put and poll read, abort
 * and iteration. Everything here is a slow path, under the class's lock;
 * callbacks run outside it, on the entry's own thread (iob_wait_deliver).
 *
 * The order a buffer of class c goes in: the gatherer (the one multi entry
 * holding part of its buffers), then high-priority entries, then normal
 * ones, each FIFO. Serving only the first entry of one order is what makes
 * it fair across threads and what keeps two gathering requests from
 * splitting the pool between them. A module's reserve and limit are its
 * private floor and ceiling beside that order: its returns feed its own
 * entries at the limit first, then refill its reserve, and its reserve
 * serves its own entries.
 */

#include <errno.h>
#include <stdlib.h>

#include <rte_common.h>

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#endif
#endif
#ifndef VALGRIND_MAKE_MEM_DEFINED
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)(p), (void)(n))
#endif

#include "iobuf_internal.h"

_Static_assert(sizeof(struct iob_entry) <= sizeof(struct iobuf_entry),
	       "struct iob_entry outgrew the storage of struct iobuf_entry");
_Static_assert(_Alignof(struct iob_entry) <= _Alignof(struct iobuf_entry),
	       "struct iob_entry needs more alignment than struct iobuf_entry");

#define WQ_INIT(c) { \
	.lock = PTHREAD_MUTEX_INITIALIZER, \
	.q = { TAILQ_HEAD_INITIALIZER(iob_wq[c].q[0]), \
	       TAILQ_HEAD_INITIALIZER(iob_wq[c].q[1]) }, \
}
struct iob_waitq iob_wq[IOBUF_CLASS_COUNT] = { WQ_INIT(0), WQ_INIT(1) };
struct iob_pressure_line iob_pressure;

/* Registered modules, changed under both class locks. */
static struct iob_module_wq_list wq_modules =
	TAILQ_HEAD_INITIALIZER(wq_modules);

static inline uint64_t
class_bits(int cls, int64_t delta)
{
	return (uint64_t)delta << (32 * cls);
}

/* Entries waiting for shared buffers or to be called back, every module. */
static void
waiting_add(int cls, int64_t delta)
{
	uint64_t v = class_bits(cls, delta);
	struct iob_module *m;

	__atomic_fetch_add(&iob_pressure.waiting, v, __ATOMIC_SEQ_CST);
	TAILQ_FOREACH(m, &wq_modules, wq_link)
		__atomic_fetch_add(&m->pressure, v, __ATOMIC_SEQ_CST);
}

/* Entries of m at its limit: only m's puts can serve them. */
static void
blocked_add(struct iob_module *m, int cls, int64_t delta)
{
	uint64_t v = class_bits(cls, delta);

	__atomic_store_n(&m->nblocked[cls], m->nblocked[cls] + (uint32_t)delta,
			 __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&iob_pressure.blocked, v, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&m->pressure, v, __ATOMIC_SEQ_CST);
}

void
iob_wait_module_add(struct iob_module *m)
{
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		pthread_mutex_lock(&iob_wq[c].lock);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		TAILQ_INIT(&m->blocked[c]);
	__atomic_store_n(&m->pressure, __atomic_load_n(&iob_pressure.waiting,
		__ATOMIC_SEQ_CST), __ATOMIC_SEQ_CST);
	TAILQ_INSERT_TAIL(&wq_modules, m, wq_link);
	for (int c = IOBUF_CLASS_COUNT - 1; c >= 0; c--)
		pthread_mutex_unlock(&iob_wq[c].lock);
}

void
iob_wait_module_del(struct iob_module *m)
{
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		pthread_mutex_lock(&iob_wq[c].lock);
	TAILQ_REMOVE(&wq_modules, m, wq_link);
	for (int c = IOBUF_CLASS_COUNT - 1; c >= 0; c--)
		pthread_mutex_unlock(&iob_wq[c].lock);
}

/* ---- where an entry is -------------------------------------------------- */

static inline struct iob_module *
mod_of(const struct iob_entry *e)
{
	return e->ch->mod;
}

static struct iob_entry_list *
queue_of(const struct iob_entry *e)
{
	return &iob_wq[e->cls].q[1 - mod_of(e)->priority];
}

static bool
in_waiting_group(uint8_t where)
{
	return where != IOB_AT_BLOCKED;
}

/* first: at the head of its list, not the tail. */
static void
link_entry(struct iob_entry *e, uint8_t where, bool first)
{
	struct iob_waitq *wq = &iob_wq[e->cls];
	struct iob_module *m = mod_of(e);
	struct iob_thread *thr = e->ch->thr;
	int cls = e->cls;

	e->where = where;
	switch (where) {
	case IOB_AT_QUEUE:
		if (first)
			TAILQ_INSERT_HEAD(queue_of(e), e, link);
		else
			TAILQ_INSERT_TAIL(queue_of(e), e, link);
		m->nqueued[cls]++;
		break;
	case IOB_AT_GATHER:
		wq->gatherer = e;
		m->nqueued[cls]++;
		break;
	case IOB_AT_BLOCKED:
		if (first)
			TAILQ_INSERT_HEAD(&m->blocked[cls], e, link);
		else
			TAILQ_INSERT_TAIL(&m->blocked[cls], e, link);
		break;
	default:
		TAILQ_INSERT_TAIL(&thr->ready[cls], e, link);
		__atomic_store_n(&thr->nready[cls], thr->nready[cls] + 1,
				 __ATOMIC_RELAXED);
		break;
	}
}

static void
unlink_entry(struct iob_entry *e)
{
	struct iob_waitq *wq = &iob_wq[e->cls];
	struct iob_module *m = mod_of(e);
	struct iob_thread *thr = e->ch->thr;
	int cls = e->cls;

	switch (e->where) {
	case IOB_AT_QUEUE:
		TAILQ_REMOVE(queue_of(e), e, link);
		m->nqueued[cls]--;
		break;
	case IOB_AT_GATHER:
		wq->gatherer = NULL;
		m->nqueued[cls]--;
		break;
	case IOB_AT_BLOCKED:
		TAILQ_REMOVE(&m->blocked[cls], e, link);
		break;
	default:
		TAILQ_REMOVE(&thr->ready[cls], e, link);
		__atomic_store_n(&thr->nready[cls], thr->nready[cls] - 1,
				 __ATOMIC_RELAXED);
		break;
	}
	e->where = 0;
}

/*
 * Move e, keeping the pressure words right. The new group's count rises
 * before the old one's falls, so a return that reads both never finds
 * them 0 while e waits.
 */
static void
move_entry_to(struct iob_entry *e, uint8_t where, bool first)
{
	bool was = in_waiting_group(e->where), is = in_waiting_group(where);

	unlink_entry(e);
	link_entry(e, where, first);
	if (was == is)
		return;
	if (is) {
		waiting_add(e->cls, 1);
		blocked_add(mod_of(e), e->cls, -1);
	} else {
		blocked_add(mod_of(e), e->cls, 1);
		waiting_add(e->cls, -1);
	}
}

static void
move_entry(struct iob_entry *e, uint8_t where)
{
	move_entry_to(e, where, false);
}

/* On e's own thread: an entry re-queued from its callback goes first (SPEC §3). */
static void
enter(struct iob_entry *e, uint8_t where)
{
	link_entry(e, where, e == e->ch->thr->in_callback);
	if (in_waiting_group(where))
		waiting_add(e->cls, 1);
	else
		blocked_add(mod_of(e), e->cls, 1);
	iob_counter_add(&e->ch->st[e->cls].waiting, 1);
}

/*
 * e leaves for good: called back, aborted or dropped. Its gathered
 * buffers stop counting as gathered: they are the caller's, or going back.
 */
static void
leave(struct iob_entry *e)
{
	uint8_t where = e->where;

	if (e->n != 0)
		iob_counter_add(&mod_of(e)->gathered[e->cls],
				-(uint64_t)e->gathered);
	if (mod_of(e)->partial[e->cls] == e)
		mod_of(e)->partial[e->cls] = NULL;
	unlink_entry(e);
	if (in_waiting_group(where))
		waiting_add(e->cls, -1);
	else
		blocked_add(mod_of(e), e->cls, -1);
	iob_counter_add(&e->ch->st[e->cls].waiting, -1);
	e->state = 0;
}

/* ---- handing buffers to entries ----------------------------------------- */

static struct iob_entry *
first_shared(const struct iob_waitq *wq)
{
	struct iob_entry *e = wq->gatherer;

	if (e == NULL)
		e = TAILQ_FIRST(&wq->q[0]);
	if (e == NULL)
		e = TAILQ_FIRST(&wq->q[1]);
	return e;
}

/* Hand buf, already counted in e's module's limit, to e. */
static void
feed(struct iob_entry *e, void *buf)
{
	struct iob_module *m = mod_of(e);
	int cls = e->cls;

	iob_counter_add(&e->ch->st[cls].served, 1);
	if (IOBUF_DEBUG_CHECKS)
		iob_debug_take(e->ch, cls, buf);
	if (e->n == 0) {
		e->buf = buf;
		move_entry(e, IOB_AT_READY);
		return;
	}
	e->bufs[e->gathered++] = buf;
	iob_counter_add(&m->gathered[cls], 1);
	if (e->gathered == e->n) {
		m->partial[cls] = NULL;
		move_entry(e, IOB_AT_READY);
		return;
	}
	m->partial[cls] = e;
	if (e->where == IOB_AT_QUEUE && iob_wq[cls].gatherer == NULL)
		move_entry(e, IOB_AT_GATHER);
}

/*
 * Hand buf, counted in m's limit, to m's partial entry if it has one, else
 * to e. A partial entry that was not first in the shared order becomes
 * the gatherer: e came first, so no other entry gathers.
 */
static void
feed_module(struct iob_module *m, struct iob_entry *e, void *buf)
{
	struct iob_entry *p = m->partial[e->cls];

	if (p != NULL && p != e) {
		if (p->where != IOB_AT_GATHER && iob_wq[e->cls].gatherer == NULL)
			move_entry_to(p, IOB_AT_GATHER, true);
		e = p;
	}
	feed(e, buf);
}

/*
 * Hand buf to the first entry in the shared order that its module's limit
 * lets take it; entries at their limit move aside to wait for their
 * module's returns. False when no entry can take buf.
 */
static bool
feed_shared(int cls, void *buf)
{
	struct iob_entry *e;

	while ((e = first_shared(&iob_wq[cls])) != NULL) {
		struct iob_module *m = mod_of(e);

		if (iob_held_take(m, cls, 1, true) == 1) {
			feed_module(m, e, buf);
			return true;
		}
		/*
		 * At the limit: e waits for m's returns. Announced first and
		 * the limit read again after, as enqueue_locked does, so that
		 * a return of m that gave back the limit meanwhile (reading
		 * nblocked after) either is seen here or sees e.
		 */
		move_entry(e, IOB_AT_BLOCKED);
		if (iob_held_take(m, cls, 1, true) == 1) {
			/* Back where it was: first in the shared order. */
			move_entry_to(e, e->gathered > 0 ? IOB_AT_GATHER :
				      IOB_AT_QUEUE, true);
			feed_module(m, e, buf);
			return true;
		}
	}
	return false;
}

/* m's first entry in the shared order, or NULL. */
static struct iob_entry *
first_shared_of(const struct iob_module *m, int cls)
{
	const struct iob_waitq *wq = &iob_wq[cls];
	struct iob_entry *e;

	if (m->nqueued[cls] == 0)
		return NULL;
	if (wq->gatherer != NULL && mod_of(wq->gatherer) == m)
		return wq->gatherer;
	for (int q = 0; q < 2; q++)
		TAILQ_FOREACH(e, &wq->q[q], link)
			if (mod_of(e) == m)
				return e;
	return NULL;
}

/* m's reserve serves m's waiting entries: they need not wait their turn. */
static void
serve_from_reserve(struct iob_module *m, int cls)
{
	struct iob_entry *e;

	while (m->nstash[cls] > 0 && (e = first_shared_of(m, cls)) != NULL &&
	       iob_held_take(m, cls, 1, true) == 1) {
		iob_counter_add(&m->nstash[cls], -1);
		feed_module(m, e, m->stash[cls][m->nstash[cls]]);
	}
}

/*
 * An entry moved aside at its module's limit waits for the module's
 * returns; but the module's count also falls without one (a refill that
 * found the ring short gives back what it could not take). Where there is
 * room again, the first such entry of each module goes back to the head of
 * the shared order, so that it is served from the pool.
 */
static void
unblock_locked(int cls)
{
	struct iob_module *m;

	if (iob_pressure_of(__atomic_load_n(&iob_pressure.blocked,
					    __ATOMIC_RELAXED), cls) == 0)
		return;
	TAILQ_FOREACH(m, &wq_modules, wq_link) {
		struct iob_entry *e = TAILQ_FIRST(&m->blocked[cls]);

		if (m->partial[cls] != NULL &&
		    m->partial[cls]->where == IOB_AT_BLOCKED)
			e = m->partial[cls];
		if (e != NULL && __atomic_load_n(&m->held[cls],
			__ATOMIC_SEQ_CST) < (int64_t)m->limit[cls])
			move_entry_to(e, e->gathered > 0 &&
				      iob_wq[cls].gatherer == NULL ?
				      IOB_AT_GATHER : IOB_AT_QUEUE, true);
	}
}

/* Serve waiting entries from the ring, a batch at a time. */
static void
pull_locked(int cls)
{
	void *bufs[IOB_BATCH_MAX];
	struct iob_entry *e;

	unblock_locked(cls);
	while ((e = first_shared(&iob_wq[cls])) != NULL) {
		unsigned int want = e->n == 0 ? 1 :
			RTE_MIN(e->n - e->gathered, IOB_BATCH_MAX);
		unsigned int got = iob_ring_take_burst(cls, bufs, want);

		if (got == 0)
			return;
		for (unsigned int i = 0; i < got; i++) {
			if (!feed_shared(cls, bufs[i])) {
				iob_ring_return(cls, &bufs[i], got - i);
				return;
			}
		}
	}
}

void
iob_wait_pull(int cls)
{
	pthread_mutex_lock(&iob_wq[cls].lock);
	pull_locked(cls);
	pthread_mutex_unlock(&iob_wq[cls].lock);
}

/*
 * bufs leave ch's module, which has counted them out of its limit
 * already, for its entries at the limit, its reserve, the shared order and
 * the ring, in that order.
 */
static void
return_locked(struct iobuf_channel *ch, int cls, void *const *bufs,
	      unsigned int n)
{
	struct iob_slow_counters *st = &ch->st[cls];
	struct iob_module *m = ch->mod;
	struct iob_entry *e;
	unsigned int i = 0;

	while (i < n && (e = TAILQ_FIRST(&m->blocked[cls])) != NULL &&
	       iob_held_take(m, cls, 1, true) == 1) {
		iob_counter_add(&st->handed, 1);
		feed_module(m, e, bufs[i++]);
	}

	while (i < n && m->nstash[cls] < m->reserve[cls]) {
		m->stash[cls][m->nstash[cls]] = bufs[i++];
		iob_counter_add(&m->nstash[cls], 1);
		iob_counter_add(&st->ring, -1);
	}
	serve_from_reserve(m, cls);

	while (i < n && feed_shared(cls, bufs[i])) {
		iob_counter_add(&st->handed, 1);
		i++;
	}
	if (i < n) {
		unsigned int in = iob_ring_return(cls, bufs + i, n - i);

		iob_counter_add(&st->ring, -(uint64_t)in);
	}
}

void
iob_wait_return(struct iobuf_channel *ch, int cls, void *const *bufs,
		unsigned int n)
{
	struct iob_module *m = ch->mod;

	/*
	 * The limit is given back first and nblocked read after, so a get
	 * queueing at the limit meanwhile either sees the room or is seen.
	 * Nobody to hand them to and a full reserve: straight to the ring.
	 */
	iob_held_sub(m, cls, n);
	if (likely(iob_waiting(cls) == 0 &&
		   __atomic_load_n(&m->nblocked[cls], __ATOMIC_SEQ_CST) == 0 &&
		   __atomic_load_n(&m->nstash[cls], __ATOMIC_RELAXED) >=
		   m->reserve[cls])) {
		unsigned int in = iob_ring_return(cls, bufs, n);

		iob_counter_add(&ch->st[cls].ring, -(uint64_t)in);
		return;
	}
	pthread_mutex_lock(&iob_wq[cls].lock);
	return_locked(ch, cls, bufs, n);
	pull_locked(cls);
	pthread_mutex_unlock(&iob_wq[cls].lock);
}

/* ---- getting ------------------------------------------------------------ */

/*
 * Whether a get through ch may take from the ring: no entry waits for a
 * shared buffer, none of ch's module waits at its limit, and none of this
 * thread's entries waits for its callback (no barging, SPEC §4b).
 */
static bool
ring_open(const struct iobuf_channel *ch, int cls)
{
	return first_shared(&iob_wq[cls]) == NULL &&
		ch->mod->nblocked[cls] == 0 && ch->thr->nready[cls] == 0;
}

void
iob_wait_count_limit(struct iob_module *m, int cls)
{
	/* The module's channels on several threads count here. */
	__atomic_fetch_add(&m->limit_waits[cls], 1, __ATOMIC_RELAXED);
}

static void
enqueue_locked(struct iobuf_channel *ch, int cls, struct iob_entry *e)
{
	struct iob_module *m = ch->mod;

	e->ch = ch;
	e->cls = (uint8_t)cls;
	e->gathered = 0;
	e->buf = NULL;
	e->state = IOB_ENTRY_WAITING;
	if (m->nblocked[cls] == 0 && (m->limit[cls] == 0 ||
	    __atomic_load_n(&m->held[cls], __ATOMIC_SEQ_CST) <
	    (int64_t)m->limit[cls])) {
		enter(e, IOB_AT_QUEUE);
		return;
	}
	iob_wait_count_limit(m, cls);
	enter(e, IOB_AT_BLOCKED);
	/*
	 * A return that gave back the limit before nblocked rose went to
	 * the ring: if there is room now, wait in the shared order instead.
	 */
	if (m->nblocked[cls] == 1 && iob_held_take(m, cls, 1, true) == 1) {
		iob_held_sub(m, cls, 1);
		move_entry(e, IOB_AT_QUEUE);
	}
}

void *
iob_wait_get(struct iobuf_channel *ch, int cls, struct iob_entry *e)
{
	struct iob_waitq *wq = &iob_wq[cls];
	struct iob_module *m = ch->mod;
	void *buf = NULL;

	pthread_mutex_lock(&wq->lock);
	if (ring_open(ch, cls)) {
		if (iob_held_take(m, cls, 1, true) == 1) {
			if (iob_ring_take_burst(cls, &buf, 1) == 0) {
				iob_held_sub(m, cls, 1);
				buf = NULL;
			}
		} else if (e == NULL) {
			iob_wait_count_limit(m, cls);
		}
	}
	if (buf == NULL && m->nstash[cls] > 0 &&
	    iob_held_take(m, cls, 1, true) == 1) {
		iob_counter_add(&m->nstash[cls], -1);
		buf = m->stash[cls][m->nstash[cls]];
	}
	if (buf == NULL && e != NULL) {
		e->n = 0;
		enqueue_locked(ch, cls, e);
		pull_locked(cls);
	}
	pthread_mutex_unlock(&wq->lock);
	return buf;
}

int
iob_wait_take(struct iobuf_channel *ch, int cls, void **bufs, uint32_t n)
{
	struct iob_waitq *wq = &iob_wq[cls];
	struct iob_module *m = ch->mod;
	uint32_t got = 0;

	if (iob_held_take(m, cls, n, true) == 0)
		return -EDQUOT;
	if (iob_waiting(cls) == 0 &&
	    __atomic_load_n(&m->nblocked[cls], __ATOMIC_RELAXED) == 0 &&
	    iob_ring_take_bulk(cls, bufs, n) == 0)
		return 0;

	/*
	 * The ring first, the reserve for what it lacks. Nothing is written
	 * to bufs unless all n are had: the ring's part is taken whole or
	 * not at all, and the reserve's part cannot fail under the lock.
	 */
	pthread_mutex_lock(&wq->lock);
	if (ring_open(ch, cls))
		got = (uint32_t)RTE_MIN(iob_ring_free_count(cls), (uint64_t)n);
	if (n - got > m->nstash[cls] ||
	    (got > 0 && iob_ring_take_bulk(cls, bufs, got) != 0)) {
		pthread_mutex_unlock(&wq->lock);
		iob_held_sub(m, cls, n);
		return -ENOMEM;
	}
	while (got < n) {
		iob_counter_add(&m->nstash[cls], -1);
		bufs[got++] = m->stash[cls][m->nstash[cls]];
	}
	pthread_mutex_unlock(&wq->lock);
	return 0;
}

void
iob_wait_enqueue(struct iobuf_channel *ch, int cls, struct iob_entry *e)
{
	pthread_mutex_lock(&iob_wq[cls].lock);
	enqueue_locked(ch, cls, e);
	pull_locked(cls);
	pthread_mutex_unlock(&iob_wq[cls].lock);
}

/* ---- calling back ------------------------------------------------------- */

int
iob_wait_deliver(struct iob_thread *thr)
{
	int delivered = 0;

	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		while (__atomic_load_n(&thr->nready[c], __ATOMIC_RELAXED) > 0) {
			struct iob_entry *outer = thr->in_callback;
			struct iob_entry *e;

			/* One at a time: a callback may abort a later entry. */
			pthread_mutex_lock(&iob_wq[c].lock);
			e = TAILQ_FIRST(&thr->ready[c]);
			if (e != NULL)
				leave(e);
			pthread_mutex_unlock(&iob_wq[c].lock);
			if (e == NULL)
				break;
			thr->in_callback = e;
			if (e->n == 0)
				e->cb.one((struct iobuf_entry *)e, e->buf);
			else
				e->cb.multi((struct iobuf_entry *)e, e->bufs, e->n);
			thr->in_callback = outer;
			delivered++;
		}
	}
	return delivered;
}

/* ---- membership, abort, drop, iteration --------------------------------- */

static bool
list_holds(const struct iob_entry_list *l, const struct iob_entry *e)
{
	const struct iob_entry *it;

	TAILQ_FOREACH(it, l, link)
		if (it == e)
			return true;
	return false;
}

/*
 * Whether e carries the waiting marker. A caller's entry needs no
 * initialisation (iobuf.h), so on its first use the fields read here are
 * whatever its memory held: reading them is how a stranger is told from a
 * waiting entry, which the lists then confirm. Valgrind is told so, or it
 * would report every first use of an entry.
 */
static inline bool
entry_marked(const struct iob_entry *e)
{
	VALGRIND_MAKE_MEM_DEFINED(&e->state, sizeof(e->state));
	VALGRIND_MAKE_MEM_DEFINED(&e->cls, sizeof(e->cls));
	VALGRIND_MAKE_MEM_DEFINED(&e->where, sizeof(e->where));
	return e->state == IOB_ENTRY_WAITING;
}

/*
 * Whether e waits (called with its class's lock). The entry is caller
 * memory: a never-queued one holds arbitrary bytes, a struct copy holds a
 * real entry's. Its marker only rules most entries out cheaply; membership
 * is decided by comparing pointers along our own lists, never by following
 * the entry's.
 */
static bool
holds_locked(const struct iob_thread *thr, const struct iob_entry *e, int cls)
{
	const struct iob_waitq *wq = &iob_wq[cls];
	const struct iob_module *m;

	if (!entry_marked(e) || e->cls != cls)
		return false;
	switch (e->where) {
	case IOB_AT_QUEUE:
		return list_holds(&wq->q[0], e) || list_holds(&wq->q[1], e);
	case IOB_AT_GATHER:
		return wq->gatherer == e;
	case IOB_AT_BLOCKED:
		TAILQ_FOREACH(m, &wq_modules, wq_link)
			if (list_holds(&m->blocked[cls], e))
				return true;
		return false;
	case IOB_AT_READY:
		return thr != NULL && list_holds(&thr->ready[cls], e);
	default:
		return false;
	}
}

bool
iob_wait_holds(const struct iob_thread *thr, const struct iob_entry *e)
{
	uint32_t cls;
	bool held;

	/* Most entries are rejected by their marker, without a lock. */
	if (!entry_marked(e))
		return false;
	cls = e->cls;
	if (cls >= IOBUF_CLASS_COUNT)
		return false;
	pthread_mutex_lock(&iob_wq[cls].lock);
	held = holds_locked(thr, e, (int)cls);
	pthread_mutex_unlock(&iob_wq[cls].lock);
	return held;
}

/* e leaves without a callback; what it was handed goes back through ch. */
static void
cancel_locked(struct iob_entry *e)
{
	struct iobuf_channel *ch = e->ch;
	int cls = e->cls;
	uint32_t n = e->n == 0 ? (e->where == IOB_AT_READY) : e->gathered;
	void **bufs = e->n == 0 ? &e->buf : e->bufs;

	leave(e);
	if (n == 0)
		return;
	if (IOBUF_DEBUG_CHECKS)
		for (uint32_t i = 0; i < n; i++)
			iob_debug_give(ch, cls, bufs[i]);
	iob_held_sub(ch->mod, cls, n);
	return_locked(ch, cls, bufs, n);
}

void
iobuf_entry_abort(struct iobuf_channel *ch, struct iobuf_entry *entry,
		  uint64_t len)
{
	struct iob_entry *e = (struct iob_entry *)entry;
	int cls;

	if (ch == NULL || entry == NULL) {
		IOB_LOG(ERR, "iobuf_entry_abort: channel or entry is NULL\n");
		return;
	}
	if (len == 0 || len > ch->hot.large_bufsize) {
		IOB_LOG(ERR, "iobuf_entry_abort: len %" PRIu64 " is outside "
			"[1, %" PRIu64 "]; pass the len of the get that "
			"queued the entry\n", len, ch->hot.large_bufsize);
		return;
	}
	IOB_DEBUG_ASSERT(pthread_equal(ch->thr->owner, pthread_self()),
			 "iobuf_entry_abort: channel %p of module '%s' used by "
			 "a thread that does not own it", (void *)ch,
			 ch->mod->name);
	cls = len > ch->hot.small_bufsize;
	pthread_mutex_lock(&iob_wq[cls].lock);
	if (holds_locked(ch->thr, e, cls) && e->ch->thr == ch->thr &&
	    e->ch->mod == ch->mod) {
		cancel_locked(e);
		pull_locked(cls);
	}
	pthread_mutex_unlock(&iob_wq[cls].lock);
}

/* The first entry queued through ch in any list of cls, or NULL. */
static struct iob_entry *
find_of_channel(const struct iobuf_channel *ch, int cls)
{
	const struct iob_waitq *wq = &iob_wq[cls];
	struct iob_entry *e;

	if (wq->gatherer != NULL && wq->gatherer->ch == ch)
		return wq->gatherer;
	for (int q = 0; q < 2; q++)
		TAILQ_FOREACH(e, &wq->q[q], link)
			if (e->ch == ch)
				return e;
	TAILQ_FOREACH(e, &ch->mod->blocked[cls], link)
		if (e->ch == ch)
			return e;
	TAILQ_FOREACH(e, &ch->thr->ready[cls], link)
		if (e->ch == ch)
			return e;
	return NULL;
}

unsigned int
iob_wait_drop_channel(struct iobuf_channel *ch)
{
	unsigned int dropped = 0;

	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		struct iob_entry *e;

		pthread_mutex_lock(&iob_wq[c].lock);
		while ((e = find_of_channel(ch, c)) != NULL) {
			cancel_locked(e);
			dropped++;
		}
		pull_locked(c);
		pthread_mutex_unlock(&iob_wq[c].lock);
	}
	return dropped;
}

/*
 * The entries of ch's module on ch's thread, of class cls, in the order
 * iobuf_for_each_entry visits them: handed their buffers, at the limit,
 * then the shared order. Writes at most max of them; returns how many
 * there are.
 */
static uint32_t
walk_collect(const struct iobuf_channel *ch, int cls, struct iob_entry **out,
	     uint32_t max)
{
	const struct iob_waitq *wq = &iob_wq[cls];
	const struct iob_entry_list *lists[] = {
		&ch->thr->ready[cls], &ch->mod->blocked[cls], NULL,
		&wq->q[0], &wq->q[1],
	};
	uint32_t n = 0;

	for (size_t k = 0; k < RTE_DIM(lists); k++) {
		struct iob_entry *e = lists[k] == NULL ? wq->gatherer :
			TAILQ_FIRST(lists[k]);

		for (; e != NULL; e = lists[k] == NULL ? NULL :
		     TAILQ_NEXT(e, link)) {
			if (e->ch->mod != ch->mod || e->ch->thr != ch->thr)
				continue;
			if (n < max)
				out[n] = e;
			n++;
		}
	}
	return n;
}

int
iobuf_for_each_entry(struct iobuf_channel *ch, iobuf_for_each_entry_fn fn,
		     void *ctx)
{
	int rc = 0;

	if (ch == NULL || fn == NULL) {
		IOB_LOG(ERR, "iobuf_for_each_entry: channel or fn is NULL\n");
		return -EINVAL;
	}
	IOB_DEBUG_ASSERT(pthread_equal(ch->thr->owner, pthread_self()),
			 "iobuf_for_each_entry: channel %p of module '%s' used "
			 "by a thread that does not own it", (void *)ch,
			 ch->mod->name);

	ch->thr->walking++;
	for (int c = 0; c < IOBUF_CLASS_COUNT && rc == 0; c++) {
		pthread_mutex_t *lock = &iob_wq[c].lock;
		struct iob_entry **list = NULL;
		uint32_t n, have = 0;

		/*
		 * Visit a snapshot: other threads move this thread's entries
		 * (hand them buffers) while the visitor runs unlocked, which
		 * would reorder a live walk. Entries that left meanwhile are
		 * skipped.
		 */
		pthread_mutex_lock(lock);
		while ((n = walk_collect(ch, c, list, have)) > have) {
			pthread_mutex_unlock(lock);
			free(list);
			list = malloc(n * sizeof(*list));
			have = n;
			if (list == NULL) {
				IOB_LOG(ERR, "iobuf_for_each_entry: out of "
					"memory for %u entries\n", n);
				ch->thr->walking--;
				return -ENOMEM;
			}
			pthread_mutex_lock(lock);
		}
		for (uint32_t i = 0; i < n && rc == 0; i++) {
			struct iob_entry *e = list[i];

			if (!holds_locked(ch->thr, e, c) ||
			    e->ch->mod != ch->mod || e->ch->thr != ch->thr)
				continue;
			/* The visitor may abort: it takes the lock. */
			pthread_mutex_unlock(lock);
			rc = fn(ch, (struct iobuf_entry *)e, ctx);
			pthread_mutex_lock(lock);
		}
		pthread_mutex_unlock(lock);
		free(list);
	}
	ch->thr->walking--;
	return rc;
}
