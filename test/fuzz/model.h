/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Reference model of the pools for the API fuzzer (fuzz_api.c).
 *
 * The fuzzer runs on one thread, so the model holds that thread's view:
 * which buffers are out with the caller, the FIFO wait queue of each class
 * (which entry waits, through which channel, in what order), every open
 * channel's cache count and every module's expected counters. It does not
 * model the batch policy: after each call it reads iobuf_get_stats() and
 * charges the change in cached buffers to the channel that acted, then
 * checks what SPEC §3, §4 and §4b promise against that state.
 *
 * Every mismatch calls model_fail(), which prints the operation number, the
 * message and iobuf_dump(), then aborts so libFuzzer keeps the input.
 */

#ifndef FUZZ_MODEL_H
#define FUZZ_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <iobuf.h>

/* Modules fuzz0..fuzz3; a thread has at most one channel per module. */
#define MODEL_MODULES 4
#define MODEL_ENTRIES 16
/* Bigger than any pool the fuzzer configures (fuzz_api.c opts_from). */
#define MODEL_MAX_BUFS 256

#define MODEL_CONTAINER_OF(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* What an entry's callback does with the buffer it is handed. */
enum entry_action {
	ACT_KEEP,      /* hold it */
	ACT_REQUEUE,   /* hold it and get again with the same entry until need is met */
	ACT_PUTBACK,   /* put it straight back through the entry's channel */
	ACT_ABORT_NEXT, /* hold it and abort the next waiter of its module */
	ACT_COUNT,
};

struct fuzz_entry {
	struct iobuf_entry entry;   /* what the library sees */
	bool waiting;
	int slot;                   /* module / channel it was queued through */
	int cls;
	uint64_t len;
	enum entry_action action;
	uint32_t need;              /* ACT_REQUEUE: buffers still wanted */
};

struct model_channel {
	struct iobuf_channel *ch;   /* NULL when closed */
	uint32_t size[IOBUF_CLASS_COUNT];
	int64_t cached[IOBUF_CLASS_COUNT];
};

struct model_module {
	bool registered;
	/* expected counters; cleared when the module is (re)registered */
	struct iobuf_class_stats st[IOBUF_CLASS_COUNT];
};

struct model_buf {
	void *buf;
	int cls;
};

/* Who changed the caches since the last model_sync(). */
enum {
	ACTOR_NONE = -1,            /* nobody: free and cached must not move */
	ACTOR_POLL = -2,            /* iobuf_thread_poll: may flush this thread's caches */
};

struct model {
	bool initialized;
	uint64_t bufsize[IOBUF_CLASS_COUNT];
	uint64_t total[IOBUF_CLASS_COUNT];

	struct model_channel chan[MODEL_MODULES];
	struct model_module mod[MODEL_MODULES];
	int reg_order[MODEL_MODULES];   /* slots in registration order */
	int nreg;

	struct fuzz_entry entries[MODEL_ENTRIES];
	/* entry indexes, oldest first */
	int queue[IOBUF_CLASS_COUNT][MODEL_ENTRIES];
	int qlen[IOBUF_CLASS_COUNT];
	int cb_entry;               /* entry whose callback runs, -1 if none */

	struct model_buf held[MODEL_MAX_BUFS];  /* out with the caller */
	int nheld;
	int nheld_cls[IOBUF_CLASS_COUNT];

	/* every buffer address seen since iobuf_initialize, per class */
	uintptr_t known[IOBUF_CLASS_COUNT][MODEL_MAX_BUFS];
	int nknown[IOBUF_CLASS_COUNT];
	uintptr_t lo[IOBUF_CLASS_COUNT], hi[IOBUF_CLASS_COUNT];

	/* buffers a poll took off the ring and has not handed out yet */
	int poll_depth;

	struct iobuf_stats snap;    /* pool stats at the last model_sync() */
	unsigned int op;            /* number of the operation running */
	bool trace;
};

extern struct model M;

extern const char *const model_module_name[MODEL_MODULES];

__attribute__((noreturn, format(printf, 1, 2)))
void model_fail(const char *fmt, ...);
__attribute__((format(printf, 1, 2)))
void model_trace(const char *fmt, ...);

/* Forget everything but the registered modules' names (start of an input). */
void model_reset(void);
/* After a successful iobuf_initialize() with these rounded sizes. */
void model_initialized(const uint64_t bufsize[IOBUF_CLASS_COUNT],
		       const uint64_t total[IOBUF_CLASS_COUNT]);
void model_finished(void);
/* Take the pool stats as they are, after initialize or finish moved them. */
void model_rebase(void);

int model_held_find(const void *buf);
void model_held_add(void *buf, int cls);
void model_held_remove(const void *buf);

/*
 * A buffer the library just handed out as class cls: 4 KiB aligned, not
 * out already, IOVA-contiguous, spaced from the class's other buffers by
 * whole buffers, outside the other class's span and within the pool's
 * count. Writes its first and last byte.
 */
void model_check_new_buffer(void *buf, int cls);

void model_queue_push(int idx, bool at_head);
void model_queue_remove(int idx);

/*
 * Read the stats, charge the change in cached buffers to actor (a slot,
 * ACTOR_NONE or ACTOR_POLL), and check pool and module stats against the
 * model. Conservation is exact unless a poll is running (it holds dequeued
 * buffers in flight). delta_free / delta_cached, when not NULL, receive
 * the change per class.
 */
void model_sync(int actor, int64_t delta_free[IOBUF_CLASS_COUNT],
		int64_t delta_cached[IOBUF_CLASS_COUNT]);

#endif /* FUZZ_MODEL_H */
