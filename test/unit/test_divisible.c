/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * White-box check of the division-free test behind exact buffer starts
 * (iob_div_init in lib/iobuf_internal.h): for every buffer size in pages
 * the options allow (1 to 2^20 - 1) and every page index a region can
 * have (below 2^35), page * mul <= max must agree with page % m == 0.
 * Exhaustive for small sizes and pages, sampled with a fixed seed beyond.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "iobuf_internal.h"

#define PAGE_LIMIT ((uint64_t)1 << 35)
#define M_LIMIT ((uint64_t)1 << 20)

static bool
divisible(uint64_t m, uint64_t n)
{
	uint64_t mul, max;

	iob_div_init(m, &mul, &max);
	return n * mul <= max;
}

/* xorshift64*: reproducible samples. */
static uint64_t
next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static void
small_sizes_agree_on_every_small_page(void **state)
{
	(void)state;
	for (uint64_t m = 1; m <= 300; m++)
		for (uint64_t n = 0; n < 20000; n++)
			if (divisible(m, n) != (n % m == 0))
				fail_msg("m %llu n %llu", (unsigned long long)m,
					 (unsigned long long)n);
}

static void
sizes_agree_around_every_multiple_up_to_the_largest_page(void **state)
{
	static const uint64_t extremes[] = { 1, 2, M_LIMIT - 1, M_LIMIT / 2 + 1 };
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		uint64_t m, n;

		/* Sizes of every magnitude, and the extremes. */
		if (i < 4) {
			m = extremes[i];
		} else {
			m = (1 + next(&seed) % (M_LIMIT - 1)) >> (next(&seed) % 20);
			m += m == 0;
		}
		n = next(&seed) % (PAGE_LIMIT / m) * m;
		for (int64_t d = -2; d <= 2; d++) {
			uint64_t p = n + (uint64_t)d;

			if (p >= PAGE_LIMIT)
				continue;
			if (divisible(m, p) != (p % m == 0))
				fail_msg("m %llu n %llu", (unsigned long long)m,
					 (unsigned long long)p);
		}
		n = next(&seed) % PAGE_LIMIT;
		if (divisible(m, n) != (n % m == 0))
			fail_msg("m %llu n %llu", (unsigned long long)m,
				 (unsigned long long)n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(small_sizes_agree_on_every_small_page),
		cmocka_unit_test(sizes_agree_around_every_multiple_up_to_the_largest_page),
	};

	return cmocka_run_group_tests_name("divisible", tests, NULL, NULL);
}
