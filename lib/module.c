/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/* The module registry: names that channels and statistics are kept under. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iobuf_internal.h"

struct iob_module_list iob_modules = TAILQ_HEAD_INITIALIZER(iob_modules);

struct iob_module *
iob_module_find(const char *name)
{
	struct iob_module *m;

	TAILQ_FOREACH(m, &iob_modules, link)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

int
iobuf_register_module(const char *name)
{
	struct iob_module *m;
	size_t len;

	len = name == NULL ? 0 : strnlen(name, IOBUF_MODULE_NAME_MAX + 1);
	if (len == 0 || len > IOBUF_MODULE_NAME_MAX) {
		IOB_LOG(ERR, "iobuf_register_module: the name must be 1 to %d "
			"characters\n", IOBUF_MODULE_NAME_MAX);
		return -EINVAL;
	}

	pthread_mutex_lock(&iob_lock);
	if (iob_module_find(name) != NULL) {
		pthread_mutex_unlock(&iob_lock);
		IOB_LOG(ERR, "iobuf_register_module: '%s' is registered "
			"already\n", name);
		return -EEXIST;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		pthread_mutex_unlock(&iob_lock);
		IOB_LOG(ERR, "iobuf_register_module: out of memory for '%s'\n",
			name);
		return -ENOMEM;
	}
	memcpy(m->name, name, len);
	TAILQ_INIT(&m->channels);
	TAILQ_INSERT_TAIL(&iob_modules, m, link);
	pthread_mutex_unlock(&iob_lock);
	return 0;
}

int
iobuf_unregister_module(const char *name)
{
	struct iobuf_module_stats ms;
	struct iob_module *m;

	if (name == NULL) {
		IOB_LOG(ERR, "iobuf_unregister_module: name is NULL\n");
		return -EINVAL;
	}

	pthread_mutex_lock(&iob_lock);
	m = iob_module_find(name);
	if (m == NULL) {
		pthread_mutex_unlock(&iob_lock);
		IOB_LOG(ERR, "iobuf_unregister_module: no module '%s'\n", name);
		return -ENOENT;
	}
	if (m->nchannels > 0) {
		pthread_mutex_unlock(&iob_lock);
		IOB_LOG(ERR, "iobuf_unregister_module: '%s' has %u channels "
			"open; close them first\n", name, m->nchannels);
		return -EBUSY;
	}
	/* Buffers the module still holds stay counted in the pool stats. */
	iob_module_stats(m, &ms);
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		iob_g.orphan_out[c] += ms.cls[c].out;
	if (IOBUF_DEBUG_CHECKS)
		iob_debug_forget_module(m);
	TAILQ_REMOVE(&iob_modules, m, link);
	pthread_mutex_unlock(&iob_lock);
	free(m);
	return 0;
}
