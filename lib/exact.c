/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * A bulk put's copy into the cache, which also tells whether every pointer
 * starts a buffer of one class, with no division and no branch per
 * pointer. The copy goes to free slots above the cache's top, so a refused
 * put has changed nothing; checking while copying reads each pointer once.
 *
 * A buffer of size 2^shift * odd starts at offset x from the class's first
 * buffer when x has its low shift bits clear and y = x >> shift is k * odd
 * with k < count. For odd divisors, exact division is a multiply by the
 * inverse (Granlund and Montgomery, "Division by invariant integers using
 * multiplication", 1994): y * inv (mod 2^w) is y / odd when odd divides y,
 * and above (2^w - 1) / odd, so at least count, when it does not.
 */

#include <stdbool.h>
#include <stdint.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "iobuf_internal.h"

/*
 * Any class, one pointer at a time: rotating x * inv right by shift moves
 * the low bits of x, which the multiply by an odd number keeps non-zero,
 * to the top, so the index is at least count unless x starts a buffer.
 */
bool
iob_exact_copy(const struct iob_exact *e, void **dst, void *const *bufs,
	       uint32_t n)
{
	const uintptr_t first = e->first;
	const uint64_t inv = e->inv;
	const unsigned int shift = e->shift;
	uint64_t top = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t x = ((uintptr_t)bufs[i] - first) * inv;
		uint64_t idx = (x >> shift) | (x << ((64 - shift) & 63));

		top = idx > top ? idx : top;
		dst[i] = bufs[i];
	}
	return top < e->count;
}

#if defined(__x86_64__) && defined(__GNUC__)
/*
 * Four pointers per instruction, for classes with count * odd <= 2^32.
 * An offset x that starts such a buffer has no bad_bits (its low shift
 * bits, and those from 32 + shift up), so y = x >> shift fits in 32 bits
 * and AVX2's 32 x 32 -> 64 multiply gives y * inv (mod 2^32) in each
 * lane's low half. Their maximum must be below count; the high halves are
 * noise that the 32-bit maximum carries along and the end discards.
 */
struct lanes {
	__m256i first, bad_bits, inv, bad, top;
	__m128i shift;
};

/* Four pointers: check them into l, copy them to dst. */
static inline __attribute__((always_inline, target("avx2,tune=haswell"))) void
four(struct lanes *l, void **dst, void *const *bufs)
{
	__m256i p = _mm256_loadu_si256((const __m256i *)bufs);
	__m256i x, q;

	_mm256_storeu_si256((__m256i *)dst, p);
	x = _mm256_sub_epi64(p, l->first);
	q = _mm256_mul_epu32(_mm256_srl_epi64(x, l->shift), l->inv);
	l->bad = _mm256_or_si256(l->bad, _mm256_and_si256(x, l->bad_bits));
	l->top = _mm256_max_epu32(l->top, q);
}

__attribute__((target("avx2,tune=haswell"))) bool
iob_exact_copy_avx2(const struct iob_exact *e, void **dst,
		    void *const *bufs, uint32_t n)
{
	struct lanes l = {
		.first = _mm256_set1_epi64x((long long)e->first),
		.bad_bits = _mm256_set1_epi64x((long long)e->bad_bits),
		.inv = _mm256_set1_epi64x((long long)(uint32_t)e->inv),
		.bad = _mm256_setzero_si256(),
		.top = _mm256_setzero_si256(),
		.shift = _mm_cvtsi32_si128((int)e->shift),
	};
	void *const *end = bufs + (n & ~(uint32_t)7);
	__m256i top;

	for (; bufs != end; bufs += 8, dst += 8) {
		four(&l, dst, bufs);
		four(&l, dst + 4, bufs + 4);
	}
	if (n & 4) {
		four(&l, dst, bufs);
		bufs += 4;
		dst += 4;
	}
	top = _mm256_and_si256(l.top, _mm256_set1_epi64x(0xffffffffll));
	if (!_mm256_testz_si256(l.bad, l.bad) ||
	    _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(
		    _mm256_set1_epi64x((long long)e->count), top))) != 0xf)
		return false;
	return (n & 3) == 0 || iob_exact_copy(e, dst, bufs, n & 3);
}
#endif

/* The inverse of odd q modulo 2^64, by Newton's iteration. */
static uint64_t
inverse_odd(uint64_t q)
{
	uint64_t x = q;          /* right to 3 bits: q * q = 1 mod 8 */

	for (int i = 0; i < 5; i++)
		x *= 2 - q * x;  /* each step doubles the right bits */
	return x;
}

void
iob_exact_init(struct iob_exact *e, uintptr_t first, uint64_t bufsize,
	       uint64_t count)
{
	unsigned int shift = (unsigned int)__builtin_ctzll(bufsize);
	uint64_t odd = bufsize >> shift;

	e->first = first;
	e->bad_bits = ((uint64_t)1 << shift) - 1;
	if (shift < 32)
		e->bad_bits |= ~(((uint64_t)1 << (32 + shift)) - 1);
	e->shift = shift;
	e->inv = inverse_odd(odd);
	e->count = count;
	e->copy = iob_exact_copy;
#if defined(__x86_64__) && defined(__GNUC__)
	if (count <= ((uint64_t)1 << 32) / odd &&
	    __builtin_cpu_supports("avx2"))
		e->copy = iob_exact_copy_avx2;
#endif
}
