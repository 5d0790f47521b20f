/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Helpers of the multi-thread suites.
 *
 * A worker is a real pthread that runs commands posted by the main thread,
 * one at a time, and in between optionally calls iobuf_thread_poll() like
 * an event loop. Commands only record what happened; the main thread reads
 * the record once the command is done and asserts (CMocka is not
 * thread-safe). The mutex around each command orders the worker's writes
 * before the main thread's reads.
 *
 * Requests served on a worker append their sequence number to a log with a
 * release store, so the main thread can wait for them and read the order
 * without stopping the worker.
 */

#ifndef MT_UTIL_H
#define MT_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "test_env.h"

#if defined(__SANITIZE_THREAD__)
#define MT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MT_TSAN 1
#endif
#endif
#ifndef MT_TSAN
#define MT_TSAN 0
#endif

#if defined(__SANITIZE_ADDRESS__)
#define MT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MT_ASAN 1
#endif
#endif
#ifndef MT_ASAN
#define MT_ASAN 0
#endif

/*
 * Set by meson when the library is built with -Ddebug_checks=true: it then
 * tracks and poisons every buffer, ten times slower per operation, so the
 * long runs do less.
 */
#ifndef MT_DEBUG_CHECKS
#define MT_DEBUG_CHECKS 0
#endif

/*
 * How long the main thread waits for a worker before failing the test
 * instead of hanging; generous because sanitizers slow everything down.
 */
#define MT_WAIT_LIMIT_MS 20000

/* Deterministic PRNG (xorshift64*): the same seed gives the same run. */
struct mt_rng {
	uint64_t s;
};

void mt_rng_seed(struct mt_rng *r, uint64_t seed);
uint64_t mt_rng_next(struct mt_rng *r);
/* Uniform in [0, n); n > 0. */
uint32_t mt_rng_below(struct mt_rng *r, uint32_t n);

/* Monotonic clock in nanoseconds. */
uint64_t mt_now_ns(void);

/* Unsigned integer from the environment, or def when unset or malformed. */
uint64_t mt_env_u64(const char *name, uint64_t def);

/* A pthread running posted commands; see the file comment. */
struct mt_worker {
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	void (*fn)(void *arg);
	void *arg;
	bool poll;
	bool quit;
	bool started;
	/* Sum of iobuf_thread_poll() returns on this worker. */
	uint64_t served;
};

void mt_worker_start(struct mt_worker *w);
/* Run fn(arg) on the worker and wait for it; fails the test after the limit. */
void mt_worker_run(struct mt_worker *w, void (*fn)(void *arg), void *arg);
/* Post fn(arg) and return at once; mt_worker_sync() waits for it. */
void mt_worker_post(struct mt_worker *w, void (*fn)(void *arg), void *arg);
void mt_worker_sync(struct mt_worker *w);
/* Whether the worker calls iobuf_thread_poll() while it has no command. */
void mt_worker_set_poll(struct mt_worker *w, bool poll);
/* Entries served by the worker's idle polling so far. */
uint64_t mt_worker_served(struct mt_worker *w);
/* Stop and join; the worker must have closed its channels already. */
void mt_worker_stop(struct mt_worker *w);

/*
 * Channel and buffer commands run on a worker; each asserts its outcome on
 * the main thread once the worker is done.
 */
struct iobuf_channel *mt_open(struct mt_worker *w, const char *module,
			      uint32_t small_cache, uint32_t large_cache);
void mt_close(struct mt_worker *w, struct iobuf_channel *ch);
/* Get up to max buffers of len without waiting; returns how many. */
uint32_t mt_drain(struct mt_worker *w, struct iobuf_channel *ch, uint64_t len,
		  void **bufs, uint32_t max);
void mt_put(struct mt_worker *w, struct iobuf_channel *ch, void *const *bufs,
	    uint32_t n);
/* iobuf_thread_poll() once on the worker; returns what it returned. */
int mt_poll(struct mt_worker *w);

/* Order in which one thread's requests of one class got their buffer. */
#define MT_LOG_MAX 1024
struct mt_log {
	uint32_t seq[MT_LOG_MAX];
	uint32_t n;      /* written with release, read with acquire */
	uint32_t overflow;
};

uint32_t mt_log_count(const struct mt_log *log);

/*
 * A request with its wait entry. seq orders the requests of one thread and
 * class; the callback records the buffer, counts the service and appends
 * seq to log.
 */
struct mt_req {
	struct iobuf_entry entry;
	struct iobuf_channel *ch;
	struct mt_log *log;
	uint64_t len;
	uint32_t seq;
	void *buf;
	uint32_t served; /* atomic: callbacks that ran for this request */
	bool immediate;  /* iobuf_get returned a buffer without queueing */
	int err;         /* errno of an iobuf_get that returned NULL */
};

void mt_req_cb(struct iobuf_entry *entry, void *buf);
void mt_req_init(struct mt_req *req, struct iobuf_channel *ch,
		 struct mt_log *log, uint64_t len, uint32_t seq);
/*
 * iobuf_get with the request's entry. A buffer returned at once counts as
 * served and is logged in order like a callback.
 */
void mt_req_get(struct mt_req *req);
uint32_t mt_req_served(const struct mt_req *req);
/* Run mt_req_get() on the worker for reqs[0..n), in order. */
void mt_queue(struct mt_worker *w, struct mt_req *reqs, uint32_t n);
/* Wait until every one of reqs[0..n) was served at least once. */
bool mt_wait_served(struct mt_req *reqs, uint32_t n);

/* Spin on the main thread until fn(arg) holds or the limit passes. */
bool mt_wait_until(bool (*fn)(void *arg), void *arg);

/*
 * Stamp a buffer with its holder's tag (the first and the last word of the
 * smallest possible buffer) when it is got, and check the stamp right
 * before it is put: a buffer handed to two holders at once ends up with
 * the other's tag, and under TSan the two holders' stamps race.
 */
void mt_stamp(void *buf, uint64_t tag);
bool mt_stamp_ok(const void *buf, uint64_t tag);

#endif /* MT_UTIL_H */
