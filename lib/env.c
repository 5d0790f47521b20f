/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * The embedded DPDK environment (SPEC §6): an EAL without hugepages or PCI
 * for applications that do not run DPDK themselves.
 */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "iobuf_internal.h"

#define IOB_EAL_ARGS_MAX 64
/* EAL's own heap, memzone and ring metadata on top of the buffers. */
#define IOB_EAL_OVERHEAD_MB 64

static enum {
	ENV_NONE,     /* no EAL seen yet */
	ENV_FAILED,   /* our rte_eal_init failed: lcore_count lies now */
	ENV_APP,      /* the application started the EAL: never touch it */
	ENV_OURS,     /* started by iobuf_env_init() */
	ENV_STOPPED,  /* ours, stopped: DPDK cannot start it again */
} env_state;

static char env_run_dir[PATH_MAX];

static uint64_t
memory_mb(void)
{
	const struct iobuf_opts *o = &iob_opts;
	uint64_t bytes = iob_region_bytes(o) + iob_ring_memsize(o->small_pool_count) +
		iob_ring_memsize(o->large_pool_count);

	return (bytes >> 20) + 1 + IOB_EAL_OVERHEAD_MB;
}

static int
first_cpu(const cpu_set_t *set)
{
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, set))
			return cpu;
	return 0;
}

/* Split IOBUF_EAL_ARGS on blanks into argv[1..]; argv[0] is set already. */
static int
split_args(const char *spec, char *buf, size_t bufsz, char **argv,
	      int *argc)
{
	char *save = NULL;

	if (strlen(spec) >= bufsz) {
		IOB_LOG(ERR, "iobuf_env_init: IOBUF_EAL_ARGS is %zu bytes; at "
			"most %zu fit\n", strlen(spec), bufsz - 1);
		return -E2BIG;
	}
	strcpy(buf, spec);
	for (char *tok = strtok_r(buf, " \t\n", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		/* argv[0] is ours, not one of the caller's arguments */
		if (*argc > IOB_EAL_ARGS_MAX) {
			IOB_LOG(ERR, "iobuf_env_init: IOBUF_EAL_ARGS has more "
				"than %d arguments\n", IOB_EAL_ARGS_MAX);
			return -E2BIG;
		}
		argv[(*argc)++] = tok;
	}
	return 0;
}

/*
 * IOBUF_TELEMETRY=1 keeps DPDK's telemetry socket, where iobuf answers its
 * commands (telemetry.c). Off otherwise: a program that embeds iobuf
 * should not grow a socket it did not ask for.
 */
static int
telemetry_wanted(bool *on)
{
	const char *v = getenv("IOBUF_TELEMETRY");

	*on = v != NULL && strcmp(v, "1") == 0;
	if (v == NULL || *on || strcmp(v, "") == 0 || strcmp(v, "0") == 0)
		return 0;
	IOB_LOG(ERR, "iobuf_env_init: IOBUF_TELEMETRY is '%.64s'; set it to 1 "
		"to run DPDK telemetry, or to 0 or nothing to leave it off\n", v);
	return -EINVAL;
}

static int
start_eal(const cpu_set_t *affinity)
{
	static char storage[4096];
	char defaults[512];
	char *argv[IOB_EAL_ARGS_MAX + 2] = { "iobuf" };
	const char *spec = getenv("IOBUF_EAL_ARGS");
	struct timespec now;
	bool telemetry;
	int argc = 1, rc;

	if (spec != NULL) {
		rc = split_args(spec, storage, sizeof(storage), argv, &argc);
		if (rc != 0)
			return rc;
	} else {
		rc = telemetry_wanted(&telemetry);
		if (rc != 0)
			return rc;
		/* pid and clock keep parallel and successive processes apart */
		clock_gettime(CLOCK_MONOTONIC, &now);
		rc = snprintf(defaults, sizeof(defaults),
			"--no-huge --no-pci --no-shconf -m %" PRIu64
			" --file-prefix=iobuf_%d_%lx%s "
			"--log-level=lib.eal:error -l %d", memory_mb(),
			(int)getpid(), (unsigned long)now.tv_nsec,
			/* DPDK warns at every start that it has no v1 socket */
			telemetry ? " --log-level=lib.telemetry:error" :
			" --no-telemetry", first_cpu(affinity));
		if (rc < 0 || (size_t)rc >= sizeof(defaults))
			return -ENOMEM;
		rc = split_args(defaults, storage, sizeof(storage), argv,
				   &argc);
		if (rc != 0)
			return rc;
	}
	argv[argc] = NULL;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		rc = rte_errno > 0 ? -rte_errno : -EINVAL;
		IOB_LOG(ERR, "iobuf_env_init: rte_eal_init failed: %s; check "
			"the arguments%s\n", rte_strerror(-rc), spec != NULL ?
			" in IOBUF_EAL_ARGS" : " (set IOBUF_EAL_ARGS to "
			"override them)");
		return rc;
	}
	snprintf(env_run_dir, sizeof(env_run_dir), "%s", rte_eal_get_runtime_dir());
	return 0;
}

bool
iob_env_ready(void)
{
	/*
	 * An application that runs DPDK itself may never call
	 * iobuf_env_init(): its EAL shows as lcores.
	 */
	return env_state == ENV_OURS || env_state == ENV_APP ||
		(env_state == ENV_NONE && rte_lcore_count() > 0);
}

bool
iob_env_ours(void)
{
	return env_state == ENV_OURS;
}

int
iob_env_start(void)
{
	cpu_set_t affinity;
	int rc = 0;

	switch (env_state) {
	case ENV_APP:
	case ENV_OURS:
		break;
	case ENV_STOPPED:
		IOB_LOG(ERR, "iobuf_env_init: the embedded EAL was stopped and "
			"DPDK cannot start it again in this process\n");
		rc = -EALREADY;
		break;
	case ENV_FAILED:
	case ENV_NONE:
		if (env_state == ENV_NONE && rte_lcore_count() > 0) {
			env_state = ENV_APP;
			break;
		}
		/* EAL pins this thread to one CPU; every later thread would inherit it. */
		if (pthread_getaffinity_np(pthread_self(), sizeof(affinity),
					   &affinity) != 0)
			CPU_ZERO(&affinity);
		rc = start_eal(&affinity);
		if (CPU_COUNT(&affinity) > 0)
			pthread_setaffinity_np(pthread_self(), sizeof(affinity),
					       &affinity);
		env_state = rc == 0 ? ENV_OURS : ENV_FAILED;
		break;
	}
	return rc;
}

/* EAL leaves its run directory behind; it holds only plain files. */
static void
remove_run_dir(void)
{
	DIR *d;
	struct dirent *de;
	char path[PATH_MAX + 256];

	if (env_run_dir[0] == '\0')
		return;
	d = opendir(env_run_dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", env_run_dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(env_run_dir);
}

void
iob_env_stop(void)
{
	if (env_state != ENV_OURS)
		return;
	rte_eal_cleanup();
	remove_run_dir();
	env_state = ENV_STOPPED;
}
