/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * The buffers a single-threaded test holds, as a stack: taken through a
 * channel, given back from the top or from an index on. Reset it in each
 * test's setup.
 */

#ifndef TEST_HELD_H
#define TEST_HELD_H

#include <stdint.h>

#include "test_env.h"

#define TEST_HELD_MAX (TEST_SMALL_COUNT + TEST_LARGE_COUNT)

extern void *test_held[TEST_HELD_MAX];
extern uint32_t test_nheld;

void test_held_reset(void);
/* Take every free buffer of len's class through ch; expect that many. */
void test_held_drain(struct iobuf_channel *ch, uint64_t len, uint32_t expect);
/* Take exactly n buffers of len's class through ch. */
void test_held_take(struct iobuf_channel *ch, uint64_t len, uint32_t n);
/* Put back test_held[from..test_nheld) through ch. */
void test_held_return(struct iobuf_channel *ch, uint32_t from);
/* Put the last held buffer back through ch; returns it. */
void *test_held_put_one(struct iobuf_channel *ch);

#endif /* TEST_HELD_H */
