#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# A library built with -Ddebug_checks=true catches misuse made through the
# inline iobuf_get and iobuf_put of a consumer compiled against the
# installed header: its inline path always misses, so each call reaches the
# checked code. Builds test/consumer/misuse.c as a user would (pkg-config),
# with the library's sanitizer flags, and expects an abort naming the
# misuse for a double put and a put or bulk get from another thread, and a
# refusal for a page inside a buffer.
#
# usage: check_debug_consumer.sh <build dir> <test/consumer dir> <cc> [cflags...]
set -eu

# shellcheck source=stage.sh
. "$(dirname "$0")/stage.sh"
cc=$3
shift 3

libdir=$(dirname "$(find "$stage" -name 'libiobuf.so' | head -n 1)")
# shellcheck disable=SC2046,SC2086
$cc -std=c11 -Wall -Wextra -Werror "$@" $(pkg-config --cflags iobuf) \
	"$src/misuse.c" -o "$stage/misuse" $(pkg-config --libs iobuf) -pthread ||
	fail "misuse.c does not build"
nm -u "$stage/misuse" | grep -q iobuf_put_miss ||
	fail "misuse.c does not inline iobuf_put"
nm -u "$stage/misuse" | grep -q iobuf_get_bulk_miss ||
	fail "misuse.c does not inline iobuf_get_bulk"

# EAL's run directory for the default prefix of process $1 (as DPDK's
# eal_create_runtime_dir() and test/common/test_env.c name it). An aborted
# process leaves it behind, and a later test process that gets the same pid
# would find it and count it as its own.
runtime_dirs() {
	base=/var/run
	[ "$(id -u)" -eq 0 ] || base=${XDG_RUNTIME_DIR:-/tmp}
	echo "$base/dpdk/iobuf_$1_"*
}

# expect <scenario> <status> <text>: status is "abort" or an exit code.
expect() {
	rc=0
	LD_LIBRARY_PATH=$libdir ASAN_OPTIONS=handle_abort=0 "$stage/misuse" "$1" \
		>"$stage/out" 2>&1 &
	pid=$!
	wait $pid || rc=$?
	for d in $(runtime_dirs $pid); do
		[ ! -d "$d" ] || rmdir "$d" || fail "$1: cannot remove $d"
	done
	cat "$stage/out"
	case $2 in
	abort) [ $rc -eq 134 ] || fail "$1: exit $rc, expected an abort (SIGABRT)" ;;
	*) [ $rc -eq "$2" ] || fail "$1: exit $rc, expected $2" ;;
	esac
	grep -q "$3" "$stage/out" || fail "$1: the output does not say \"$3\""
}
expect double-put abort "double put"
expect other-thread abort "used by a thread that does not own it"
expect bulk-other-thread abort "iobuf_get_bulk: channel .* used by a thread that does not own it"
expect interior 0 "not its start; refused"
echo "check_debug_consumer: ok"
