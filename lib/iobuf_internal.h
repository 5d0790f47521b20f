/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Private types shared by the library's .c files. Internal names that are
 * not static start with iob_ so a reader tells them from the public iobuf_
 * API at the call site.
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
/*
 * iobuf_get and iobuf_put start on a cache line, so that an edit elsewhere
 * in channel.c cannot slide them across line boundaries: measured, the
 * same put code 64 bytes off its line ran the large-class pair 0.6 ns
 * (12%) slower.
 */
#define iob_fast_path __attribute__((aligned(64)))

#define IOB_ALIGN 4096u
#define IOB_ALIGN_MASK ((uintptr_t)IOB_ALIGN - 1)
#define IOB_CACHE_LINE 64

/*
 * Batch policy (SPEC §5). A cache of size S refills with up to
 * b = min(IOB_BATCH_MAX, S) buffers from the ring when a get finds it empty,
 * and when a put finds it holding S + b it flushes the b most recently
 * returned buffers to the ring, so a channel holds at most 2 S idle buffers.
 * 32 is SPDK's value: one contended ring operation costs about a hundred
 * cached get/put pairs, so 32 amortises it to a few percent while a
 * channel's idle memory stays bounded by its own cache size. Larger caps
 * bought nothing measurable (iobuf ÷ rte_mempool with a 256 cache, same
 * run, iobuf_bench --only 2.s4096,4; 2-vCPU KVM Xeon, 2026-11-23):
 *
 *   cap                          32     64     128    256
 *   2  get 4096, put 4096        0.94   1.04   1.06   1.04
 *   4  producer -> consumer      0.80   0.87   0.76   0.82
 *
 * and again on a 2-vCPU KVM AMD EPYC guest (2026-11-23, medians of five
 * processes per cap, the caps' processes alternating):
 *
 *   cap                          32     128    256
 *   2  get 4096, put 4096        1.03   1.02   1.03
 *   4  producer -> consumer      0.94   0.86   0.87
 *
 * No cap wins on both machines, so the smallest, which keeps the least
 * memory idle, stays.
 */
#define IOB_BATCH_MAX 32u

/* Single-writer counters: the owner stores, anyone may load (STYLE 17). */
#define iob_counter_add(p, n) \
	__atomic_store_n((p), *(p) + (n), __ATOMIC_RELAXED)
#define iob_counter_set(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
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

/* ---- options (opts.c) --------------------------------------------------- */

/* The options initialize and env_init use; written only under iob_lock. */
extern struct iobuf_opts iob_opts;

/* ---- global pools (pool.c) ---------------------------------------------- */

struct rte_ring;
struct rte_memzone;

struct iob_pool {
	struct rte_ring *ring;
	uintptr_t base;          /* first buffer */
	uint64_t count;
	uint64_t bufsize;
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
	/*
	 * out of unregistered modules, per class. Like every out counter it
	 * lives as long as the process, so the sum stays right across
	 * finish and initialize.
	 */
	int64_t orphan_out[IOBUF_CLASS_COUNT];
	unsigned int generation; /* makes ring and memzone names unique */
};

extern struct iob_global iob_g;

/* An EAL is up: started by iobuf_env_init() or by the application (env.c). */
bool iob_env_ready(void);

/*
 * The control mutex: opts, module registry, channel lists, initialize and
 * finish. Never taken on the data path.
 */
extern pthread_mutex_t iob_lock;

/* Put back buffers that were taken from the ring; they cannot fail to fit. */
void iob_ring_return(int cls, void *const *bufs, unsigned int n);
unsigned int iob_ring_take_burst(int cls, void **bufs, unsigned int n);
int iob_ring_take_bulk(int cls, void **bufs, unsigned int n);
uint64_t iob_ring_free_count(int cls);
/* Bytes of one class's ring, for sizing EAL memory. */
size_t iob_ring_memsize(uint64_t count);

extern const char *const iob_class_name[IOBUF_CLASS_COUNT];

/* The class of a pool buffer, or -1 for a pointer no pool owns. */
int iob_buf_class(const void *buf);
/* Logs why buf is refused; returns -1 when refused, its class otherwise. */
int iob_buf_check(const void *buf, const char *what);

/* ---- modules (module.c) ------------------------------------------------- */

struct iobuf_channel;

/* A class's counters, summed over channels (stats.c) or kept by a module. */
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

/* Called with iob_lock held. */
struct iob_module *iob_module_find(const char *name);

/* ---- statistics (stats.c), called with iob_lock held -------------------- */

void iob_module_stats(const struct iob_module *m, struct iobuf_module_stats *ms);
/* Buffers out per class as the channels count them, open or closed. */
void iob_count_out(int64_t out[IOBUF_CLASS_COUNT]);

/* ---- channels (channel.c) ----------------------------------------------- */

#if defined(__SANITIZE_THREAD__)
#define IOB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define IOB_TSAN 1
#endif
#endif

/*
 * The owning thread's increment of a counter that other threads only read:
 * one instruction, no lock prefix, and a reader sees the old or the new
 * value (the kernel's this_cpu_inc). A relaxed atomic store of the loaded
 * value + 1 is the portable form, three instructions; TSan builds use it
 * because TSan cannot see the asm.
 */
static inline void
iob_count1(uint64_t *p)
{
#if defined(__x86_64__) && !defined(IOB_TSAN)
	__asm__("incq %0" : "+m"(*p));
#else
	iob_counter_add(p, 1);
#endif
}

/*
 * x >= y ? if_ae : otherwise, without a branch: a compare and a cmov. gcc
 * turns the plain conditional into a branch, which costs the taken side a
 * jump on every call (see iobuf_get). TSan builds use the plain form
 * because TSan cannot see a memory operand inside the asm.
 */
static inline void *
iob_select_ae(uint64_t x, const uint64_t *y, void *if_ae, void *otherwise)
{
#if defined(__x86_64__) && !defined(IOB_TSAN)
	__asm__("cmpq %2, %1\n\tcmovaeq %3, %0"
		: "+r"(otherwise) : "r"(x), "m"(*y), "r"(if_ae) : "cc");
	return otherwise;
#else
	return x >= *y ? if_ae : otherwise;
#endif
}

/*
 * The hot part of one class's cache: an array stack of buffer pointers,
 * bufs <= top <= limit. A get pops below top; a put pushes at top, and a put
 * that finds top == limit flushes a batch. The array has one slot past
 * limit so a put can push before flushing everything. 64 bytes: each
 * class's hot fields fill one cache line of their own.
 */
struct iob_stack {
	void **top;
	void **limit;
	void **bufs;
	uint64_t hits;    /* gets served from the stack: stats `cache` */
	uint32_t size;    /* cache size asked for */
	uint32_t batch;   /* min(IOB_BATCH_MAX, size) */
	uint64_t reserved[3];
};

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

struct iob_thread;

struct iobuf_channel {
	/* Read by every get and put: copies of the region's layout. */
	uintptr_t base;          /* region start */
	uint64_t pages;          /* region size in 4 KiB pages */
	uint64_t small_pages;    /* pages below this index hold small buffers */
	uint64_t small_bufsize;
	uint64_t large_bufsize;
	uint64_t reserved[3];
	struct iob_stack stack[IOBUF_CLASS_COUNT];
	/* Slow paths only. */
	struct iob_slow_counters st[IOBUF_CLASS_COUNT];
	struct iob_thread *thr;
	struct iob_module *mod;
	TAILQ_ENTRY(iobuf_channel) mod_link;    /* module's list, under iob_lock */
	TAILQ_ENTRY(iobuf_channel) thr_link;    /* owning thread's list */
};

void iob_channel_flush_all(struct iobuf_channel *ch, int cls);
/* Add ch's counters of cls to sum (relaxed loads; any thread). */
void iob_channel_counters(const struct iobuf_channel *ch, int cls,
			  struct iob_counters *sum);
uint64_t iob_channel_cached(const struct iobuf_channel *ch, int cls);

/* ---- threads and pressure (thread.c) ------------------------------------ */

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

extern __thread struct iob_thread *iob_self;

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

struct iob_thread *iob_thread_get_or_create(void);
void iob_thread_release(struct iob_thread *thr);

/* ---- wait queues (waitq.c) ---------------------------------------------- */

void iob_waitq_push(struct iob_thread *thr, struct iob_entry *e);
/* Hand buf to the oldest entry of its class on thr; the queue is non-empty. */
void iob_waitq_serve(struct iob_thread *thr, int cls, void *buf);
void iob_waitq_remove(struct iob_thread *thr, struct iob_entry *e);
/* Whether e is queued on thr; reads no pointer stored in e. */
bool iob_waitq_holds(const struct iob_thread *thr, const struct iob_entry *e);
/* Remove, without callbacks, every entry queued through ch. */
unsigned int iob_waitq_drop_channel(struct iob_thread *thr,
				    struct iobuf_channel *ch);

/* ---- debug checks ------------------------------------------------------- */

#define IOB_DEBUG_ASSERT(cond, ...) do { \
	if (IOBUF_DEBUG_CHECKS && unlikely(!(cond))) \
		iob_debug_fail(__VA_ARGS__); \
} while (0)

__attribute__((noreturn, format(printf, 1, 2)))
void iob_debug_fail(const char *fmt, ...);

/*
 * Per-buffer state (debug.c). Call sites wrap these in
 * `if (IOBUF_DEBUG_CHECKS)`, so release builds drop them.
 */
int iob_debug_init(void);
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
