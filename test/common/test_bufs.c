/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

#include "test_bufs.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

int test_ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a;
	uintptr_t y = (uintptr_t)*(void *const *)b;

	return (x > y) - (x < y);
}

void test_ptrs_sort(void **bufs, size_t n)
{
	qsort(bufs, n, sizeof(*bufs), test_ptr_cmp);
}

bool test_ptr_in_sorted(void *const *sorted, size_t n, const void *buf)
{
	return bsearch(&buf, sorted, n, sizeof(*sorted), test_ptr_cmp) != NULL;
}

/* A sorted copy of bufs (the caller's order may matter); free() it. */
static void **sorted_copy(void *const *bufs, size_t n)
{
	void **copy = malloc((n + 1) * sizeof(*copy));

	assert_non_null(copy);
	memcpy(copy, bufs, n * sizeof(*copy));
	test_ptrs_sort(copy, n);
	return copy;
}

void test_assert_all_among(void *const *want, size_t n, void *const *set,
			   size_t nset)
{
	void **sorted = sorted_copy(set, nset);

	for (size_t i = 0; i < n; i++) {
		if (!test_ptr_in_sorted(sorted, nset, want[i])) {
			void *missing = want[i];

			free(sorted);
			fail_msg("buffer %p is not among the %zu expected",
				 missing, nset);
		}
	}
	free(sorted);
}

void test_assert_distinct(void *const *bufs, size_t n)
{
	void **copy = sorted_copy(bufs, n);

	for (size_t i = 1; i < n; i++) {
		if (copy[i] == copy[i - 1]) {
			void *dup = copy[i];

			free(copy);
			fail_msg("buffer %p handed out twice", dup);
		}
	}
	free(copy);
}

void test_assert_disjoint(void *const *bufs, size_t n, uint64_t size)
{
	void **copy = sorted_copy(bufs, n);

	for (size_t i = 1; i < n; i++) {
		if ((uintptr_t)copy[i] - (uintptr_t)copy[i - 1] < size) {
			void *lo = copy[i - 1], *hi = copy[i];

			free(copy);
			fail_msg("buffers %p and %p overlap: they are less "
				 "than %llu bytes apart", lo, hi,
				 (unsigned long long)size);
		}
	}
	free(copy);
}
