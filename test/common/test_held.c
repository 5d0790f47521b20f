/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_held.h"

void *test_held[TEST_HELD_MAX];
uint32_t test_nheld;

void test_held_reset(void)
{
	test_nheld = 0;
}

void test_held_drain(struct iobuf_channel *ch, uint64_t len, uint32_t expect)
{
	uint32_t n = test_drain(ch, len, test_held + test_nheld,
				TEST_HELD_MAX - test_nheld);

	assert_int_equal(n, expect);
	test_nheld += n;
}

void test_held_take(struct iobuf_channel *ch, uint64_t len, uint32_t n)
{
	assert_int_equal(test_drain(ch, len, test_held + test_nheld, n), n);
	test_nheld += n;
}

void test_held_return(struct iobuf_channel *ch, uint32_t from)
{
	test_put_all(ch, test_held + from, test_nheld - from, 0);
	test_nheld = from;
}

void *test_held_put_one(struct iobuf_channel *ch)
{
	void *buf;

	assert_true(test_nheld > 0);
	buf = test_held[--test_nheld];
	iobuf_put(ch, buf, 1);
	return buf;
}
