/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Thread contexts: one per OS thread that has a channel open, found through
 * a thread-local pointer. A context holds the thread's wait queues, shared
 * by all its channels, and is freed with the thread's last channel.
 */

#include <stdlib.h>

#include "iobuf_internal.h"

__thread struct iob_thread *iob_self;

struct iob_pressure_line iob_pressure;

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
