/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/**
 * @file
 * iobuf: per-thread pools of DMA-capable I/O buffers.
 *
 * Layers, top to bottom:
 *
 * - A **channel** belongs to one module (a name registered with
 *   iobuf_register_module()) and one thread. It holds a small and a large
 *   cache: arrays of buffer pointers used as stacks. iobuf_get() and
 *   iobuf_put() served by the cache take no lock, run no atomic
 *   read-modify-write and never touch buffer memory.
 * - A **thread context** is created with a thread's first channel and freed
 *   with its last. When no buffer is free, iobuf_get() or iobuf_get_multi()
 *   queues the caller's struct iobuf_entry and its callback runs later on
 *   the same thread, inside iobuf_put(), iobuf_put_bulk() or
 *   iobuf_thread_poll().
 * - The **global pool** of each class is an rte_ring of pointers into one
 *   IOVA-contiguous DMA region, every buffer 4 KiB aligned. Caches refill and
 *   flush in batches; ring operations are the only shared-memory traffic.
 *
 * Waiting. Entries of a class wait in one order, process-wide: an entry
 * that has started gathering buffers for an iobuf_get_multi() first (there
 * is at most one per class, so two large requests never each hold part of
 * the pool), then entries of high-priority modules, then the others, each
 * in the order they queued. A returned buffer, or one found in the pool by
 * any thread's iobuf_thread_poll(), goes to the first entry in that order,
 * whichever thread it belongs to: a thread that keeps recycling buffers
 * among its own waiters cannot starve another thread's. Two exceptions, both
 * a module's private floor: a module's own reserve serves it ahead of that
 * order, and the entries of a module at its limit wait for the buffers that
 * module gives back (struct iobuf_module_opts).
 *
 * Lifecycle: iobuf_set_opts() (optional) → iobuf_env_init() (unless the
 * application runs DPDK itself) → iobuf_initialize() → channels, gets and
 * puts on any number of threads → close every channel → iobuf_finish() →
 * iobuf_env_fini().
 *
 * Threads: functions marked "owning thread" must be called on the thread
 * that created the channel. Functions marked "control" take an internal
 * mutex; call them from any thread, but not from the data path.
 *
 * Errors: functions returning int return 0 (or a count) on success and a
 * negative errno on failure; functions returning a pointer return NULL and
 * set errno; void functions log and do nothing on bad arguments. Every
 * failure except running out of buffers (ENOMEM from iobuf_get and
 * iobuf_get_bulk, which is flow control, not an error) is logged through
 * rte_log, log type "lib.iobuf", with what to change.
 */

#ifndef IOBUF_H
#define IOBUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks the functions exported from the shared library. */
#if defined(__GNUC__)
#define IOBUF_API __attribute__((visibility("default")))
#else
#define IOBUF_API
#endif

/**
 * The header's layout checks: static_assert in C++, _Static_assert in C,
 * so a consumer's compiler checks them too.
 */
#ifdef __cplusplus
#define IOBUF_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define IOBUF_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/** @name Version */
/**@{*/
/*
 * IOBUF_VERSION_MAJOR, IOBUF_VERSION_MINOR and IOBUF_VERSION_PATCH, generated
 * from the project version in meson.build and installed next to this file.
 */
#include "iobuf_version.h"

/** True when the header is at least version maj.min; usable in `#if`. */
#define IOBUF_CHECK_VERSION(maj, min) \
	(IOBUF_VERSION_MAJOR > (maj) || \
	 (IOBUF_VERSION_MAJOR == (maj) && IOBUF_VERSION_MINOR >= (min)))

/**
 * Version of the library actually linked, as "MAJOR.MINOR.PATCH".
 *
 * @return a static string; never NULL.
 *
 * Thread: any.
 */
IOBUF_API const char *iobuf_version(void);
/**@}*/

/** Longest module name, not counting the terminating NUL. */
#define IOBUF_MODULE_NAME_MAX 63

/** Buffer classes. A get picks the smallest class whose size fits. */
enum iobuf_class {
	IOBUF_CLASS_SMALL = 0, /**< Buffers of small_bufsize bytes. */
	IOBUF_CLASS_LARGE = 1, /**< Buffers of large_bufsize bytes. */
	IOBUF_CLASS_COUNT = 2, /**< Number of classes; not a class. */
};

/** Priority of a module's waiting entries (struct iobuf_module_opts). */
enum iobuf_priority {
	/** Served in the order they queued. */
	IOBUF_PRIORITY_NORMAL = 0,
	/** Served before every normal entry that has not started gathering. */
	IOBUF_PRIORITY_HIGH = 1,
};

/**
 * How a module shares the pools, versioned by its size as struct
 * iobuf_opts is. Zero in every field (after opts_size) is what
 * iobuf_register_module() gives: normal priority, no reserve, no limit.
 */
struct iobuf_module_opts {
	/** Caller's sizeof(struct iobuf_module_opts). */
	size_t opts_size;
	/** An enum iobuf_priority. */
	uint32_t priority;
	/** Must be 0. */
	uint32_t flags;
	/**
	 * Buffers of each class set aside for this module alone, at
	 * iobuf_initialize() or, when the pools are up, at registration.
	 * The module takes them only when the shared pool has none, without
	 * waiting behind other modules' entries; the buffers its channels
	 * give back to the pool refill the reserve first.
	 */
	uint64_t reserve[IOBUF_CLASS_COUNT];
	/**
	 * The most buffers of each class the module may hold, 0 for no
	 * limit. Held means taken through its channels and not yet given
	 * back through them: with callers, in its caches, in its reserve's
	 * used part and gathered for its entries. At the limit its gets
	 * queue (or fail without an entry) even while the pool has buffers,
	 * and are served by the buffers its channels give back (or from the
	 * pool at a poll, once it has room again some other way). As in the
	 * pool, one multi-buffer entry of the module gathers at a time. The
	 * limit is
	 * exact: refills are cut to fit it. A buffer taken through this
	 * module and returned through another module's channel stays counted
	 * here, and one taken through another module and returned through
	 * this one gives this module room, so return buffers through the
	 * module that took them.
	 */
	uint64_t limit[IOBUF_CLASS_COUNT];
};
IOBUF_STATIC_ASSERT(sizeof(struct iobuf_module_opts) == 48,
	"struct iobuf_module_opts is ABI: append new fields, teach "
	"lib/module.c to read them, then update this size");

/**
 * Pool configuration, versioned by its size.
 *
 * A caller sets opts_size to its own sizeof(struct iobuf_opts). The library
 * reads and writes only the fields that lie wholly inside opts_size, so a
 * binary built against an older, smaller struct keeps working. New fields are
 * only ever appended.
 */
struct iobuf_opts {
	/** Caller's sizeof(struct iobuf_opts). */
	size_t opts_size;
	/** Buffers in the small pool. Default 8192, minimum 64. */
	uint64_t small_pool_count;
	/** Buffers in the large pool. Default 1024, minimum 8. */
	uint64_t large_pool_count;
	/** Small buffer size in bytes. Default 8192, minimum 4096, rounded up to 4 KiB. */
	uint32_t small_bufsize;
	/** Large buffer size in bytes. Default 135168, minimum 8192, rounded up to 4 KiB. */
	uint32_t large_bufsize;
};
IOBUF_STATIC_ASSERT(sizeof(struct iobuf_opts) == 32,
	"struct iobuf_opts is ABI: append new fields, give them an "
	"IOBUF_OPTS_FIELD line in lib/opts.c, then update this size");

/**
 * Wait entry, allocated by the caller (usually inside its I/O request).
 *
 * Its contents are private to the library. An entry needs no
 * initialisation before its first use and may be reused once its callback
 * has run or it has been aborted. It must stay valid, unmoved, while it
 * waits.
 */
struct iobuf_entry {
	/** Private. */
	uint64_t opaque[8];
};

/**
 * An open channel; created by iobuf_channel_init(). Private but for its
 * first bytes, struct iobuf_channel_hot, which the inline iobuf_get() and
 * iobuf_put() read.
 */
struct iobuf_channel;

/**
 * @name Inline fast path: the hot part of a channel
 *
 * iobuf_get() and iobuf_put() are static inline (see IOBUF_NO_INLINE): a
 * get or put served by the channel's cache runs in the caller's code, and
 * every other case calls iobuf_get_miss() or iobuf_put_miss() in the
 * library. These structs are what the inline code reads and writes, at the
 * start of every struct iobuf_channel, and what iobuf_get_miss() and
 * iobuf_put_miss() take. They are ABI: the static asserts below pin every
 * offset, the test command compares them with the dump in abi/, and a
 * change to them changes the soname. Never touch them directly.
 */
/**@{*/

/** One class's cache: an array stack of buffer pointers. */
struct iobuf_cache {
	/** Next free slot: bufs <= top <= limit. A get pops below top. */
	void **top;
	/** A put that finds top == limit goes to iobuf_put_miss(). */
	void **limit;
	/** Bottom of the stack: a get that finds top == bufs misses. */
	void **bufs;
	/** Gets served from this cache (statistics: `cache`). */
	uint64_t hits;
	/**
	 * Exact-start test: a page index p of this class starts a buffer
	 * when p * div_mul <= div_max (mod 2^64), a multiply instead of a
	 * division by the buffer size in pages.
	 */
	uint64_t div_mul;
	/** See div_mul. */
	uint64_t div_max;
	/** Private. */
	uint64_t reserved[2];
};

/** The first bytes of every struct iobuf_channel. */
struct iobuf_channel_hot {
	/** Start of the buffer region. */
	uintptr_t base;
	/** Region size in 4 KiB pages. */
	uint64_t pages;
	/** Pages below this index hold small buffers, the rest large ones. */
	uint64_t small_pages;
	/** Small buffer size: a get of len <= small_bufsize is small. */
	uint64_t small_bufsize;
	/** Large buffer size: the largest len a get accepts. */
	uint64_t large_bufsize;
	/**
	 * Non-zero while some entry waits for a buffer this channel's puts
	 * could give: every put goes to iobuf_put_miss() then. One word per
	 * module, read-mostly.
	 */
	const uint64_t *pressure;
	/** Private. */
	uint64_t reserved[2];
	/** Indexed by enum iobuf_class. */
	struct iobuf_cache cache[IOBUF_CLASS_COUNT];
};

#define IOBUF_HOT_OFFSET_(type, field, off) \
	IOBUF_STATIC_ASSERT(offsetof(struct type, field) == (off), \
		"struct " #type " is ABI: " #field " must stay at " #off)
IOBUF_HOT_OFFSET_(iobuf_cache, top, 0);
IOBUF_HOT_OFFSET_(iobuf_cache, limit, 8);
IOBUF_HOT_OFFSET_(iobuf_cache, bufs, 16);
IOBUF_HOT_OFFSET_(iobuf_cache, hits, 24);
IOBUF_HOT_OFFSET_(iobuf_cache, div_mul, 32);
IOBUF_HOT_OFFSET_(iobuf_cache, div_max, 40);
IOBUF_STATIC_ASSERT(sizeof(struct iobuf_cache) == 64,
	"struct iobuf_cache is ABI: one cache line per class");
IOBUF_HOT_OFFSET_(iobuf_channel_hot, base, 0);
IOBUF_HOT_OFFSET_(iobuf_channel_hot, pages, 8);
IOBUF_HOT_OFFSET_(iobuf_channel_hot, small_pages, 16);
IOBUF_HOT_OFFSET_(iobuf_channel_hot, small_bufsize, 24);
IOBUF_HOT_OFFSET_(iobuf_channel_hot, large_bufsize, 32);
IOBUF_HOT_OFFSET_(iobuf_channel_hot, pressure, 40);
IOBUF_HOT_OFFSET_(iobuf_channel_hot, cache, 64);
IOBUF_STATIC_ASSERT(sizeof(struct iobuf_channel_hot) == 192,
	"struct iobuf_channel_hot is ABI: three cache lines");
/**@}*/

/**
 * Called when a waiting entry is handed a buffer.
 *
 * Runs on the thread that owns the entry's channel, inside iobuf_put(),
 * iobuf_put_bulk() or iobuf_thread_poll(). It may call iobuf_get() and
 * iobuf_put(); if it queues the same entry again it keeps its place at the
 * head of the queue. It must not close a channel (the caller is still
 * walking this thread's queues). The buffer now belongs to the caller.
 *
 * @param entry the entry given to iobuf_get().
 * @param buf   the buffer, of the class iobuf_get() asked for.
 */
typedef void (*iobuf_get_cb)(struct iobuf_entry *entry, void *buf);

/**
 * Called when a waiting iobuf_get_multi() entry has all its buffers.
 *
 * Runs as iobuf_get_cb does, on the owning thread, inside iobuf_put(),
 * iobuf_put_bulk() or iobuf_thread_poll(). bufs is the array the caller
 * gave iobuf_get_multi(), now holding n buffers that belong to the caller.
 */
typedef void (*iobuf_get_multi_cb)(struct iobuf_entry *entry, void **bufs,
				   uint32_t n);

/**
 * Visitor for iobuf_for_each_entry(). Return 0 to continue, anything else
 * to stop. It may abort the entry it is given.
 *
 * @param ch    the channel given to iobuf_for_each_entry().
 * @param entry a waiting entry.
 * @param ctx   the ctx given to iobuf_for_each_entry().
 * @return 0 to continue, anything else to stop.
 */
typedef int (*iobuf_for_each_entry_fn)(struct iobuf_channel *ch,
				       struct iobuf_entry *entry, void *ctx);

/** @name Configuration (control; before iobuf_initialize) */
/**@{*/

/**
 * Read the current options.
 *
 * Writes opts->opts_size = opts_size and every field that lies wholly inside
 * opts_size; never writes past opts_size. Before any iobuf_set_opts() the
 * values are the defaults. Logs and writes nothing when opts is NULL or
 * opts_size is smaller than the opts_size field.
 *
 * @param opts      where to write the options.
 * @param opts_size the caller's sizeof(struct iobuf_opts).
 *
 * Thread: any (control).
 */
IOBUF_API void iobuf_get_opts(struct iobuf_opts *opts, size_t opts_size);

/**
 * Set the options used by the next iobuf_initialize() and iobuf_env_init().
 *
 * Fields outside opts->opts_size keep their current values; fields beyond
 * the struct this library knows are ignored. Everything is validated
 * before anything changes: on error the options are exactly as before.
 *
 * @param opts the options, with opts->opts_size set.
 * @return 0 on success, or
 *   - -EINVAL: opts is NULL, opts_size is smaller than the opts_size field,
 *     a count or size is below its minimum or too large for one ring or
 *     one region, or small_bufsize (rounded) is not below large_bufsize.
 *   - -EBUSY: the pools are initialized; call iobuf_finish() first.
 *
 * Thread: any (control).
 */
IOBUF_API int iobuf_set_opts(const struct iobuf_opts *opts);
/**@}*/

/** @name Environment (control) */
/**@{*/

/**
 * Bring up DPDK's EAL with the embedded default, unless it is already up.
 *
 * Arguments: `--no-huge --no-pci --no-shconf -m <MB sized from the opts>`
 * `--file-prefix=iobuf_<pid>_<n> --no-telemetry --log-level=lib.eal:error`
 * `-l <first CPU of the caller's affinity>`. The environment variable
 * IOBUF_EAL_ARGS, when set, replaces them (split on blanks). The calling
 * thread's CPU affinity is restored afterwards, so threads it creates later
 * are not all pinned to one core.
 *
 * Telemetry is off by default. IOBUF_TELEMETRY=1 in the environment puts
 * `--log-level=lib.telemetry:error` in place of `--no-telemetry`: the EAL
 * then runs DPDK's telemetry socket, dpdk_telemetry.v2 in its run
 * directory (`/var/run/dpdk/iobuf_<pid>_<n>` for root), where iobuf answers
 * the commands listed at iobuf_get_stats(); DPDK's client connects with
 * `dpdk-telemetry.py -f iobuf_<pid>_<n>`. IOBUF_TELEMETRY unset, empty or
 * 0 leaves it off. With IOBUF_EAL_ARGS set, IOBUF_TELEMETRY is not read:
 * those arguments decide, and DPDK runs telemetry unless they include
 * `--no-telemetry`.
 *
 * @return 0 on success (also when an EAL was already running, started by
 *   the application: then iobuf_env_fini() leaves it alone), or
 *   - -EALREADY: the embedded EAL was started and stopped already in this
 *     process; DPDK cannot restart it.
 *   - -EINVAL: IOBUF_TELEMETRY is set to something other than 1, 0 or
 *     nothing (IOBUF_EAL_ARGS unset); nothing was started.
 *   - -E2BIG: IOBUF_EAL_ARGS has more than 64 arguments or 4095 bytes.
 *   - -ENOMEM: out of memory building the arguments.
 *   - another negative errno from rte_eal_init() (logged). A later call
 *     tries again; iobuf_initialize() returns -ENODEV meanwhile.
 *
 * Thread: the application's main thread (control), before iobuf_initialize().
 */
IOBUF_API int iobuf_env_init(void);

/**
 * Stop the EAL started by iobuf_env_init() and remove its run directory.
 *
 * Does nothing if iobuf_env_init() found an EAL already running or was
 * never called. Logs and does nothing while the pools are initialized.
 *
 * Thread: the thread that called iobuf_env_init() (control).
 */
IOBUF_API void iobuf_env_fini(void);
/**@}*/

/** @name Lifecycle (control) */
/**@{*/

/**
 * Create both pools from the current options.
 *
 * Reserves one IOVA-contiguous memzone holding every buffer and one rte_ring
 * per class. Nothing leaks on failure.
 *
 * @return 0 on success, or
 *   - -EALREADY: already initialized.
 *   - -ENODEV: no DPDK EAL is running; call iobuf_env_init() or
 *     rte_eal_init() first.
 *   - -ENOMEM: the region or a ring could not be allocated, or the region
 *     has no IOVA; the log names the size that failed.
 *
 * Thread: any (control).
 */
IOBUF_API int iobuf_initialize(void);

/**
 * Destroy both pools. Synchronous.
 *
 * @return 0 on success (also when not initialized), or
 *   - -EBUSY: a channel is open or a buffer is out; nothing was freed and
 *     the log names each module holding buffers and how many.
 *
 * Thread: any (control).
 */
IOBUF_API int iobuf_finish(void);
/**@}*/

/** @name Modules (control) */
/**@{*/

/**
 * Register a module name with normal priority, no reserve and no limit:
 * iobuf_register_module_ext() with every option 0. Allowed before or after
 * iobuf_initialize().
 *
 * @param name the module name.
 * @return 0 on success, or
 *   - -EINVAL: name is NULL, empty or longer than IOBUF_MODULE_NAME_MAX.
 *   - -EEXIST: a module of that name is registered.
 *   - -ENOMEM: out of memory.
 *
 * Thread: any (control).
 */
IOBUF_API int iobuf_register_module(const char *name);

/**
 * Register a module name with a priority, reserves and limits.
 *
 * Fields past opts->opts_size read as 0. Everything is checked before
 * anything changes: on error nothing is registered and nothing set aside.
 *
 * @param name a module name, as for iobuf_register_module().
 * @param opts the module's options.
 * @return 0 on success, or
 *   - -EINVAL: name as for iobuf_register_module(); opts is NULL or its
 *     opts_size is below that field; priority is not an enum
 *     iobuf_priority; flags is not 0; a reserve exceeds its pool count
 *     (the current options' count before iobuf_initialize()); a limit is
 *     not 0 and below the reserve of its class.
 *   - -EEXIST: a module of that name is registered.
 *   - -ENOMEM: the pools are initialized and cannot set the reserves
 *     aside now (the log says how many buffers are free), or out of
 *     memory. iobuf_initialize() fails with -ENOMEM in the same way when
 *     the reserves of modules registered before it do not fit.
 *
 * Thread: any (control).
 */
IOBUF_API int iobuf_register_module_ext(const char *name,
					const struct iobuf_module_opts *opts);

/**
 * Unregister a module. Its reserve returns to the pool and its statistics
 * are dropped; buffers it still holds stay accounted for in the pool
 * statistics.
 *
 * @param name the module name.
 * @return 0 on success, or
 *   - -EINVAL: name is NULL.
 *   - -ENOENT: no module of that name.
 *   - -EBUSY: a channel of the module is open.
 *
 * Thread: any (control).
 */
IOBUF_API int iobuf_unregister_module(const char *name);
/**@}*/

/** @name Channels */
/**@{*/

/**
 * Open a channel of a module for the calling thread. A thread may open
 * several channels of one module; they share the module's statistics,
 * reserve and limit.
 *
 * Pre-fills the small cache with small_cache buffers and the large cache
 * with large_cache buffers. While nobody waits, a cache holds at most twice
 * its size. A cache size of 0 caches nothing: every get and put goes to the
 * ring.
 *
 * @param ch          where to store the channel.
 * @param module      a registered module name.
 * @param small_cache small buffers to keep cached.
 * @param large_cache large buffers to keep cached.
 * @return 0 on success, or
 *   - -EINVAL: ch or module is NULL, the pools are not initialized, or a
 *     cache size exceeds its pool count or the module's limit.
 *   - -ENODEV: module is not registered.
 *   - -ENOMEM: the pool, or the module's limit, cannot pre-fill the caches
 *     now (everything taken is given back; the log says how many buffers
 *     are needed), or out of memory.
 *   On failure *ch is left untouched.
 *
 * Thread: the calling thread becomes the owning thread (control).
 */
IOBUF_API int iobuf_channel_init(struct iobuf_channel **ch, const char *module,
				 uint32_t small_cache, uint32_t large_cache);

/**
 * Close a channel: its cached buffers return to the pool.
 *
 * Entries queued through this channel and still waiting are a caller bug:
 * they are logged and removed without a callback, and the buffers gathered
 * for them return to the pool. Buffers taken
 * through the channel may be returned later through any other channel.
 * Logs and does nothing when ch is NULL. Closing a thread's last channel
 * frees its thread context.
 *
 * @param ch the channel.
 *
 * Thread: owning thread.
 */
IOBUF_API void iobuf_channel_fini(struct iobuf_channel *ch);
/**@}*/

/** @name Data path (owning thread) */
/**@{*/

/**
 * The out-of-line half of iobuf_get(): everything but a hit in the cache
 * of a valid channel. Called by the inline iobuf_get() with the channel as
 * it saw it (ch may be NULL); call iobuf_get() instead. Same return and
 * errors as iobuf_get().
 *
 * @param ch    the channel as iobuf_get() saw it, or NULL.
 * @param len   as for iobuf_get().
 * @param entry as for iobuf_get().
 * @param cb    as for iobuf_get().
 * @return as iobuf_get() returns.
 *
 * Thread: owning thread.
 */
IOBUF_API void *iobuf_get_miss(struct iobuf_channel_hot *ch, uint64_t len,
			       struct iobuf_entry *entry, iobuf_get_cb cb);

/**
 * The out-of-line half of iobuf_put(): everything but a push into the
 * cache of a valid channel. Called by the inline iobuf_put() with the
 * channel as it saw it (ch may be NULL); call iobuf_put() instead. Same
 * behaviour as iobuf_put().
 *
 * @param ch  the channel as iobuf_put() saw it, or NULL.
 * @param buf as for iobuf_put().
 * @param len as for iobuf_put().
 *
 * Thread: owning thread.
 */
IOBUF_API void iobuf_put_miss(struct iobuf_channel_hot *ch, void *buf,
			      uint64_t len);

/**
 * IOBUF_INLINE is how iobuf_get() and iobuf_put() are defined: static
 * inline by default. Defining IOBUF_NO_INLINE before including this header
 * makes them plain calls of the library's exported functions of the same
 * names, which the library compiles from these definitions (lib/ffi.c
 * defines IOBUF_INLINE as an exported, out-of-line function).
 */
#if !defined(IOBUF_INLINE) && !defined(IOBUF_NO_INLINE)
#define IOBUF_INLINE static inline
#endif

#if defined(__SANITIZE_THREAD__)
#define IOBUF_TSAN_ 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define IOBUF_TSAN_ 1
#endif
#endif

#if defined(__GNUC__)
#define IOBUF_LIKELY_(x) __builtin_expect(!!(x), 1)
#else
#define IOBUF_LIKELY_(x) (x)
#endif

#ifdef IOBUF_INLINE
/*
 * The owner's addition to a counter that other threads only read: one
 * instruction, no lock prefix; a reader sees the old or the new value.
 * TSan cannot see into asm, so TSan builds use the relaxed-store form.
 */
static inline void
iobuf_count_add_(uint64_t *p, uint64_t n)
{
#if defined(__x86_64__) && defined(__GNUC__) && !defined(IOBUF_TSAN_)
	__asm__("addq %1, %0" : "+m"(*p) : "er"(n));
#else
	__atomic_store_n(p, *p + n, __ATOMIC_RELAXED);
#endif
}

/*
 * x >= *y ? if_ae : otherwise as a compare and a cmov: compilers turn the
 * conditional into a branch, which costs the large class a jump on every
 * get. TSan builds use the plain form.
 */
static inline struct iobuf_cache *
iobuf_select_ae_(uint64_t x, const uint64_t *y, struct iobuf_cache *if_ae,
		 struct iobuf_cache *otherwise)
{
#if defined(__x86_64__) && defined(__GNUC__) && !defined(IOBUF_TSAN_)
	__asm__("cmpq %2, %1\n\tcmovaeq %3, %0"
		: "+r"(otherwise) : "r"(x), "m"(*y), "r"(if_ae) : "cc");
	return otherwise;
#else
	return x >= *y ? if_ae : otherwise;
#endif
}

/* Push buf on c unless a thread waits or c is full; 0 when it did not. */
static inline int
iobuf_cache_push_(const struct iobuf_channel_hot *h, struct iobuf_cache *c,
		  uint64_t page, void *buf)
{
	void **top = c->top;

	if (IOBUF_LIKELY_(page * c->div_mul <= c->div_max &&
			  __atomic_load_n(h->pressure, __ATOMIC_RELAXED) == 0 &&
			  top != c->limit)) {
		*top = buf;
		/* statistics read top from other threads */
		__atomic_store_n(&c->top, top + 1, __ATOMIC_RELAXED);
		return 1;
	}
	return 0;
}
#endif

/**
 * Get a buffer of the smallest class that fits len.
 *
 * Served from the channel cache; when the cache is empty, a batch is taken
 * from the ring, or, when the ring is empty, a buffer from the module's
 * reserve. When no buffer can be had, when entries of that class wait
 * (no barging: they are served first, see "Waiting" above), or when the
 * module is at its limit, the call returns NULL and, if entry is not NULL,
 * queues entry; cb(entry, buf) runs later on this thread.
 *
 * Inline (see IOBUF_NO_INLINE): a hit in the cache is a compare that
 * validates len, a compare and cmov that pick the class, a pop and a
 * counter increment, with no atomic read-modify-write and no access to
 * buffer memory; anything else calls iobuf_get_miss().
 *
 * @param ch    the caller's channel.
 * @param len   bytes needed, 1 .. large_bufsize.
 * @param entry wait entry, or NULL not to wait.
 * @param cb    callback, required when entry is not NULL.
 * @return a 4 KiB-aligned buffer, or NULL with errno
 *   - EINVAL: ch is NULL, len is 0 or above large_bufsize, or the get
 *     would queue entry but cb is NULL or entry is waiting already
 *     (nothing queued). entry and cb are looked at only when queueing.
 *   - ENOMEM: no buffer now (entry queued if given).
 *
 * Thread: owning thread.
 */
#ifdef IOBUF_INLINE
IOBUF_INLINE void *
iobuf_get(struct iobuf_channel *ch, uint64_t len, struct iobuf_entry *entry,
	  iobuf_get_cb cb)
{
	struct iobuf_channel_hot *h = (struct iobuf_channel_hot *)(void *)ch;

	/* len - 1 wraps for len 0, so 0 fails the compare. */
	if (IOBUF_LIKELY_(ch != NULL && len - 1 < h->large_bufsize)) {
		struct iobuf_cache *c = iobuf_select_ae_(len - 1,
			&h->small_bufsize, &h->cache[IOBUF_CLASS_LARGE],
			&h->cache[IOBUF_CLASS_SMALL]);
		void **top = c->top;

		if (IOBUF_LIKELY_(top != c->bufs)) {
			__atomic_store_n(&c->top, top - 1, __ATOMIC_RELAXED);
			iobuf_count_add_(&c->hits, 1);
			return top[-1];
		}
	}
	return iobuf_get_miss(h, len, entry, cb);
}
#else
IOBUF_API void *iobuf_get(struct iobuf_channel *ch, uint64_t len,
			  struct iobuf_entry *entry, iobuf_get_cb cb);
#endif

/**
 * Return a buffer.
 *
 * The class is decided by the buffer's address; len is not trusted. If
 * entries of that class wait anywhere, the buffer and this channel's idle
 * buffers of the class go to them in the order of "Waiting" above (an
 * entry of another thread gets its callback at that thread's next put or
 * poll), the rest to the ring; callbacks of this thread's entries that are
 * ready run before this returns. Otherwise the buffer is cached and a batch
 * is flushed to the ring (the module's reserve first) when the cache is
 * full.
 *
 * A pointer that is not the first byte of a pool buffer (outside the pools,
 * misaligned, or a page inside a buffer) is refused with an error log
 * (rate-limited) and never enters a pool, in every build. A buffer put
 * twice is caught when it reaches the ring: logged, and the extra copy
 * dropped (-Ddebug_checks=true builds abort at the second put itself). A
 * NULL ch is logged and nothing happens.
 *
 * Inline (see IOBUF_NO_INLINE): a push into the cache is a range and
 * alignment compare that picks the class, a multiply and compare that
 * check the exact start, a load of the pressure word and the push;
 * anything else calls iobuf_put_miss().
 *
 * @param ch  the caller's channel.
 * @param buf a buffer got through any channel.
 * @param len the len it was got with; not trusted.
 *
 * Thread: owning thread.
 */
#ifdef IOBUF_INLINE
IOBUF_INLINE void
iobuf_put(struct iobuf_channel *ch, void *buf, uint64_t len)
{
	struct iobuf_channel_hot *h = (struct iobuf_channel_hot *)(void *)ch;

	if (IOBUF_LIKELY_(ch != NULL)) {
		/*
		 * The page index; rotating moves misaligned low bits to the
		 * top, so one compare rejects pointers outside the region and
		 * pointers not 4 KiB aligned. A branch per class, not a
		 * computed cache: buf comes from the caller's last get, and a
		 * cache address computed from it would put that load on the
		 * caller's loop-carried chain.
		 */
		uint64_t off = (uint64_t)((uintptr_t)buf - h->base);
		uint64_t page = (off >> 12) | (off << 52);

		if (IOBUF_LIKELY_(page < h->small_pages)) {
			if (iobuf_cache_push_(h, &h->cache[IOBUF_CLASS_SMALL],
					      page, buf))
				return;
		} else if (IOBUF_LIKELY_(page < h->pages)) {
			if (iobuf_cache_push_(h, &h->cache[IOBUF_CLASS_LARGE],
					      page, buf))
				return;
		}
	}
	iobuf_put_miss(h, buf, len);
}
#else
IOBUF_API void iobuf_put(struct iobuf_channel *ch, void *buf, uint64_t len);
#endif

/**
 * The out-of-line half of iobuf_get_bulk(): everything but n buffers taken
 * from the cache of a valid channel. Called by the inline iobuf_get_bulk()
 * with the channel as it saw it (ch may be NULL); call iobuf_get_bulk()
 * instead. Same return and errors as iobuf_get_bulk().
 *
 * @param ch   the channel as iobuf_get_bulk() saw it, or NULL.
 * @param len  as for iobuf_get_bulk().
 * @param bufs as for iobuf_get_bulk().
 * @param n    as for iobuf_get_bulk().
 * @return as iobuf_get_bulk() returns.
 *
 * Thread: owning thread.
 */
IOBUF_API int iobuf_get_bulk_miss(struct iobuf_channel_hot *ch, uint64_t len,
				  void **bufs, uint32_t n);

/**
 * Get n buffers of the class that fits len, all or nothing. Never queues:
 * iobuf_get_multi() without an entry.
 *
 * The buffers come off the top of the cache: bufs[n - 1] is the one
 * returned last. Inline (see IOBUF_NO_INLINE): when the cache holds n, the
 * call is iobuf_get()'s compares, a copy of n pointers and a counter
 * addition; anything else calls iobuf_get_bulk_miss().
 *
 * @param ch   the caller's channel.
 * @param len  bytes needed per buffer, 1 .. large_bufsize.
 * @param bufs array of at least n pointers to fill.
 * @param n    buffers wanted.
 * @return 0 with bufs[0..n) filled, or
 *   - -EINVAL: ch or bufs is NULL, n is 0, or len is 0 or above large_bufsize.
 *   - -ENOMEM: fewer than n buffers can be had now from the cache, the
 *     ring and the module's reserve (or entries of the class wait and the
 *     cache holds fewer than n, or the module's limit is in the way);
 *     nothing was taken.
 *
 * Thread: owning thread.
 */
#ifdef IOBUF_INLINE
IOBUF_INLINE int
iobuf_get_bulk(struct iobuf_channel *ch, uint64_t len, void **bufs,
	       uint32_t n)
{
	struct iobuf_channel_hot *h = (struct iobuf_channel_hot *)(void *)ch;

	if (IOBUF_LIKELY_(ch != NULL && bufs != NULL &&
			  len - 1 < h->large_bufsize)) {
		struct iobuf_cache *c = iobuf_select_ae_(len - 1,
			&h->small_bufsize, &h->cache[IOBUF_CLASS_LARGE],
			&h->cache[IOBUF_CLASS_SMALL]);
		void **top = c->top;

		/* n - 1 wraps for n 0, so 0 fails the compare. */
		if (IOBUF_LIKELY_((uint64_t)n - 1 < (uint64_t)(top - c->bufs))) {
			top -= n;
			memcpy(bufs, top, (size_t)n * sizeof(*bufs));
			__atomic_store_n(&c->top, top, __ATOMIC_RELAXED);
			iobuf_count_add_(&c->hits, n);
			return 0;
		}
	}
	return iobuf_get_bulk_miss(h, len, bufs, n);
}
#else
IOBUF_API int iobuf_get_bulk(struct iobuf_channel *ch, uint64_t len,
			     void **bufs, uint32_t n);
#endif

/**
 * Get n buffers of the class that fits len, all or nothing, waiting for
 * them if need be. For a request that needs several buffers at once: it
 * never holds part of them while it waits, so requests that each need
 * many buffers cannot deadlock each other.
 *
 * Served at once when the channel's cache, the ring and the module's
 * reserve hold n together; the ring counts only while no entry of the
 * class waits (no barging; the cache and the reserve are the module's own
 * floor). Otherwise entry is queued like an iobuf_get() entry, in the same
 * order; once it is first in that order it gathers returned buffers into
 * bufs (at most one entry per class gathers from the shared pool at a
 * time, process-wide, and it is served before anything else of its
 * class; the module's own reserve and returns may feed its entries
 * besides, see "Waiting" above), and cb(entry, bufs, n) runs on this
 * thread when all n are there. iobuf_entry_abort() of a waiting entry
 * returns what it gathered to the pool.
 *
 * @param ch    the caller's channel.
 * @param len   bytes needed per buffer, 1 .. large_bufsize.
 * @param bufs  array of n pointers; filled on success, or gathered into
 *   while entry waits: keep it valid, and do not read it, until the
 *   callback or iobuf_entry_abort().
 * @param n     buffers needed, 1 .. the class's pool count (and the
 *   module's limit, when it has one).
 * @param entry wait entry, or NULL not to wait.
 * @param cb    callback, required when entry is not NULL.
 * @return 0 with bufs[0..n) filled, or
 *   - -EINVAL: ch or bufs is NULL, n is 0 or above the pool count or the
 *     module's limit, len is 0 or above large_bufsize, or entry is given
 *     without cb or is waiting already. Nothing queued.
 *   - -ENOMEM: not now; entry queued if given.
 *
 * Thread: owning thread.
 */
IOBUF_API int iobuf_get_multi(struct iobuf_channel *ch, uint64_t len,
			      void **bufs, uint32_t n, struct iobuf_entry *entry,
			      iobuf_get_multi_cb cb);

/**
 * Return n buffers, of either class, as n iobuf_put() calls would.
 *
 * Every pointer is checked first, as iobuf_put() checks it: if one is not
 * the first byte of a pool buffer, nothing is returned.
 *
 * Fastest when the n buffers are of one class, the cache has room for
 * them and no entry waits: one pass checks the pointers and copies them
 * into the cache (four per instruction where the CPU has AVX2). Anything
 * else takes them one by one, as iobuf_put() would.
 *
 * @param ch   the caller's channel.
 * @param bufs the n buffers.
 * @param n    buffers to return.
 * @return 0 on success, or
 *   - -EINVAL: ch or bufs is NULL, n is 0, or a pointer is not a pool
 *     buffer (logged with its index).
 *
 * Thread: owning thread.
 */
IOBUF_API int iobuf_put_bulk(struct iobuf_channel *ch, void *const *bufs,
			     uint32_t n);

/**
 * Remove a waiting entry without calling its callback.
 *
 * An entry waits from its queueing until its callback starts, so this also
 * cancels an entry that was handed its buffers but whose callback has not
 * run yet. Every buffer gathered or handed to it returns to the pool. A
 * no-op for an entry that is not waiting (called back, aborted, or never
 * queued) or that was queued through a channel of another module. ch may
 * be any channel of that module on this thread. len must be the length of
 * the get that queued it; a len of 0 or above large_bufsize, or a NULL ch
 * or entry, is logged and ignored.
 *
 * @param ch    a channel of the module the entry was queued through.
 * @param entry the entry.
 * @param len   the len of the iobuf_get() that queued it.
 *
 * Thread: owning thread.
 */
IOBUF_API void iobuf_entry_abort(struct iobuf_channel *ch,
				 struct iobuf_entry *entry, uint64_t len);

/**
 * Visit the entries waiting on this thread that were queued through
 * channels of ch's module: small ones, then large ones; in each class,
 * those already handed their buffers, then those waiting at the module's
 * limit, then the others in the order they will be served.
 *
 * @param ch  a channel of the module, owned by the calling thread.
 * @param fn  called for each entry.
 * @param ctx passed to fn.
 * @return 0 when every entry was visited, the first non-zero return of fn,
 *   or
 *   - -EINVAL: ch or fn is NULL.
 *   - -ENOMEM: out of memory for the list of a class's entries (the walk
 *     visits a snapshot, since other threads hand this thread's entries
 *     their buffers meanwhile); entries of the classes before were
 *     visited.
 *
 * Thread: owning thread.
 */
IOBUF_API int iobuf_for_each_entry(struct iobuf_channel *ch,
				   iobuf_for_each_entry_fn fn, void *ctx);

/**
 * Run the callbacks of this thread's entries that were handed their
 * buffers, serve waiting entries (of any thread, in the order of "Waiting"
 * above) from the ring, and give idle cached buffers back while some
 * entry waits.
 *
 * Call it from every thread's event loop: buffers returned on other
 * threads reach this thread's waiters only through it. When nobody waits
 * anywhere it costs one load of a read-mostly cache line and one branch.
 *
 * @return the number of callbacks run, 0 when none.
 *
 * Thread: any thread; acts on the calling thread's channels and queues.
 */
IOBUF_API int iobuf_thread_poll(void);

/**
 * IOVA of a pool buffer (or of an address inside one), for DMA descriptors.
 *
 * @param buf a pool buffer, or an address inside one.
 * @return the IOVA, or UINT64_MAX (RTE_BAD_IOVA) when buf is not inside a
 *   pool.
 *
 * Thread: any, while initialized.
 */
IOBUF_API uint64_t iobuf_iova(const void *buf);
/**@}*/

/** @name Memory registration (control) */
/**@{*/

/** Where one class's buffers lie in the region. */
struct iobuf_region_class {
	/** The class's first buffer; buffer i starts at first + i * bufsize. */
	void *first;
	/** Buffers in the class. */
	uint64_t count;
	/** Bytes of one buffer (as rounded by iobuf_set_opts()). */
	uint64_t bufsize;
};

/**
 * The memory every pool buffer lives in, for registering it once with a
 * device or the kernel instead of mapping each I/O.
 *
 * Every buffer of both classes lies in [addr, addr + len); the classes do
 * not overlap (a gap of less than one large buffer may separate them).
 * addr, len and each buffer are multiples of 4096. Versioned by size, as
 * struct iobuf_stats is: new fields are only ever appended to this struct
 * (never to struct iobuf_region_class).
 */
struct iobuf_region {
	/** Start of the region. */
	void *addr;
	/** Bytes of the region. */
	uint64_t len;
	/** IOVA of addr; the region is IOVA-contiguous: iova + (p - addr). */
	uint64_t iova;
	/** Indexed by enum iobuf_class. */
	struct iobuf_region_class cls[IOBUF_CLASS_COUNT];
};
IOBUF_STATIC_ASSERT(sizeof(struct iobuf_region) == 72,
		    "struct iobuf_region is ABI: append new fields only");

/**
 * Describe the buffer region of the initialized pools.
 *
 * Registering the region once covers every buffer the pools will ever
 * hand out:
 *
 * - **io_uring fixed buffers.** io_uring_register_buffers() takes at most
 *   1 GiB per iovec, and a fixed-buffer I/O must lie inside one iovec, so
 *   the iovecs end between buffers: per class, in order of enum
 *   iobuf_class, iovecs of n = 2^30 / bufsize buffers (rounded down) each,
 *   iovec k being { first + k * n * bufsize, min(n, count - k * n) *
 *   bufsize }. A buffer b of that class is then buf_index (iovecs of the
 *   classes before it) + (b - first) / (n * bufsize) for
 *   io_uring_prep_read_fixed() and io_uring_prep_write_fixed().
 *   examples/uring_copy.c does this. Pinned pages count against
 *   RLIMIT_MEMLOCK unless the process has CAP_IPC_LOCK.
 * - **RDMA verbs.** One memory region: ibv_reg_mr(pd, addr, len, access);
 *   its lkey and rkey serve every buffer, addressed by its own pointer.
 * - **VFIO.** One mapping in the application's own container:
 *   VFIO_IOMMU_MAP_DMA with struct vfio_iommu_type1_dma_map { .vaddr =
 *   addr, .iova = iova, .size = len, .flags = VFIO_DMA_MAP_FLAG_READ |
 *   VFIO_DMA_MAP_FLAG_WRITE }; a buffer's device address is then
 *   iobuf_iova(buf). (Devices DPDK drives through VFIO need nothing: the
 *   EAL maps its memory for them.)
 *
 * The description holds until iobuf_finish(), which frees the region:
 * unregister it before (io_uring_unregister_buffers(), ibv_dereg_mr(),
 * VFIO_IOMMU_UNMAP_DMA).
 *
 * Writes each field that lies wholly inside size and zeroes the bytes of
 * size past this library's struct, so a binary built against an older,
 * smaller struct keeps working and a newer one reads 0 for fields this
 * library does not have. Writes nothing on error.
 *
 * @param r    where to write.
 * @param size the caller's sizeof(struct iobuf_region).
 * @return 0 on success, or
 *   - -EINVAL: r is NULL, or size is below sizeof(void *) (the first
 *     field).
 *   - -ENODEV: the pools are not initialized; call iobuf_initialize()
 *     first.
 *
 * Thread: any (control).
 */
IOBUF_API int iobuf_get_region(struct iobuf_region *r, size_t size);
/**@}*/

/** @name Statistics (control) */
/**@{*/

/** Counters of one module for one class. */
struct iobuf_class_stats {
	/** Gets served from a channel cache. */
	uint64_t cache;
	/** Gets served by a ring dequeue (the get that triggered a refill). */
	uint64_t main;
	/** Gets that queued an entry. */
	uint64_t retry;
	/**
	 * Buffers taken through this module's channels minus those returned
	 * through them. Negative when the module returns buffers another
	 * module took.
	 */
	int64_t out;
	/** Entries waiting now. */
	uint64_t waiting;
};

/** Counters of one module, summed over its channels, open and closed. */
struct iobuf_module_stats {
	/** Module name, NUL-terminated. */
	char name[IOBUF_MODULE_NAME_MAX + 1];
	/** Channels open now. */
	uint32_t channels;
	/** Private. */
	uint32_t reserved;
	/** Indexed by enum iobuf_class. */
	struct iobuf_class_stats cls[IOBUF_CLASS_COUNT];
	/**
	 * Per class: buffers gathered for this module's iobuf_get_multi()
	 * entries that have not been called back yet (counted in out too).
	 */
	uint64_t gathered[IOBUF_CLASS_COUNT];
	/** Per class: the reserve set aside (struct iobuf_module_opts). */
	uint64_t reserve[IOBUF_CLASS_COUNT];
	/** Per class: buffers of the reserve in use now. */
	uint64_t reserve_used[IOBUF_CLASS_COUNT];
	/** Per class: the limit, 0 for none. */
	uint64_t limit[IOBUF_CLASS_COUNT];
	/** Per class: gets that queued, or failed, because of the limit. */
	uint64_t limit_waits[IOBUF_CLASS_COUNT];
	/** The module's enum iobuf_priority. */
	uint32_t priority;
	/** Padding; 0. */
	uint32_t reserved2;
};
IOBUF_STATIC_ASSERT(sizeof(struct iobuf_module_stats) == 240,
		    "struct iobuf_module_stats is ABI");

/**
 * State of one global pool. free + cached + out + the reserve_free of
 * struct iobuf_stats == total when quiescent.
 */
struct iobuf_pool_stats {
	/** Buffer size in bytes (rounded). */
	uint64_t bufsize;
	/** Buffers in the pool. */
	uint64_t total;
	/** Buffers in the ring. */
	uint64_t free;
	/** Buffers held in channel caches. */
	uint64_t cached;
	/** Buffers out with callers, counted by the channels. */
	int64_t out;
	/** Entries waiting on all threads. */
	uint64_t waiting;
};

/** Whole-library snapshot. */
struct iobuf_stats {
	/** Indexed by enum iobuf_class. */
	struct iobuf_pool_stats pool[IOBUF_CLASS_COUNT];
	/** Per class: buffers idle in modules' reserves. */
	uint64_t reserve_free[IOBUF_CLASS_COUNT];
	/**
	 * Per class: buffers gathered for iobuf_get_multi() entries that have
	 * not been called back yet.
	 */
	uint64_t gathered[IOBUF_CLASS_COUNT];
};
IOBUF_STATIC_ASSERT(sizeof(struct iobuf_stats) == 128, "struct iobuf_stats is ABI");

/**
 * Snapshot the statistics. Walks every channel under the control mutex; not
 * for the data path.
 *
 * Counters are read without stopping the data path, so a snapshot taken
 * while other threads get and put is approximate; at a quiescent point it
 * is exact.
 *
 * Versioned by size, as struct iobuf_opts is: pass sizeof of the structs
 * the caller was compiled with. The library writes each field that lies
 * wholly inside the caller's size and zeroes the bytes past its own
 * struct, so a binary built against an older, smaller struct keeps
 * working, and a newer one reads 0 for counters this library does not
 * have. New counters are only ever appended to struct iobuf_stats and
 * struct iobuf_module_stats (never to the per-class structs inside them).
 *
 * The same numbers answer on DPDK's telemetry socket when the EAL runs it
 * (an application's EAL unless started with `--no-telemetry`; the
 * embedded one with IOBUF_TELEMETRY=1, see iobuf_env_init()). The library
 * registers its commands when it is loaded, and each one calls this
 * function, on a DPDK telemetry thread:
 * - `/iobuf/stats`: `{"small": {...}, "large": {...}}`, each with the
 *   fields of struct iobuf_pool_stats (`bufsize`, `total`, `free`,
 *   `cached`, `out`, `waiting`) and the class's `reserve_free` and
 *   `gathered` of struct iobuf_stats; all 0 while not initialized.
 * - `/iobuf/modules`: the registered modules' names, in registration
 *   order (as many as fit in DPDK's reply: 512 names, 16 KiB).
 * - `/iobuf/module,<name>`: `{"name": ..., "channels": ..., "priority":
 *   ..., "small": {...}, "large": {...}}`, each class with the fields of
 *   struct iobuf_class_stats (`cache`, `main`, `retry`, `out`, `waiting`)
 *   and the class's `gathered`, `reserve`, `reserve_used`, `limit` and
 *   `limit_waits` of struct iobuf_module_stats; `null` for a name that is
 *   not registered, or no name.
 * An `out` below -2^31 comes as a decimal string: DPDK 22.11 has no
 * signed 64-bit telemetry value.
 *
 * @param stats             pool statistics, or NULL. Zeroed before
 *   initialize.
 * @param stats_size        the caller's sizeof(struct iobuf_stats), or 0
 *   when stats is NULL.
 * @param modules           array for per-module statistics, or NULL.
 * @param module_stats_size the caller's sizeof(struct iobuf_module_stats):
 *   the stride of modules, or 0 when modules is NULL.
 * @param max_modules       entries in modules (0 when modules is NULL).
 * @return the number of registered modules (the first max_modules of them,
 *   in registration order, are written), or
 *   - -EINVAL: modules is NULL while max_modules is not 0; stats is not
 *     NULL and stats_size is below 8 (one counter); max_modules is not 0
 *     and module_stats_size is below IOBUF_MODULE_NAME_MAX + 1 (the name).
 *     Nothing is written.
 *
 * Thread: any (control).
 */
IOBUF_API int iobuf_get_stats(struct iobuf_stats *stats, size_t stats_size,
			      struct iobuf_module_stats *modules,
			      size_t module_stats_size, uint32_t max_modules);

/**
 * Print pools and modules as `key=value` lines, for humans and test logs.
 * A NULL f is logged and nothing is printed.
 *
 * @param f where to print.
 *
 * Thread: any (control).
 */
IOBUF_API void iobuf_dump(FILE *f);
/**@}*/

#ifdef __cplusplus
}
#endif

#endif /* IOBUF_H */
