/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * The version is written once, as meson.build's project version; meson
 * generates iobuf_version.h from it. Checked here: iobuf.h itself defines
 * no version number, the generated macros and IOBUF_CHECK_VERSION work in
 * #if, and the macros and iobuf_version() of the linked library equal the
 * project version, which test/meson.build passes in as TEST_PROJECT_VERSION
 * and its three numbers.
 */

#include <stdio.h>

/*
 * iobuf.h with the generated header hidden behind its include guard: no
 * version macro may be left. Then the generated header alone.
 */
#define IOBUF_VERSION_H
#include <iobuf.h>
#if defined(IOBUF_VERSION_MAJOR) || defined(IOBUF_VERSION_MINOR) || \
	defined(IOBUF_VERSION_PATCH)
#error "iobuf.h defines a version number: meson.build's project version is the only place"
#endif
#undef IOBUF_VERSION_H
#include <iobuf_version.h>

#include "test_env.h"

#if !defined(TEST_PROJECT_VERSION) || !defined(TEST_PROJECT_VERSION_MAJOR) || \
	!defined(TEST_PROJECT_VERSION_MINOR) || !defined(TEST_PROJECT_VERSION_PATCH)
#error "test/meson.build passes the project version"
#endif

/* Plain integers, usable in #if as the header promises. */
#if IOBUF_VERSION_MAJOR != TEST_PROJECT_VERSION_MAJOR || \
	IOBUF_VERSION_MINOR != TEST_PROJECT_VERSION_MINOR || \
	IOBUF_VERSION_PATCH != TEST_PROJECT_VERSION_PATCH
#error "the generated version macros differ from meson.build's project version"
#endif

#if !IOBUF_CHECK_VERSION(IOBUF_VERSION_MAJOR, IOBUF_VERSION_MINOR)
#error "IOBUF_CHECK_VERSION(current) must hold"
#endif
#if IOBUF_CHECK_VERSION(IOBUF_VERSION_MAJOR + 1, 0)
#error "IOBUF_CHECK_VERSION(next major) must not hold"
#endif

static void version_macros_equal_the_project_version(void **state)
{
	(void)state;
	assert_int_equal(IOBUF_VERSION_MAJOR, TEST_PROJECT_VERSION_MAJOR);
	assert_int_equal(IOBUF_VERSION_MINOR, TEST_PROJECT_VERSION_MINOR);
	assert_int_equal(IOBUF_VERSION_PATCH, TEST_PROJECT_VERSION_PATCH);
}

static void linked_library_reports_the_project_version(void **state)
{
	char macros[32];

	(void)state;
	snprintf(macros, sizeof(macros), "%d.%d.%d", IOBUF_VERSION_MAJOR,
		 IOBUF_VERSION_MINOR, IOBUF_VERSION_PATCH);
	assert_non_null(iobuf_version());
	assert_string_equal(iobuf_version(), TEST_PROJECT_VERSION);
	assert_string_equal(iobuf_version(), macros);
}

static void check_version_compares_major_then_minor(void **state)
{
	(void)state;
	assert_true(IOBUF_CHECK_VERSION(0, 0));
	assert_true(IOBUF_CHECK_VERSION(IOBUF_VERSION_MAJOR, IOBUF_VERSION_MINOR));
	assert_false(IOBUF_CHECK_VERSION(IOBUF_VERSION_MAJOR,
					 IOBUF_VERSION_MINOR + 1));
	assert_false(IOBUF_CHECK_VERSION(IOBUF_VERSION_MAJOR + 1, 0));
	if (IOBUF_VERSION_MAJOR > 0)
		assert_true(IOBUF_CHECK_VERSION(IOBUF_VERSION_MAJOR - 1, 99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, test_setup_bare, test_teardown)
		T(version_macros_equal_the_project_version),
		T(linked_library_reports_the_project_version),
		T(check_version_compares_major_then_minor),
#undef T
	};

	return cmocka_run_group_tests_name("version", tests, NULL, NULL);
}
