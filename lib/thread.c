/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Thread contexts: one per OS thread that has a channel open, found through
 * a thread-local pointer. A context holds the thread's wait queues, shared
 * by all its channels, and is freed with the thread's last channel.
 * iobuf_thread_poll() serves the thread's waiters from the ring.
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
		TAILQ_INIT(&thr->waitq[c]);
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

struct iobuf_channel *
iob_thread_channel_of(const struct iob_module *m)
{
	struct iobuf_channel *ch;

	if (iob_self == NULL)
		return NULL;
	TAILQ_FOREACH(ch, &iob_self->channels, thr_link)
		if (ch->mod == m)
			return ch;
	return NULL;
}

/* Serve thr's waiters of cls with buffers from the ring. */
static int
serve_from_ring(struct iob_thread *thr, int cls)
{
	void *bufs[IOB_BATCH_MAX];
	int served = 0;

	while (thr->nwaiting[cls] > 0) {
		unsigned int want = RTE_MIN(thr->nwaiting[cls], IOB_BATCH_MAX);
		unsigned int got = iob_ring_take_burst(cls, bufs, want);

		if (got == 0)
			break;
		for (unsigned int i = 0; i < got; i++) {
			/* Callbacks may abort other entries: return what is left. */
			if (thr->nwaiting[cls] == 0) {
				iob_ring_return(cls, &bufs[i], got - i);
				break;
			}
			iob_waitq_serve(thr, cls, bufs[i]);
			served++;
		}
	}
	return served;
}

static iob_cold int
thread_poll_slow(uint64_t pressure)
{
	struct iob_thread *thr = iob_self;
	struct iobuf_channel *ch;
	int served = 0;

	if (thr == NULL)
		return 0;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		if (iob_pressure_of(pressure, c) == 0)
			continue;
		/* Someone waits: idle buffers here belong in the ring (SPEC §4.5). */
		TAILQ_FOREACH(ch, &thr->channels, thr_link)
			iob_channel_flush_all(ch, c);
		served += serve_from_ring(thr, c);
	}
	return served;
}

int
iobuf_thread_poll(void)
{
	uint64_t pressure = iob_pressure_load();

	if (likely(pressure == 0))
		return 0;
	return thread_poll_slow(pressure);
}
