/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * hello: the life of an iobuf user, on one thread.
 *
 * Size tiny pools, start the embedded DPDK environment, open a channel, take
 * a small and a large buffer, drain the small pool until a get has to wait,
 * watch a put hand its buffer to the waiting entry, then give everything
 * back and shut down in reverse order.
 */

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iobuf.h>

#define SMALL_POOL 64
#define LARGE_POOL 8
#define SMALL_CACHE 8
#define LARGE_CACHE 1

/* An I/O request embeds its wait entry, so the callback can find it. */
struct request {
	struct iobuf_entry entry;
	void *buf;
};

static void
request_ready(struct iobuf_entry *entry, void *buf)
{
	struct request *req = (struct request *)((char *)entry -
						 offsetof(struct request, entry));

	req->buf = buf;
	printf("callback: waiting request got buffer %p\n", buf);
}

static int
fail(const char *what, int err)
{
	fprintf(stderr, "hello: %s failed: %s\n", what, strerror(err));
	return EXIT_FAILURE;
}

/* Take small buffers without an entry until the pool is dry. */
static int
drain_small(struct iobuf_channel *ch, uint64_t len, void **bufs, int max)
{
	int n = 0;

	while (n < max) {
		bufs[n] = iobuf_get(ch, len, NULL, NULL);
		if (bufs[n] == NULL)
			break;
		n++;
	}
	return n;
}

static int
run(struct iobuf_channel *ch, const struct iobuf_opts *opts)
{
	void *small_bufs[SMALL_POOL];
	struct request req = { .buf = NULL };
	uint64_t small_len = opts->small_bufsize;
	uint64_t large_len = opts->large_bufsize;
	void *small, *large;
	int n, i;

	small = iobuf_get(ch, 512, NULL, NULL);
	if (small == NULL)
		return fail("iobuf_get(512)", errno);
	large = iobuf_get(ch, large_len, NULL, NULL);
	if (large == NULL) {
		iobuf_put(ch, small, 512);
		return fail("iobuf_get(large)", errno);
	}
	printf("small buffer %p iova 0x%" PRIx64 "\n", small, iobuf_iova(small));
	printf("large buffer %p iova 0x%" PRIx64 "\n", large, iobuf_iova(large));
	iobuf_put(ch, large, large_len);
	iobuf_put(ch, small, 512);

	n = drain_small(ch, small_len, small_bufs, SMALL_POOL);
	printf("took %d small buffers: the pool is dry\n", n);
	if (n == 0)
		return fail("draining the small pool", errno);

	/* Nothing is free, so this get queues the entry and returns NULL. */
	if (iobuf_get(ch, small_len, &req.entry, request_ready) != NULL ||
	    errno != ENOMEM) {
		fprintf(stderr, "hello: expected the get to wait\n");
		for (i = 0; i < n; i++)
			iobuf_put(ch, small_bufs[i], small_len);
		return EXIT_FAILURE;
	}
	printf("get with an entry: queued, waiting for a buffer\n");

	/* A put on a thread with waiters goes straight to the oldest one. */
	iobuf_put(ch, small_bufs[--n], small_len);
	if (req.buf == NULL) {
		fprintf(stderr, "hello: the put did not serve the waiting entry\n");
		iobuf_entry_abort(ch, &req.entry, small_len);
	} else {
		iobuf_put(ch, req.buf, small_len);
	}

	for (i = 0; i < n; i++)
		iobuf_put(ch, small_bufs[i], small_len);
	return req.buf == NULL ? EXIT_FAILURE : EXIT_SUCCESS;
}

int
main(void)
{
	struct iobuf_channel *ch;
	struct iobuf_opts opts;
	int status, rc;

	iobuf_get_opts(&opts, sizeof(opts));
	opts.small_pool_count = SMALL_POOL;
	opts.large_pool_count = LARGE_POOL;
	rc = iobuf_set_opts(&opts);
	if (rc != 0)
		return fail("iobuf_set_opts", -rc);
	/* Read back the sizes the library settled on (rounded to 4 KiB). */
	iobuf_get_opts(&opts, sizeof(opts));

	rc = iobuf_env_init();
	if (rc != 0)
		return fail("iobuf_env_init", -rc);
	rc = iobuf_initialize();
	if (rc != 0) {
		status = fail("iobuf_initialize", -rc);
		goto env_fini;
	}
	rc = iobuf_register_module("hello");
	if (rc != 0) {
		status = fail("iobuf_register_module", -rc);
		goto finish;
	}
	rc = iobuf_channel_init(&ch, "hello", SMALL_CACHE, LARGE_CACHE);
	if (rc != 0) {
		status = fail("iobuf_channel_init", -rc);
		goto finish;
	}

	status = run(ch, &opts);
	iobuf_dump(stdout);
	iobuf_channel_fini(ch);

finish:
	rc = iobuf_finish();
	if (rc != 0)
		status = fail("iobuf_finish", -rc);
env_fini:
	iobuf_env_fini();
	if (status == EXIT_SUCCESS)
		printf("hello: done\n");
	return status;
}
