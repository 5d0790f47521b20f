/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Private types shared by the library's .c files. Internal names that are
 * not static start with iob_ so a reader tells them from the public iobuf_
 * API at the call site.
 *
 * Layers. Each file calls only the files below it, never up or sideways
 * into a file above (scripts/check-layers.py fails the test command on a
 * cycle between the objects):
 *
 *   ffi.c      the exported iobuf_get and iobuf_put: iobuf.h's inline
 *              definitions compiled out of line
 *   telemetry.c  DPDK telemetry commands, answered from iobuf_get_stats;
 *              the public iobuf_initialize, so that every program links them
 *   stats.c    iobuf_get_stats, iobuf_dump: read-only snapshots
 *   iobuf.c    the control path: the control mutex, the lifecycle
 *              (initialize, finish and its report), and every public call
 *              that takes the mutex; lower files never take it
 *   module.c   registry of module names, per-module accounting
 *   thread.c   thread contexts, the channels of a thread, iobuf_thread_poll
 *   channel.c  caches (pointer stacks), the out-of-line halves of get and
 *              put (their cache hits are inline in iobuf.h), bulk calls,
 *              batched refill and flush
 *   waitq.c    per-thread FIFO wait queues, the pressure word, abort and
 *              iteration of entries
 *   env.c      the embedded DPDK EAL
 *   pool.c     the buffer region and one rte_ring per class; address to
 *              class; IOVA
 *   debug.c    debug_checks builds: per-buffer state, poisoning
 *   opts.c     option values and their validation
 *   log.c      the rte_log type
 *
 * The data path (get, put, bulk, poll, abort) takes no lock; the control
 * path runs under the mutex in iobuf.c, so files below it say "called with
 * the control mutex held" where that matters.
 */

#ifndef IOBUF_INTERNAL_H
#define IOBUF_INTERNAL_H

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_log.h>

#include "iobuf.h"
#include "iobuf_config.h"

/*
 * -fvisibility=hidden covers definitions only; declaring the internals
 * hidden too lets the fast path load them PC-relative instead of via the GOT.
 */
#pragma GCC visibility push(hidden)

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define iob_cold __attribute__((noinline, cold))
#define IOB_ALIGN 4096u
#define IOB_CACHE_LINE 64

/*
 * Batch policy (SPEC §5). A cache of size S starts with a batch of
 * b = min(IOB_BATCH_MAX, S): a get that finds it empty refills b buffers
 * from the ring, and a put that finds it holding S + b flushes b to the
 * ring and keeps the rest. One contended ring operation costs about a
 * hundred cached get/put pairs, so 32 (SPDK's value) amortises it to a few
 * percent while a channel's idle memory stays small (test/bench/RESULTS.md).
 * A one-way flow (a thread that keeps flushing, or keeps refilling) doubles
 * its batch in that direction at each ring operation, up to S, as FreeBSD
 * UMA grows its buckets: a producer or consumer then moves up to S buffers
 * per ring operation, as rte_mempool's cache does. A flush in a refilling
 * channel, or a refill in a flushing one, starts both over at b. A flushing
 * cache holds S + its flush batch at most: never more than 2 S idle.
 */
#define IOB_BATCH_MAX 32u

/* Single-writer counters: the owner stores, anyone may load (STYLE 17). */
#define iob_counter_add(p, n) \
	__atomic_store_n((p), *(p) + (n), __ATOMIC_RELAXED)
#define iob_counter_read(p) __atomic_load_n((p), __ATOMIC_RELAXED)

/* ---- logging (log.c) ---------------------------------------------------- */

extern int iob_logtype;

#define IOB_LOG(level, ...) \
	rte_log(RTE_LOG_##level, iob_logtype, "iobuf: " __VA_ARGS__)

/*
 * For errors reachable from the data path (a bad pointer put in a loop):
 * the first IOB_LOG_BURST messages of a call site are printed, then one in
 * every 65536 with the count suppressed so far.
 */
#define IOB_LOG_BURST 16
#define IOB_LOG_RATELIMITED(level, ...) do { \
	static uint64_t iob_log_hits_; \
	uint64_t n_ = __atomic_fetch_add(&iob_log_hits_, 1, __ATOMIC_RELAXED); \
	if (n_ < IOB_LOG_BURST || (n_ & 0xffff) == 0) { \
		IOB_LOG(level, __VA_ARGS__); \
		if (n_ + 1 == IOB_LOG_BURST) \
			IOB_LOG(level, "further messages like this one are " \
				"rate-limited\n"); \
	} \
} while (0)

static inline const char *
iob_class_name(int cls)
{
	return cls == IOBUF_CLASS_LARGE ? "large" : "small";
}

/* ---- options (opts.c) --------------------------------------------------- */

/* The options initialize and env_init use; written only by iob_opts_set. */
extern struct iobuf_opts iob_opts;

void iob_opts_get(struct iobuf_opts *opts, size_t opts_size);
/* Validates everything, then changes everything or nothing. */
int iob_opts_set(const struct iobuf_opts *opts);
/*
 * Offset of the large pool in the region: the small pool's bytes rounded
 * up to a multiple of large_bufsize, so that every buffer of either class
 * starts on a multiple of its size from the region's start.
 */
uint64_t iob_large_offset(const struct iobuf_opts *o);
/* Bytes of the whole region. */
uint64_t iob_region_bytes(const struct iobuf_opts *o);

/* ---- global pools (pool.c) ---------------------------------------------- */

struct rte_ring;
struct rte_memzone;

struct iob_pool {
	struct rte_ring *ring;
	uintptr_t base;          /* first buffer */
	uint64_t count;
	uint64_t bufsize;
	uint8_t *in_ring;        /* per page, at a buffer's first: 1 in the ring */
};

/*
 * Read-only while initialized. The data path reads copies kept in each
 * channel, so this line is touched only by slow paths.
 */
struct iob_global {
	bool initialized;
	const struct rte_memzone *mz;
	uintptr_t base;          /* start of the region: small pool, then large */
	uintptr_t span;          /* region bytes */
	uint64_t iova_base;
	struct iob_pool pool[IOBUF_CLASS_COUNT];
	unsigned int generation; /* makes ring and memzone names unique */
};

extern struct iob_global iob_g;

/* Reserve the region, create and fill the rings; all or nothing. */
int iob_pool_create(const struct iobuf_opts *o);
void iob_pool_destroy(void);

/*
 * Put back buffers that were taken from the ring. A buffer that is in the
 * ring already was put twice: it is logged and dropped, never waited for.
 * Returns how many went back.
 */
unsigned int iob_ring_return(int cls, void *const *bufs, unsigned int n);
unsigned int iob_ring_take_burst(int cls, void **bufs, unsigned int n);
int iob_ring_take_bulk(int cls, void **bufs, unsigned int n);
uint64_t iob_ring_free_count(int cls);
/* Bytes of one class's ring, for sizing EAL memory. */
size_t iob_ring_memsize(uint64_t count);

/*
 * The class of buf if it is the exact start of a pool buffer; otherwise
 * logs why it is refused and returns -1.
 */
int iob_buf_check(const void *buf, const char *what);

/* ---- the embedded environment (env.c) ----------------------------------- */

/* An EAL is up: started by iob_env_start() or by the application. */
bool iob_env_ready(void);
/* The EAL is ours to stop. */
bool iob_env_ours(void);
int iob_env_start(void);
void iob_env_stop(void);

/* ---- wait queues and pressure (waitq.c) --------------------------------- */

/* The private layout behind struct iobuf_entry. */
struct iob_entry {
	TAILQ_ENTRY(iob_entry) link;
	struct iobuf_channel *ch;
	iobuf_get_cb cb;
	uint32_t state;          /* IOB_ENTRY_WAITING while queued */
	uint32_t cls;
};

#define IOB_ENTRY_WAITING 0x57a17e5du

TAILQ_HEAD(iob_entry_list, iob_entry);

/*
 * Walks in progress over a wait queue (iobuf_for_each_entry). An entry that
 * leaves the queue moves every cursor pointing at it to its successor, so a
 * visitor may remove entries freely.
 */
struct iob_cursor {
	struct iob_entry *next;
	struct iob_cursor *up;
};

struct iob_thread {
	struct iob_entry_list waitq[IOBUF_CLASS_COUNT];
	uint32_t nwaiting[IOBUF_CLASS_COUNT];
	/* entry whose callback is running: if it queues again it goes first */
	struct iob_entry *in_callback;
	struct iob_cursor *cursors;
	TAILQ_HEAD(, iobuf_channel) channels;
	uint32_t nchannels;
	pthread_t owner;
};

/*
 * Threads with waiters, per class: class c counts in bits [32c, 32c+32).
 * Changed (atomic add) only when a thread's queue turns empty or non-empty;
 * read by every put and poll, so it sits alone on its cache line and every
 * reader keeps a clean shared copy while nobody waits.
 */
struct iob_pressure_line {
	uint64_t threads_waiting;
} __attribute__((aligned(IOB_CACHE_LINE)));

extern struct iob_pressure_line iob_pressure;

static inline uint64_t
iob_pressure_load(void)
{
	return __atomic_load_n(&iob_pressure.threads_waiting, __ATOMIC_RELAXED);
}

static inline uint32_t
iob_pressure_of(uint64_t p, int cls)
{
	return (uint32_t)(p >> (32 * cls));
}

void iob_waitq_push(struct iob_thread *thr, struct iob_entry *e);
/* Hand buf to the oldest entry of its class on thr; the queue is non-empty. */
void iob_waitq_serve(struct iob_thread *thr, int cls, void *buf);
void iob_waitq_remove(struct iob_thread *thr, struct iob_entry *e);
/* Whether e is queued on thr; reads no pointer stored in e. */
bool iob_waitq_holds(const struct iob_thread *thr, const struct iob_entry *e);
/* Remove, without callbacks, every entry queued through ch. */
unsigned int iob_waitq_drop_channel(struct iob_thread *thr,
				    struct iobuf_channel *ch);

/* ---- channels (channel.c) ----------------------------------------------- */

#if defined(__SANITIZE_THREAD__)
#define IOB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define IOB_TSAN 1
#endif
#endif

/*
 * Divisibility without a division (Lemire, Kaser and Kurz, "Faster
 * remainder by direct computation", 2019): with mul = ceil(2^64 / m),
 * n % m == 0 exactly when n * mul (mod 2^64) <= mul - 1, for every n below
 * 2^(64 - log2 m). Page indexes stay below 2^35 (IOB_REGION_MAX) and a
 * buffer spans fewer than 2^20 pages, so every page qualifies. m = 1 gives
 * mul = 0 and max = UINT64_MAX: every page passes.
 */
static inline void
iob_div_init(uint64_t m, uint64_t *mul, uint64_t *max)
{
	*mul = UINT64_MAX / m + 1;
	*max = *mul - 1;
}

/*
 * Counters only slow paths touch; only the owning thread writes. The
 * buffers a module holds are counted from these and the cache depth,
 * not from a count of puts: a put into the cache changes only the depth,
 * so the put fast path increments nothing.
 */
struct iob_slow_counters {
	uint64_t main;
	uint64_t retry;
	uint64_t served;
	uint64_t waiting;
	uint64_t ring;    /* buffers taken from the ring less those returned */
	uint64_t handed;  /* puts handed straight to a waiting entry */
};

/* A class's counters, summed over channels (module.c) or kept by a module. */
struct iob_counters {
	uint64_t cache;   /* gets served from the cache */
	uint64_t main;    /* gets that dequeued from the ring */
	uint64_t retry;   /* gets that queued an entry */
	uint64_t served;  /* buffers handed to entries */
	uint64_t ring;    /* buffers taken from the ring less those returned */
	uint64_t handed;  /* puts handed straight to a waiting entry */
	uint64_t cached;  /* buffers in the caches now */
	uint64_t waiting; /* entries queued now */
};

struct iob_module;

/*
 * A channel. The inline get and put (iobuf.h) read and write hot, whose
 * cache[] is an array stack of buffer pointers per class: bufs <= top <=
 * limit, a get pops below top, a put pushes at top, and a put that finds
 * top == limit flushes a batch. The array has one slot past limit so a put
 * can push before flushing everything.
 */
struct iobuf_channel {
	struct iobuf_channel_hot hot;
	/* Debug builds' caches, so that hot.cache[] can always miss. */
	struct iobuf_cache debug_cache[IOBUF_CLASS_COUNT];
	uint32_t size[IOBUF_CLASS_COUNT];   /* cache size asked for */
	uint32_t refill[IOBUF_CLASS_COUNT]; /* next refill, see IOB_BATCH_MAX */
	uint32_t flush[IOBUF_CLASS_COUNT];  /* next flush; limit is size + it */
	/*
	 * Buffer index by exact division, for checking a bulk put: a buffer
	 * of size 2^shift * odd at offset off from its pool's first has index
	 * ror(off * inv, shift), inv * odd = 1 (mod 2^64); any other offset
	 * gives an index of count or more (Granlund and Montgomery).
	 */
	struct {
		uintptr_t first;
		uint64_t inv;
		uint64_t count;
		unsigned int shift;
	} exact[IOBUF_CLASS_COUNT];
	/* Slow paths only. */
	struct iob_slow_counters st[IOBUF_CLASS_COUNT];
	struct iob_thread *thr;                 /* set by iob_thread_attach */
	struct iob_module *mod;                 /* set by iob_module_attach */
	TAILQ_ENTRY(iobuf_channel) mod_link;    /* module's list, under the mutex */
	TAILQ_ENTRY(iobuf_channel) thr_link;    /* owning thread's list */
};

/* The cache of class cls that the library works on (see debug_cache). */
#define IOB_CACHE(ch, cls) \
	(IOBUF_DEBUG_CHECKS ? &(ch)->debug_cache[cls] : &(ch)->hot.cache[cls])

#define IOB_CHECK_OWNER(ch, fn) \
	IOB_DEBUG_ASSERT(pthread_equal((ch)->thr->owner, pthread_self()), \
			 fn ": channel %p of module '%s' used by a thread " \
			 "that does not own it", (void *)(ch), (ch)->mod->name)

/*
 * A channel with caches of size[c] buffers, pre-filled from the pools;
 * NULL after logging why (for module, the name the caller asked for). The
 * caller attaches it to a thread and a module.
 */
struct iobuf_channel *iob_channel_create(const char *module,
					 const uint32_t size[IOBUF_CLASS_COUNT],
					 int *rc);
/* Free a channel whose caches are empty and that is attached to nothing. */
void iob_channel_free(struct iobuf_channel *ch);
void iob_channel_flush_all(struct iobuf_channel *ch, int cls);
/* Add ch's counters of cls to sum (relaxed loads; any thread). */
void iob_channel_counters(const struct iobuf_channel *ch, int cls,
			  struct iob_counters *sum);
uint64_t iob_channel_cached(const struct iobuf_channel *ch, int cls);

/* ---- threads (thread.c) ------------------------------------------------- */

extern __thread struct iob_thread *iob_self;

struct iob_thread *iob_thread_get_or_create(void);
/* Free thr if it has no channel left. */
void iob_thread_release(struct iob_thread *thr);
/* ch belongs to thr from now on. */
void iob_thread_attach(struct iob_thread *thr, struct iobuf_channel *ch);
/* ch leaves its thread; the thread's context goes with its last channel. */
void iob_thread_detach(struct iobuf_channel *ch);
/* This thread's channel of module m, or NULL. */
struct iobuf_channel *iob_thread_channel_of(const struct iob_module *m);

/* ---- modules (module.c), called with the control mutex held ------------- */

struct iob_module {
	TAILQ_ENTRY(iob_module) link;
	TAILQ_HEAD(, iobuf_channel) channels;
	uint32_t nchannels;
	/* counters of this module's closed channels */
	struct iob_counters retired[IOBUF_CLASS_COUNT];
	char name[IOBUF_MODULE_NAME_MAX + 1];
};

TAILQ_HEAD(iob_module_list, iob_module);
extern struct iob_module_list iob_modules;

/*
 * Out of unregistered modules, per class. Like every out counter it lives
 * as long as the process, so the sum stays right across finish and
 * initialize.
 */
extern int64_t iob_orphan_out[IOBUF_CLASS_COUNT];

struct iob_module *iob_module_find(const char *name);
int iob_module_register(const char *name);
int iob_module_unregister(const char *name);
void iob_module_attach(struct iob_module *m, struct iobuf_channel *ch);
/* ch closes: its counters stay with the module. */
void iob_module_detach(struct iobuf_channel *ch);
void iob_module_stats(const struct iob_module *m, struct iobuf_module_stats *ms);
/* Buffers out per class as the modules count them, unregistered ones too. */
void iob_count_out(int64_t out[IOBUF_CLASS_COUNT]);

/* ---- the control path (iobuf.c) ----------------------------------------- */

/*
 * The control mutex: opts, environment, module registry, channel lists,
 * initialize and finish. Never taken on the data path.
 */
extern pthread_mutex_t iob_lock;

/* iobuf_initialize(), whose public symbol telemetry.c defines. */
int iob_initialize(void);

/* ---- debug checks (debug.c) --------------------------------------------- */

#define IOB_DEBUG_ASSERT(cond, ...) do { \
	if (IOBUF_DEBUG_CHECKS && unlikely(!(cond))) \
		iob_debug_fail(__VA_ARGS__); \
} while (0)

__attribute__((noreturn, format(printf, 1, 2)))
void iob_debug_fail(const char *fmt, ...);

/*
 * Per-buffer state. Call sites wrap these in `if (IOBUF_DEBUG_CHECKS)`, so
 * release builds drop them. iob_debug_init gets the pools' geometry; the
 * others find a buffer's index from it.
 */
int iob_debug_init(uintptr_t base, uintptr_t span,
		   const struct iob_pool pool[IOBUF_CLASS_COUNT]);
void iob_debug_fini(void);
void iob_debug_ring_in(int cls, void *const *bufs, unsigned int n);
void iob_debug_ring_out(int cls, void *const *bufs, unsigned int n);
/* buf leaves for a caller of ch: checks it was untouched while returned */
void iob_debug_take(const struct iobuf_channel *ch, int cls, void *buf);
/* buf comes back through ch: must be out; poisons it */
void iob_debug_give(const struct iobuf_channel *ch, int cls, void *buf);
void iob_debug_report_out(void);
void iob_debug_forget_module(const struct iob_module *m);

#pragma GCC visibility pop

#endif /* IOBUF_INTERNAL_H */
