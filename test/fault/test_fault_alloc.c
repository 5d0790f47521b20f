/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Fault injection (issue 11): every allocation the library makes on the
 * way through iobuf_env_init, iobuf_initialize, iobuf_channel_init and
 * iobuf_register_module fails in turn, and each failure must return the
 * documented error, be logged, leave every observable state as it was and
 * leak nothing.
 *
 * The library's calls to the allocators are wrapped with -Wl,--wrap (see
 * meson.build; it works because this test links libiobuf.a, STYLE 23).
 * While armed, a wrapper counts the allocation calls of the thread that
 * armed it and fails the Nth; for each entry point the test runs N = 1,
 * 2, ... until the call succeeds, and requires at least one failure.
 * Every allocation made while armed is recorded in a pointer set that the
 * matching free removes it from, so "leaks nothing" is asserted here, not
 * only by ASan or valgrind: the set is empty after every failed call, and
 * again once a successful call is undone (finish, unregister, channel
 * fini). The successful run names every allocation call it made, in
 * order; the test compares that list with the sites it expects, so a new
 * allocation in the library shows up here, and checks that run N failed
 * the successful run's Nth call, so that no site was skipped.
 *
 * Order matters, because two things happen once per process: the EAL
 * starts once, so the env_init case comes first and starts it for the
 * rest; and the library creates its pthread key at the first channel the
 * process opens, so the first-channel case opens the process's first
 * channel (the cases before it open none).
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memzone.h>
#include <rte_ring.h>

#include "test_env.h"
#include "test_snapshot.h"

#ifndef FAULT_DEBUG_CHECKS
#error "meson passes -DFAULT_DEBUG_CHECKS=0/1 from the debug_checks option"
#endif

/* ---- the wrappers ------------------------------------------------------- */

enum fault_kind {
	FAULT_CALLOC,
	FAULT_MALLOC,
	FAULT_ALIGNED_ALLOC,
	FAULT_MEMZONE,
	FAULT_RING,
	FAULT_EAL_INIT,
	FAULT_KEY,
	FAULT_SETSPECIFIC,
	FAULT_KINDS
};

static const char *const fault_kind_name[FAULT_KINDS] = {
	[FAULT_CALLOC] = "calloc",
	[FAULT_MALLOC] = "malloc",
	[FAULT_ALIGNED_ALLOC] = "aligned_alloc",
	[FAULT_MEMZONE] = "rte_memzone_reserve_aligned",
	[FAULT_RING] = "rte_ring_create",
	[FAULT_EAL_INIT] = "rte_eal_init",
	[FAULT_KEY] = "pthread_key_create",
	[FAULT_SETSPECIFIC] = "pthread_setspecific",
};

/* More allocation calls than any entry point makes. */
#define FAULT_MAX_CALLS 32
/* More live allocations than any entry point makes. */
#define FAULT_MAX_LIVE 64

struct fault_live {
	const void *ptr;
	enum fault_kind kind;
};

/*
 * Armed for the thread that armed only: the entry points allocate on the
 * calling thread, while threads that start meanwhile (EAL's) make calls of
 * their own that must neither count nor fail. That includes a sanitizer
 * runtime linked into the executable, whose pthread_key_create and
 * pthread_setspecific calls are wrapped as well: ASan sets up each new
 * thread with them.
 */
static __thread bool fault_armed;

/*
 * A free may come from any thread and matches an allocation whatever
 * thread made it: a lock keeps the record consistent.
 */
static struct {
	pthread_mutex_t lock;
	unsigned int fail_at;        /* 1-based; 0 counts without failing */
	unsigned int calls;          /* allocation calls while armed */
	enum fault_kind seq[FAULT_MAX_CALLS];
	int injected;                /* the kind that was failed, or -1 */
	int key_errno;               /* what a failed pthread_key_create says */
	struct fault_live live[FAULT_MAX_LIVE];
	unsigned int nlive;
	bool live_overflow;
} fault = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.injected = -1,
	.key_errno = ENOMEM,
};

/* Counts one allocation call; true when this one must fail. */
static bool
fault_hit(enum fault_kind kind)
{
	bool fail = false;

	if (!fault_armed)
		return false;
	pthread_mutex_lock(&fault.lock);
	if (fault.calls < FAULT_MAX_CALLS)
		fault.seq[fault.calls] = kind;
	fault.calls++;
	if (fault.calls == fault.fail_at) {
		fault.injected = (int)kind;
		fail = true;
	}
	pthread_mutex_unlock(&fault.lock);
	return fail;
}

static void
fault_track(const void *ptr, enum fault_kind kind)
{
	if (ptr == NULL || !fault_armed)
		return;
	pthread_mutex_lock(&fault.lock);
	if (fault.nlive < FAULT_MAX_LIVE)
		fault.live[fault.nlive++] =
			(struct fault_live){ .ptr = ptr, .kind = kind };
	else
		fault.live_overflow = true;
	pthread_mutex_unlock(&fault.lock);
}

/* Whether armed or not: what was allocated while armed may go any time. */
static void
fault_untrack(const void *ptr)
{
	if (ptr == NULL)
		return;
	pthread_mutex_lock(&fault.lock);
	for (unsigned int i = 0; i < fault.nlive; i++) {
		if (fault.live[i].ptr == ptr) {
			fault.live[i] = fault.live[--fault.nlive];
			break;
		}
	}
	pthread_mutex_unlock(&fault.lock);
}

void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__real_aligned_alloc(size_t align, size_t size);
void *__wrap_aligned_alloc(size_t align, size_t size);
void __real_free(void *ptr);
void __wrap_free(void *ptr);
const struct rte_memzone *__real_rte_memzone_reserve_aligned(const char *name,
	size_t len, int socket_id, unsigned int flags, unsigned int align);
const struct rte_memzone *__wrap_rte_memzone_reserve_aligned(const char *name,
	size_t len, int socket_id, unsigned int flags, unsigned int align);
int __real_rte_memzone_free(const struct rte_memzone *mz);
int __wrap_rte_memzone_free(const struct rte_memzone *mz);
struct rte_ring *__real_rte_ring_create(const char *name, unsigned int count,
					int socket_id, unsigned int flags);
struct rte_ring *__wrap_rte_ring_create(const char *name, unsigned int count,
					int socket_id, unsigned int flags);
void __real_rte_ring_free(struct rte_ring *r);
void __wrap_rte_ring_free(struct rte_ring *r);
int __real_rte_eal_init(int argc, char **argv);
int __wrap_rte_eal_init(int argc, char **argv);
int __real_pthread_key_create(pthread_key_t *key, void (*destructor)(void *));
int __wrap_pthread_key_create(pthread_key_t *key, void (*destructor)(void *));
int __real_pthread_setspecific(pthread_key_t key, const void *value);
int __wrap_pthread_setspecific(pthread_key_t key, const void *value);

void *
__wrap_malloc(size_t size)
{
	void *p;

	if (fault_hit(FAULT_MALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	p = __real_malloc(size);
	fault_track(p, FAULT_MALLOC);
	return p;
}

void *
__wrap_calloc(size_t n, size_t size)
{
	void *p;

	if (fault_hit(FAULT_CALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	p = __real_calloc(n, size);
	fault_track(p, FAULT_CALLOC);
	return p;
}

void *
__wrap_aligned_alloc(size_t align, size_t size)
{
	void *p;

	if (fault_hit(FAULT_ALIGNED_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	p = __real_aligned_alloc(align, size);
	fault_track(p, FAULT_ALIGNED_ALLOC);
	return p;
}

void
__wrap_free(void *ptr)
{
	fault_untrack(ptr);
	__real_free(ptr);
}

const struct rte_memzone *
__wrap_rte_memzone_reserve_aligned(const char *name, size_t len, int socket_id,
				   unsigned int flags, unsigned int align)
{
	const struct rte_memzone *mz;

	if (fault_hit(FAULT_MEMZONE)) {
		rte_errno = ENOMEM;
		return NULL;
	}
	mz = __real_rte_memzone_reserve_aligned(name, len, socket_id, flags,
						align);
	fault_track(mz, FAULT_MEMZONE);
	return mz;
}

int
__wrap_rte_memzone_free(const struct rte_memzone *mz)
{
	fault_untrack(mz);
	return __real_rte_memzone_free(mz);
}

struct rte_ring *
__wrap_rte_ring_create(const char *name, unsigned int count, int socket_id,
		       unsigned int flags)
{
	struct rte_ring *r;

	if (fault_hit(FAULT_RING)) {
		rte_errno = ENOMEM;
		return NULL;
	}
	r = __real_rte_ring_create(name, count, socket_id, flags);
	fault_track(r, FAULT_RING);
	return r;
}

void
__wrap_rte_ring_free(struct rte_ring *r)
{
	fault_untrack(r);
	__real_rte_ring_free(r);
}

/*
 * The EAL's allocations happen inside DPDK, out of the wrappers' reach;
 * failing the whole call as EAL reports running out of memory stands for
 * them. The real rte_eal_init is not called then: an EAL that failed half
 * way cannot be started again in the process.
 */
int
__wrap_rte_eal_init(int argc, char **argv)
{
	if (fault_hit(FAULT_EAL_INIT)) {
		rte_errno = ENOMEM;
		return -1;
	}
	return __real_rte_eal_init(argc, argv);
}

/* POSIX: EAGAIN (out of keys) or ENOMEM. */
int
__wrap_pthread_key_create(pthread_key_t *key, void (*destructor)(void *))
{
	if (fault_hit(FAULT_KEY))
		return fault.key_errno;
	return __real_pthread_key_create(key, destructor);
}

/*
 * Setting a value may allocate the thread's second-level key block
 * (ENOMEM); clearing one never does (glibc returns before allocating), so
 * only non-NULL values count as allocation calls.
 */
int
__wrap_pthread_setspecific(pthread_key_t key, const void *value)
{
	if (value != NULL && fault_hit(FAULT_SETSPECIFIC))
		return ENOMEM;
	return __real_pthread_setspecific(key, value);
}

static void
fault_arm(unsigned int fail_at)
{
	pthread_mutex_lock(&fault.lock);
	fault.fail_at = fail_at;
	fault.calls = 0;
	fault.injected = -1;
	pthread_mutex_unlock(&fault.lock);
	fault_armed = true;
}

static void
fault_disarm(void)
{
	fault_armed = false;
}

/* The allocation calls of the last armed run, as "calloc rte_ring_create". */
static void
fault_sequence(char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < fault.calls && i < FAULT_MAX_CALLS &&
	     len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					i > 0 ? " " : "",
					fault_kind_name[fault.seq[i]]);
}

/* Nothing allocated while armed is still allocated. */
static void
assert_nothing_live(const char *what)
{
	assert_false(fault.live_overflow);
	for (unsigned int i = 0; i < fault.nlive; i++)
		fprintf(stderr, "%s: %p from %s still allocated\n", what,
			fault.live[i].ptr, fault_kind_name[fault.live[i].kind]);
	if (fault.nlive > 0)
		fail_msg("%s leaked %u allocations", what, fault.nlive);
}

/* ---- the observable state ----------------------------------------------- */

/*
 * Everything a failed call must leave as it was: pool and module
 * statistics (the module list with them), DPDK's memzones and heap once
 * the EAL runs, the calling thread's CPU affinity; conservation holds.
 */
struct world {
	bool eal;
	struct test_snapshot snap;
	struct test_dpdk_usage usage;
	cpu_set_t affinity;
};

static void
world_capture(struct world *w, bool eal)
{
	memset(w, 0, sizeof(*w));
	w->eal = eal;
	test_snapshot_take(&w->snap);
	if (eal)
		test_dpdk_usage(&w->usage);
	assert_int_equal(pthread_getaffinity_np(pthread_self(),
						sizeof(w->affinity),
						&w->affinity), 0);
}

static void
world_assert_same(const struct world *w)
{
	cpu_set_t now;

	test_snapshot_assert_unchanged(&w->snap);
	test_assert_conservation();
	if (w->eal) {
		struct test_dpdk_usage usage;

		test_dpdk_usage(&usage);
		assert_int_equal(usage.memzones, w->usage.memzones);
		assert_int_equal(usage.heap_bytes, w->usage.heap_bytes);
	}
	assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof(now),
						&now), 0);
	assert_true(CPU_EQUAL(&now, &w->affinity));
}

/*
 * The pools are up with every buffer in its ring. No channel opens here:
 * the first-channel case must open the process's first one.
 */
static void
assert_pools_made_once(void)
{
	struct iobuf_stats st;

	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].total, TEST_SMALL_COUNT);
	assert_int_equal(st.pool[IOBUF_CLASS_LARGE].total, TEST_LARGE_COUNT);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		assert_int_equal(st.pool[c].free, st.pool[c].total);
	assert_int_equal(iobuf_initialize(), -EALREADY);
}

/* iobuf_initialize() works, then iobuf_finish(). */
static void
assert_pools_made(void)
{
	assert_int_equal(iobuf_initialize(), 0);
	assert_pools_made_once();
	assert_int_equal(iobuf_finish(), 0);
}

/* ---- the loop ----------------------------------------------------------- */

struct fault_case {
	/* the entry point, for messages */
	const char *what;
	/* the allocation calls a successful call makes, in order */
	const char *expect;
	bool eal;                                 /* EAL running already */
	int (*call)(void *arg);
	/* after a failed call, with the state as before: more checks */
	void (*check)(void *arg, enum fault_kind failed);
	/* after the successful call: give back what it made */
	void (*undo)(void *arg);
	void *arg;
};

/*
 * One armed call failing its fail_at-th allocation; returns its result.
 * A failure must be the injected one, -ENOMEM, logged, and leave the world
 * and the allocations as they were.
 */
static int
fault_try(const struct fault_case *fc, unsigned int fail_at)
{
	struct world before;
	char *log;
	int rc;

	world_capture(&before, fc->eal);
	test_log_begin();
	fault_arm(fail_at);
	rc = fc->call(fc->arg);
	fault_disarm();
	log = test_log_end();

	if (rc == 0) {
		if (fault.injected >= 0)
			fail_msg("%s succeeded although its allocation call %u "
				 "(%s) failed", fc->what, fail_at,
				 fault_kind_name[fault.injected]);
		free(log);
		return 0;
	}
	if (fault.injected < 0)
		fail_msg("%s failed (%d) with no failure injected: it made %u "
			 "allocation calls, call %u was to fail", fc->what, rc,
			 fault.calls, fail_at);
	fprintf(stderr, "# %s, call %u (%s) fails: %d\n", fc->what, fail_at,
		fault_kind_name[fault.injected], rc);
	if (rc != -ENOMEM)
		fail_msg("%s returned %d (%s) when its call %u (%s) failed; "
			 "iobuf.h documents -ENOMEM", fc->what, rc,
			 strerror(-rc), fail_at, fault_kind_name[fault.injected]);
	if (strlen(log) == 0)
		fail_msg("%s failed without a log message", fc->what);
	free(log);
	assert_nothing_live(fc->what);
	world_assert_same(&before);
	if (fc->check != NULL)
		fc->check(fc->arg, (enum fault_kind)fault.injected);
	return rc;
}

/*
 * Fail the first, second, ... allocation call of fc until it succeeds;
 * returns how many failures were injected.
 */
static unsigned int
fault_run(const struct fault_case *fc)
{
	enum fault_kind failed[FAULT_MAX_CALLS];
	char seq[512];
	unsigned int n = 1;

	while (fault_try(fc, n) != 0) {
		failed[n - 1] = (enum fault_kind)fault.injected;
		n++;
		if (n > FAULT_MAX_CALLS)
			fail_msg("%s still fails after %u injected failures",
				 fc->what, FAULT_MAX_CALLS);
	}
	/*
	 * The successful run made as many calls as were failed, and run N
	 * failed the successful run's Nth call: a failed run that changed
	 * what later runs call (a one-time allocation that succeeded) would
	 * have shifted the count past a site.
	 */
	assert_int_equal(fault.calls, n - 1);
	for (unsigned int i = 0; i + 1 < n; i++)
		if (failed[i] != fault.seq[i])
			fail_msg("%s: run %u failed %s, but the successful run's "
				 "call %u is %s: the calls shifted and a site "
				 "may have been skipped", fc->what, i + 1,
				 fault_kind_name[failed[i]], i + 1,
				 fault_kind_name[fault.seq[i]]);
	fault_sequence(seq, sizeof(seq));
	fprintf(stderr, "# %s: %u allocation calls, each failed once: %s\n",
		fc->what, n - 1, seq);
	if (strcmp(seq, fc->expect) != 0)
		fail_msg("%s made the allocation calls '%s', expected '%s'",
			 fc->what, seq, fc->expect);
	if (n == 1)
		fail_msg("%s made no allocation call: nothing was injected",
			 fc->what);
	if (fc->undo != NULL)
		fc->undo(fc->arg);
	assert_nothing_live(fc->what);
	return n - 1;
}

/* ---- iobuf_env_init ----------------------------------------------------- */

static int
call_env_start(void *arg)
{
	(void)arg;
	return test_env_start();
}

static void
check_env_down(void *arg, enum fault_kind failed)
{
	(void)arg;
	assert_int_equal(failed, FAULT_EAL_INIT);
	/* No EAL: pools cannot be made, options can still change. */
	assert_int_equal(iobuf_initialize(), -ENODEV);
	assert_int_equal(test_opts_set_default(), 0);
}

/* Must run first: the EAL starts once per process. */
static void
env_init_out_of_memory_returns_enomem_and_a_later_call_starts_the_eal(
	void **state)
{
	const struct fault_case fc = {
		.what = "iobuf_env_init",
		.expect = "rte_eal_init",
		.eal = false,
		.call = call_env_start,
		.check = check_env_down,
	};

	(void)state;
	assert_int_equal(iobuf_initialize(), -ENODEV);
	assert_int_equal(fault_run(&fc), 1);
	/* The environment works (no channel yet: see the top of the file). */
	assert_pools_made();
}

/* ---- iobuf_initialize --------------------------------------------------- */

#define INIT_PROBE "fault_init_probe"

static int
call_initialize(void *arg)
{
	(void)arg;
	return iobuf_initialize();
}

static void
check_pools_down(void *arg, enum fault_kind failed)
{
	struct iobuf_channel *ch = NULL;

	(void)arg;
	(void)failed;
	/* Still not initialized: no channel, options may change, finish is a no-op. */
	assert_int_equal(iobuf_channel_init(&ch, INIT_PROBE, 1, 1), -EINVAL);
	assert_null(ch);
	assert_int_equal(iobuf_iova((void *)&ch), UINT64_MAX);
	assert_int_equal(test_opts_set_default(), 0);
	assert_int_equal(iobuf_finish(), 0);
}

static void
undo_initialize(void *arg)
{
	(void)arg;
	assert_pools_made_once();
	assert_int_equal(iobuf_finish(), 0);
}

static void
initialize_out_of_memory_returns_enomem_and_leaks_nothing(void **state)
{
	const struct fault_case fc = {
		.what = "iobuf_initialize",
		/*
		 * The region; with debug checks the per-buffer state of each
		 * class; then per class the ring marks and the ring.
		 */
		.expect = FAULT_DEBUG_CHECKS ?
			"rte_memzone_reserve_aligned calloc calloc "
			"calloc rte_ring_create calloc rte_ring_create" :
			"rte_memzone_reserve_aligned "
			"calloc rte_ring_create calloc rte_ring_create",
		.eal = true,
		.call = call_initialize,
		.check = check_pools_down,
		.undo = undo_initialize,
	};
	struct test_dpdk_usage before, after;

	(void)state;
	assert_int_equal(iobuf_register_module(INIT_PROBE), 0);
	test_dpdk_usage(&before);
	assert_int_equal(fault_run(&fc), FAULT_DEBUG_CHECKS ? 7 : 5);
	test_dpdk_usage(&after);
	assert_int_equal(after.memzones, before.memzones);
	assert_int_equal(after.heap_bytes, before.heap_bytes);
}

/* ---- iobuf_channel_init ------------------------------------------------- */

#define CH_SMALL 4
#define CH_LARGE 2

struct channel_case {
	const char *module;
	struct iobuf_channel *ch;
	/* a module this thread has a channel of already, or NULL */
	const char *open;
};

/* Never a channel: iobuf_channel_init leaves *ch alone on failure. */
static struct iobuf_channel *const untouched =
	(struct iobuf_channel *)(uintptr_t)0x5afe;

static int
call_channel_init(void *arg)
{
	struct channel_case *cc = arg;

	cc->ch = untouched;
	return iobuf_channel_init(&cc->ch, cc->module, CH_SMALL, CH_LARGE);
}

/* A channel of module opens and closes; the world stays as it was. */
static void
assert_channel_opens(const char *module)
{
	struct iobuf_channel *ch = NULL;
	struct world before;

	world_capture(&before, true);
	assert_int_equal(iobuf_channel_init(&ch, module, CH_SMALL, CH_LARGE), 0);
	assert_non_null(ch);
	iobuf_channel_fini(ch);
	world_assert_same(&before);
}

static void
check_channel_not_open(void *arg, enum fault_kind failed)
{
	struct channel_case *cc = arg;
	struct iobuf_module_stats m;

	assert_ptr_equal(cc->ch, untouched);
	if (cc->open != NULL) {
		/* The thread's other channel is still its only one of that module. */
		test_module_stats(cc->open, &m);
		assert_int_equal(m.channels, 1);
	}
	/*
	 * The channel can be opened as before. Not after a failed key: the
	 * probe would create the key, which is made once per process, and
	 * the next run could not fail it any more.
	 */
	if (failed != FAULT_KEY)
		assert_channel_opens(cc->module);
}

static void
undo_channel_init(void *arg)
{
	struct channel_case *cc = arg;

	assert_non_null(cc->ch);
	assert_ptr_not_equal(cc->ch, untouched);
	iobuf_channel_fini(cc->ch);
	cc->ch = NULL;
}

/*
 * The first channel of a thread: the thread context, the key's value and
 * the channel, then the pre-fill. The process's first channel also
 * creates the library's pthread key, once: its failures come first, while
 * the key is not made, and a counted successful call makes it, so that
 * the loop then runs on calls that no longer change.
 */
static void
first_channel_out_of_memory_returns_enomem_and_frees_the_thread_context(
	void **state)
{
	struct channel_case cc = { .module = "fault_first" };
	const struct fault_case fc = {
		.what = "iobuf_channel_init (first channel of the thread)",
		.expect = "calloc pthread_setspecific aligned_alloc",
		.eal = true,
		.call = call_channel_init,
		.check = check_channel_not_open,
		.undo = undo_channel_init,
		.arg = &cc,
	};
	const int key_errors[] = { EAGAIN, ENOMEM };
	char seq[512];

	(void)state;
	assert_int_equal(iobuf_register_module(cc.module), 0);

	/*
	 * The key, as the process's first channel. A process out of keys
	 * (EAGAIN) is out of memory too for the caller. The second failure
	 * reaching the key again shows the first left it unmade.
	 */
	for (size_t i = 0; i < RTE_DIM(key_errors); i++) {
		fault.key_errno = key_errors[i];
		assert_int_equal(fault_try(&fc, 1), -ENOMEM);
		assert_int_equal(fault.injected, FAULT_KEY);
	}
	fault.key_errno = ENOMEM;
	assert_int_equal(fault_try(&fc, 0), 0);
	fault_sequence(seq, sizeof(seq));
	assert_string_equal(seq, "pthread_key_create calloc "
			    "pthread_setspecific aligned_alloc");
	undo_channel_init(&cc);
	assert_nothing_live(fc.what);

	/* Closing its only channel freed the thread's context: first again. */
	assert_int_equal(fault_run(&fc), 3);
}

/* A thread that has a channel: its context and key are there already. */
static void
second_channel_out_of_memory_returns_enomem_and_keeps_the_first(void **state)
{
	struct channel_case cc = { .module = "fault_second",
				   .open = "fault_second_open" };
	const struct fault_case fc = {
		.what = "iobuf_channel_init (second channel of the thread)",
		.expect = "pthread_setspecific aligned_alloc",
		.eal = true,
		.call = call_channel_init,
		.check = check_channel_not_open,
		.undo = undo_channel_init,
		.arg = &cc,
	};
	struct iobuf_channel *open;
	void *buf;

	(void)state;
	open = test_channel(cc.open, CH_SMALL, CH_LARGE);
	assert_int_equal(iobuf_register_module(cc.module), 0);
	assert_int_equal(fault_run(&fc), 2);

	/* The first channel still works. */
	buf = iobuf_get(open, 1, NULL, NULL);
	assert_non_null(buf);
	iobuf_put(open, buf, 1);
	iobuf_channel_fini(open);
}

/*
 * Not an allocation, the other -ENOMEM of iobuf_channel_init: the large
 * cache cannot be pre-filled after the small one was. Counted but not
 * failed, the call must give back the small buffers, the channel and the
 * thread context.
 */
static void
assert_prefill_fails_cleanly(const char *module)
{
	struct iobuf_channel *ch = untouched;
	struct world before;

	world_capture(&before, true);
	fault_arm(0);
	assert_int_equal(iobuf_channel_init(&ch, module, CH_SMALL, 1), -ENOMEM);
	fault_disarm();
	assert_ptr_equal(ch, untouched);
	assert_true(fault.calls > 0);
	assert_nothing_live("iobuf_channel_init (pre-fill)");
	world_assert_same(&before);
}

static void
channel_that_cannot_be_prefilled_returns_enomem_and_leaks_nothing(
	void **state)
{
	struct iobuf_channel *hog, *other;
	void *large[TEST_LARGE_COUNT];
	uint32_t n;
	void *buf;

	(void)state;
	/* Every large buffer out, its channel closed: the thread has none. */
	hog = test_channel("fault_hog", 0, 0);
	n = test_drain(hog, TEST_LARGE_SIZE, large, TEST_LARGE_COUNT);
	assert_int_equal(n, TEST_LARGE_COUNT);
	iobuf_channel_fini(hog);
	assert_int_equal(iobuf_register_module("fault_fill"), 0);

	/* As the thread's first channel, then beside another one. */
	assert_prefill_fails_cleanly("fault_fill");
	other = test_channel("fault_other", CH_SMALL, 0);
	assert_prefill_fails_cleanly("fault_fill");
	buf = iobuf_get(other, 1, NULL, NULL);
	assert_non_null(buf);
	iobuf_put(other, buf, 1);
	iobuf_channel_fini(other);

	assert_int_equal(iobuf_channel_init(&hog, "fault_hog", 0, 0), 0);
	test_put_all(hog, large, n, TEST_LARGE_SIZE);
	iobuf_channel_fini(hog);
}

/* ---- iobuf_register_module ---------------------------------------------- */

#define REG_NAME "fault_reg"
#define REG_OTHER "fault_reg_other"

static int
call_register(void *arg)
{
	(void)arg;
	return iobuf_register_module(REG_NAME);
}

static void
check_not_registered(void *arg, enum fault_kind failed)
{
	struct iobuf_channel *ch = NULL;

	(void)arg;
	(void)failed;
	assert_int_equal(iobuf_channel_init(&ch, REG_NAME, 0, 0), -ENODEV);
	assert_null(ch);
	assert_int_equal(iobuf_unregister_module(REG_NAME), -ENOENT);
	/* The module registered before is untouched and usable. */
	assert_channel_opens(REG_OTHER);
}

static void
undo_register(void *arg)
{
	(void)arg;
	assert_channel_opens(REG_NAME);
	assert_int_equal(iobuf_unregister_module(REG_NAME), 0);
}

static int
call_register_reserved(void *arg)
{
	const struct iobuf_module_opts o = {
		.opts_size = sizeof(o),
		.reserve = { 2, 1 },
	};

	(void)arg;
	return iobuf_register_module_ext(REG_NAME, &o);
}

/* The reserves' arrays too: nothing set aside, nothing registered. */
static void
register_module_with_reserves_out_of_memory_sets_nothing_aside(void **state)
{
	const struct fault_case fc = {
		.what = "iobuf_register_module_ext",
		.expect = "aligned_alloc calloc calloc",
		.eal = true,
		.call = call_register_reserved,
		.check = check_not_registered,
		.undo = undo_register,
	};

	(void)state;
	assert_int_equal(iobuf_register_module(REG_OTHER), 0);
	assert_int_equal(fault_run(&fc), 3);
}

static void
register_module_out_of_memory_returns_enomem_and_keeps_the_list(void **state)
{
	const struct fault_case fc = {
		.what = "iobuf_register_module",
		.expect = "aligned_alloc",
		.eal = true,
		.call = call_register,
		.check = check_not_registered,
		.undo = undo_register,
	};

	(void)state;
	assert_int_equal(iobuf_register_module(REG_OTHER), 0);
	assert_int_equal(fault_run(&fc), 1);
}

/* DPDK's log to stderr (stdout carries TAP); the first test starts the EAL. */
static int
group_setup(void **state)
{
	(void)state;
	test_log_to_stderr();
	return 0;
}

int
main(void)
{
	/* In this order: see the top of the file. */
	const struct CMUnitTest tests[] = {
#define T(f, setup) cmocka_unit_test_setup_teardown(f, setup, test_teardown)
		T(env_init_out_of_memory_returns_enomem_and_a_later_call_starts_the_eal,
		  test_setup_bare),
		T(initialize_out_of_memory_returns_enomem_and_leaks_nothing,
		  test_setup_bare),
		T(first_channel_out_of_memory_returns_enomem_and_frees_the_thread_context,
		  test_setup),
		T(second_channel_out_of_memory_returns_enomem_and_keeps_the_first,
		  test_setup),
		T(channel_that_cannot_be_prefilled_returns_enomem_and_leaks_nothing,
		  test_setup),
		T(register_module_out_of_memory_returns_enomem_and_keeps_the_list,
		  test_setup),
		T(register_module_with_reserves_out_of_memory_sets_nothing_aside,
		  test_setup),
#undef T
	};

	return cmocka_run_group_tests_name("fault_alloc", tests, group_setup,
					   test_group_teardown);
}
