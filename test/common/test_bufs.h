/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Sets of buffer pointers: an order for qsort() and bsearch(), lookup in a
 * sorted array, and the checks that buffers came from a known set, that
 * none was handed out twice and that none overlaps another.
 */

#ifndef TEST_BUFS_H
#define TEST_BUFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* qsort()/bsearch() comparison of two void * elements, by address. */
int test_ptr_cmp(const void *a, const void *b);
/* Sort n pointers by address, in place. */
void test_ptrs_sort(void **bufs, size_t n);
/* Whether buf is one of sorted[0..n), sorted by test_ptrs_sort(). */
bool test_ptr_in_sorted(void *const *sorted, size_t n, const void *buf);
/* Fails naming the first of want[0..n) that is not among set[0..nset). */
void test_assert_all_among(void *const *want, size_t n, void *const *set,
			   size_t nset);
/* Fails naming the buffer unless the n pointers are pairwise distinct. */
void test_assert_distinct(void *const *bufs, size_t n);
/*
 * Fails naming two buffers unless each of the n buffers of size bytes lies
 * at least size bytes from every other: distinct and not overlapping.
 */
void test_assert_disjoint(void *const *bufs, size_t n, uint64_t size);

#endif /* TEST_BUFS_H */
