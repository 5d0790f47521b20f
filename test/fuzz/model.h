/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Reference model of the pools for the API fuzzer (fuzz_api.c).
 *
 * The fuzzer runs on one thread, so the model holds the whole process:
 * which buffers are out with the caller, every waiting entry and where it
 * waits (in its class's order, gathering, at its module's limit, or handed
 * its buffers and waiting for its callback), the ring's free count, every
 * module's reserve, limit and counters, and every open channel's cache
 * count. It follows the order iobuf.h documents ("Waiting." at the top of
 * the header, struct iobuf_module_opts) buffer by buffer, so it predicts
 * which entry each returned buffer goes to and which callback runs next.
 *
 * It does not model the batch policy. A get that refills from the ring,
 * or a put with nobody waiting that may flush a batch, moves an unknown
 * number of buffers between one channel's cache and the ring (a flush
 * refills the module's reserve first); model_sync() reads
 * iobuf_get_stats() and charges what the model did not predict to that
 * channel, if the call was allowed such a move, then checks everything
 * else exactly.
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

/* Modules fuzz0..fuzz3; channel k is a channel of module k % MODEL_MODULES. */
#define MODEL_MODULES 4
#define MODEL_CHANNELS 8
#define MODEL_ENTRIES 16
/* Bigger than any pool the fuzzer configures (fuzz_api.c opts_from). */
#define MODEL_MAX_BUFS 256

#define MODEL_CONTAINER_OF(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* What an entry's callback does with the buffers it is handed. */
enum entry_action {
	ACT_KEEP,      /* hold them */
	ACT_REQUEUE,   /* hold them and get again with the same entry until need is met */
	ACT_PUTBACK,   /* put them straight back through the entry's channel */
	ACT_ABORT_NEXT, /* hold them and abort the next waiter of its module */
	ACT_COUNT,
};

enum entry_state {
	ENTRY_IDLE,      /* not waiting */
	ENTRY_QUEUED,    /* in its class's order, or gathering at its head */
	ENTRY_BLOCKED,   /* at its module's limit, fed by the module's returns */
	ENTRY_READY,     /* handed everything, its callback not run yet */
};

struct fuzz_entry {
	struct iobuf_entry entry;   /* what the library sees */
	enum entry_state state;
	int chan;                   /* channel it was queued through */
	int mod;
	int cls;
	uint64_t len;
	uint32_t n;                 /* iobuf_get_multi's n; 0 for iobuf_get */
	uint32_t gathered;          /* buffers handed to it so far */
	void *known;                /* one of them the model can name, or NULL */
	uint32_t known_at;          /* its index in bufs */
	enum entry_action action;
	uint32_t need;              /* ACT_REQUEUE: gets still wanted */
	void *bufs[MODEL_MAX_BUFS]; /* iobuf_get_multi's array */
};

/* Entry indexes in the order they are served. */
struct model_list {
	int n;
	int idx[MODEL_ENTRIES];
};

struct model_class {
	uint64_t ring;              /* buffers free in the ring */
	int gatherer;               /* the multi entry gathering, or -1 */
	struct model_list q[2];     /* [0] high priority, [1] normal */
	struct model_list ready;    /* handed everything, in the order they were */
};

struct model_channel {
	struct iobuf_channel *ch;   /* NULL when closed */
	uint32_t size[IOBUF_CLASS_COUNT];
	int64_t cached[IOBUF_CLASS_COUNT];
	unsigned int opened;        /* position in the thread's channel list */
};

struct model_module {
	bool registered;
	uint32_t priority;
	uint64_t reserve[IOBUF_CLASS_COUNT];
	uint64_t limit[IOBUF_CLASS_COUNT];
	uint64_t stash[IOBUF_CLASS_COUNT];        /* reserve idle now */
	uint64_t limit_waits[IOBUF_CLASS_COUNT];
	struct model_list blocked[IOBUF_CLASS_COUNT];
	/* 1 + its one entry holding part of its buffers, fed first; 0: none */
	int partial[IOBUF_CLASS_COUNT];
	/* expected counters; cleared when the module is (re)registered */
	struct iobuf_class_stats st[IOBUF_CLASS_COUNT];
};

struct model_buf {
	void *buf;
	int cls;
};

/* A sync charges nothing it did not predict to anybody. */
#define ACTOR_NONE (-1)

/* Moves a sync may charge to the acting channel, per class. */
#define ALLOW_REFILL(c) (1u << (c))
#define ALLOW_FLUSH(c) (4u << (c))

struct model {
	bool initialized;
	uint64_t bufsize[IOBUF_CLASS_COUNT];
	uint64_t total[IOBUF_CLASS_COUNT];
	uint64_t opts_count[IOBUF_CLASS_COUNT];  /* the current options' counts */

	struct model_channel chan[MODEL_CHANNELS];
	unsigned int opened;
	struct model_module mod[MODEL_MODULES];
	int reg_order[MODEL_MODULES];   /* modules in registration order */
	int nreg;

	struct fuzz_entry entries[MODEL_ENTRIES];
	struct model_class cl[IOBUF_CLASS_COUNT];
	int cb_entry;               /* entry whose callback runs, -1 if none */

	struct model_buf held[MODEL_MAX_BUFS];  /* out with the caller */
	int nheld;
	int nheld_cls[IOBUF_CLASS_COUNT];

	/* every buffer address seen since iobuf_initialize, per class */
	uintptr_t known[IOBUF_CLASS_COUNT][MODEL_MAX_BUFS];
	int nknown[IOBUF_CLASS_COUNT];
	uintptr_t lo[IOBUF_CLASS_COUNT], hi[IOBUF_CLASS_COUNT];

	unsigned int op;            /* number of the operation running */
	bool trace;
};

extern struct model M;

extern const char *const model_module_name[MODEL_MODULES];

__attribute__((noreturn, format(printf, 1, 2)))
void model_fail(const char *fmt, ...);
__attribute__((format(printf, 1, 2)))
void model_trace(const char *fmt, ...);

static inline int
model_mod_of(int chan)
{
	return chan % MODEL_MODULES;
}

static inline const char *
model_cls_name(int cls)
{
	return cls ? "large" : "small";
}

/* Forget everything but the registered modules' names (start of an input). */
void model_reset(void);
/*
 * After iobuf_initialize() with these rounded sizes and counts: sets the
 * registered modules' reserves aside. false when they do not fit, the
 * -ENOMEM iobuf_initialize() then returns.
 */
bool model_initialize(const uint64_t bufsize[IOBUF_CLASS_COUNT],
		      const uint64_t total[IOBUF_CLASS_COUNT]);
void model_finished(void);

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

/* ---- the documented behaviour, step by step ------------------------------ */

/* Buffers m holds toward its limit: out with callers, gathered, cached. */
int64_t model_held(int m, int cls);
/* m may take k more buffers of cls (no limit, or held + k <= limit). */
bool model_room(int m, int cls, uint64_t k);
/* Entries of cls in the class's order (gathering or queued). */
int model_shared_count(int cls);
/*
 * A put of cls through a channel of m does not cache: some entry waits
 * for a buffer it could be given, or for its callback.
 */
bool model_pressure(int m, int cls);
/* A get of cls through m may take from the ring (no barging). */
bool model_ring_open(int m, int cls);
/*
 * Queue entry idx (fields chan, mod, cls, len, n set), at its module's
 * limit if it is there (a limit wait), and serve the order from the ring.
 */
void model_enqueue(int idx);
/*
 * n buffers of cls leave channel k for the pool, in the order the header
 * gives: the module's entries at its limit, its reserve, the class's
 * order, the ring; then waiting entries are served from the ring. first,
 * when not NULL, is the first of them (a put's own buffer).
 */
void model_return(int k, int cls, uint64_t n, void *first);
/* Entry idx leaves without a callback; its buffers return. */
void model_cancel(int idx);
/* Serve the class's order from the ring. */
void model_pull(int cls);
/* iobuf_channel_fini of k: its entries dropped, its caches returned. */
void model_close(int k);
/*
 * What iobuf_thread_poll does before calling back: false when it returns
 * at once, else after giving idle cached buffers back and serving the
 * waiting entries from the ring.
 */
bool model_poll(void);
/* Entry idx's callback starts: it leaves its list. */
void model_called_back(int idx);
/*
 * The entries iobuf_for_each_entry visits for a channel of module m:
 * class cls, in its order. Returns how many (written to out).
 */
int model_walk(int m, int cls, int *out);

/*
 * Read the stats, charge to channel actor (or ACTOR_NONE) what the model
 * did not predict, if allow (ALLOW_* bits) lets it, and check pool and
 * module stats against the model exactly.
 */
void model_sync(int actor, unsigned int allow);

#endif /* FUZZ_MODEL_H */
