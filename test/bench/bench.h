/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Benchmark of iobuf against what its users would otherwise use.
 *
 * Every contender is a table of functions with exactly iobuf's data-path
 * signatures. The workloads (workloads.c) call every contender the same
 * way: one indirect call per get or put into a function that does the
 * whole operation. For every contender that function is in the executable
 * with the contender's inline code expanded inside: for iobuf, the copy of
 * its static inline iobuf_get/iobuf_put that taking their address makes
 * the compiler emit (a miss calls into the shared library), for rte_mempool
 * a wrapper around its inline functions. No contender is inlined into the
 * loop, none pays a second call on a hit, and the null contender
 * (contender_null.c) measures what the call itself costs.
 *
 * The handle type is iobuf's opaque struct iobuf_channel pointer for every
 * contender; the others convert it to their own per-thread state.
 */

#ifndef BENCH_H
#define BENCH_H

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
typedef int (*bench_get_bulk_fn)(struct iobuf_channel *h, uint64_t len,
				 void **bufs, uint32_t n);
typedef int (*bench_put_bulk_fn)(struct iobuf_channel *h, void *const *bufs,
				 uint32_t n);

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
	bench_get_fn get;
	bench_put_fn put;
	/** NULL when the contender has no bulk calls. */
	bench_get_bulk_fn get_bulk;
	bench_put_bulk_fn put_bulk;
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

/* ring_modes.c */
void ring_modes_run(int reps);
/** Oversubscribed bare ring of one mode (ring-rts, ring-hts, ring-default); -EINVAL for a bad mode. */
int ring_oversub_run(const char *mode, int threads, int reps, double cap_s);

/* report.c */
/** Print the records of every file as markdown tables. 0 or -errno. */
int report_print(int nfiles, char **files, FILE *out);
void report_print_file(FILE *in, FILE *out);

#endif /* BENCH_H */
