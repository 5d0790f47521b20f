/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * White-box check of the bulk put's copy and pointer check (lib/exact.c):
 * every kernel that iob_exact_init() may choose must agree with division
 * on whether all of n pointers start a buffer of one class, copy them when
 * they do and write nothing past the n slots. Buffer sizes of every shape
 * the options allow (4 KiB times 1 to 2^20 - 1), classes up to the vector
 * kernel's limit and beyond it, and one wrong pointer of every kind in
 * every lane. The pointers are numbers only; nothing dereferences them.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iobuf_internal.h"

#define FIRST ((uintptr_t)1 << 40)
#define PAGES_LIMIT ((uint64_t)1 << 20)
#define LANES 67

typedef bool (*kernel_fn)(const struct iob_exact *, void **, void *const *,
			  uint32_t);

/* xorshift64*: reproducible samples. */
static uint64_t
next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static bool
reference(uint64_t bufsize, uint64_t count, void *const *bufs, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uintptr_t p = (uintptr_t)bufs[i];

		if (p < FIRST || (p - FIRST) % bufsize != 0 ||
		    (p - FIRST) / bufsize >= count)
			return false;
	}
	return true;
}

/* Every kernel valid for the geometry, the one init chose first. */
static unsigned int
kernels(const struct iob_exact *e, uint64_t bufsize, uint64_t count,
	kernel_fn out[3])
{
	unsigned int k = 0;

	out[k++] = e->copy;
	out[k++] = iob_exact_copy;
#if defined(__x86_64__) && defined(__GNUC__)
	uint64_t odd = bufsize >> __builtin_ctzll(bufsize);

	if (count <= ((uint64_t)1 << 32) / odd && __builtin_cpu_supports("avx2"))
		out[k++] = iob_exact_copy_avx2;
#else
	(void)bufsize;
	(void)count;
#endif
	return k;
}

/* Each kernel copies all n pointers and agrees with division. */
static void
expect_all(uint64_t bufsize, uint64_t count, void *const *bufs, uint32_t n)
{
	struct iob_exact e;
	kernel_fn fn[3];
	void *dst[LANES + 1];
	bool want = reference(bufsize, count, bufs, n);

	iob_exact_init(&e, FIRST, bufsize, count);
	for (unsigned int k = 0, nk = kernels(&e, bufsize, count, fn); k < nk;
	     k++) {
		memset(dst, 0xa5, sizeof(dst));
		if (fn[k](&e, dst, bufs, n) != want)
			fail_msg("kernel %u: bufsize %llu count %llu n %u: "
				 "says %d, division says %d", k,
				 (unsigned long long)bufsize,
				 (unsigned long long)count, n, !want, want);
		if (want && memcmp(dst, bufs, n * sizeof(*bufs)) != 0)
			fail_msg("kernel %u: n %u: the copy differs", k, n);
		for (const unsigned char *b = (const unsigned char *)&dst[n];
		     b < (const unsigned char *)&dst[LANES + 1]; b++)
			if (*b != 0xa5)
				fail_msg("kernel %u: n %u: wrote past dst[n]",
					 k, n);
	}
}

/* A pointer near buffer idx of the class, or near the region's ends. */
static uintptr_t
wrong_pointer(uint64_t bufsize, uint64_t count, uint64_t idx, uint64_t *s)
{
	uintptr_t start = FIRST + idx * bufsize;

	switch (next(s) % 9) {
	case 0: return start + 1;
	case 1: return start - 1;
	case 2: return start + IOB_ALIGN;
	case 3: return start + bufsize / 2;
	case 4: return FIRST + count * bufsize;          /* one past the end */
	case 5: return FIRST + (count + next(s) % 4) * bufsize;
	case 6: return FIRST - bufsize;                  /* before the first */
	case 7: return start + ((uintptr_t)1 << 32) * IOB_ALIGN;
	default: return (uintptr_t)next(s) & ~(uintptr_t)(IOB_ALIGN - 1);
	}
}

static void
check_geometry(uint64_t bufsize, uint64_t count, uint64_t *s)
{
	void *bufs[LANES];

	for (uint32_t n = 1; n <= LANES; n += 1 + (n > 9) * 7) {
		for (uint32_t i = 0; i < n; i++) {
			uint64_t idx = next(s) % count;

			if (i == 0)
				idx = 0;
			else if (i == n - 1)
				idx = count - 1;
			bufs[i] = (void *)(FIRST + idx * bufsize);
		}
		expect_all(bufsize, count, bufs, n);
		for (uint32_t bad = 0; bad < n; bad++) {
			void *keep = bufs[bad];

			bufs[bad] = (void *)wrong_pointer(bufsize, count,
							 next(s) % count, s);
			expect_all(bufsize, count, bufs, n);
			bufs[bad] = keep;
		}
	}
}

static void
small_sizes_and_counts(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (uint64_t pages = 1; pages <= 64; pages++)
		for (uint64_t count = 1; count <= 40; count += 3)
			check_geometry(pages * IOB_ALIGN, count, &seed);
}

/*
 * Classes right at the vector kernel's limit (count * odd = 2^32, and just
 * above, where init must choose the scalar kernel) for odd parts of every
 * magnitude.
 */
static void
counts_at_the_32_bit_limit(void **state)
{
	static const uint64_t odds[] = { 1, 3, 5, 7, 255, 257, 4095, 65537,
					 (1u << 19) + 1, (1u << 20) - 1 };
	uint64_t seed = 0x2545f4914f6cdd1dull;

	(void)state;
	for (size_t i = 0; i < sizeof(odds) / sizeof(odds[0]); i++) {
		uint64_t bufsize = odds[i] * IOB_ALIGN;
		uint64_t limit = ((uint64_t)1 << 32) / odds[i];
		struct iob_exact e;

		for (uint64_t count = limit - 1; count <= limit + 1; count++)
			check_geometry(bufsize, count, &seed);
#if defined(__x86_64__) && defined(__GNUC__)
		if (__builtin_cpu_supports("avx2")) {
			iob_exact_init(&e, FIRST, bufsize, limit);
			assert_true(e.copy == iob_exact_copy_avx2);
		}
#endif
		iob_exact_init(&e, FIRST, bufsize, limit + 1);
		assert_true(e.copy == iob_exact_copy);
	}
}

static void
sampled_sizes_and_counts(void **state)
{
	uint64_t seed = 0xd1b54a32d192ed03ull;

	(void)state;
	for (int i = 0; i < 3000; i++) {
		uint64_t pages, count;

		pages = (1 + next(&seed) % (PAGES_LIMIT - 1)) >> (next(&seed) % 20);
		pages += pages == 0;
		pages <<= next(&seed) % 4 == 0 ? next(&seed) % 8 : 0;
		if (pages >= PAGES_LIMIT)
			pages = PAGES_LIMIT - 1;
		count = 1 + next(&seed) % ((uint64_t)1 << (next(&seed) % 34));
		check_geometry(pages * IOB_ALIGN, count, &seed);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(small_sizes_and_counts),
		cmocka_unit_test(counts_at_the_32_bit_limit),
		cmocka_unit_test(sampled_sizes_and_counts),
	};

	return cmocka_run_group_tests_name("exact_kernels", tests, NULL, NULL);
}
