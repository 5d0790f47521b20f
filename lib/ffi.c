/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * The exported iobuf_get, iobuf_put and iobuf_get_bulk, for callers that
 * do not inline them (IOBUF_NO_INLINE, FFI, dlopen, binaries linked against 0.1):
 * iobuf.h's inline definitions compiled once more as plain exported
 * functions, as liburing's ffi.c does. One definition, two forms.
 */

#include <stddef.h>
#include <stdint.h>

/* Before iobuf.h: its inline definitions become exported functions. */
#define IOBUF_INLINE __attribute__((visibility("default")))
#include "iobuf.h"
