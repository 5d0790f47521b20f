/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * A project that builds iobuf as its Meson subproject (see
 * check_subproject.sh): start the embedded environment, get and put one
 * buffer, shut down, and print the version the library reports.
 */

#include <stdio.h>
#include <string.h>

#include <iobuf.h>

int main(void)
{
	struct iobuf_channel *ch = NULL;
	struct iobuf_opts opts;
	char macros[32];
	void *buf;
	int failed = 1;

	iobuf_get_opts(&opts, sizeof(opts));
	opts.small_pool_count = 64;
	opts.large_pool_count = 8;
	if (iobuf_set_opts(&opts) != 0 || iobuf_env_init() != 0)
		return 1;
	if (iobuf_initialize() == 0) {
		if (iobuf_register_module("app") == 0 &&
		    iobuf_channel_init(&ch, "app", 4, 1) == 0) {
			buf = iobuf_get(ch, 4096, NULL, NULL);
			if (buf != NULL) {
				memset(buf, 0, 4096);
				iobuf_put(ch, buf, 4096);
				failed = 0;
			}
			iobuf_channel_fini(ch);
		}
		failed |= iobuf_finish() != 0;
	}
	iobuf_env_fini();

	/* The generated header and the library built from it agree. */
	snprintf(macros, sizeof(macros), "%d.%d.%d", IOBUF_VERSION_MAJOR,
		 IOBUF_VERSION_MINOR, IOBUF_VERSION_PATCH);
	if (strcmp(macros, iobuf_version()) != 0) {
		printf("app: header says %s, library %s\n", macros, iobuf_version());
		failed = 1;
	}
	printf("app on iobuf %s: %s\n", iobuf_version(), failed ? "FAILED" : "ok");
	return failed;
}
