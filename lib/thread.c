/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Thread contexts: one per OS thread that has a channel open, found through
 * a thread-local pointer. A context holds the thread's entries that were
 * handed their buffers and wait for their callback, and is freed with the
 * thread's last channel. iobuf_thread_poll() calls them back, serves
 * waiting entries from the ring and drains idle caches under pressure.
 */

#include <stdlib.h>

#include <rte_common.h>

#include "iobuf_internal.h"

__thread struct iob_thread *iob_self;

struct iob_thread *
iob_thread_get_or_create(void)
{
	struct iob_thread *thr = iob_self;

	if (thr != NULL)
		return thr;
	thr = calloc(1, sizeof(*thr));
	if (thr == NULL)
		return NULL;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		TAILQ_INIT(&thr->ready[c]);
	TAILQ_INIT(&thr->channels);
	thr->owner = pthread_self();
	iob_self = thr;
	return thr;
}

void
iob_thread_release(struct iob_thread *thr)
{
	if (thr->nchannels > 0)
		return;
	/* Closing the last channel dropped every entry, so no pressure is left. */
	iob_self = NULL;
	free(thr);
}

void
iob_thread_attach(struct iob_thread *thr, struct iobuf_channel *ch)
{
	ch->thr = thr;
	TAILQ_INSERT_TAIL(&thr->channels, ch, thr_link);
	thr->nchannels++;
}

void
iob_thread_detach(struct iobuf_channel *ch)
{
	struct iob_thread *thr = ch->thr;

	TAILQ_REMOVE(&thr->channels, ch, thr_link);
	thr->nchannels--;
	ch->thr = NULL;
	iob_thread_release(thr);
}

static iob_cold int
thread_poll_slow(uint64_t waiting, uint64_t blocked)
{
	struct iob_thread *thr = iob_self;
	struct iobuf_channel *ch;

	if (thr == NULL)
		return 0;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		if (iob_pressure_of(waiting, c) != 0) {
			/* Someone waits: idle buffers here belong to them (SPEC §4.5). */
			TAILQ_FOREACH(ch, &thr->channels, thr_link)
				iob_channel_flush_all(ch, c);
			iob_wait_pull(c);
		} else if (iob_pressure_of(blocked, c) != 0) {
			/* A module at its limit waits for its own idle buffers. */
			TAILQ_FOREACH(ch, &thr->channels, thr_link)
				if (__atomic_load_n(&ch->mod->nblocked[c],
						    __ATOMIC_RELAXED) != 0)
					iob_channel_flush_all(ch, c);
			iob_wait_pull(c);
		}
	}
	return iob_wait_deliver(thr);
}

int
iobuf_thread_poll(void)
{
	uint64_t waiting = __atomic_load_n(&iob_pressure.waiting,
					   __ATOMIC_RELAXED);
	uint64_t blocked = __atomic_load_n(&iob_pressure.blocked,
					   __ATOMIC_RELAXED);

	if (likely((waiting | blocked) == 0))
		return 0;
	return thread_poll_slow(waiting, blocked);
}
