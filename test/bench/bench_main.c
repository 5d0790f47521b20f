/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * iobuf_bench: iobuf side by side with rte_mempool (with and without a user
 * cache), a linked-list cache like SPDK's iobuf, glibc malloc, and an inline
 * array stack with iobuf's policy, in one process on one EAL.
 * scripts/bench.sh runs it in its four modes and prints the tables.
 *
 * iobuf_bench [--out FILE] [--only ROW,...] [--contender NAME,...] [--verbose]
 *     Workloads 1-6 and the ring-mode table. --only runs the named rows
 *     (keys: 1.s256, 2.s4096, 4, 4s, ... or rings), --contender keeps the
 *     named columns, --verbose prints every repetition.
 * iobuf_bench --oversub NAME --threads T [--burst N] [--cap SEC] [--out FILE]
 *     Workload 7 for one contender (iobuf, mempool, mempool-rts), or its
 *     ring traffic on a bare ring (ring-rts, ring-hts, ring-default).
 * iobuf_bench --callgrind
 *     Workloads 1, 2 and 5 for valgrind --tool=callgrind --collect-atstart=no.
 * iobuf_bench --table FILE...
 *     Print records as markdown.
 * iobuf_bench --summary FILE...
 *     Print the README's short tables from records.
 *
 * Results are records, one per line: table, row, label, column, value, unit
 * separated by tabs. Without --out the measuring modes print the table
 * themselves.
 */

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef BENCH_HAVE_CALLGRIND
#include <valgrind/callgrind.h>
#endif

#include "bench.h"

/* Medians over this many repetitions, interleaved across contenders. */
#define BENCH_REPS 7
/* The ring table's two-thread rows vary more from run to run. */
#define RING_REPS 11
/* Target length of one repetition. */
#define BENCH_REP_NS 10000000ull
/* Workload 7: get+put pairs per repetition, over all threads. */
#define OVERSUB_TOTAL_PAIRS 10240000ull
#define OVERSUB_REPS 5

static const char *only_row;
static const char *only_contender;
static bool verbose;
static cpu_set_t orig_cpus;
static int orig_cpu_list[CPU_SETSIZE];
static int orig_ncpus;
static FILE *records;

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("iobuf_bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fflush(NULL);
	_exit(1);
}

int bench_ncpus(void)
{
	return orig_ncpus;
}

int bench_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0) {
		set = orig_cpus;
	} else {
		CPU_ZERO(&set);
		CPU_SET(orig_cpu_list[cpu % orig_ncpus], &set);
	}
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

void bench_record(const char *table, const char *row, const char *label,
		  const char *column, const char *value, const char *unit)
{
	fprintf(records, "%s\t%s\t%s\t%s\t%s\t%s\n", table, row, label, column,
		value, unit);
	fflush(records);
}

void bench_record_num(const char *table, const char *row, const char *label,
		      const char *column, double value, const char *unit)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.4f", value);
	bench_record(table, row, label, column, buf, unit);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Iterations that make one repetition last about BENCH_REP_NS; the runs
 * also warm the caches up. */
static uint64_t calibrate(enum workload wl, struct cell *cell)
{
	uint64_t iters = wl == WL_PRODCONS || wl == WL_PRODCONS_1CPU ? 65536 : 64;
	uint64_t ns;

	for (;;) {
		ns = wl_run(wl, cell, iters);
		if (ns >= BENCH_REP_NS / 4)
			break;
		iters *= 4;
	}
	iters = (uint64_t)((double)iters * BENCH_REP_NS / (double)ns);
	return iters > 0 ? iters : 1;
}

struct row {
	const char *key;
	const char *label;
	enum workload wl;
	uint64_t len;
	uint32_t cache;
	uint32_t n;
	const char *unit;
	/* Measured together with the next row, repetitions interleaved. */
	bool with_next;
};

/* Each large row is measured with its small twin, so that the goal "large
 * within 1.05 x small" compares numbers taken side by side. */
static const struct row main_rows[] = {
	{ "1.s256", "1 hot get→put pair, small, cache 256", WL_HOT, BENCH_SMALL_SIZE, 256, 1, "ns", true },
	{ "1.l256", "1 hot pair, large, cache 256", WL_HOT, BENCH_LARGE_SIZE, 256, 1, "ns", false },
	{ "1.s32", "1 hot pair, small, cache 32", WL_HOT, BENCH_SMALL_SIZE, 32, 1, "ns", true },
	{ "1.l32", "1 hot pair, large, cache 32", WL_HOT, BENCH_LARGE_SIZE, 32, 1, "ns", false },
	{ "2.s32", "2 get N then put N, small, N=32, cache 256", WL_BURST, BENCH_SMALL_SIZE, 256, 32, "ns", true },
	{ "2.l32", "2 get N then put N, large, N=32", WL_BURST, BENCH_LARGE_SIZE, 256, 32, "ns", false },
	{ "2.s256", "2 get N then put N, small, N=256", WL_BURST, BENCH_SMALL_SIZE, 256, 256, "ns", true },
	{ "2.l256", "2 get N then put N, large, N=256", WL_BURST, BENCH_LARGE_SIZE, 256, 256, "ns", false },
	{ "2.s4096", "2 get N then put N, small, N=4096", WL_BURST, BENCH_SMALL_SIZE, 256, 4096, "ns", true },
	{ "2.l4096", "2 get N then put N, large, N=4096", WL_BURST, BENCH_LARGE_SIZE, 256, 4096, "ns", false },
	{ "3", "3 cold: clflush first line between get and put", WL_COLD, BENCH_SMALL_SIZE, 256, 1, "ns", false },
	{ "3b", "3b touched: memset 8 KiB between get and put", WL_TOUCH, BENCH_SMALL_SIZE, 256, 1, "ns", false },
	{ "4", "4 producer→consumer, 2 threads pinned to 2 CPUs (ns/buffer, Mbuf/s)", WL_PRODCONS, BENCH_SMALL_SIZE, 256, 1, "rate", false },
	{ "4s", "4s producer→consumer, 2 threads pinned to one CPU (ns/buffer, Mbuf/s)", WL_PRODCONS_1CPU, BENCH_SMALL_SIZE, 256, 1, "rate", false },
	{ "5", "5 bulk get 32 + put 32 (ns/buffer)", WL_BULK, BENCH_SMALL_SIZE, 256, 32, "ns", false },
	{ "6", "6 waiter hand-off: put → callback, re-queue (ns/round)", WL_WAITER, BENCH_SMALL_SIZE, 32, 1, "ns", false },
};

/* Reference columns: an array stack with iobuf's policy, inline like
 * iobuf's fast path; the no-op, which is the workload loop alone (on cold
 * buffers: the loop, the flush and the fence), and the same no-op called
 * in a shared library. */
static const struct contender *const main_contenders[] = {
	&bench_iobuf, &bench_mempool_cached, &bench_mempool_nocache,
	&bench_llcache, &bench_malloc, &bench_astack, &bench_null,
	&bench_null_shared,
};
#define N_MAIN (sizeof(main_contenders) / sizeof(main_contenders[0]))

/* The contenders with pools or global state to set up before measuring. */
static const struct contender *const pool_users[] = {
	&bench_iobuf, &bench_mempool_cached, &bench_llcache,
	&bench_malloc, &bench_astack, &bench_null,
};
#define N_POOL_USERS (sizeof(pool_users) / sizeof(pool_users[0]))

/* Is name one of the comma-separated names in list? */
static bool in_list(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p != NULL; p = strchr(p, ',')) {
		p += *p == ',';
		if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return true;
	}
	return false;
}

static bool applies(const struct row *row, const struct contender *c)
{
	if (only_contender != NULL && !in_list(only_contender, c->name))
		return false;
	/* On cold buffers they give the floor: the flush and fence alone;
	 * the no-op also under get N then put N. */
	if (c == &bench_null || c == &bench_null_shared)
		return row->wl == WL_HOT || row->wl == WL_COLD || row->wl == WL_BURST;
	if (row->wl == WL_BULK)
		return c->loops->bulk != NULL;
	if (row->wl == WL_WAITER)
		return c->loops->waiter != NULL;
	return true;
}

#define MAX_GROUP 2

/* Measure a group of rows (one, or a row and its twin) for several
 * contenders, every repetition of every cell interleaved so that drift on
 * the machine hits them alike, and record the medians. */
static void measure_rows(const struct row *rows, size_t nrows,
			 const struct contender *const *cs, size_t ncs, const char *table)
{
	struct cell cells[MAX_GROUP][N_MAIN];
	uint64_t iters[MAX_GROUP][N_MAIN] = { { 0 } };
	double samples[MAX_GROUP][N_MAIN][BENCH_REPS];
	int rc;

	if (ncs > N_MAIN || nrows > MAX_GROUP)
		bench_die("%zu rows of %zu contenders, at most %d of %zu", nrows, ncs,
			  MAX_GROUP, N_MAIN);
	for (size_t g = 0; g < nrows; g++) {
		const struct row *row = &rows[g];

		fprintf(stderr, "  %s\n", row->label);
		for (size_t i = 0; i < ncs; i++) {
			cells[g][i] = (struct cell){ .c = cs[i], .len = row->len,
						     .cache = row->cache, .n = row->n };
			if (!applies(row, cs[i]))
				continue;
			rc = wl_prepare(row->wl, &cells[g][i]);
			if (rc != 0)
				bench_die("%s: %s: prepare: %s", row->label, cs[i]->name,
					  strerror(-rc));
			iters[g][i] = calibrate(row->wl, &cells[g][i]);
		}
	}
	for (int r = 0; r < BENCH_REPS; r++) {
		for (size_t g = 0; g < nrows; g++) {
			for (size_t i = 0; i < ncs; i++) {
				struct cell *cell = &cells[g][i];
				uint64_t ns;

				if (!applies(&rows[g], cs[i]))
					continue;
				ns = wl_run(rows[g].wl, cell, iters[g][i]);
				samples[g][i][r] = (double)ns / (double)(iters[g][i] *
					wl_pairs_per_iter(rows[g].wl, cell));
				if (verbose)
					fprintf(stderr, "    %s %s rep %d: %llu iterations, %.2f ns\n",
						rows[g].key, cs[i]->name, r,
						(unsigned long long)iters[g][i], samples[g][i][r]);
			}
		}
	}
	for (size_t g = 0; g < nrows; g++) {
		const struct row *row = &rows[g];

		for (size_t i = 0; i < ncs; i++) {
			if (!applies(row, cs[i])) {
				bench_record(table, row->key, row->label, cs[i]->name, "NA",
					     row->unit);
				continue;
			}
			wl_release(row->wl, &cells[g][i]);
			bench_record_num(table, row->key, row->label, cs[i]->name,
					 bench_median(samples[g][i], BENCH_REPS), row->unit);
		}
	}
}

/* The host decides whether the two vCPUs share a physical core, and the
 * multi-thread rows change with it: record a cache line's round trip
 * between them before and after the rows. */
static void record_pingpong(const char *when)
{
	char row[32], label[96];

	snprintf(row, sizeof(row), "pingpong.%s", when);
	snprintf(label, sizeof(label), "cache-line round trip CPU %d ↔ CPU %d, %s",
		 orig_cpu_list[0], orig_cpu_list[1 % orig_ncpus], when);
	bench_record_num("machine", row, label, "ns", wl_pingpong_ns(), "ns");
}

static void run_main(void)
{
	record_pingpong("before the workloads");
	for (size_t i = 0; i < sizeof(main_rows) / sizeof(main_rows[0]); i++) {
		size_t n = main_rows[i].with_next ? 2 : 1;

		if (only_row == NULL) {
			measure_rows(&main_rows[i], n, main_contenders, N_MAIN, "main");
		} else {
			for (size_t g = 0; g < n; g++)
				if (in_list(only_row, main_rows[i + g].key))
					measure_rows(&main_rows[i + g], 1, main_contenders,
						     N_MAIN, "main");
		}
		i += n - 1;
	}
	if (only_row == NULL || in_list(only_row, "rings")) {
		fprintf(stderr, "  ring sync modes\n");
		ring_modes_run(RING_REPS);
	}
	record_pingpong("after");
}

/* Workload 7 for one contender, in a process of its own: a contender that
 * spins forever is reported at the cap and the process exits under it. */
static void run_oversub(const struct contender *c, int threads, uint32_t burst,
			double cap_s)
{
	char row[32], label[128];
	struct cell cell = { .c = c, .len = BENCH_SMALL_SIZE, .threads = threads,
			     .n = burst };
	const uint64_t bursts = OVERSUB_TOTAL_PAIRS / burst;
	double samples[OVERSUB_REPS];
	uint64_t start = bench_now_ns();
	int reps = 0;

	snprintf(row, sizeof(row), "7.%d.%u", threads, burst);
	snprintf(label, sizeof(label),
		 "7 %d unpinned threads on %d CPUs, bursts of %u, cache 32 (wall ns/pair)",
		 threads, bench_ncpus(), burst);
	cell.deadline_ns = start + (uint64_t)(cap_s * 1e9);
	for (; reps < OVERSUB_REPS; reps++) {
		uint64_t ns = wl_run(WL_OVERSUB, &cell, bursts);

		if (cell.timed_out) {
			char value[32];

			snprintf(value, sizeof(value), "TIMEOUT %.0f", cap_s);
			bench_record("main", row, label, c->name, value, "ns");
			fprintf(stderr, "  %s: %s did not finish in %.0f s\n", label,
				c->name, cap_s);
			fflush(NULL);
			/* Threads still spin inside the ring: no clean shutdown. */
			_exit(0);
		}
		samples[reps] = (double)ns / (double)(bursts / (uint64_t)threads *
						       (uint64_t)threads * burst);
	}
	bench_record_num("main", row, label, c->name, bench_median(samples, reps), "ns");
}

#ifdef BENCH_HAVE_CALLGRIND
/*
 * Instruction counts of workloads 1, 2 and 5. Collection is switched on only
 * around the measured loop, after a warm-up run of the same loop; each
 * section is dumped with a label that scripts/bench.sh reads back. The
 * script keeps what the contender's loop function and everything it calls
 * ran (not the harness around it: wl_run, the clock reads) and subtracts
 * the same count of the no-op, whose loop is the workload alone (loop,
 * NULL check): what remains is what the contender's get and put add to a
 * user's loop, inline code and calls alike.
 */
static void cg_section(const struct row *row, const struct contender *c,
		       uint64_t iters)
{
	struct cell cell = { .c = c, .len = row->len, .cache = row->cache, .n = row->n };
	char label[192];
	enum workload wl = row->wl;
	int rc;

	rc = wl_prepare(wl, &cell);
	if (rc != 0)
		bench_die("callgrind: %s: %s: %s", row->label, c->name, strerror(-rc));
	wl_run(wl, &cell, iters);
	CALLGRIND_TOGGLE_COLLECT;
	wl_run(wl, &cell, iters);
	CALLGRIND_TOGGLE_COLLECT;
	snprintf(label, sizeof(label), "bench|%s|%s|%s|%llu", row->key, row->label,
		 c->name, (unsigned long long)(iters * wl_pairs_per_iter(wl, &cell)));
	CALLGRIND_DUMP_STATS_AT(label);
	wl_release(wl, &cell);
}

static void run_callgrind(void)
{
	static const struct row rows[] = {
		{ "1.s256", "1 hot pair, cache 256: instructions", WL_HOT, BENCH_SMALL_SIZE, 256, 1, "ir", false },
		{ "1.s32", "1 hot pair, cache 32: instructions", WL_HOT, BENCH_SMALL_SIZE, 32, 1, "ir", false },
		{ "2.s32", "2 get N then put N, N=32: instructions", WL_BURST, BENCH_SMALL_SIZE, 256, 32, "ir", false },
		{ "2.s256", "2 N=256: instructions", WL_BURST, BENCH_SMALL_SIZE, 256, 256, "ir", false },
		{ "2.s4096", "2 N=4096: instructions", WL_BURST, BENCH_SMALL_SIZE, 256, 4096, "ir", false },
		{ "5", "5 bulk 32: instructions", WL_BULK, BENCH_SMALL_SIZE, 256, 32, "ir", false },
	};
	const struct contender *const cs[] = {
		&bench_iobuf, &bench_mempool_cached, &bench_mempool_nocache,
		&bench_llcache, &bench_malloc, &bench_astack, &bench_null,
	};
	const uint64_t pairs = 20480;

	if (!RUNNING_ON_VALGRIND)
		fprintf(stderr, "iobuf_bench: --callgrind outside valgrind counts nothing\n");
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++)
		for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++)
			if (applies(&rows[r], cs[i]))
				cg_section(&rows[r], cs[i], pairs / rows[r].n);
}
#else
static void run_callgrind(void)
{
	bench_die("built without valgrind/callgrind.h: install valgrind and rebuild");
}
#endif

static void usage(void)
{
	fprintf(stderr,
		"usage: iobuf_bench [--out FILE] [--only ROW,...] [--contender NAME,...] [--verbose]\n"
		"       iobuf_bench --oversub iobuf|mempool|mempool-rts --threads T [--burst N] [--cap SEC] [--out FILE]\n"
		"       iobuf_bench --oversub ring-rts|ring-hts|ring-default --threads T [--cap SEC] [--out FILE]\n"
		"       iobuf_bench --callgrind\n"
		"       iobuf_bench --table FILE...\n"
		"       iobuf_bench --summary FILE...\n");
	exit(2);
}

/* The EAL holds every contender's pools: unless the caller sets
 * IOBUF_EAL_ARGS, size its memory for them all. */
static void set_eal_args(const struct bench_pools *pools, int contender_sets)
{
	char args[512];
	uint64_t mb;

	if (getenv("IOBUF_EAL_ARGS") != NULL)
		return;
	mb = ((uint64_t)pools->count[0] * (BENCH_SMALL_SIZE + BENCH_ALIGN) +
	      (uint64_t)pools->count[1] * (BENCH_LARGE_SIZE + BENCH_ALIGN)) *
		(uint64_t)contender_sets >> 20;
	snprintf(args, sizeof(args),
		 "--no-huge --no-pci --no-shconf -m %llu --file-prefix=iobuf_bench_%d "
		 "--no-telemetry --log-level=lib.eal:error -l %d",
		 (unsigned long long)mb + 256, (int)getpid(), orig_cpu_list[0]);
	setenv("IOBUF_EAL_ARGS", args, 1);
}

static int start_env(const struct bench_pools *pools, int contender_sets)
{
	struct iobuf_opts opts;
	int rc;

	iobuf_get_opts(&opts, sizeof(opts));
	opts.small_pool_count = pools->count[IOBUF_CLASS_SMALL];
	opts.large_pool_count = pools->count[IOBUF_CLASS_LARGE];
	opts.small_bufsize = BENCH_SMALL_SIZE;
	opts.large_bufsize = BENCH_LARGE_SIZE;
	rc = iobuf_set_opts(&opts);
	if (rc != 0)
		return rc;
	set_eal_args(pools, contender_sets);
	return iobuf_env_init();
}

/*
 * DMA pools are pinned, resident memory; here the EAL's memory is plain
 * pages that fault in on first touch. Touch what the workloads touch before
 * measuring: every small buffer whole (workload 3b writes all of it) and
 * the first page of every large one (the only part any workload reaches).
 */
static void prefault(const struct contender *c, const struct bench_pools *pools)
{
	struct iobuf_channel *h;
	void **bufs;
	uint32_t n;

	if (c == &bench_malloc || c == &bench_null)
		return;
	h = c->open(0);
	if (h == NULL)
		bench_die("%s: open: %s", c->name, strerror(errno));
	for (int cls = 0; cls < IOBUF_CLASS_COUNT; cls++) {
		uint64_t len = cls == IOBUF_CLASS_SMALL ? BENCH_SMALL_SIZE : BENCH_LARGE_SIZE;

		bufs = calloc(pools->count[cls], sizeof(*bufs));
		if (bufs == NULL)
			bench_die("out of memory");
		for (n = 0; n < pools->count[cls]; n++) {
			bufs[n] = c->get(h, len, NULL, NULL);
			if (bufs[n] == NULL)
				break;
			memset(bufs[n], 0, cls == IOBUF_CLASS_SMALL ? len : BENCH_ALIGN);
		}
		if (n != pools->count[cls])
			bench_die("%s: class %d: %u of %u buffers free after setup",
				  c->name, cls, n, pools->count[cls]);
		while (n > 0)
			c->put(h, bufs[--n], len);
		free(bufs);
	}
	c->close(h);
}

static void setup_all(const struct contender *const *cs, size_t n,
		      const struct bench_pools *pools, bool touch)
{
	for (size_t i = 0; i < n; i++) {
		int rc = cs[i]->setup(pools);

		if (rc != 0)
			bench_die("%s: setup: %s", cs[i]->name, strerror(-rc));
		if (touch)
			prefault(cs[i], pools);
	}
}

/* A contender that loses buffers gets a warning in the report, not only
 * on stderr: its numbers may come from a broken path. */
static void teardown_all(const struct contender *const *cs, size_t n,
			 const char *run)
{
	for (size_t i = n; i-- > 0;) {
		uint64_t missing = cs[i]->teardown();
		char row[96], text[256];

		if (missing == 0)
			continue;
		snprintf(row, sizeof(row), "%s %s", cs[i]->name, run);
		snprintf(text, sizeof(text),
			 "%s lost %llu buffers (never back in its pool) in %s",
			 cs[i]->name, (unsigned long long)missing, run);
		fprintf(stderr, "iobuf_bench: %s\n", text);
		bench_record("warnings", row, text, cs[i]->name, "NA", "note");
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "oversub", required_argument, NULL, 'O' },
		{ "threads", required_argument, NULL, 't' },
		{ "cap", required_argument, NULL, 'c' },
		{ "burst", required_argument, NULL, 'b' },
		{ "callgrind", no_argument, NULL, 'g' },
		{ "table", no_argument, NULL, 'T' },
		{ "summary", no_argument, NULL, 'S' },
		{ "only", required_argument, NULL, 'r' },
		{ "contender", required_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *oversub = NULL;
	char run[96];
	bool callgrind = false, table = false, summary = false;
	int threads = 8, burst = 64, opt, rc;
	double cap = 30;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': out = optarg; break;
		case 'O': oversub = optarg; break;
		case 't': threads = atoi(optarg); break;
		case 'c': cap = atof(optarg); break;
		case 'b': burst = atoi(optarg); break;
		case 'g': callgrind = true; break;
		case 'T': table = true; break;
		case 'S': summary = true; break;
		case 'r': only_row = optarg; break;
		case 'C': only_contender = optarg; break;
		case 'v': verbose = true; break;
		default: usage();
		}
	}
	if (table || summary)
		return report_print(argc - optind, argv + optind, summary, stdout) == 0 ? 0 : 1;
	if (optind != argc)
		usage();

	/* Before the EAL pins this thread: the CPUs the user gave us. */
	if (sched_getaffinity(0, sizeof(orig_cpus), &orig_cpus) != 0)
		bench_die("sched_getaffinity: %s", strerror(errno));
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &orig_cpus))
			orig_cpu_list[orig_ncpus++] = cpu;

	records = out != NULL ? fopen(out, "a") : tmpfile();
	if (records == NULL)
		bench_die("%s: %s", out != NULL ? out : "tmpfile", strerror(errno));

	if (oversub != NULL && strncmp(oversub, "ring-", 5) == 0) {
		const struct bench_pools pools = { { 64, 8 } };

		rc = start_env(&pools, 0);
		if (rc != 0)
			bench_die("iobuf_env_init: %s", strerror(-rc));
		if (ring_oversub_run(oversub, threads, OVERSUB_REPS, cap) != 0)
			usage();
	} else if (oversub != NULL) {
		const struct bench_pools pools = { { 4096, 64 } };
		const struct contender *c;

		if (burst < 1)
			usage();
		if (strcmp(oversub, "iobuf") == 0)
			c = &bench_iobuf;
		else if (strcmp(oversub, "mempool") == 0)
			c = &bench_mempool_cached;
		else if (strcmp(oversub, "mempool-rts") == 0)
			c = &bench_mempool_rts_cached;
		else
			usage();
		rc = start_env(&pools, 2);
		if (rc != 0)
			bench_die("iobuf_env_init: %s", strerror(-rc));
		bench_pin(-1);
		setup_all(&c, 1, &pools, true);
		run_oversub(c, threads, (uint32_t)burst, cap);
		snprintf(run, sizeof(run), "workload 7, %d threads, bursts of %d", threads, burst);
		teardown_all(&c, 1, run);
	} else if (callgrind) {
		/* Instruction counts do not depend on page faults: no touching. */
		const struct bench_pools pools = { { 8192, 2048 } };
		rc = start_env(&pools, 4);
		if (rc != 0)
			bench_die("iobuf_env_init: %s", strerror(-rc));
		setup_all(pool_users, N_POOL_USERS, &pools, false);
		run_callgrind();
		teardown_all(pool_users, N_POOL_USERS, "the callgrind run");
	} else {
		/* Workload 2 holds 4096 buffers of a class plus two caches. */
		const struct bench_pools pools = { { 16384, 5120 } };
		rc = start_env(&pools, 4);
		if (rc != 0)
			bench_die("iobuf_env_init: %s", strerror(-rc));
		bench_pin(0);
		setup_all(pool_users, N_POOL_USERS, &pools, true);
		run_main();
		teardown_all(pool_users, N_POOL_USERS, "workloads 1-6");
	}
	iobuf_env_fini();

	if (out == NULL && !callgrind) {
		rewind(records);
		report_print_file(records, stdout);
	}
	fclose(records);
	return 0;
}
