/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

#include "mt_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void mt_rng_seed(struct mt_rng *r, uint64_t seed)
{
	/* splitmix64 step: xorshift must not start from 0. */
	seed += 0x9e3779b97f4a7c15ull;
	seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ull;
	seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebull;
	r->s = (seed ^ (seed >> 31)) | 1;
}

uint64_t mt_rng_next(struct mt_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

uint32_t mt_rng_below(struct mt_rng *r, uint32_t n)
{
	return (uint32_t)((mt_rng_next(r) >> 32) * n >> 32);
}

uint64_t mt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t mt_env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0')
		return def;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0') {
		fprintf(stderr, "# %s=%s is not a number; using %llu\n", name,
			s, (unsigned long long)def);
		return def;
	}
	return v;
}

/* ---- workers ------------------------------------------------------------ */

static void idle_pause(void)
{
	/* Sleep a little between polls: the suites share two cores. */
	const struct timespec ts = { .tv_nsec = 50 * 1000 };

	nanosleep(&ts, NULL);
}

static void *worker_main(void *arg)
{
	struct mt_worker *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		if (w->fn != NULL) {
			void (*fn)(void *) = w->fn;

			pthread_mutex_unlock(&w->lock);
			fn(w->arg);
			pthread_mutex_lock(&w->lock);
			w->fn = NULL;
			pthread_cond_broadcast(&w->cond);
			continue;
		}
		if (w->quit)
			break;
		if (w->poll) {
			int n;

			pthread_mutex_unlock(&w->lock);
			n = iobuf_thread_poll();
			if (n == 0)
				idle_pause();
			pthread_mutex_lock(&w->lock);
			w->served += (uint64_t)n;
			continue;
		}
		pthread_cond_wait(&w->cond, &w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

void mt_worker_start(struct mt_worker *w)
{
	memset(w, 0, sizeof(*w));
	assert_int_equal(pthread_mutex_init(&w->lock, NULL), 0);
	assert_int_equal(pthread_cond_init(&w->cond, NULL), 0);
	assert_int_equal(pthread_create(&w->tid, NULL, worker_main, w), 0);
	w->started = true;
}

static void deadline_after_ms(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

void mt_worker_post(struct mt_worker *w, void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&w->lock);
	/* One command at a time: the previous one must be synced. */
	if (w->fn != NULL) {
		pthread_mutex_unlock(&w->lock);
		fail_msg("worker command posted while another one runs");
	}
	w->fn = fn;
	w->arg = arg;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void mt_worker_sync(struct mt_worker *w)
{
	struct timespec deadline;
	int rc = 0;

	deadline_after_ms(&deadline, MT_WAIT_LIMIT_MS);
	pthread_mutex_lock(&w->lock);
	while (w->fn != NULL && rc == 0)
		rc = pthread_cond_timedwait(&w->cond, &w->lock, &deadline);
	pthread_mutex_unlock(&w->lock);
	if (rc != 0)
		fail_msg("worker command still running after %d ms: the "
			 "library is stuck", MT_WAIT_LIMIT_MS);
}

void mt_worker_run(struct mt_worker *w, void (*fn)(void *arg), void *arg)
{
	mt_worker_post(w, fn, arg);
	mt_worker_sync(w);
}

void mt_worker_set_poll(struct mt_worker *w, bool poll)
{
	pthread_mutex_lock(&w->lock);
	w->poll = poll;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

uint64_t mt_worker_served(struct mt_worker *w)
{
	uint64_t n;

	pthread_mutex_lock(&w->lock);
	n = w->served;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void mt_worker_stop(struct mt_worker *w)
{
	if (!w->started)
		return;
	mt_worker_sync(w);
	pthread_mutex_lock(&w->lock);
	w->quit = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	assert_int_equal(pthread_join(w->tid, NULL), 0);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	w->started = false;
}

/* ---- requests ----------------------------------------------------------- */

uint32_t mt_log_count(const struct mt_log *log)
{
	return __atomic_load_n(&log->n, __ATOMIC_ACQUIRE);
}

static void log_append(struct mt_log *log, uint32_t seq)
{
	uint32_t n = log->n;

	if (n == MT_LOG_MAX) {
		log->overflow++;
		return;
	}
	log->seq[n] = seq;
	__atomic_store_n(&log->n, n + 1, __ATOMIC_RELEASE);
}

void mt_req_cb(struct iobuf_entry *entry, void *buf)
{
	struct mt_req *req = TEST_CONTAINER_OF(entry, struct mt_req, entry);

	req->buf = buf;
	log_append(req->log, req->seq);
	__atomic_add_fetch(&req->served, 1, __ATOMIC_RELEASE);
}

void mt_req_get(struct mt_req *req)
{
	void *buf;

	errno = 0;
	buf = iobuf_get(req->ch, req->len, &req->entry, mt_req_cb);
	if (buf != NULL) {
		req->immediate = true;
		mt_req_cb(&req->entry, buf);
		return;
	}
	req->err = errno;
}

uint32_t mt_req_served(const struct mt_req *req)
{
	return __atomic_load_n(&req->served, __ATOMIC_ACQUIRE);
}

bool mt_wait_until(bool (*fn)(void *arg), void *arg)
{
	uint64_t deadline = mt_now_ns() + MT_WAIT_LIMIT_MS * 1000000ull;
	const struct timespec pause = { .tv_nsec = 200 * 1000 };

	while (!fn(arg)) {
		if (mt_now_ns() > deadline)
			return fn(arg);
		nanosleep(&pause, NULL);
	}
	return true;
}

/* ---- buffer stamps ------------------------------------------------------ */

/* Every buffer is at least this big (iobuf_opts minimum). */
#define MT_MIN_BUFSIZE 4096

/*
 * No TSan annotation is needed here: the library marks each buffer's way
 * through the ring (lib/pool.c), so TSan orders a putter's check before the
 * next getter's stamp, and a buffer handed to two holders at once shows as
 * a race between their stamps.
 */
void mt_stamp(void *buf, uint64_t tag)
{
	uint64_t *w = buf;

	w[0] = tag;
	w[MT_MIN_BUFSIZE / sizeof(*w) - 1] = ~tag;
}

bool mt_stamp_ok(const void *buf, uint64_t tag)
{
	const uint64_t *w = buf;

	return w[0] == tag && w[MT_MIN_BUFSIZE / sizeof(*w) - 1] == ~tag;
}

/* ---- commands ----------------------------------------------------------- */

struct open_cmd {
	const char *module;
	uint32_t small_cache;
	uint32_t large_cache;
	struct iobuf_channel *ch;
	int rc;
};

static void open_fn(void *arg)
{
	struct open_cmd *c = arg;

	c->rc = iobuf_channel_init(&c->ch, c->module, c->small_cache,
				   c->large_cache);
}

struct iobuf_channel *mt_open(struct mt_worker *w, const char *module,
			      uint32_t small_cache, uint32_t large_cache)
{
	struct open_cmd c = {
		.module = module,
		.small_cache = small_cache,
		.large_cache = large_cache,
	};

	mt_worker_run(w, open_fn, &c);
	assert_int_equal(c.rc, 0);
	assert_non_null(c.ch);
	return c.ch;
}

static void close_fn(void *arg)
{
	iobuf_channel_fini(arg);
}

void mt_close(struct mt_worker *w, struct iobuf_channel *ch)
{
	mt_worker_run(w, close_fn, ch);
}

struct bufs_cmd {
	struct iobuf_channel *ch;
	uint64_t len;
	void *const *in;
	void **out;
	uint32_t max;
	uint32_t n;
	int err;
};

static void drain_fn(void *arg)
{
	struct bufs_cmd *c = arg;

	while (c->n < c->max) {
		void *buf;

		errno = 0;
		buf = iobuf_get(c->ch, c->len, NULL, NULL);
		if (buf == NULL) {
			c->err = errno;
			return;
		}
		c->out[c->n++] = buf;
	}
}

uint32_t mt_drain(struct mt_worker *w, struct iobuf_channel *ch, uint64_t len,
		  void **bufs, uint32_t max)
{
	struct bufs_cmd c = { .ch = ch, .len = len, .out = bufs, .max = max };

	mt_worker_run(w, drain_fn, &c);
	if (c.n < max)
		assert_int_equal(c.err, ENOMEM);
	return c.n;
}

static void put_fn(void *arg)
{
	struct bufs_cmd *c = arg;

	for (uint32_t i = 0; i < c->max; i++)
		iobuf_put(c->ch, c->in[i], c->len);
}

void mt_put(struct mt_worker *w, struct iobuf_channel *ch, void *const *bufs,
	    uint32_t n)
{
	/* len is not trusted by iobuf_put; pass 1 so a class mix-up shows. */
	struct bufs_cmd c = { .ch = ch, .len = 1, .in = bufs, .max = n };

	mt_worker_run(w, put_fn, &c);
}

struct poll_cmd {
	int rc;
};

static void poll_fn(void *arg)
{
	struct poll_cmd *c = arg;

	c->rc = iobuf_thread_poll();
}

int mt_poll(struct mt_worker *w)
{
	struct poll_cmd c = { 0 };

	mt_worker_run(w, poll_fn, &c);
	return c.rc;
}

void mt_req_init(struct mt_req *req, struct iobuf_channel *ch,
		 struct mt_log *log, uint64_t len, uint32_t seq)
{
	memset(req, 0, sizeof(*req));
	req->ch = ch;
	req->log = log;
	req->len = len;
	req->seq = seq;
}

struct queue_cmd {
	struct mt_req *reqs;
	uint32_t n;
};

static void queue_fn(void *arg)
{
	struct queue_cmd *c = arg;

	for (uint32_t i = 0; i < c->n; i++)
		mt_req_get(&c->reqs[i]);
}

void mt_queue(struct mt_worker *w, struct mt_req *reqs, uint32_t n)
{
	struct queue_cmd c = { .reqs = reqs, .n = n };

	mt_worker_run(w, queue_fn, &c);
}

struct served_pred {
	struct mt_req *reqs;
	uint32_t n;
};

static bool all_served(void *arg)
{
	struct served_pred *p = arg;

	for (uint32_t i = 0; i < p->n; i++)
		if (mt_req_served(&p->reqs[i]) == 0)
			return false;
	return true;
}

bool mt_wait_served(struct mt_req *reqs, uint32_t n)
{
	struct served_pred p = { .reqs = reqs, .n = n };

	return mt_wait_until(all_served, &p);
}
