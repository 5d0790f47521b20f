/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Debug checks (-Ddebug_checks=true). Every buffer has a state: in the
 * ring, in a cache, or out with a caller. Buffers are checked at each
 * crossing between those places, so a double put, a put of a buffer that is
 * not out, or a write to a returned buffer aborts with the buffer, its class
 * and the module that last held it. Callers guard every call with
 * `if (IOBUF_DEBUG_CHECKS)`, so release builds compile this file but never
 * reach it.
 */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iobuf_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define IOB_HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IOB_HAVE_ASAN 1
#endif
#endif

#ifdef IOB_HAVE_ASAN
#include <sanitizer/asan_interface.h>
#define iob_poison(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define iob_unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define iob_poison(p, n) ((void)(p), (void)(n))
#define iob_unpoison(p, n) ((void)(p), (void)(n))
#endif

/* The byte returned buffers are filled with, as mimalloc does. */
#define IOB_POISON_BYTE 0xdf

enum iob_buf_state {
	IOB_BUF_CACHED,   /* in a channel cache, or between ring and caller */
	IOB_BUF_FREE,     /* in the ring */
	IOB_BUF_OUT,      /* with a caller */
};

static const char *const state_name[] = {
	[IOB_BUF_CACHED] = "cached",
	[IOB_BUF_FREE] = "in the ring",
	[IOB_BUF_OUT] = "out",
};

struct iob_debug_buf {
	uint8_t state;
	/* module whose channel took or returned it last; NULL once unregistered */
	const struct iob_module *mod;
};

static struct iob_debug_buf *dbg[IOBUF_CLASS_COUNT];
/* The pools' geometry, as iob_debug_init was given it. */
static struct iob_pool geo[IOBUF_CLASS_COUNT];
static uintptr_t region_base, region_span;

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

static uint64_t
buf_index(int cls, const void *buf)
{
	return ((uintptr_t)buf - geo[cls].base) / geo[cls].bufsize;
}

static const char *
mod_name(const struct iob_module *m)
{
	return m != NULL ? m->name : "(none or unregistered)";
}

int
iob_debug_init(uintptr_t base, uintptr_t span,
	       const struct iob_pool pool[IOBUF_CLASS_COUNT])
{
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		/* the pool's ring fill moves every buffer from "cached" to the ring */
		dbg[c] = calloc(pool[c].count, sizeof(*dbg[c]));
		if (dbg[c] == NULL) {
			iob_debug_fini();
			return -1;
		}
		geo[c] = pool[c];
	}
	region_base = base;
	region_span = span;
	memset((void *)base, IOB_POISON_BYTE, span);
	iob_poison((void *)base, span);
	return 0;
}

void
iob_debug_fini(void)
{
	if (region_span != 0)
		iob_unpoison((void *)region_base, region_span);
	region_base = 0;
	region_span = 0;
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++) {
		free(dbg[c]);
		dbg[c] = NULL;
		geo[c] = (struct iob_pool){ 0 };
	}
}

static struct iob_debug_buf *
expect(int cls, const void *buf, enum iob_buf_state want, const char *what,
       const struct iobuf_channel *ch)
{
	struct iob_debug_buf *d = &dbg[cls][buf_index(cls, buf)];

	if (d->state != want)
		iob_debug_fail("%s: %s buffer %" PRIu64 " (%p) is %s, not %s; "
			       "last held by module '%s'%s%s%s", what,
			       iob_class_name(cls), buf_index(cls, buf), buf,
			       state_name[d->state], state_name[want],
			       mod_name(d->mod), ch != NULL ? ", call through "
			       "module '" : "", ch != NULL ? ch->mod->name : "",
			       ch != NULL ? "'" : "");
	return d;
}

void
iob_debug_ring_in(int cls, void *const *bufs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		expect(cls, bufs[i], IOB_BUF_CACHED, "to the ring", NULL)->state =
			IOB_BUF_FREE;
}

void
iob_debug_ring_out(int cls, void *const *bufs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		expect(cls, bufs[i], IOB_BUF_FREE, "from the ring", NULL)->state =
			IOB_BUF_CACHED;
}

void
iob_debug_take(const struct iobuf_channel *ch, int cls, void *buf)
{
	struct iob_debug_buf *d = expect(cls, buf, IOB_BUF_CACHED,
					 "handing out", ch);
	const uint8_t *p = buf;
	uint64_t size = geo[cls].bufsize;

	iob_unpoison(buf, size);
	for (uint64_t off = 0; off < size; off++)
		if (p[off] != IOB_POISON_BYTE)
			iob_debug_fail("%s buffer %" PRIu64 " (%p) was written "
				       "at offset %" PRIu64 " after module '%s' "
				       "returned it", iob_class_name(cls),
				       buf_index(cls, buf), buf, off,
				       mod_name(d->mod));
	d->state = IOB_BUF_OUT;
	d->mod = ch->mod;
}

void
iob_debug_give(const struct iobuf_channel *ch, int cls, void *buf)
{
	struct iob_debug_buf *d = expect(cls, buf, IOB_BUF_OUT,
					 "iobuf_put (double put?)", ch);
	uint64_t size = geo[cls].bufsize;

	d->state = IOB_BUF_CACHED;
	d->mod = ch->mod;
	memset(buf, IOB_POISON_BYTE, size);
	iob_poison(buf, size);
}

void
iob_debug_report_out(void)
{
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		for (uint64_t i = 0; i < geo[c].count; i++)
			if (dbg[c][i].state == IOB_BUF_OUT)
				IOB_LOG(ERR, "iobuf_finish: %s buffer %" PRIu64
					" (%p) is out, taken by module '%s'\n",
					iob_class_name(c), i,
					(void *)(geo[c].base + i * geo[c].bufsize),
					mod_name(dbg[c][i].mod));
}

void
iob_debug_forget_module(const struct iob_module *m)
{
	for (int c = 0; c < IOBUF_CLASS_COUNT; c++)
		for (uint64_t i = 0; dbg[c] != NULL && i < geo[c].count; i++)
			if (dbg[c][i].mod == m)
				dbg[c][i].mod = NULL;
}
