/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "iobuf_internal.h"

/*
 * Registered in a constructor so messages work before the EAL is up (they go
 * to stderr) and `--log-level=lib.iobuf:debug` works once it is.
 */
RTE_LOG_REGISTER(iob_logtype, lib.iobuf, NOTICE);

void
iob_debug_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("iobuf: debug check failed: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
