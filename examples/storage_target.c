/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * storage_target: 1 MiB I/Os in 132 KiB buffers, all or nothing.
 *
 * A storage target (NVMe-oF, iSCSI, a block layer) serves a large I/O in
 * the pool's large buffers: a 1 MiB request needs 8 of 132 KiB. Taken one
 * iobuf_get() at a time, requests that each hold part of what they need
 * wait for each other's buffers for ever. iobuf_get_multi() takes all 8 or
 * none; when it has to wait, the request waits as one entry that gathers
 * returned buffers until it has all 8, and only one request gathers at a
 * time, so two requests never split the pool between them.
 *
 * WORKERS threads each keep DEPTH requests in flight against a large pool
 * of 24 buffers, so requests wait. Meanwhile an admin thread runs
 * management commands through a module of its own, registered with high
 * priority and a reserve of two large buffers: its commands get a buffer
 * at once even while the bulk I/O has drained the pool.
 *
 * It prints a summary and exits non-zero if a request or a command went
 * wrong, a buffer did not come back, or iobuf_finish() refused.
 */

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <iobuf.h>

#define IO_SIZE (1024u * 1024u)
#define BUF_SIZE 135168u        /* the default large_bufsize, 132 KiB */
#define BUFS_PER_IO ((IO_SIZE + BUF_SIZE - 1) / BUF_SIZE)      /* 8 */
/* Room for 3 requests in the whole process: most of them wait. */
#define LARGE_POOL 24
#define WORKERS 3
/* 4 x 8 = 32 buffers per worker: even a worker running alone waits. */
#define DEPTH 4
#define REQUESTS 200            /* per worker */
#define SERVICE_NS 100000ull    /* simulated device time of one I/O */

#define ADMIN_COMMANDS 100
/* A 64 KiB log page: above the small buffers, so it needs a large one. */
#define ADMIN_LEN 65536u
/* One command at a time needs one buffer; two leave a spare. */
#define ADMIN_RESERVE 2

#define CONTAINER_OF(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

struct worker;

struct request {
	struct iobuf_entry entry;   /* the library queues this while we wait */
	struct worker *w;
	void *bufs[BUFS_PER_IO];    /* filled by iobuf_get_multi */
	enum { FREE, WAITING, IN_IO } state;
	uint64_t done_at;
};

struct worker {
	pthread_t thread;
	struct iobuf_channel *ch;
	struct request req[DEPTH];
	unsigned int issued, completed, waited;
	bool failed;
};

struct admin {
	pthread_t thread;
	unsigned int served, while_drained, refused;
	bool failed;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* All 8 buffers are there: hand them to the "device". */
static void
start_io(struct request *r)
{
	/*
	 * A real target builds its scatter list here, one element per
	 * buffer, each with iobuf_iova(r->bufs[i]) for the DMA engine.
	 */
	for (unsigned int i = 0; i < BUFS_PER_IO; i++)
		memset(r->bufs[i], (int)i, 64);
	r->state = IN_IO;
	r->done_at = now_ns() + SERVICE_NS;
}

/*
 * A waiting request got its buffers. The library calls this on the
 * request's own thread, inside its iobuf_put_bulk() or iobuf_thread_poll().
 */
static void
buffers_ready(struct iobuf_entry *entry, void **bufs, uint32_t n)
{
	struct request *r = CONTAINER_OF(entry, struct request, entry);

	(void)bufs;     /* r->bufs, as given to iobuf_get_multi */
	(void)n;
	start_io(r);
}

static void
submit(struct worker *w, struct request *r)
{
	int rc = iobuf_get_multi(w->ch, BUF_SIZE, r->bufs, BUFS_PER_IO,
				 &r->entry, buffers_ready);

	w->issued++;
	if (rc == 0) {
		start_io(r);
	} else if (rc == -ENOMEM) {
		/* Queued: buffers_ready runs once all 8 are ours. */
		r->state = WAITING;
		w->waited++;
	} else {
		fprintf(stderr, "iobuf_get_multi: %s\n", strerror(-rc));
		w->failed = true;
	}
}

static void
complete(struct worker *w, struct request *r)
{
	r->state = FREE;
	w->completed++;
	/* Waiting requests, here or on another thread, get them first. */
	if (iobuf_put_bulk(w->ch, r->bufs, BUFS_PER_IO) != 0)
		w->failed = true;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	int rc;

	/*
	 * No cache: requests take 8 buffers at a time from a tight pool, and
	 * buffers idle in a cache would only make the others wait longer.
	 */
	rc = iobuf_channel_init(&w->ch, "bulk", 0, 0);
	if (rc != 0) {
		fprintf(stderr, "iobuf_channel_init(bulk): %s\n", strerror(-rc));
		w->failed = true;
		return NULL;
	}
	for (int i = 0; i < DEPTH; i++)
		w->req[i].w = w;
	while (w->completed < REQUESTS && !w->failed) {
		/* Buffers put on other threads reach our waiters only here. */
		iobuf_thread_poll();
		for (int i = 0; i < DEPTH; i++) {
			struct request *r = &w->req[i];

			if (r->state == FREE && w->issued < REQUESTS)
				submit(w, r);
			else if (r->state == IN_IO && now_ns() >= r->done_at)
				complete(w, r);
		}
	}
	iobuf_channel_fini(w->ch);
	return NULL;
}

/*
 * Admin commands never wait: a get without an entry. The module's reserve
 * serves them when the shared pool is empty or bulk requests wait.
 */
static void *
admin_main(void *arg)
{
	const struct timespec pause = { .tv_nsec = 200000 };
	struct admin *a = arg;
	struct iobuf_channel *ch;
	int rc;

	rc = iobuf_channel_init(&ch, "admin", 0, 0);
	if (rc != 0) {
		fprintf(stderr, "iobuf_channel_init(admin): %s\n", strerror(-rc));
		a->failed = true;
		return NULL;
	}
	for (int i = 0; i < ADMIN_COMMANDS; i++) {
		struct iobuf_stats st;
		bool drained;
		void *buf;

		/* For the summary only: the control path, not a data path. */
		iobuf_get_stats(&st, sizeof(st), NULL, 0, 0);
		drained = st.pool[IOBUF_CLASS_LARGE].free == 0 ||
			st.pool[IOBUF_CLASS_LARGE].waiting > 0;
		buf = iobuf_get(ch, ADMIN_LEN, NULL, NULL);
		if (buf == NULL) {
			a->refused++;
		} else {
			a->served++;
			a->while_drained += drained;
			memset(buf, 0, ADMIN_LEN);      /* the log page */
			/* Back into the reserve first, ready for the next one. */
			iobuf_put(ch, buf, ADMIN_LEN);
		}
		nanosleep(&pause, NULL);
	}
	iobuf_channel_fini(ch);
	return NULL;
}

int
main(void)
{
	const struct iobuf_module_opts admin_opts = {
		.opts_size = sizeof(admin_opts),
		.priority = IOBUF_PRIORITY_HIGH,
		.reserve = { [IOBUF_CLASS_LARGE] = ADMIN_RESERVE },
	};
	struct worker w[WORKERS] = { 0 };
	struct admin a = { 0 };
	struct iobuf_stats st;
	struct iobuf_opts o;
	unsigned int completed = 0, waited = 0;
	bool ok = true;
	int rc;

	iobuf_get_opts(&o, sizeof(o));
	o.small_pool_count = 64;
	o.large_pool_count = LARGE_POOL;
	if (o.large_bufsize != BUF_SIZE) {
		fprintf(stderr, "large_bufsize %u, expected %u\n", o.large_bufsize,
			BUF_SIZE);
		return 1;
	}
	rc = iobuf_set_opts(&o);
	if (rc == 0)
		rc = iobuf_env_init();
	/* Registered before initialize: the reserve is set aside by it. */
	if (rc == 0)
		rc = iobuf_register_module("bulk");
	if (rc == 0)
		rc = iobuf_register_module_ext("admin", &admin_opts);
	if (rc == 0)
		rc = iobuf_initialize();
	if (rc != 0) {
		fprintf(stderr, "set-up failed: %s\n", strerror(-rc));
		return 1;
	}

	if (pthread_create(&a.thread, NULL, admin_main, &a) != 0) {
		fprintf(stderr, "cannot start the admin thread\n");
		return 1;
	}
	for (int i = 0; i < WORKERS; i++) {
		if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) != 0) {
			fprintf(stderr, "cannot start worker %d\n", i);
			return 1;
		}
	}
	for (int i = 0; i < WORKERS; i++) {
		pthread_join(w[i].thread, NULL);
		completed += w[i].completed;
		waited += w[i].waited;
		ok &= !w[i].failed;
	}
	pthread_join(a.thread, NULL);
	ok &= !a.failed;

	printf("requests: %u of %u completed, 1 MiB each in %u buffers of %u B; "
	       "%u waited for their buffers\n", completed, WORKERS * REQUESTS,
	       BUFS_PER_IO, BUF_SIZE, waited);
	printf("admin: %u of %u commands served at once (%u while bulk I/O had "
	       "drained the pool), %u refused\n", a.served, ADMIN_COMMANDS,
	       a.while_drained, a.refused);
	/* With DEPTH requests of 8 buffers against 24, some must have waited. */
	ok &= completed == WORKERS * REQUESTS && waited > 0 &&
		a.served == ADMIN_COMMANDS;

	/* Unregistering gives the admin reserve back: every buffer is home. */
	rc = iobuf_unregister_module("admin");
	iobuf_get_stats(&st, sizeof(st), NULL, 0, 0);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		printf("%s pool: %lu of %lu free\n",
		       c == IOBUF_CLASS_LARGE ? "large" : "small",
		       (unsigned long)st.pool[c].free,
		       (unsigned long)st.pool[c].total);
		ok &= st.pool[c].free == st.pool[c].total;
	}
	ok &= rc == 0;
	rc = iobuf_finish();
	printf("iobuf_finish: %d\n", rc);
	ok &= rc == 0;
	iobuf_env_fini();
	if (!ok)
		fprintf(stderr, "storage_target: FAILED\n");
	return ok ? 0 : 1;
}
