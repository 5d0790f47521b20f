/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

#include "iobuf_internal.h"

/*
 * Registered in a constructor so messages work before the EAL is up (they go
 * to stderr) and `--log-level=lib.iobuf:debug` works once it is.
 */
RTE_LOG_REGISTER(iob_logtype, lib.iobuf, NOTICE);
