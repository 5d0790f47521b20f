/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * DPDK rte_mempool, used the way a non-EAL application thread uses it: a
 * user cache from rte_mempool_cache_create() and rte_mempool_generic_get()/
 * rte_mempool_generic_put(), or no cache at all (every call is a ring
 * operation). Those are DPDK's inline functions: the loops (loops.h) are
 * compiled here around them, so they expand inside each loop as they do
 * in an application.
 *
 * 4 KiB alignment: a mempool places a header (64 bytes) right before each
 * object, so objects can only be 4 KiB aligned if every element occupies a
 * multiple of 4 KiB. Each element is therefore bufsize + 4 KiB (header,
 * object, padding), RTE_MEMPOOL_F_NO_SPREAD keeps DPDK from adding
 * channel-spreading padding, and the pool is populated from one
 * 4 KiB-aligned memzone starting header_size bytes before a 4 KiB boundary.
 * setup checks every object's alignment.
 */

#include <errno.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_memzone.h>
#include <rte_mempool.h>

#include "bench.h"

struct mp_set {
	const char *ops;
	int users;
	struct rte_mempool *mp[IOBUF_CLASS_COUNT];
	const struct rte_memzone *mz[IOBUF_CLASS_COUNT];
	uintptr_t lo[IOBUF_CLASS_COUNT];
	uintptr_t span[IOBUF_CLASS_COUNT];
};

/* One handle per thread: what the data path needs, in one cache line. */
struct mp_handle {
	struct rte_mempool *mp[IOBUF_CLASS_COUNT];
	struct rte_mempool_cache *cache[IOBUF_CLASS_COUNT];
	uintptr_t small_lo;
	uintptr_t small_span;
} __attribute__((aligned(64)));

/* Default MP/MC ring ops, shared by the cached and uncached columns; and
 * the RTS ring ops for the oversubscribed workload. */
static struct mp_set mp_default = { .ops = "ring_mp_mc" };
static struct mp_set mp_rts = { .ops = "ring_mt_rts" };

static void mp_check_align(struct rte_mempool *mp, void *arg, void *obj,
			   unsigned int idx)
{
	unsigned int *bad = arg;

	(void)mp;
	(void)idx;
	if (((uintptr_t)obj & (BENCH_ALIGN - 1)) != 0)
		(*bad)++;
}

static void mp_set_free(struct mp_set *s)
{
	for (int cls = 0; cls < IOBUF_CLASS_COUNT; cls++) {
		if (s->mp[cls] != NULL)
			rte_mempool_free(s->mp[cls]);
		if (s->mz[cls] != NULL)
			rte_memzone_free(s->mz[cls]);
		s->mp[cls] = NULL;
		s->mz[cls] = NULL;
	}
}

static int mp_class_create(struct mp_set *s, int cls, uint32_t count)
{
	uint32_t bufsize = cls == IOBUF_CLASS_SMALL ? BENCH_SMALL_SIZE : BENCH_LARGE_SIZE;
	const unsigned int flags = RTE_MEMPOOL_F_NO_SPREAD;
	struct rte_mempool_objsz sz;
	struct rte_mempool *mp;
	const struct rte_memzone *mz;
	char name[RTE_MEMPOOL_NAMESIZE];
	uint32_t total, elt, off;
	unsigned int bad = 0;
	int rc;

	rte_mempool_calc_obj_size(bufsize, flags, &sz);
	total = RTE_ALIGN_CEIL(bufsize + sz.header_size + sz.trailer_size, BENCH_ALIGN);
	elt = total - sz.header_size - sz.trailer_size;

	snprintf(name, sizeof(name), "bmp_%s_%d", s->ops, cls);
	mp = rte_mempool_create_empty(name, count, elt, 0, 0, SOCKET_ID_ANY, flags);
	if (mp == NULL) {
		fprintf(stderr, "mempool %s: create_empty: %s\n", name, rte_strerror(rte_errno));
		return -rte_errno;
	}
	s->mp[cls] = mp;
	if (mp->header_size + mp->elt_size + mp->trailer_size != total) {
		fprintf(stderr, "mempool %s: element is %u bytes, wanted %u\n", name,
			mp->header_size + mp->elt_size + mp->trailer_size, total);
		return -EINVAL;
	}
	rc = rte_mempool_set_ops_byname(mp, s->ops, NULL);
	if (rc != 0) {
		fprintf(stderr, "mempool %s: ops %s: %d (is librte_mempool_ring loaded?)\n",
			name, s->ops, rc);
		return rc;
	}
	snprintf(name, sizeof(name), "bmz_%s_%d", s->ops, cls);
	mz = rte_memzone_reserve_aligned(name, (size_t)count * total + BENCH_ALIGN,
					 SOCKET_ID_ANY, RTE_MEMZONE_IOVA_CONTIG, BENCH_ALIGN);
	if (mz == NULL) {
		fprintf(stderr, "mempool %s: %zu bytes: %s; raise -m in IOBUF_EAL_ARGS\n",
			name, (size_t)count * total + BENCH_ALIGN, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	s->mz[cls] = mz;
	off = BENCH_ALIGN - mp->header_size;
	rc = rte_mempool_populate_iova(mp, (char *)mz->addr + off, mz->iova + off,
				       (size_t)count * total, NULL, NULL);
	if (rc != (int)count) {
		fprintf(stderr, "mempool %s: populated %d of %u\n", name, rc, count);
		return rc < 0 ? rc : -ENOMEM;
	}
	rte_mempool_obj_iter(mp, mp_check_align, &bad);
	if (bad != 0) {
		fprintf(stderr, "mempool %s: %u objects not 4 KiB aligned\n", name, bad);
		return -EINVAL;
	}
	s->lo[cls] = (uintptr_t)mz->addr;
	s->span[cls] = mz->len;
	return 0;
}

static int mp_set_setup(struct mp_set *s, const struct bench_pools *pools)
{
	int rc = 0;

	if (s->users++ > 0)
		return 0;
	for (int cls = 0; cls < IOBUF_CLASS_COUNT && rc == 0; cls++)
		rc = mp_class_create(s, cls, pools->count[cls]);
	if (rc != 0) {
		mp_set_free(s);
		s->users = 0;
	}
	return rc;
}

static uint64_t mp_set_teardown(struct mp_set *s)
{
	uint64_t missing = 0;

	if (--s->users > 0)
		return 0;
	for (int cls = 0; cls < IOBUF_CLASS_COUNT; cls++) {
		unsigned int lost = s->mp[cls]->size - rte_mempool_avail_count(s->mp[cls]);

		if (lost != 0)
			fprintf(stderr, "mempool %s: %u of %u buffers missing\n",
				s->mp[cls]->name, lost, s->mp[cls]->size);
		missing += lost;
	}
	mp_set_free(s);
	return missing;
}

static struct iobuf_channel *mp_open_set(const struct mp_set *s, uint32_t cache)
{
	struct mp_handle *m;

	m = aligned_alloc(64, sizeof(*m));
	if (m == NULL)
		return NULL;
	*m = (struct mp_handle){
		.small_lo = s->lo[IOBUF_CLASS_SMALL],
		.small_span = s->span[IOBUF_CLASS_SMALL],
	};
	for (int cls = 0; cls < IOBUF_CLASS_COUNT; cls++) {
		m->mp[cls] = s->mp[cls];
		if (cache == 0)
			continue;
		m->cache[cls] = rte_mempool_cache_create(cache, SOCKET_ID_ANY);
		if (m->cache[cls] == NULL) {
			if (cls > 0)
				rte_mempool_cache_free(m->cache[0]);
			free(m);
			return NULL;
		}
	}
	return (struct iobuf_channel *)(void *)m;
}

static void mp_close(struct iobuf_channel *h)
{
	struct mp_handle *m = (struct mp_handle *)(void *)h;

	for (int cls = 0; cls < IOBUF_CLASS_COUNT; cls++) {
		if (m->cache[cls] == NULL)
			continue;
		rte_mempool_cache_flush(m->cache[cls], m->mp[cls]);
		rte_mempool_cache_free(m->cache[cls]);
	}
	free(m);
}

static inline void *mp_get(struct iobuf_channel *h, uint64_t len,
			   struct iobuf_entry *entry, iobuf_get_cb cb)
{
	struct mp_handle *m = (struct mp_handle *)(void *)h;
	unsigned int cls = len > BENCH_SMALL_SIZE;
	void *obj;

	(void)entry;
	(void)cb;
	if (rte_mempool_generic_get(m->mp[cls], &obj, 1, m->cache[cls]) != 0)
		return NULL;
	return obj;
}

static inline void mp_put(struct iobuf_channel *h, void *buf, uint64_t len)
{
	struct mp_handle *m = (struct mp_handle *)(void *)h;
	unsigned int cls = len > BENCH_SMALL_SIZE;

	rte_mempool_generic_put(m->mp[cls], &buf, 1, m->cache[cls]);
}

static inline int mp_get_bulk(struct iobuf_channel *h, uint64_t len,
			      void **bufs, uint32_t n)
{
	struct mp_handle *m = (struct mp_handle *)(void *)h;
	unsigned int cls = len > BENCH_SMALL_SIZE;

	return rte_mempool_generic_get(m->mp[cls], bufs, n, m->cache[cls]);
}

/* Like iobuf_put_bulk, the class comes from the address, not from a length. */
static inline int mp_put_bulk(struct iobuf_channel *h, void *const *bufs,
			      uint32_t n)
{
	struct mp_handle *m = (struct mp_handle *)(void *)h;
	unsigned int cls = (uintptr_t)bufs[0] - m->small_lo >= m->small_span;

	rte_mempool_generic_put(m->mp[cls], bufs, n, m->cache[cls]);
	return 0;
}

#define LOOP_NAME(x) mp_loop_##x
#define LOOP_GET mp_get
#define LOOP_PUT mp_put
#define LOOP_GET_BULK mp_get_bulk
#define LOOP_PUT_BULK mp_put_bulk
#include "loops.h"

static int mp_default_setup(const struct bench_pools *pools)
{
	return mp_set_setup(&mp_default, pools);
}

static uint64_t mp_default_teardown(void)
{
	return mp_set_teardown(&mp_default);
}

static int mp_rts_setup(const struct bench_pools *pools)
{
	return mp_set_setup(&mp_rts, pools);
}

static uint64_t mp_rts_teardown(void)
{
	return mp_set_teardown(&mp_rts);
}

static struct iobuf_channel *mp_open_cached(uint32_t cache)
{
	return mp_open_set(&mp_default, cache);
}

static struct iobuf_channel *mp_open_nocache(uint32_t cache)
{
	(void)cache;
	return mp_open_set(&mp_default, 0);
}

static struct iobuf_channel *mp_open_rts(uint32_t cache)
{
	return mp_open_set(&mp_rts, cache);
}

const struct contender bench_mempool_cached = {
	.name = "mempool+cache",
	.setup = mp_default_setup,
	.teardown = mp_default_teardown,
	.open = mp_open_cached,
	.close = mp_close,
	.get = mp_get,
	.put = mp_put,
	.loops = &mp_loop_loops,
};

const struct contender bench_mempool_nocache = {
	.name = "mempool",
	.setup = mp_default_setup,
	.teardown = mp_default_teardown,
	.open = mp_open_nocache,
	.close = mp_close,
	.get = mp_get,
	.put = mp_put,
	.loops = &mp_loop_loops,
};

const struct contender bench_mempool_rts_cached = {
	.name = "mempool+cache rts",
	.setup = mp_rts_setup,
	.teardown = mp_rts_teardown,
	.open = mp_open_rts,
	.close = mp_close,
	.get = mp_get,
	.put = mp_put,
	.loops = &mp_loop_loops,
};
