/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The iobuf authors
 */

/*
 * Module registry (SPEC §3): register before or after initialize, name
 * rules, -EEXIST / -ENOENT / -EBUSY, and what unregistering does to the
 * statistics.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test_env.h"

static int module_count(void)
{
	int n = iobuf_get_stats(NULL, 0, NULL, 0, 0);

	assert_true(n >= 0);
	return n;
}

static void register_then_unregister_before_initialize(void **state)
{
	struct iobuf_module_stats m;

	(void)state;
	assert_int_equal(iobuf_register_module("mod_early"), 0);
	assert_int_equal(module_count(), 1);
	test_module_stats("mod_early", &m);
	assert_int_equal(m.channels, 0);
	assert_int_equal(iobuf_unregister_module("mod_early"), 0);
	assert_int_equal(module_count(), 0);
}

static void module_registered_after_initialize_opens_channels(void **state)
{
	struct iobuf_channel *ch = NULL;

	(void)state;
	assert_int_equal(iobuf_initialize(), 0);
	assert_int_equal(iobuf_register_module("mod_late"), 0);
	assert_int_equal(iobuf_channel_init(&ch, "mod_late", 1, 1), 0);
	iobuf_channel_fini(ch);
}

static void module_outlives_finish_and_reinitialize(void **state)
{
	struct iobuf_channel *ch = NULL;

	(void)state;
	assert_int_equal(iobuf_register_module("mod_kept"), 0);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(iobuf_initialize(), 0);
		assert_int_equal(iobuf_channel_init(&ch, "mod_kept", 2, 1), 0);
		iobuf_channel_fini(ch);
		assert_int_equal(iobuf_finish(), 0);
	}
	assert_int_equal(module_count(), 1);
}

static void register_twice_returns_eexist(void **state)
{
	(void)state;
	assert_int_equal(iobuf_register_module("mod_twice"), 0);
	assert_int_equal(iobuf_register_module("mod_twice"), -EEXIST);
	assert_int_equal(module_count(), 1);
	assert_int_equal(iobuf_unregister_module("mod_twice"), 0);
	assert_int_equal(iobuf_register_module("mod_twice"), 0);
}

static void register_rejects_null_empty_and_too_long_names(void **state)
{
	char name[IOBUF_MODULE_NAME_MAX + 2];
	struct iobuf_module_stats m;

	(void)state;
	assert_int_equal(iobuf_register_module(NULL), -EINVAL);
	assert_int_equal(iobuf_register_module(""), -EINVAL);
	memset(name, 'x', IOBUF_MODULE_NAME_MAX + 1);
	name[IOBUF_MODULE_NAME_MAX + 1] = '\0';
	assert_int_equal(iobuf_register_module(name), -EINVAL);
	assert_int_equal(module_count(), 0);

	/* Exactly IOBUF_MODULE_NAME_MAX characters fit, and come back whole. */
	name[IOBUF_MODULE_NAME_MAX] = '\0';
	assert_int_equal(iobuf_register_module(name), 0);
	test_module_stats(name, &m);
	assert_string_equal(m.name, name);
}

static void unregister_of_unknown_or_null_name_fails(void **state)
{
	(void)state;
	assert_int_equal(iobuf_unregister_module("mod_never"), -ENOENT);
	assert_int_equal(iobuf_unregister_module(NULL), -EINVAL);
	assert_int_equal(iobuf_register_module("mod_once"), 0);
	assert_int_equal(iobuf_unregister_module("mod_once"), 0);
	assert_int_equal(iobuf_unregister_module("mod_once"), -ENOENT);
}

static void unregister_with_a_channel_open_returns_ebusy(void **state)
{
	struct iobuf_channel *ch;

	(void)state;
	assert_int_equal(iobuf_initialize(), 0);
	ch = test_channel("mod_busy", 1, 1);
	assert_int_equal(iobuf_unregister_module("mod_busy"), -EBUSY);
	assert_int_equal(module_count(), 1);
	iobuf_channel_fini(ch);
	assert_int_equal(iobuf_unregister_module("mod_busy"), 0);
}

static void channel_of_unregistered_module_returns_enodev(void **state)
{
	struct iobuf_channel *ch = NULL;

	(void)state;
	assert_int_equal(iobuf_initialize(), 0);
	assert_int_equal(iobuf_channel_init(&ch, "mod_absent", 0, 0), -ENODEV);
	assert_int_equal(iobuf_register_module("mod_gone"), 0);
	assert_int_equal(iobuf_unregister_module("mod_gone"), 0);
	assert_int_equal(iobuf_channel_init(&ch, "mod_gone", 0, 0), -ENODEV);
}

static void unregistered_module_buffers_stay_in_pool_stats(void **state)
{
	struct iobuf_module_stats m;
	struct iobuf_channel *ch;
	struct iobuf_stats st;
	void *bufs[3];

	(void)state;
	assert_int_equal(iobuf_initialize(), 0);
	ch = test_channel("mod_leaver", 0, 0);
	assert_int_equal(test_drain(ch, 1, bufs, 3), 3);
	iobuf_channel_fini(ch);
	assert_int_equal(iobuf_unregister_module("mod_leaver"), 0);

	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].out, 3);
	test_assert_pool_conservation();
	assert_int_equal(module_count(), 0);

	ch = test_channel("mod_finder", 0, 0);
	test_put_all(ch, bufs, 3, 1);
	test_module_stats("mod_finder", &m);
	assert_int_equal(m.cls[IOBUF_CLASS_SMALL].out, -3);
	test_pool_stats(&st);
	assert_int_equal(st.pool[IOBUF_CLASS_SMALL].out, 0);
	test_assert_pool_conservation();
	iobuf_channel_fini(ch);
	assert_int_equal(iobuf_unregister_module("mod_finder"), 0);
}

static void reregistered_module_starts_with_fresh_stats(void **state)
{
	struct iobuf_module_stats m, zero;
	struct iobuf_channel *ch;
	void *buf;

	(void)state;
	assert_int_equal(iobuf_initialize(), 0);
	ch = test_channel("mod_again", 1, 1);
	buf = iobuf_get(ch, 1, NULL, NULL);
	assert_non_null(buf);
	iobuf_put(ch, buf, 1);
	iobuf_channel_fini(ch);
	assert_int_equal(iobuf_unregister_module("mod_again"), 0);

	assert_int_equal(iobuf_register_module("mod_again"), 0);
	test_module_stats("mod_again", &m);
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(m.channels, 0);
	assert_memory_equal(m.cls, zero.cls, sizeof(m.cls));
}

static void many_modules_register_and_list_in_order(void **state)
{
	struct iobuf_module_stats mods[TEST_MAX_MODULES];
	const int count = 200;
	char name[16];

	(void)state;
	for (int i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "mod_%03d", i);
		assert_int_equal(iobuf_register_module(name), 0);
	}
	assert_int_equal(iobuf_get_stats(NULL, 0, mods, sizeof(mods[0]), TEST_MAX_MODULES), count);
	for (int i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "mod_%03d", i);
		assert_string_equal(mods[i].name, name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, test_setup_bare, test_teardown)
		T(register_then_unregister_before_initialize),
		T(module_registered_after_initialize_opens_channels),
		T(module_outlives_finish_and_reinitialize),
		T(register_twice_returns_eexist),
		T(register_rejects_null_empty_and_too_long_names),
		T(unregister_of_unknown_or_null_name_fails),
		T(unregister_with_a_channel_open_returns_ebusy),
		T(channel_of_unregistered_module_returns_enodev),
		T(unregistered_module_buffers_stay_in_pool_stats),
		T(reregistered_module_starts_with_fresh_stats),
		T(many_modules_register_and_list_in_order),
#undef T
	};

	return cmocka_run_group_tests_name("module", tests, test_group_setup,
					   test_group_teardown);
}
