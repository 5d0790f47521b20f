/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * uring_copy: copy a file through iobuf buffers with O_DIRECT and io_uring.
 *
 * The pools' region (iobuf_get_region) is registered once as io_uring fixed
 * buffers, so each read and write is an IORING_OP_READ_FIXED or
 * IORING_OP_WRITE_FIXED straight between the disk and a pool buffer, with
 * no page pinning per I/O. The file is cut into chunks: a chunk of
 * large_bufsize bytes goes through one large buffer; the tail, and the
 * share of the file that -m names, go through small buffers. -q requests
 * are in flight at once. Each gets its buffer with iobuf_get() and its own
 * struct iobuf_entry, so when the pools hold fewer buffers than that (-s,
 * -l) a request waits in the library's queue, and a completed write's
 * iobuf_put() hands its buffer to the oldest request waiting for that
 * class, whose callback starts its read.
 *
 * At the end it checks that every buffer came back (iobuf_get_stats, then
 * iobuf_finish) and compares the two files byte for byte.
 *
 * O_DIRECT moves whole blocks: when the size is not a multiple of 4096,
 * the last block is read and written whole (zero-padded), and the copy is
 * then truncated to the source's size.
 *
 * Exit status: 0 copied and verified; 1 failed; 2 bad usage;
 * 3 a file's filesystem refuses O_DIRECT; 4 io_uring is not available.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include <iobuf.h>

#define EXIT_USAGE 2
#define EXIT_NO_DIRECT 3
#define EXIT_NO_URING 4

#define BLOCK 4096u
#define MAX_DEPTH 4096u
/* io_uring_register_buffers() takes at most this much per iovec. */
#define IOV_MAX_BYTES (1ull << 30)
#define NS_PER_SEC 1000000000ull

enum req_state { IDLE, WAITING, READING, WRITING };

struct request {
	struct iobuf_entry entry;
	enum req_state state;
	uint64_t off;
	uint32_t len;      /* bytes of the file */
	uint32_t io_len;   /* len rounded up to whole blocks */
	void *buf;
};

static struct {
	/* options */
	unsigned int depth;
	unsigned int small_pct;
	struct iobuf_opts opts;
	const char *src_path;
	const char *dst_path;

	int src, dst;
	uint64_t size;
	struct io_uring ring;
	struct iobuf_channel *ch;
	struct iobuf_region region;
	/* fixed-buffer index of each class's first buffer, and iovec bytes */
	unsigned int index_base[IOBUF_CLASS_COUNT];
	uint64_t iov_bytes[IOBUF_CLASS_COUNT];
	struct request *reqs;

	/* the chunk cursor: next offset; small chunks run up to small_until */
	uint64_t next;
	uint64_t small_until;
	uint64_t slot;

	unsigned int in_flight, peak_in_flight, waiting;
	uint64_t ios[IOBUF_CLASS_COUNT];
	uint64_t waited;
	uint64_t copied;
	bool failed;
} g = {
	.depth = 32,
	.src = -1,
	.dst = -1,
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static void
fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Stop starting chunks; what is in flight completes and is put back. */
static void
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "uring_copy: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	g.failed = true;
}

/* ---- chunks -------------------------------------------------------------- */

/* Spread -m's share evenly: slot k goes small when the percentage steps. */
static bool
slot_goes_small(uint64_t k)
{
	return (k + 1) * g.small_pct / 100 != k * g.small_pct / 100;
}

/*
 * The next chunk of the file: one large buffer for a whole large_bufsize
 * slot, else small buffers up to the end of the slot (or of the file).
 */
static bool
next_chunk(struct request *r)
{
	const uint64_t large = g.opts.large_bufsize;
	uint64_t rest = g.size - g.next;

	if (rest == 0 || g.failed)
		return false;
	r->off = g.next;
	if (g.next == g.small_until) {
		if (rest >= large && !slot_goes_small(g.slot++)) {
			r->len = (uint32_t)large;
			g.next += large;
			g.small_until = g.next;
			return true;
		}
		g.small_until = g.next + min_u64(large, rest);
	}
	r->len = (uint32_t)min_u64(g.opts.small_bufsize, g.small_until - g.next);
	g.next += r->len;
	return true;
}

/* ---- I/O ------------------------------------------------------------------ */

/* The fixed buffer holding buf: see iobuf_get_region() in iobuf.h. */
static int
fixed_index(const void *buf, int *cls)
{
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		const struct iobuf_region_class *k = &g.region.cls[c];
		uintptr_t off = (uintptr_t)buf - (uintptr_t)k->first;

		if (off < k->count * k->bufsize) {
			*cls = c;
			return (int)(g.index_base[c] + off / g.iov_bytes[c]);
		}
	}
	return -1;
}

static bool
submit(struct request *r, enum req_state state)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&g.ring);
	int cls, index = fixed_index(r->buf, &cls);

	/* The ring has a slot per request, and a request has one I/O at most. */
	if (sqe == NULL || index < 0) {
		fail("internal error: %s for the %s at offset %" PRIu64,
		     sqe == NULL ? "no free submission slot" :
		     "a buffer outside the registered region",
		     state == READING ? "read" : "write", r->off);
		return false;
	}
	if (state == READING) {
		io_uring_prep_read_fixed(sqe, g.src, r->buf, r->io_len, r->off,
					 index);
		g.ios[cls]++;
	} else {
		io_uring_prep_write_fixed(sqe, g.dst, r->buf, r->io_len, r->off,
					  index);
	}
	io_uring_sqe_set_data(sqe, r);
	r->state = state;
	if (++g.in_flight > g.peak_in_flight)
		g.peak_in_flight = g.in_flight;
	return true;
}

static void
start_read(struct request *r, void *buf)
{
	r->buf = buf;
	if (g.failed || !submit(r, READING))
		r->state = IDLE;	/* buf is put back after the loop */
}

/* Runs inside an iobuf_put() (or iobuf_thread_poll()) on this thread. */
static void
buffer_ready(struct iobuf_entry *entry, void *buf)
{
	struct request *r = (struct request *)(void *)((char *)entry -
		offsetof(struct request, entry));

	g.waiting--;
	start_read(r, buf);
}

/* Give r the next chunk, and a buffer for it now or when one comes back. */
static void
start_next(struct request *r)
{
	void *buf;

	r->state = IDLE;
	if (!next_chunk(r))
		return;
	r->io_len = (r->len + BLOCK - 1) / BLOCK * BLOCK;
	buf = iobuf_get(g.ch, r->io_len, &r->entry, buffer_ready);
	if (buf != NULL) {
		start_read(r, buf);
	} else if (errno == ENOMEM) {
		r->state = WAITING;
		g.waiting++;
		g.waited++;
	} else {
		fail("iobuf_get(%" PRIu32 ") failed: %s", r->io_len,
		     strerror(errno));
	}
}

static void
complete(struct request *r, int res)
{
	const char *what = r->state == READING ? "read of" : "write to";
	const char *path = r->state == READING ? g.src_path : g.dst_path;
	/* the last block reads short, at the end of the file */
	uint32_t expect = r->state == READING ? r->len : r->io_len;

	g.in_flight--;
	if (res < 0)
		fail("%s %s at offset %" PRIu64 " failed: %s", what, path,
		     r->off, strerror(-res));
	else if ((uint32_t)res != expect)
		fail("%s %s at offset %" PRIu64 " moved %d of %" PRIu32
		     " bytes; did the file change during the copy?", what, path,
		     r->off, res, expect);
	if (g.failed) {
		r->state = IDLE;
		return;
	}
	if (r->state == READING) {
		memset((char *)r->buf + r->len, 0, r->io_len - r->len);
		if (!submit(r, WRITING))
			r->state = IDLE;
		return;
	}
	g.copied += r->len;
	iobuf_put(g.ch, r->buf, r->io_len);
	r->buf = NULL;
	start_next(r);
}

static void
copy_loop(void)
{
	for (unsigned int i = 0; i < g.depth; i++)
		start_next(&g.reqs[i]);

	while (g.in_flight > 0) {
		struct io_uring_cqe *cqe;
		unsigned int head, seen = 0;
		int rc = io_uring_submit_and_wait(&g.ring, 1);

		if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
			/* nothing more can complete: the kernel has stopped */
			fail("io_uring_submit_and_wait failed: %s; %u I/Os "
			     "are lost in flight", strerror(-rc), g.in_flight);
			exit(EXIT_FAILURE);
		}
		io_uring_for_each_cqe(&g.ring, head, cqe) {
			complete(io_uring_cqe_get_data(cqe), cqe->res);
			seen++;
		}
		io_uring_cq_advance(&g.ring, seen);
		/* buffers put on other threads reach waiters through it */
		iobuf_thread_poll();
	}
	if (g.waiting > 0 && !g.failed)
		fail("internal error: %u requests wait for a buffer while no "
		     "I/O is in flight", g.waiting);
	for (unsigned int i = 0; i < g.depth; i++) {
		struct request *r = &g.reqs[i];

		if (r->state == WAITING)
			iobuf_entry_abort(g.ch, &r->entry, r->io_len);
		else if (r->buf != NULL)
			iobuf_put(g.ch, r->buf, r->io_len);
		r->buf = NULL;
		r->state = IDLE;
	}
}

/* ---- set-up ---------------------------------------------------------------- */

/* Register the region as fixed buffers: per class, iovecs of whole buffers. */
static int
register_region(void)
{
	unsigned int n = 0, total = 0;
	struct iovec *iov;
	struct rlimit rl;
	int rc;

	rc = iobuf_get_region(&g.region, sizeof(g.region));
	if (rc != 0) {
		fprintf(stderr, "uring_copy: iobuf_get_region failed: %s\n",
			strerror(-rc));
		return rc;
	}
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		const struct iobuf_region_class *k = &g.region.cls[c];
		uint64_t per = IOV_MAX_BYTES / k->bufsize;

		g.iov_bytes[c] = per * k->bufsize;
		g.index_base[c] = total;
		total += (unsigned int)((k->count + per - 1) / per);
	}
	iov = calloc(total, sizeof(*iov));
	if (iov == NULL) {
		fprintf(stderr, "uring_copy: out of memory\n");
		return -ENOMEM;
	}
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		const struct iobuf_region_class *k = &g.region.cls[c];
		uint64_t bytes = k->count * k->bufsize;

		for (uint64_t off = 0; off < bytes; off += g.iov_bytes[c]) {
			iov[n].iov_base = (char *)k->first + off;
			iov[n].iov_len = min_u64(g.iov_bytes[c], bytes - off);
			n++;
		}
	}
	rc = io_uring_register_buffers(&g.ring, iov, n);
	free(iov);
	if (rc == -ENOMEM && getrlimit(RLIMIT_MEMLOCK, &rl) == 0)
		fprintf(stderr, "uring_copy: cannot register the %" PRIu64
			" KiB of pool buffers with io_uring: %s. Pinned memory "
			"counts against RLIMIT_MEMLOCK (now %llu KiB) unless "
			"the process has CAP_IPC_LOCK: raise it (ulimit -l) or "
			"shrink the pools (-s, -l)\n", g.region.len >> 10,
			strerror(-rc), (unsigned long long)rl.rlim_cur >> 10);
	else if (rc != 0)
		fprintf(stderr, "uring_copy: io_uring_register_buffers of %u "
			"iovecs (%" PRIu64 " KiB) failed: %s\n", n,
			g.region.len >> 10, strerror(-rc));
	return rc;
}

static int
open_direct(const char *path, int flags, mode_t mode)
{
	int fd = open(path, flags | O_DIRECT, mode);

	if (fd < 0 && errno == EINVAL) {
		fprintf(stderr, "uring_copy: %s: the filesystem refuses O_DIRECT "
			"(open: %s); put the files on one that supports it "
			"(ext4, xfs, btrfs; tmpfs may not)\n", path,
			strerror(errno));
		exit(EXIT_NO_DIRECT);
	}
	if (fd < 0)
		fprintf(stderr, "uring_copy: cannot open %s: %s\n", path,
			strerror(errno));
	return fd;
}

static int
open_files(void)
{
	struct stat s, d;

	g.src = open_direct(g.src_path, O_RDONLY, 0);
	if (g.src < 0)
		return -1;
	if (fstat(g.src, &s) != 0 || !S_ISREG(s.st_mode)) {
		fprintf(stderr, "uring_copy: %s is not a regular file\n",
			g.src_path);
		return -1;
	}
	if (stat(g.dst_path, &d) == 0 && d.st_dev == s.st_dev &&
	    d.st_ino == s.st_ino) {
		fprintf(stderr, "uring_copy: %s and %s are the same file\n",
			g.src_path, g.dst_path);
		return -1;
	}
	g.size = (uint64_t)s.st_size;
	g.dst = open_direct(g.dst_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	return g.dst < 0 ? -1 : 0;
}

static int
setup_uring(void)
{
	int rc = io_uring_queue_init(g.depth, &g.ring, 0);

	if (rc == -ENOSYS || rc == -EPERM || rc == -EACCES) {
		fprintf(stderr, "uring_copy: io_uring is not available here "
			"(io_uring_queue_init: %s): the kernel lacks it, the "
			"sysctl kernel.io_uring_disabled forbids it, or a "
			"container's seccomp profile blocks it\n", strerror(-rc));
		exit(EXIT_NO_URING);
	}
	if (rc != 0)
		fprintf(stderr, "uring_copy: io_uring_queue_init(%u) failed: "
			"%s\n", g.depth, strerror(-rc));
	return rc;
}

/* ---- checks ---------------------------------------------------------------- */

/* Every buffer is back in its pool's ring. */
static bool
all_buffers_back(void)
{
	struct iobuf_stats st;
	bool ok = true;
	int rc = iobuf_get_stats(&st, sizeof(st), NULL, 0, 0);

	if (rc < 0) {
		fprintf(stderr, "uring_copy: iobuf_get_stats failed: %s\n",
			strerror(-rc));
		return false;
	}
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		if (st.pool[c].free != st.pool[c].total) {
			fprintf(stderr, "uring_copy: %s pool: %" PRIu64 " of %"
				PRIu64 " buffers are back\n", c == 0 ? "small" :
				"large", st.pool[c].free, st.pool[c].total);
			ok = false;
		}
	return ok;
}

/* Read both files back through the page cache and compare them. */
static bool
verify(void)
{
	enum { CHUNK = 1 << 20 };
	int a = open(g.src_path, O_RDONLY), b = open(g.dst_path, O_RDONLY);
	char *x = malloc(CHUNK), *y = malloc(CHUNK);
	uint64_t off = 0;
	bool ok = false;

	if (a < 0 || b < 0 || x == NULL || y == NULL) {
		fprintf(stderr, "uring_copy: cannot read the files back: %s\n",
			strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t n = read(a, x, CHUNK), m = read(b, y, CHUNK);

		if (n < 0 || m < 0) {
			fprintf(stderr, "uring_copy: reading back at offset %"
				PRIu64 " failed: %s\n", off, strerror(errno));
			goto out;
		}
		if (n != m) {
			fprintf(stderr, "uring_copy: MISMATCH: %s ends at %" PRIu64
				" bytes\n", n < m ? g.src_path : g.dst_path,
				off + (uint64_t)(n < m ? n : m));
			goto out;
		}
		if (n == 0)
			break;
		if (memcmp(x, y, (size_t)n) != 0) {
			ssize_t i = 0;

			while (x[i] == y[i])
				i++;
			fprintf(stderr, "uring_copy: MISMATCH at offset %" PRIu64
				"\n", off + (uint64_t)i);
			goto out;
		}
		off += (uint64_t)n;
	}
	ok = off == g.size;
	if (!ok)
		fprintf(stderr, "uring_copy: %s has %" PRIu64 " bytes, not %"
			PRIu64 "\n", g.src_path, off, g.size);
out:
	free(x);
	free(y);
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	return ok;
}

/* ---- main ------------------------------------------------------------------ */

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [options] SRC DST\n"
		"Copy SRC to DST with O_DIRECT and io_uring fixed buffers from "
		"iobuf's pools,\nthen compare them byte for byte.\n"
		"  -q DEPTH  requests in flight, 1..%u (default 32)\n"
		"  -s COUNT  small buffers in the pool (default %" PRIu64 ")\n"
		"  -l COUNT  large buffers in the pool (default %" PRIu64 ");\n"
		"            pools below the queue depth make requests wait\n"
		"  -S BYTES  small buffer size (default %" PRIu32 ")\n"
		"  -L BYTES  large buffer size, the size of a large I/O "
		"(default %" PRIu32 ")\n"
		"  -m PCT    share of the file's large chunks copied in small "
		"I/Os instead,\n            0..100 (default 0); the tail always "
		"is\n"
		"Exit status: 0 copied and verified, 1 failed, 2 bad usage, "
		"3 a filesystem\nrefuses O_DIRECT, 4 io_uring is not available.\n",
		prog, MAX_DEPTH, g.opts.small_pool_count,
		g.opts.large_pool_count, g.opts.small_bufsize,
		g.opts.large_bufsize);
}

/* 0 to go on, 1 after -h, EXIT_USAGE on bad usage. */
static int
parse_args(int argc, char **argv)
{
	unsigned long long v;
	char *end;
	int opt;

	iobuf_get_opts(&g.opts, sizeof(g.opts));
	while ((opt = getopt(argc, argv, "q:s:l:S:L:m:h")) != -1) {
		if (opt == 'h' || opt == '?') {
			usage(argv[0]);
			return opt == 'h' ? 1 : EXIT_USAGE;
		}
		errno = 0;
		v = strtoull(optarg, &end, 0);
		if (errno != 0 || *end != '\0' || optarg[0] == '-' ||
		    (opt == 'q' && (v < 1 || v > MAX_DEPTH)) ||
		    ((opt == 'S' || opt == 'L') && v > UINT32_MAX) ||
		    (opt == 'm' && v > 100)) {
			fprintf(stderr, "uring_copy: bad value for -%c: '%s'\n",
				opt, optarg);
			return EXIT_USAGE;
		}
		switch (opt) {
		case 'q': g.depth = (unsigned int)v; break;
		case 's': g.opts.small_pool_count = v; break;
		case 'l': g.opts.large_pool_count = v; break;
		case 'S': g.opts.small_bufsize = (uint32_t)v; break;
		case 'L': g.opts.large_bufsize = (uint32_t)v; break;
		case 'm': g.small_pct = (unsigned int)v; break;
		}
	}
	if (argc - optind != 2) {
		usage(argv[0]);
		return EXIT_USAGE;
	}
	g.src_path = argv[optind];
	g.dst_path = argv[optind + 1];
	/* iobuf_set_opts() names the bad field and its range */
	if (iobuf_set_opts(&g.opts) != 0) {
		fprintf(stderr, "uring_copy: the pool options are refused (see "
			"the message above)\n");
		return EXIT_USAGE;
	}
	iobuf_get_opts(&g.opts, sizeof(g.opts));	/* sizes as rounded */
	return 0;
}

/* Copy, with the pools up; true when every step worked. */
static bool
copy(void)
{
	uint64_t start, ns;
	bool ok;
	int rc;

	if (setup_uring() != 0)
		return false;
	if (register_region() != 0) {
		io_uring_queue_exit(&g.ring);
		return false;
	}
	rc = iobuf_register_module("uring_copy");
	if (rc == 0)
		rc = iobuf_channel_init(&g.ch, "uring_copy",
			(uint32_t)min_u64(32, g.opts.small_pool_count),
			(uint32_t)min_u64(4, g.opts.large_pool_count));
	g.reqs = calloc(g.depth, sizeof(*g.reqs));
	if (rc != 0 || g.reqs == NULL) {
		fprintf(stderr, "uring_copy: setting up the channel failed: "
			"%s\n", strerror(rc != 0 ? -rc : ENOMEM));
		ok = false;
		goto out;
	}

	start = now_ns();
	copy_loop();
	if (!g.failed && ftruncate(g.dst, (off_t)g.size) != 0)
		fail("cannot truncate %s to %" PRIu64 " bytes: %s",
		     g.dst_path, g.size, strerror(errno));
	ns = now_ns() - start;
	ok = !g.failed;
	if (ok)
		printf("uring_copy: %" PRIu64 " bytes in %.3f s: %.1f MB/s "
		       "(%" PRIu64 " large and %" PRIu64 " small I/Os, %u in "
		       "flight at most, %" PRIu64 " requests waited for a "
		       "buffer)\n", g.size, (double)ns / NS_PER_SEC,
		       ns == 0 ? 0.0 : (double)g.size * 1e3 / (double)ns,
		       g.ios[IOBUF_CLASS_LARGE], g.ios[IOBUF_CLASS_SMALL],
		       g.peak_in_flight, g.waited);
out:
	if (g.ch != NULL)
		iobuf_channel_fini(g.ch);
	free(g.reqs);
	if (!all_buffers_back())
		ok = false;
	iobuf_unregister_module("uring_copy");
	io_uring_unregister_buffers(&g.ring);
	io_uring_queue_exit(&g.ring);
	return ok;
}

int
main(int argc, char **argv)
{
	bool ok = false;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = parse_args(argc, argv);
	if (rc != 0)
		return rc == 1 ? EXIT_SUCCESS : rc;
	if (open_files() != 0)
		return EXIT_FAILURE;

	rc = iobuf_env_init();
	if (rc != 0) {
		fprintf(stderr, "uring_copy: iobuf_env_init failed: %s\n",
			strerror(-rc));
		return EXIT_FAILURE;
	}
	rc = iobuf_initialize();
	if (rc != 0)
		fprintf(stderr, "uring_copy: iobuf_initialize failed: %s\n",
			strerror(-rc));
	else
		ok = copy();
	rc = iobuf_finish();
	if (rc != 0) {
		fprintf(stderr, "uring_copy: iobuf_finish failed: %s\n",
			strerror(-rc));
		ok = false;
	}
	iobuf_env_fini();
	close(g.src);
	close(g.dst);

	ok = ok && verify();
	if (ok)
		printf("uring_copy: ok, %s equals %s byte for byte, every "
		       "buffer came back\n", g.dst_path, g.src_path);
	return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
