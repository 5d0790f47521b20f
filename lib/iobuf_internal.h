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
 *   ffi.c      the exported iobuf_get, iobuf_put and iobuf_get_bulk:
 *              iobuf.h's inline definitions compiled out of line
 *   telemetry.c  DPDK telemetry commands, answered from iobuf_get_stats;
 *              the public iobuf_initialize, so that every program links them
 *   stats.c    iobuf_get_stats, iobuf_dump: read-only snapshots
 *   iobuf.c    the control path: the control mutex, the lifecycle
 *              (initialize, finish and its report), and every public call
 *              that takes the mutex; lower files never take it
 *   module.c   registry of module names, their options and reserves,
 *              per-module accounting
 *   thread.c   thread contexts, the channels of a thread, iobuf_thread_poll
 *   channel.c  caches (pointer stacks), the out-of-line halves of get and
 *              put (their cache hits are inline in iobuf.h), bulk calls,
 *              batched refill and flush
 *   waitq.c    the process-wide order of waiting entries, hand-off and
 *              gathering, reserves and limits on the data path, the
 *              pressure words, abort and iteration of entries
 *   env.c      the embedded DPDK EAL
 *   pool.c     the buffer region and one rte_ring per class; address to
 *              class; IOVA
 *   debug.c    debug_checks builds: per-buffer state, poisoning
 *   exact.c    a bulk put's copy into a cache, checking each pointer
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
/* The region and each class's place in it; while initialized. */
void iob_pool_region(struct iobuf_region *r);
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

/* ---- waiting (waitq.c) -------------------------------------------------- */

/* The private layout behind struct iobuf_entry. */
struct iob_entry {
	TAILQ_ENTRY(iob_entry) link;
	struct iobuf_channel *ch;
	union {
		iobuf_get_cb one;
		iobuf_get_multi_cb multi;
	} cb;
	void **bufs;             /* multi: the caller's array */
	void *buf;               /* single: the buffer, once handed */
	uint32_t n;              /* buffers wanted; 0 for a single get */
	uint32_t gathered;       /* multi: bufs[0, gathered) are there */
	uint32_t state;          /* IOB_ENTRY_WAITING until called back */
	uint8_t cls;
	uint8_t where;           /* enum iob_where */
};

#define IOB_ENTRY_WAITING 0x57a17e5du

enum iob_where {
	IOB_AT_QUEUE = 1,        /* iob_wq[cls].q[priority] */
	IOB_AT_GATHER,           /* iob_wq[cls].gatherer */
	IOB_AT_BLOCKED,          /* its module's blocked[cls] */
	IOB_AT_READY,            /* its thread's ready[cls] */
};

TAILQ_HEAD(iob_entry_list, iob_entry);

/*
 * The process-wide waiting state of one class. Its lock is taken only on
 * slow paths: a get that finds its cache empty while entries wait, a put
 * that finds an entry to serve, a poll under pressure, a queueing, an
 * abort. Callbacks never run under it.
 */
struct iob_waitq {
	pthread_mutex_t lock;
	/* The one multi-buffer entry gathering, served before anything. */
	struct iob_entry *gatherer;
	/* Indexed by 1 - priority: high first. */
	struct iob_entry_list q[2];
} __attribute__((aligned(IOB_CACHE_LINE)));

extern struct iob_waitq iob_wq[IOBUF_CLASS_COUNT];

/* Every registered module, for updating its pressure word. */
TAILQ_HEAD(iob_module_wq_list, iob_module);

struct iob_thread {
	/* Entries handed their buffers, to call back; under iob_wq[c].lock. */
	struct iob_entry_list ready[IOBUF_CLASS_COUNT];
	uint32_t nready[IOBUF_CLASS_COUNT];     /* relaxed reads by the owner */
	/* entry whose callback is running: if it queues again it goes first */
	struct iob_entry *in_callback;
	uint32_t walking;       /* iobuf_for_each_entry calls in progress */
	TAILQ_HEAD(, iobuf_channel) channels;
	uint32_t nchannels;
	pthread_t owner;
};

/*
 * Class c counts in bits [32c, 32c+32): waiting, the entries waiting for
 * shared buffers or handed theirs and not called back yet; blocked, the
 * entries waiting at their module's limit. Changed (atomic add) under the
 * class's lock; read by every poll, so it sits alone on its cache line and
 * every reader keeps a clean shared copy while nobody waits.
 */
struct iob_pressure_line {
	uint64_t waiting;
	uint64_t blocked;
} __attribute__((aligned(IOB_CACHE_LINE)));

extern struct iob_pressure_line iob_pressure;

static inline uint32_t
iob_pressure_of(uint64_t p, int cls)
{
	return (uint32_t)(p >> (32 * cls));
}

static inline uint32_t
iob_waiting(int cls)
{
	return iob_pressure_of(__atomic_load_n(&iob_pressure.waiting,
					       __ATOMIC_SEQ_CST), cls);
}

/* The module starts or stops taking part in the waiting (control mutex). */
void iob_wait_module_add(struct iob_module *m);
void iob_wait_module_del(struct iob_module *m);

/*
 * A get of one buffer that missed the cache while entries may wait or the
 * ring is empty: a buffer from the ring (when no entry of the class waits),
 * else from the module's reserve, else NULL, having queued e if not NULL.
 */
void *iob_wait_get(struct iobuf_channel *ch, int cls, struct iob_entry *e);
/*
 * n buffers at once from the ring (when no entry of the class waits) and
 * the module's reserve, all or none: 0, -ENOMEM, or -EDQUOT when the
 * module's limit is in the way (not counted: see iob_wait_count_limit).
 */
int iob_wait_take(struct iobuf_channel *ch, int cls, void **bufs, uint32_t n);
/* A get of m met its limit: counts it in the statistics. */
void iob_wait_count_limit(struct iob_module *m, int cls);
/* Queue e (n, bufs and cb set) through ch. */
void iob_wait_enqueue(struct iobuf_channel *ch, int cls, struct iob_entry *e);
/*
 * Buffers of cls leave ch for the pool: the module's entries at its limit
 * first, then its reserve, then waiting entries, then the ring. Gives the
 * module's limit back.
 */
void iob_wait_return(struct iobuf_channel *ch, int cls, void *const *bufs,
		     unsigned int n);
/* Serve waiting entries of cls from the ring. */
void iob_wait_pull(int cls);
/* Call back thr's entries that were handed their buffers; how many. */
int iob_wait_deliver(struct iob_thread *thr);
/* Whether e waits anywhere for thr; reads no pointer stored in e. */
bool iob_wait_holds(const struct iob_thread *thr, const struct iob_entry *e);
/* Remove, without callbacks, every entry queued through ch; how many. */
unsigned int iob_wait_drop_channel(struct iobuf_channel *ch);

/* ---- exact buffer starts for bulk puts (exact.c) ------------------------ */

/* One class's geometry for checking many pointers at once. */
struct iob_exact {
	uintptr_t first;     /* the class's first buffer */
	uint64_t bad_bits;   /* no start has these in its offset (vector) */
	uint64_t inv;        /* odd * inv = 1 (mod 2^64), odd = bufsize >> shift */
	uint64_t count;      /* buffers in the class */
	unsigned int shift;  /* trailing zero bits of the buffer size */
	/*
	 * The kernel iob_exact_init() chose for the class's size and the
	 * CPU: whether every one of bufs[0..n) starts a buffer of e's class;
	 * if so, dst[0..n) (not overlapping bufs) holds a copy of them.
	 * Either way it writes nothing outside dst[0..n).
	 */
	bool (*copy)(const struct iob_exact *e, void **dst,
		     void *const *bufs, uint32_t n);
};

void iob_exact_init(struct iob_exact *e, uintptr_t first, uint64_t bufsize,
		    uint64_t count);
/* The kernels, exposed for the white-box test; call e->copy. */
bool iob_exact_copy(const struct iob_exact *e, void **dst, void *const *bufs,
		    uint32_t n);
bool iob_exact_copy_avx2(const struct iob_exact *e, void **dst,
			 void *const *bufs, uint32_t n);

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
	struct iob_exact exact[IOBUF_CLASS_COUNT]; /* for bulk puts */
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
struct iobuf_channel *iob_channel_create(struct iob_module *m,
					 const uint32_t size[IOBUF_CLASS_COUNT],
					 int *rc);
/* Free a channel whose caches are empty and that is attached to nothing. */
void iob_channel_free(struct iobuf_channel *ch);
void iob_channel_flush_all(struct iobuf_channel *ch, int cls);
/* Add ch's counters of cls to sum (relaxed loads; any thread). */
void iob_channel_counters(const struct iobuf_channel *ch, int cls,
			  struct iob_counters *sum);
uint64_t iob_channel_cached(const struct iobuf_channel *ch, int cls);

/* ---- modules' shared state ---------------------------------------------- */

/*
 * A module, registered under the control mutex (module.c). Its options and
 * name never change while registered; the rest is data-path state of the
 * waiting machinery (waitq.c), under iob_wq[c].lock for class c unless
 * marked otherwise.
 */
struct iob_module {
	/* One word the inline put of the module's channels reads: class c
	 * counts, in bits [32c, 32c+32), the entries waiting for shared
	 * buffers or called back yet (iob_pressure.waiting) plus this
	 * module's entries at its limit. Alone on its line, read-mostly. */
	uint64_t pressure __attribute__((aligned(IOB_CACHE_LINE)));

	TAILQ_ENTRY(iob_module) link;       /* iob_modules, control mutex */
	TAILQ_ENTRY(iob_module) wq_link;    /* iob_wq_modules, both class locks */
	TAILQ_HEAD(, iobuf_channel) channels;
	uint32_t nchannels;
	uint32_t priority;
	uint64_t reserve[IOBUF_CLASS_COUNT];
	uint64_t limit[IOBUF_CLASS_COUNT];
	/* counters of this module's closed channels (control mutex) */
	struct iob_counters retired[IOBUF_CLASS_COUNT];

	/* Entries waiting at the limit, FIFO; fed by the module's returns. */
	struct iob_entry_list blocked[IOBUF_CLASS_COUNT];
	uint32_t nblocked[IOBUF_CLASS_COUNT];   /* relaxed reads outside */
	uint32_t nqueued[IOBUF_CLASS_COUNT];    /* its entries in iob_wq[c] */
	uint64_t gathered[IOBUF_CLASS_COUNT];   /* relaxed reads outside */
	/*
	 * The module's one entry holding part of its buffers: within a limit
	 * as in the pool, two partial requests could split it and wait on
	 * each other, so this one is fed first wherever it waits.
	 */
	struct iob_entry *partial[IOBUF_CLASS_COUNT];
	/* The reserve's idle buffers, a stack of nstash of reserve[c]. */
	void **stash[IOBUF_CLASS_COUNT];
	uint64_t nstash[IOBUF_CLASS_COUNT];     /* relaxed reads outside */
	/*
	 * Atomic. held is kept only for a class with a limit; it goes below
	 * 0 when the module's channels give back buffers another module took.
	 */
	int64_t held[IOBUF_CLASS_COUNT];
	uint64_t limit_waits[IOBUF_CLASS_COUNT];

	char name[IOBUF_MODULE_NAME_MAX + 1];
};

/*
 * Take up to want buffers of m's limit for class cls: returns how many may
 * be taken, want when the class has no limit; all or nothing when all.
 * Give back what is not used with iob_held_sub().
 */
static inline uint64_t
iob_held_take(struct iob_module *m, int cls, uint64_t want, bool all)
{
	int64_t limit = (int64_t)m->limit[cls];
	int64_t held = __atomic_load_n(&m->held[cls], __ATOMIC_SEQ_CST);
	uint64_t grant;

	if (limit == 0)
		return want;
	do {
		grant = held >= limit ? 0 : (uint64_t)(limit - held);
		if (grant > want)
			grant = want;
		if (grant == 0 || (all && grant < want))
			return 0;
	} while (!__atomic_compare_exchange_n(&m->held[cls], &held,
					      held + (int64_t)grant, false,
					      __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	return grant;
}

static inline void
iob_held_sub(struct iob_module *m, int cls, uint64_t n)
{
	if (m->limit[cls] != 0 && n != 0)
		__atomic_fetch_sub(&m->held[cls], (int64_t)n, __ATOMIC_SEQ_CST);
}

/* ---- threads (thread.c) ------------------------------------------------- */

extern __thread struct iob_thread *iob_self;

struct iob_thread *iob_thread_get_or_create(void);
/* Free thr if it has no channel left. */
void iob_thread_release(struct iob_thread *thr);
/* ch belongs to thr from now on. */
void iob_thread_attach(struct iob_thread *thr, struct iobuf_channel *ch);
/* ch leaves its thread; the thread's context goes with its last channel. */
void iob_thread_detach(struct iobuf_channel *ch);

/* ---- modules (module.c), called with the control mutex held ------------- */

TAILQ_HEAD(iob_module_list, iob_module);
extern struct iob_module_list iob_modules;

/*
 * Out of unregistered modules, per class. Like every out counter it lives
 * as long as the process, so the sum stays right across finish and
 * initialize.
 */
extern int64_t iob_orphan_out[IOBUF_CLASS_COUNT];

struct iob_module *iob_module_find(const char *name);
/*
 * The fields of in that lie wholly inside in->opts_size, the others 0, as
 * this library's struct.
 */
void iob_module_opts_read(struct iobuf_module_opts *o,
			  const struct iobuf_module_opts *in);
int iob_module_register(const char *name, const struct iobuf_module_opts *o);
/* Set aside every module's reserves (initialize); all or nothing. */
int iob_module_reserve_all(void);
/* Return every module's idle reserve to the ring (finish). */
void iob_module_unreserve_all(void);
/* Buffers idle in reserves, per class. */
void iob_module_reserve_free(uint64_t out[IOBUF_CLASS_COUNT]);
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
