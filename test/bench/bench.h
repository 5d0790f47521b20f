/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Benchmark of iobuf against what its users would otherwise use.
 *
 * Every contender defines its get and put as a user's code calls them and
 * compiles the workload loops (loops.h) around them in its own file: an
 * inline fast path (iobuf's iobuf_get/iobuf_put from iobuf.h, rte_mempool's
 * rte_mempool_generic_get/put, the array stack of astack.h, the linked-list
 * cache) is expanded inside the loop, as in the user's code, and whatever
 * is out of line (a miss into libiobuf.so, malloc, the no-op in a shared
 * library) is called from there. The harness calls one loop function per
 * repetition, never a function per get or put.
 *
 * The handle type is iobuf's opaque struct iobuf_channel pointer for every
 * contender; the others convert it to their own per-thread state.
 */

#ifndef BENCH_H
#define BENCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <iobuf.h>

#define BENCH_SMALL_SIZE 8192u
#define BENCH_LARGE_SIZE 135168u
#define BENCH_ALIGN 4096u

#define bench_likely(x) __builtin_expect(!!(x), 1)
#define bench_unlikely(x) __builtin_expect(!!(x), 0)

/** Buffers per class, the same for every contender. */
struct bench_pools {
	uint32_t count[IOBUF_CLASS_COUNT];
};

typedef void *(*bench_get_fn)(struct iobuf_channel *h, uint64_t len,
			      struct iobuf_entry *entry, iobuf_get_cb cb);
typedef void (*bench_put_fn)(struct iobuf_channel *h, void *buf, uint64_t len);

struct cell;
struct spsc;

/** The workload loops of one contender, made by loops.h. */
struct bench_loops {
	/** Workloads 1, 2, 3, 3b, 5, 6: iters iterations on cell->h. */
	void (*hot)(struct cell *cell, uint64_t iters);
	void (*burst)(struct cell *cell, uint64_t iters);
	void (*cold)(struct cell *cell, uint64_t iters);
	void (*touch)(struct cell *cell, uint64_t iters);
	/** NULL when the contender has no bulk calls. */
	void (*bulk)(struct cell *cell, uint64_t iters);
	/** NULL when the contender has no wait entries. */
	void (*waiter)(struct cell *cell, uint64_t iters);
	/** Workload 4: count gets into ring, or count puts from it, on h. */
	void (*produce)(const struct cell *cell, struct iobuf_channel *h,
			struct spsc *ring, uint64_t count);
	void (*consume)(const struct cell *cell, struct iobuf_channel *h,
			struct spsc *ring, uint64_t count);
	/** Workload 7: bursts of cell->n gets then puts on h, through bufs. */
	void (*oversub)(const struct cell *cell, struct iobuf_channel *h,
			void **bufs, uint64_t bursts);
};

struct contender {
	/** Column name in the tables. */
	const char *name;
	/** Create the global pools; main thread, after the EAL is up. 0 or -errno. */
	int (*setup)(const struct bench_pools *pools);
	/** Destroy them; returns how many buffers never came back (0 when all did). */
	uint64_t (*teardown)(void);
	/** Per-thread state with a cache of that many buffers per class; NULL on error. */
	struct iobuf_channel *(*open)(uint32_t cache);
	/** On the thread that opened it. */
	void (*close)(struct iobuf_channel *h);
	/** Called get and put, for set-up outside the measured loops. */
	bench_get_fn get;
	bench_put_fn put;
	const struct bench_loops *loops;
};

extern const struct contender bench_iobuf;
extern const struct contender bench_mempool_cached;
extern const struct contender bench_mempool_nocache;
extern const struct contender bench_mempool_rts_cached;
extern const struct contender bench_llcache;
extern const struct contender bench_malloc;
extern const struct contender bench_astack;
extern const struct contender bench_null;
extern const struct contender bench_null_shared;

/* bench_main.c */
uint64_t bench_now_ns(void);
/** Pin the calling thread to one CPU of the process's original mask (by rank), or to all when cpu < 0. */
int bench_pin(int cpu);
/** Number of CPUs in the process's original mask. */
int bench_ncpus(void);
void bench_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/** Append one result: table, row key, row label, column, value ("NA", "TIMEOUT" or a number), unit. */
void bench_record(const char *table, const char *row, const char *label,
		  const char *column, const char *value, const char *unit);
void bench_record_num(const char *table, const char *row, const char *label,
		      const char *column, double value, const char *unit);
double bench_median(double *v, int n);

/* workloads.c */
struct cell {
	const struct contender *c;
	struct iobuf_channel *h;
	uint64_t len;
	uint32_t cache;
	uint32_t n;
	void **bufs;
	/* workload 6 */
	struct iobuf_entry entry;
	void *cur;
	uint32_t held;
	/* workloads 4 and 7 */
	int threads;
	uint64_t deadline_ns;
	bool timed_out;
};

enum workload {
	WL_HOT,
	WL_BURST,
	WL_COLD,
	WL_TOUCH,
	WL_PRODCONS,
	WL_PRODCONS_1CPU,
	WL_BULK,
	WL_WAITER,
	WL_OVERSUB,
};

/** Round trip of a cache line between CPU 0 and CPU 1 (by rank), in ns; pins the caller to CPU 0. */
double wl_pingpong_ns(void);
/** Get+put pairs one iteration of the workload performs. */
uint64_t wl_pairs_per_iter(enum workload wl, const struct cell *cell);
/** Prepare a cell: open handles, exhaust the pool for WL_WAITER. 0 or -errno. */
int wl_prepare(enum workload wl, struct cell *cell);
void wl_release(enum workload wl, struct cell *cell);
/** Run iters iterations; returns the elapsed ns (wall time for threaded workloads). */
uint64_t wl_run(enum workload wl, struct cell *cell, uint64_t iters);

/** For the loops: a get returned NULL. */
__attribute__((noreturn, cold)) void bench_get_failed(const struct cell *cell);
/** For the loops: a put did not hand the buffer to the waiting entry. */
__attribute__((noreturn, cold)) void bench_waiter_failed(const struct cell *cell,
							   const char *what);
/** Workload 6: the entry's callback, and where it leaves the buffer. */
void bench_waiter_cb(struct iobuf_entry *entry, void *buf);
extern void *bench_waiter_buf;

/*
 * Workload 4's single-producer single-consumer ring of buffer pointers;
 * each side caches the other's index, so it reads the shared line only
 * when the ring looks full or empty. A side that must wait pauses, or,
 * when both threads share one CPU, yields it to the other.
 */
#define SPSC_SIZE 1024u

struct spsc {
	_Alignas(64) _Atomic uint64_t head;
	_Alignas(64) _Atomic uint64_t tail;
	bool yield;
	_Alignas(64) void *slot[SPSC_SIZE];
};

void spsc_wait(const struct spsc *r);

static inline void
spsc_push(struct spsc *r, uint64_t *head, uint64_t *tail, void *b)
{
	while (bench_unlikely(*head - *tail == SPSC_SIZE)) {
		*tail = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (*head - *tail == SPSC_SIZE)
			spsc_wait(r);
	}
	r->slot[*head % SPSC_SIZE] = b;
	atomic_store_explicit(&r->head, ++*head, memory_order_release);
}

static inline void *
spsc_pop(struct spsc *r, uint64_t *head, uint64_t *tail)
{
	void *b;

	while (bench_unlikely(*tail == *head)) {
		*head = atomic_load_explicit(&r->head, memory_order_acquire);
		if (*tail == *head)
			spsc_wait(r);
	}
	b = r->slot[*tail % SPSC_SIZE];
	atomic_store_explicit(&r->tail, ++*tail, memory_order_release);
	return b;
}

/* ring_modes.c */
void ring_modes_run(int reps);
/** Oversubscribed bare ring of one mode (ring-rts, ring-hts, ring-default); -EINVAL for a bad mode. */
int ring_oversub_run(const char *mode, int threads, int reps, double cap_s);

/* report.c */
/** Print the records of every file as markdown tables, or only the README's summary. 0 or -errno. */
int report_print(int nfiles, char **files, bool summary, FILE *out);
void report_print_file(FILE *in, FILE *out);

#endif /* BENCH_H */
