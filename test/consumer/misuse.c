/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * A consumer built against the installed iobuf.h, whose inline get, put
 * and bulk get misuse a channel: check_debug_consumer.sh runs it against a library
 * built with -Ddebug_checks=true, which must abort at the misuse although
 * the calls are inline in this program.
 *
 * usage: misuse double-put | interior | other-thread | bulk-other-thread
 */

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <iobuf.h>

static struct iobuf_channel *ch;
static void *buf;

static void *
use_from_another_thread(void *arg)
{
	(void)arg;
	iobuf_put(ch, buf, 4096);
	return NULL;
}

static void *
get_bulk_from_another_thread(void *arg)
{
	void *bufs[2];

	(void)arg;
	return iobuf_get_bulk(ch, 8192, bufs, 2) == 0 ? bufs[0] : NULL;
}

int
main(int argc, char **argv)
{
	struct iobuf_opts opts;
	pthread_t t;

	if (argc != 2)
		return 2;
	iobuf_get_opts(&opts, sizeof(opts));
	opts.small_pool_count = 64;
	opts.large_pool_count = 8;
	opts.small_bufsize = 8192;
	opts.large_bufsize = 16384;
	if (iobuf_set_opts(&opts) != 0 || iobuf_env_init() != 0 ||
	    iobuf_initialize() != 0 || iobuf_register_module("misuse") != 0 ||
	    iobuf_channel_init(&ch, "misuse", 8, 2) != 0)
		return 3;
	buf = iobuf_get(ch, 8192, NULL, NULL);
	if (buf == NULL)
		return 3;
	printf("misuse: %s of %p\n", argv[1], buf);
	fflush(stdout);
	if (strcmp(argv[1], "double-put") == 0) {
		iobuf_put(ch, buf, 8192);
		iobuf_put(ch, buf, 8192);
	} else if (strcmp(argv[1], "interior") == 0) {
		/* refused and logged, not an abort: then a clean shutdown */
		iobuf_put(ch, (char *)buf + 4096, 8192);
		iobuf_put(ch, buf, 8192);
		iobuf_channel_fini(ch);
		return iobuf_finish() == 0 ? 0 : 4;
	} else if (strcmp(argv[1], "other-thread") == 0) {
		pthread_create(&t, NULL, use_from_another_thread, NULL);
		pthread_join(t, NULL);
	} else if (strcmp(argv[1], "bulk-other-thread") == 0) {
		pthread_create(&t, NULL, get_bulk_from_another_thread, NULL);
		pthread_join(t, NULL);
	} else {
		return 2;
	}
	printf("misuse: no abort\n");
	return 1;
}
