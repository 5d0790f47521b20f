/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * The process that check_telemetry.py asks through DPDK's telemetry
 * client. It starts the embedded environment (IOBUF_TELEMETRY comes from
 * the driver), makes the numbers non-trivial (two modules with channels,
 * buffers out, a module that returned more than it took, an entry
 * waiting), and prints one JSON line per step on stdout:
 *
 *   {"event": "env", "runtime_dir": "..."}
 *   {"event": "uninitialized", "stats": {...}, "modules": [...]}
 *   {"event": "busy", "stats": {...}, "modules": [...]}
 *   {"event": "finished", "stats": {...}, "modules": [...]}
 *
 * "stats" and "modules" are its own iobuf_get_stats(), in the shape of the
 * telemetry replies. After each stats line it waits, quiescent, for a
 * line on stdin: "initialize" creates the pools and takes buffers,
 * "finish" returns everything and calls iobuf_finish(), "exit" stops the
 * environment. End of input, or any failure, ends the process with a
 * non-zero status, so a driver that dies leaves nothing behind.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_log.h>

#include <iobuf.h>

#define SMALL_COUNT 64
#define LARGE_COUNT 8
#define SMALL_SIZE 4096
#define LARGE_SIZE 8192
#define MAX_MODULES 8

static void
fail(const char *what, int rc)
{
	fprintf(stderr, "telemetry_app: %s failed: %d (%s)\n", what, rc,
		strerror(rc < 0 ? -rc : rc));
	exit(1);
}

static void
never_called(struct iobuf_entry *entry, void *buf)
{
	(void)entry;
	(void)buf;
	fprintf(stderr, "telemetry_app: the waiting entry was served\n");
	exit(1);
}

static void
print_stats(const char *event)
{
	static const char *const cls[IOBUF_CLASS_COUNT] = { "small", "large" };
	struct iobuf_module_stats ms[MAX_MODULES];
	struct iobuf_stats st;
	int n = iobuf_get_stats(&st, sizeof(st), ms, sizeof(ms[0]),
				MAX_MODULES);

	if (n < 0 || n > MAX_MODULES)
		fail("iobuf_get_stats", n);
	printf("{\"event\": \"%s\", \"stats\": {", event);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		const struct iobuf_pool_stats *p = &st.pool[c];

		printf("%s\"%s\": {\"bufsize\": %" PRIu64 ", \"total\": %" PRIu64
		       ", \"free\": %" PRIu64 ", \"cached\": %" PRIu64
		       ", \"out\": %" PRId64 ", \"waiting\": %" PRIu64
		       ", \"reserve_free\": %" PRIu64 ", \"gathered\": %" PRIu64
		       "}", c ? ", " : "", cls[c], p->bufsize, p->total,
		       p->free, p->cached, p->out, p->waiting,
		       st.reserve_free[c], st.gathered[c]);
	}
	printf("}, \"modules\": [");
	for (int i = 0; i < n; i++) {
		printf("%s{\"name\": \"%s\", \"channels\": %u, \"priority\": %u",
		       i ? ", " : "", ms[i].name, ms[i].channels,
		       ms[i].priority);
		for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
			const struct iobuf_class_stats *k = &ms[i].cls[c];

			printf(", \"%s\": {\"cache\": %" PRIu64 ", \"main\": %"
			       PRIu64 ", \"retry\": %" PRIu64 ", \"out\": %"
			       PRId64 ", \"waiting\": %" PRIu64 ", \"gathered\": %"
			       PRIu64 ", \"reserve\": %" PRIu64 ", \"reserve_used\": %"
			       PRIu64 ", \"limit\": %" PRIu64 ", \"limit_waits\": %"
			       PRIu64 "}", cls[c], k->cache, k->main, k->retry,
			       k->out, k->waiting, ms[i].gathered[c],
			       ms[i].reserve[c], ms[i].reserve_used[c],
			       ms[i].limit[c], ms[i].limit_waits[c]);
		}
		printf("}");
	}
	printf("]}\n");
	fflush(stdout);
}

/* Wait for the driver's next word; anything else ends the process. */
static void
expect(const char *word)
{
	char line[64];

	if (fgets(line, sizeof(line), stdin) == NULL) {
		fprintf(stderr, "telemetry_app: input ended before '%s'\n", word);
		exit(1);
	}
	line[strcspn(line, "\n")] = '\0';
	if (strcmp(line, word) != 0) {
		fprintf(stderr, "telemetry_app: got '%s', expected '%s'\n", line,
			word);
		exit(1);
	}
}

int
main(void)
{
	struct iobuf_channel *bdev, *nvmf;
	struct iobuf_entry entry;
	void *small[4], *large[LARGE_COUNT], *extra;
	struct iobuf_opts opts;
	int rc;

	/* stdout carries the protocol; DPDK logs to stdout by default. */
	rte_openlog_stream(stderr);

	iobuf_get_opts(&opts, sizeof(opts));
	opts.small_pool_count = SMALL_COUNT;
	opts.large_pool_count = LARGE_COUNT;
	opts.small_bufsize = SMALL_SIZE;
	opts.large_bufsize = LARGE_SIZE;
	rc = iobuf_set_opts(&opts);
	if (rc != 0)
		fail("iobuf_set_opts", rc);
	rc = iobuf_env_init();
	if (rc != 0) {
		printf("{\"event\": \"env_error\", \"rc\": %d}\n", rc);
		return 2;
	}
	printf("{\"event\": \"env\", \"runtime_dir\": \"%s\"}\n",
	       rte_eal_get_runtime_dir());

	/* Modules may register before the pools exist. */
	/* nvmf with a priority, a reserve and a limit, so those read non-zero. */
	const struct iobuf_module_opts nvmf_opts = {
		.opts_size = sizeof(nvmf_opts),
		.priority = IOBUF_PRIORITY_HIGH,
		.reserve = { 2, 0 },
		.limit = { 40, 0 },
	};

	if ((rc = iobuf_register_module("bdev")) != 0 ||
	    (rc = iobuf_register_module_ext("nvmf", &nvmf_opts)) != 0)
		fail("iobuf_register_module", rc);
	print_stats("uninitialized");

	expect("initialize");
	rc = iobuf_initialize();
	if (rc != 0)
		fail("iobuf_initialize", rc);
	rc = iobuf_register_module("idle");
	if (rc != 0)
		fail("iobuf_register_module", rc);
	if ((rc = iobuf_channel_init(&bdev, "bdev", 8, 2)) != 0 ||
	    (rc = iobuf_channel_init(&nvmf, "nvmf", 4, 0)) != 0)
		fail("iobuf_channel_init", rc);

	for (int i = 0; i < 4; i++)
		if ((small[i] = iobuf_get(bdev, SMALL_SIZE, NULL, NULL)) == NULL)
			fail("small iobuf_get", -errno);
	/* nvmf returns one of bdev's buffers: its out goes below zero. */
	if ((extra = iobuf_get(nvmf, SMALL_SIZE, NULL, NULL)) == NULL)
		fail("small iobuf_get through nvmf", -errno);
	iobuf_put(nvmf, extra, SMALL_SIZE);
	iobuf_put(nvmf, small[3], SMALL_SIZE);
	for (int i = 0; i < LARGE_COUNT; i++)
		if ((large[i] = iobuf_get(bdev, LARGE_SIZE, NULL, NULL)) == NULL)
			fail("large iobuf_get", -errno);
	if (iobuf_get(bdev, LARGE_SIZE, &entry, never_called) != NULL ||
	    errno != ENOMEM)
		fail("queueing an entry", -errno);
	print_stats("busy");

	expect("finish");
	iobuf_entry_abort(bdev, &entry, LARGE_SIZE);
	for (int i = 0; i < LARGE_COUNT; i++)
		iobuf_put(bdev, large[i], LARGE_SIZE);
	for (int i = 0; i < 3; i++)
		iobuf_put(bdev, small[i], SMALL_SIZE);
	iobuf_channel_fini(bdev);
	iobuf_channel_fini(nvmf);
	rc = iobuf_finish();
	if (rc != 0)
		fail("iobuf_finish", rc);
	print_stats("finished");

	expect("exit");
	iobuf_env_fini();
	return 0;
}
