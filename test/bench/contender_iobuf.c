/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * iobuf as a user links it: the shared library, through its public header.
 * The loops below are written with iobuf_get, iobuf_put and
 * iobuf_get_bulk, so their inline definitions from iobuf.h expand inside
 * each loop and only a miss calls into libiobuf.so; iobuf_put_bulk is a
 * call into it.
 */

#include <errno.h>

#include "bench.h"

/* One module: a thread may hold several channels of it, one per row. */
#define BENCH_MODULE "bench"

static uint32_t large_cache_max;

static int iob_setup(const struct bench_pools *pools)
{
	int rc;

	rc = iobuf_initialize();
	if (rc != 0)
		return rc;
	rc = iobuf_register_module(BENCH_MODULE);
	if (rc != 0) {
		iobuf_finish();
		return rc;
	}
	/* Workloads use the small class with up to 256 cached; a tiny large
	 * pool (oversubscribed mode) must still pre-fill its caches. */
	large_cache_max = pools->count[IOBUF_CLASS_LARGE] / 8;
	return 0;
}

static uint64_t iob_teardown(void)
{
	struct iobuf_stats st;
	uint64_t missing = 0;
	int rc;

	/* Every channel is closed: each buffer is in the ring or lost. */
	iobuf_get_stats(&st, sizeof(st), NULL, 0, 0);
	for (int cls = 0; cls < IOBUF_CLASS_COUNT; cls++)
		missing += st.pool[cls].total - st.pool[cls].free - st.pool[cls].cached;
	rc = iobuf_unregister_module(BENCH_MODULE);
	if (rc != 0)
		fprintf(stderr, "iobuf: unregister_module %s: %d\n",
			BENCH_MODULE, rc);
	rc = iobuf_finish();
	if (rc != 0) {
		fprintf(stderr, "iobuf: finish: %d (buffers still out)\n", rc);
		iobuf_dump(stderr);
	}
	return missing;
}

static struct iobuf_channel *iob_open(uint32_t cache)
{
	struct iobuf_channel *ch = NULL;
	uint32_t large = cache < large_cache_max ? cache : large_cache_max;
	int rc = iobuf_channel_init(&ch, BENCH_MODULE, cache, large);

	if (rc != 0) {
		errno = -rc;
		return NULL;
	}
	return ch;
}

#define LOOP_NAME(x) iob_loop_##x
#define LOOP_GET iobuf_get
#define LOOP_PUT iobuf_put
#define LOOP_GET_BULK iobuf_get_bulk
#define LOOP_PUT_BULK iobuf_put_bulk
#define LOOP_WAITER
#include "loops.h"

const struct contender bench_iobuf = {
	.name = "iobuf",
	.setup = iob_setup,
	.teardown = iob_teardown,
	.open = iob_open,
	.close = iobuf_channel_fini,
	.get = iobuf_get,
	.put = iobuf_put,
	.loops = &iob_loop_loops,
};
