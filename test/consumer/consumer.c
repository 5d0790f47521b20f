/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * A one-function program built against the installed iobuf.pc, as a user
 * would: it sees only <iobuf.h> and what pkg-config says.
 */

#include <stdio.h>
#include <string.h>

#include <iobuf.h>

#if !IOBUF_CHECK_VERSION(0, 1)
#error "built against an iobuf.h older than 0.1"
#endif

int main(void)
{
	struct iobuf_opts opts;
	struct iobuf_channel *ch = NULL;
	struct iobuf_stats st;
	char macros[32];
	void *buf, *bufs[2];
	int failed = 1;

	iobuf_get_opts(&opts, sizeof(opts));
	opts.small_pool_count = 64;
	opts.large_pool_count = 8;
	opts.small_bufsize = 4096;
	opts.large_bufsize = 8192;
	if (iobuf_set_opts(&opts) != 0 || iobuf_env_init() != 0 ||
	    iobuf_initialize() != 0)
		return 1;
	if (iobuf_register_module("consumer") == 0 &&
	    iobuf_channel_init(&ch, "consumer", 4, 1) == 0) {
		buf = iobuf_get(ch, 4096, NULL, NULL);
		if (buf != NULL) {
			memset(buf, 0, 4096);
			iobuf_put(ch, buf, 4096);
			failed = iobuf_get_bulk(ch, 4096, bufs, 2) != 0 ||
				 iobuf_put_bulk(ch, bufs, 2) != 0;
			failed |= iobuf_get_stats(&st, sizeof(st), NULL, 0, 0) != 1 ||
				  st.pool[IOBUF_CLASS_SMALL].total != 64;
		}
		iobuf_channel_fini(ch);
	}
	failed |= iobuf_finish() != 0;
	iobuf_env_fini();

	/* The installed header and the installed library name one version. */
	snprintf(macros, sizeof(macros), "%d.%d.%d", IOBUF_VERSION_MAJOR,
		 IOBUF_VERSION_MINOR, IOBUF_VERSION_PATCH);
	if (strcmp(macros, iobuf_version()) != 0) {
		printf("consumer (C): header says %s, library %s\n", macros,
		       iobuf_version());
		failed = 1;
	}
	printf("consumer (C) on iobuf %s: %s\n", iobuf_version(),
	       failed ? "FAILED" : "ok");
	return failed;
}
