/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * pipeline: worker threads that each play a storage target.
 *
 * Every worker owns a module ("target0", "target1", ...) and a channel,
 * keeps a fixed number of requests going, and gives each request a buffer
 * of a random size: mostly small, some large. A request that finds the pool
 * dry waits in the library's queue with its own struct iobuf_entry; one
 * that has its buffer "completes" after a short simulated delay and puts
 * the buffer back. The pools are small on purpose, so requests really wait
 * and buffers returned on one thread really serve waiters on another.
 *
 * At the end the program prints what iobuf_get_stats() saw, checks that
 * every buffer came home, and exits non-zero if one did not, if a request
 * waited too long (a stall), or if iobuf_finish() refused.
 *
 * Usage: pipeline [-w workers] [-s seconds] [-n requests] [-r seed]
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#include <iobuf.h>

#define MAX_WORKERS 64

/*
 * Per worker: the pools grow with the number of workers so every channel can
 * pre-fill its caches, but stay just short of demand: 40 requests, one in 8
 * large, want about 35 small and 5 large buffers where the pools hold 32 and
 * 4 per worker. So small requests wait now and then, large ones mostly.
 */
#define SMALL_PER_WORKER 32
#define LARGE_PER_WORKER 4
#define SMALL_CACHE 16
#define LARGE_CACHE 2
#define QUEUE_DEPTH 40
/* One request in LARGE_ONE_IN is large. */
#define LARGE_ONE_IN 8

#define NS_PER_SEC 1000000000ull
/* Simulated device latency between getting a buffer and putting it back. */
#define SERVICE_NS 20000ull
/*
 * A class whose oldest waiter is not served for this long is stalled: the
 * wait queue is FIFO, so the head waited all that time while the buffers
 * other requests returned went elsewhere. Generous, so that a loaded
 * machine or valgrind does not trip it.
 */
#define STALL_NS (5 * NS_PER_SEC)

struct worker;

struct request {
	struct iobuf_entry entry;
	struct worker *w;
	uint64_t len;
	void *buf;
	uint64_t done_at;
	STAILQ_ENTRY(request) link;
};

STAILQ_HEAD(request_list, request);

struct worker {
	/* Aligned so that workers do not share a cache line. */
	_Alignas(64) pthread_t thread;
	char module[IOBUF_MODULE_NAME_MAX + 1];
	struct iobuf_channel *ch;
	uint64_t rng;
	uint64_t now;
	/* In flight, oldest first: with a fixed latency also the first due. */
	struct request_list in_flight;
	struct request_list idle;
	struct request reqs[QUEUE_DEPTH];
	/* Per class: requests waiting, and when its queue last moved. */
	unsigned int waiting[IOBUF_CLASS_COUNT];
	uint64_t moved_at[IOBUF_CLASS_COUNT];

	uint64_t submitted;
	uint64_t completed;
	uint64_t elapsed_ns;
	uint64_t served_by_poll;
	uint64_t gets[IOBUF_CLASS_COUNT];
	uint64_t out[IOBUF_CLASS_COUNT];
	uint64_t peak_out[IOBUF_CLASS_COUNT];
	bool stalled;
	bool failed;
};

static struct {
	unsigned int workers;
	double seconds;
	bool seconds_set;
	uint64_t requests;
	uint64_t seed;
	uint64_t small_len;
	uint64_t large_len;
	pthread_barrier_t start;
	struct worker w[MAX_WORKERS];
} g = {
	.workers = 2,
	.seconds = 2.0,
	.seed = 0x9e3779b97f4a7c15ull,
};

static const char *const class_name[IOBUF_CLASS_COUNT] = { "small", "large" };

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* xorshift64: deterministic per worker, no shared state. */
static uint64_t
next_random(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static enum iobuf_class
class_of(uint64_t len)
{
	return len <= g.small_len ? IOBUF_CLASS_SMALL : IOBUF_CLASS_LARGE;
}

static void
took_buffer(struct worker *w, struct request *req, void *buf)
{
	enum iobuf_class cls = class_of(req->len);

	req->buf = buf;
	req->done_at = w->now + SERVICE_NS;
	STAILQ_INSERT_TAIL(&w->in_flight, req, link);
	if (++w->out[cls] > w->peak_out[cls])
		w->peak_out[cls] = w->out[cls];
}

/* Runs on this worker's thread, inside iobuf_put() or iobuf_thread_poll(). */
static void
request_ready(struct iobuf_entry *entry, void *buf)
{
	struct request *req = (struct request *)((char *)entry -
						 offsetof(struct request, entry));
	struct worker *w = req->w;
	enum iobuf_class cls = class_of(req->len);

	w->waiting[cls]--;
	w->moved_at[cls] = w->now;
	took_buffer(w, req, buf);
}

static void
submit(struct worker *w)
{
	struct request *req = STAILQ_FIRST(&w->idle);
	uint64_t r = next_random(&w->rng);
	enum iobuf_class cls;
	void *buf;

	STAILQ_REMOVE_HEAD(&w->idle, link);
	if (r % LARGE_ONE_IN == 0)
		req->len = g.small_len + 1 + (r >> 8) % (g.large_len - g.small_len);
	else
		req->len = 1 + (r >> 8) % g.small_len;

	buf = iobuf_get(w->ch, req->len, &req->entry, request_ready);
	if (buf == NULL && errno != ENOMEM) {
		fprintf(stderr, "%s: iobuf_get(%" PRIu64 ") failed: %s\n",
			w->module, req->len, strerror(errno));
		w->failed = true;
		STAILQ_INSERT_HEAD(&w->idle, req, link);
		return;
	}
	cls = class_of(req->len);
	w->submitted++;
	w->gets[cls]++;
	if (buf != NULL)
		took_buffer(w, req, buf);
	else if (w->waiting[cls]++ == 0)
		w->moved_at[cls] = w->now;
}

/* The put may hand the buffer to one of our waiters, which joins in_flight. */
static void
complete_due(struct worker *w)
{
	struct request *req;

	while ((req = STAILQ_FIRST(&w->in_flight)) != NULL &&
	       req->done_at <= w->now) {
		STAILQ_REMOVE_HEAD(&w->in_flight, link);
		w->out[class_of(req->len)]--;
		iobuf_put(w->ch, req->buf, req->len);
		req->buf = NULL;
		STAILQ_INSERT_TAIL(&w->idle, req, link);
		w->completed++;
	}
}

static int
abort_waiting(struct iobuf_channel *ch, struct iobuf_entry *entry, void *ctx)
{
	struct request *req = (struct request *)((char *)entry -
						 offsetof(struct request, entry));
	struct worker *w = ctx;

	iobuf_entry_abort(ch, entry, req->len);
	STAILQ_INSERT_TAIL(&w->idle, req, link);
	w->waiting[class_of(req->len)]--;
	return 0;
}

static unsigned int
waiting(const struct worker *w)
{
	return w->waiting[IOBUF_CLASS_SMALL] + w->waiting[IOBUF_CLASS_LARGE];
}

static bool
stalled(struct worker *w)
{
	int c;

	for (c = 0; c < IOBUF_CLASS_COUNT; c++) {
		if (w->waiting[c] > 0 && w->now - w->moved_at[c] > STALL_NS) {
			fprintf(stderr, "%s: stall: %u %s requests waiting, the "
				"oldest for over %.0f s\n", w->module,
				w->waiting[c], class_name[c],
				(double)STALL_NS / NS_PER_SEC);
			return true;
		}
	}
	return false;
}

static bool
should_submit(const struct worker *w, uint64_t deadline)
{
	if (w->failed || w->now >= deadline)
		return false;
	return g.requests == 0 || w->submitted < g.requests;
}

/*
 * The event loop of one target: complete what is due, serve waiters from
 * buffers other threads returned, start new requests. After the deadline it
 * stops starting requests and runs until every waiter has been served and
 * every request completed, so a lost wake-up shows as a stall, not a hang.
 */
static void
run(struct worker *w)
{
	uint64_t start, deadline;
	unsigned int i;

	STAILQ_INIT(&w->in_flight);
	STAILQ_INIT(&w->idle);
	for (i = 0; i < QUEUE_DEPTH; i++) {
		w->reqs[i].w = w;
		STAILQ_INSERT_TAIL(&w->idle, &w->reqs[i], link);
	}
	start = now_ns();
	deadline = start + (uint64_t)(g.seconds * NS_PER_SEC);
	w->now = start;

	for (;;) {
		w->now = now_ns();
		complete_due(w);
		w->served_by_poll += (uint64_t)iobuf_thread_poll();
		while (should_submit(w, deadline) && !STAILQ_EMPTY(&w->idle))
			submit(w);
		if (waiting(w) == 0 && STAILQ_EMPTY(&w->in_flight) &&
		    !should_submit(w, deadline))
			break;
		if (stalled(w)) {
			w->stalled = true;
			break;
		}
	}

	w->elapsed_ns = w->now - start;

	/* Only after a stall: a channel must not close with entries queued. */
	if (waiting(w) > 0)
		iobuf_for_each_entry(w->ch, abort_waiting, w);
	w->now = UINT64_MAX;
	complete_due(w);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	int rc;

	rc = iobuf_channel_init(&w->ch, w->module, SMALL_CACHE, LARGE_CACHE);
	if (rc != 0) {
		fprintf(stderr, "%s: iobuf_channel_init failed: %s\n",
			w->module, strerror(-rc));
		w->failed = true;
	}
	/* Start together: an early worker would take the buffers a late one
	 * needs to pre-fill its caches.
	 */
	pthread_barrier_wait(&g.start);
	if (w->ch == NULL)
		return NULL;
	run(w);
	iobuf_channel_fini(w->ch);
	return NULL;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-w workers] [-s seconds] [-n requests] [-r seed]\n"
		"  -w  worker threads, 1..%d (default 2)\n"
		"  -s  run time in seconds (default 2)\n"
		"  -n  stop each worker after this many requests (default: no limit)\n"
		"  -r  random seed (default fixed)\n",
		prog, MAX_WORKERS);
}

static int
parse_args(int argc, char **argv)
{
	unsigned long workers;
	char *end;
	int opt;

	while ((opt = getopt(argc, argv, "w:s:n:r:h")) != -1) {
		errno = 0;
		switch (opt) {
		case 'w':
			workers = strtoul(optarg, &end, 0);
			if (workers < 1 || workers > MAX_WORKERS)
				errno = EINVAL;
			g.workers = (unsigned int)workers;
			break;
		case 's':
			g.seconds = strtod(optarg, &end);
			g.seconds_set = true;
			if (!(g.seconds > 0 && g.seconds < 3600))
				errno = EINVAL;
			break;
		case 'n':
			g.requests = strtoull(optarg, &end, 0);
			if (g.requests == 0)
				errno = EINVAL;
			break;
		case 'r':
			g.seed = strtoull(optarg, &end, 0);
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 1 : 2;
		}
		if (errno != 0 || *end != '\0') {
			fprintf(stderr, "%s: bad value for -%c: '%s'\n",
				argv[0], opt, optarg);
			return 2;
		}
	}
	if (optind != argc) {
		usage(argv[0]);
		return 2;
	}
	/* With -n alone, the request count decides when to stop. */
	if (g.requests != 0 && !g.seconds_set)
		g.seconds = 3600;
	return 0;
}

/* Prints the tables and returns false when the stats break an invariant. */
static bool
report(void)
{
	struct iobuf_module_stats ms[MAX_WORKERS];
	struct iobuf_stats ps;
	bool ok = true;
	unsigned int i;
	int n, c;

	n = iobuf_get_stats(&ps, sizeof(ps), ms, sizeof(ms[0]), MAX_WORKERS);
	if (n < 0) {
		fprintf(stderr, "iobuf_get_stats failed: %s\n", strerror(-n));
		return false;
	}

	printf("\n%-8s %-5s %10s %7s %9s %9s %8s\n", "module", "class", "gets",
	       "cache%", "main", "waits", "peak out");
	for (i = 0; i < (unsigned int)n && i < g.workers; i++) {
		const struct worker *w = &g.w[i];

		for (c = 0; c < IOBUF_CLASS_COUNT; c++) {
			const struct iobuf_class_stats *cs = &ms[i].cls[c];
			uint64_t gets = cs->cache + cs->main + cs->retry;

			printf("%-8s %-5s %10" PRIu64 " %6.1f%% %9" PRIu64
			       " %9" PRIu64 " %8" PRIu64 "\n", ms[i].name,
			       class_name[c], gets,
			       gets ? 100.0 * (double)cs->cache / (double)gets : 0.0,
			       cs->main, cs->retry, w->peak_out[c]);
			if (gets != w->gets[c] || cs->out != 0 || cs->waiting != 0) {
				fprintf(stderr, "%s %s: library counted %" PRIu64
					" gets, %" PRId64 " out, %" PRIu64
					" waiting; the worker made %" PRIu64
					" gets and returned every buffer\n",
					ms[i].name, class_name[c], gets,
					cs->out, cs->waiting, w->gets[c]);
				ok = false;
			}
		}
	}

	printf("\n%-5s %8s %8s %8s %8s %8s %8s\n", "pool", "bufsize", "total",
	       "free", "cached", "out", "waiting");
	for (c = 0; c < IOBUF_CLASS_COUNT; c++) {
		const struct iobuf_pool_stats *p = &ps.pool[c];

		printf("%-5s %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64
		       " %8" PRId64 " %8" PRIu64 "\n", class_name[c], p->bufsize,
		       p->total, p->free, p->cached, p->out, p->waiting);
		if (p->free + p->cached + (uint64_t)p->out != p->total ||
		    p->free != p->total) {
			fprintf(stderr, "%s pool: %" PRIu64 " of %" PRIu64
				" buffers back in the ring (cached %" PRIu64
				", out %" PRId64 ")\n", class_name[c], p->free,
				p->total, p->cached, p->out);
			ok = false;
		}
	}

	printf("\n");
	for (i = 0; i < g.workers; i++) {
		const struct worker *w = &g.w[i];

		printf("%s: %" PRIu64 " requests (%.0f/s), %" PRIu64
		       " waiters served by iobuf_thread_poll%s\n", w->module,
		       w->completed, (double)w->completed * NS_PER_SEC /
		       (double)(w->elapsed_ns ? w->elapsed_ns : 1),
		       w->served_by_poll, w->stalled ? ", STALLED" : "");
	}
	return ok;
}

static int
setup_pools(void)
{
	struct iobuf_opts opts;
	int rc;

	iobuf_get_opts(&opts, sizeof(opts));
	opts.small_pool_count = (uint64_t)SMALL_PER_WORKER * g.workers;
	opts.large_pool_count = (uint64_t)LARGE_PER_WORKER * g.workers;
	if (opts.small_pool_count < 64)
		opts.small_pool_count = 64;
	if (opts.large_pool_count < 8)
		opts.large_pool_count = 8;
	rc = iobuf_set_opts(&opts);
	if (rc != 0) {
		fprintf(stderr, "iobuf_set_opts failed: %s\n", strerror(-rc));
		return rc;
	}
	iobuf_get_opts(&opts, sizeof(opts));
	g.small_len = opts.small_bufsize;
	g.large_len = opts.large_bufsize;
	printf("pipeline: %u workers, %" PRIu64 " small x %" PRIu64
	       " B and %" PRIu64 " large x %" PRIu64 " B buffers, caches %d/%d, "
	       "%d requests per worker, %.0f us service time\n", g.workers,
	       opts.small_pool_count, g.small_len, opts.large_pool_count,
	       g.large_len, SMALL_CACHE, LARGE_CACHE, QUEUE_DEPTH,
	       (double)SERVICE_NS / 1000);
	return 0;
}

/* Starts the workers and joins them; false if any failed or stalled. */
static bool
run_workers(void)
{
	bool ok = true;
	unsigned int i;
	int rc;

	rc = pthread_barrier_init(&g.start, NULL, g.workers);
	if (rc != 0) {
		fprintf(stderr, "pthread_barrier_init failed: %s\n", strerror(rc));
		return false;
	}
	for (i = 0; i < g.workers; i++) {
		rc = pthread_create(&g.w[i].thread, NULL, worker_main, &g.w[i]);
		if (rc != 0) {
			/* The barrier waits for every worker: nobody could start. */
			fprintf(stderr, "pthread_create failed: %s\n", strerror(rc));
			exit(EXIT_FAILURE);
		}
	}
	for (i = 0; i < g.workers; i++) {
		pthread_join(g.w[i].thread, NULL);
		if (g.w[i].failed || g.w[i].stalled)
			ok = false;
	}
	pthread_barrier_destroy(&g.start);
	return ok;
}

int
main(int argc, char **argv)
{
	bool ok = false;
	unsigned int i, registered;
	int rc;

	/* Keep the tables and the errors on stderr in order in one log. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = parse_args(argc, argv);
	if (rc != 0)
		return rc == 1 ? EXIT_SUCCESS : rc;
	if (setup_pools() != 0)
		return EXIT_FAILURE;

	rc = iobuf_env_init();
	if (rc != 0) {
		fprintf(stderr, "iobuf_env_init failed: %s\n", strerror(-rc));
		return EXIT_FAILURE;
	}
	rc = iobuf_initialize();
	if (rc != 0) {
		fprintf(stderr, "iobuf_initialize failed: %s\n", strerror(-rc));
		goto env_fini;
	}
	for (registered = 0; registered < g.workers; registered++) {
		struct worker *w = &g.w[registered];

		/* xorshift never leaves 0: keep the state odd. */
		w->rng = (g.seed ^ (0x2545f4914f6cdd1dull * (registered + 1))) | 1;
		snprintf(w->module, sizeof(w->module), "target%u", registered);
		rc = iobuf_register_module(w->module);
		if (rc != 0) {
			fprintf(stderr, "iobuf_register_module(%s) failed: %s\n",
				w->module, strerror(-rc));
			goto unregister;
		}
	}

	ok = run_workers();
	ok = report() && ok;

unregister:
	for (i = 0; i < registered; i++)
		iobuf_unregister_module(g.w[i].module);
	rc = iobuf_finish();
	if (rc != 0) {
		fprintf(stderr, "iobuf_finish failed: %s\n", strerror(-rc));
		ok = false;
	}
env_fini:
	iobuf_env_fini();
	printf("%s\n", ok ? "pipeline: ok, every buffer came back" :
	       "pipeline: FAILED");
	return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
