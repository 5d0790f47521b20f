// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 The iobuf authors

// The C consumer's twin in C++: iobuf.h must compile as C++ (extern "C",
// static_assert) and link without name mangling.

#include <cstdio>
#include <cstring>

#include <iobuf.h>

static_assert(sizeof(iobuf_opts) == 32, "iobuf_opts is ABI");

int main()
{
	iobuf_opts opts;
	iobuf_channel *ch = nullptr;
	iobuf_stats st;
	bool failed = true;

	iobuf_get_opts(&opts, sizeof(opts));
	opts.small_pool_count = 64;
	opts.large_pool_count = 8;
	opts.small_bufsize = 4096;
	opts.large_bufsize = 8192;
	if (iobuf_set_opts(&opts) != 0 || iobuf_env_init() != 0 ||
	    iobuf_initialize() != 0)
		return 1;
	if (iobuf_register_module("consumer_cpp") == 0 &&
	    iobuf_channel_init(&ch, "consumer_cpp", 4, 1) == 0) {
		void *buf = iobuf_get(ch, 8192, nullptr, nullptr);
		if (buf != nullptr) {
			std::memset(buf, 0, 8192);
			iobuf_put(ch, buf, 8192);
			failed = iobuf_get_stats(&st, sizeof(st), nullptr, 0, 0) != 1 ||
				 st.pool[IOBUF_CLASS_LARGE].total != 8;
		}
		iobuf_channel_fini(ch);
	}
	failed |= iobuf_finish() != 0;
	iobuf_env_fini();
	std::printf("consumer (C++) on iobuf %s: %s\n", iobuf_version(),
		    failed ? "FAILED" : "ok");
	return failed ? 1 : 0;
}
