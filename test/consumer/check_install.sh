#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Install the build into a staging DESTDIR, then build what a user builds
# against the installed package: iobuf.h alone, and a one-file consumer in C
# and in C++ with the flags `pkg-config --cflags --libs iobuf` gives.
#
# usage: check_install.sh <build dir> <test/consumer dir>
set -eu

# shellcheck source=stage.sh
. "$(dirname "$0")/stage.sh"

cflags=$(pkg-config --cflags iobuf) || fail "pkg-config --cflags iobuf"
libs=$(pkg-config --libs iobuf) || fail "pkg-config --libs iobuf"
version=$(pkg-config --modversion iobuf) || fail "pkg-config --modversion iobuf"
echo "cflags: $cflags"
echo "libs:   $libs"

# iobuf.h includes no DPDK header, so nothing of DPDK's may reach a consumer.
case "$cflags" in
*dpdk*|*rte_config*|*-march=*) fail "DPDK's flags leak into consumers: $cflags" ;;
esac
case "$cflags" in
*"-I$(dirname "$header")"*) ;;
*) fail "cflags do not point at the staged $header: $cflags" ;;
esac

libdir=$(dirname "$(find "$stage" -name 'libiobuf.so' | head -n 1)")
out=$stage/out
mkdir "$out"

# Every compiler present, each once (cc is usually gcc under another name).
compilers() {
	seen=""
	for c in "$@"; do
		path=$(command -v "$c" 2>/dev/null) || continue
		real=$(readlink -f "$path")
		case " $seen " in *" $real "*) continue ;; esac
		seen="$seen $real"
		printf '%s ' "$c"
	done
}
ccs=$(compilers "${CC:-cc}" gcc clang)
cxxs=$(compilers "${CXX:-c++}" g++ clang++)
[ -n "$ccs" ] || fail "no C compiler"
[ -n "$cxxs" ] || fail "no C++ compiler"

strict="-Wall -Wextra -Werror -pedantic"
n=0
for cc in $ccs; do
	n=$((n + 1))
	echo "== $cc: iobuf.h alone, then consumer.c"
	printf '#include <iobuf.h>\n' >"$out/alone.c"
	# shellcheck disable=SC2086
	$cc -std=c11 $strict $cflags -c "$out/alone.c" -o "$out/alone$n.o" ||
		fail "$cc: iobuf.h does not compile alone as C11"
	# shellcheck disable=SC2086
	$cc -std=c11 $strict $cflags "$src/consumer.c" -o "$out/consumer_c$n" $libs ||
		fail "$cc: consumer.c does not build"
	LD_LIBRARY_PATH=$libdir "$out/consumer_c$n" >"$out/run.log" ||
		{ cat "$out/run.log"; fail "$cc: consumer.c failed"; }
	cat "$out/run.log"
	# consumer.c checks that the installed header's macros and the library
	# agree; the version it prints must also be the one iobuf.pc gives.
	grep -q "on iobuf $version: ok" "$out/run.log" ||
		fail "$cc: consumer.c does not report iobuf.pc's version $version"
done
# The inline fast path: a consumer calls only the out-of-line halves of
# iobuf_get, iobuf_put and iobuf_get_bulk; with IOBUF_NO_INLINE it calls
# the exported functions themselves (FFI, dlopen), and nothing of the
# inline code.
calls() { nm -u "$1" | awk '{ sub(/@.*/, "", $NF); print $NF }'; }
calls "$out/consumer_c1" >"$out/calls"
grep -qx iobuf_get_miss "$out/calls" && grep -qx iobuf_put_miss "$out/calls" &&
	grep -qx iobuf_get_bulk_miss "$out/calls" ||
	fail "the consumer does not call iobuf_get_miss, iobuf_put_miss and iobuf_get_bulk_miss"
! grep -qx -e iobuf_get -e iobuf_put -e iobuf_get_bulk "$out/calls" ||
	fail "the consumer calls iobuf_get, iobuf_put or iobuf_get_bulk out of line"
cc=${ccs%% *}
echo "== $cc: consumer.c with IOBUF_NO_INLINE"
# shellcheck disable=SC2086
$cc -std=c11 $strict -DIOBUF_NO_INLINE $cflags "$src/consumer.c" \
	-o "$out/consumer_noinline" $libs || fail "$cc: IOBUF_NO_INLINE does not build"
LD_LIBRARY_PATH=$libdir "$out/consumer_noinline" >"$out/run.log" ||
	{ cat "$out/run.log"; fail "$cc: consumer.c with IOBUF_NO_INLINE failed"; }
calls "$out/consumer_noinline" >"$out/calls"
grep -qx iobuf_get "$out/calls" && grep -qx iobuf_put "$out/calls" &&
	grep -qx iobuf_get_bulk "$out/calls" ||
	fail "with IOBUF_NO_INLINE the consumer does not call iobuf_get, iobuf_put and iobuf_get_bulk"
! grep -qx -e iobuf_get_miss -e iobuf_put_miss -e iobuf_get_bulk_miss "$out/calls" ||
	fail "with IOBUF_NO_INLINE the consumer still inlines the fast path"

for cxx in $cxxs; do
	n=$((n + 1))
	echo "== $cxx: iobuf.h alone, then consumer.cpp"
	printf '#include <iobuf.h>\n' >"$out/alone.cpp"
	# shellcheck disable=SC2086
	$cxx -std=c++11 $strict $cflags -c "$out/alone.cpp" -o "$out/alone$n.o" ||
		fail "$cxx: iobuf.h does not compile alone as C++11"
	# shellcheck disable=SC2086
	$cxx -std=c++11 $strict $cflags "$src/consumer.cpp" -o "$out/consumer_cxx$n" $libs ||
		fail "$cxx: consumer.cpp does not build"
	LD_LIBRARY_PATH=$libdir "$out/consumer_cxx$n" || fail "$cxx: consumer.cpp failed"
done

# Linked statically, as the README advises for the fastest calls: the
# archive and `pkg-config --static` (iobuf's private DPDK libraries).
archive=$(find "$stage" -name 'libiobuf.a' | head -n 1)
[ -n "$archive" ] || fail "no libiobuf.a under $stage"
static_libs=$(pkg-config --static --libs iobuf | sed 's/-liobuf//') ||
	fail "pkg-config --static --libs iobuf"
cc=${ccs%% *}
echo "== $cc: consumer.c against libiobuf.a"
# shellcheck disable=SC2086
$cc -std=c11 $strict $cflags "$src/consumer.c" -o "$out/consumer_static" \
	"$archive" $static_libs || fail "$cc: consumer.c does not link against libiobuf.a"
if ldd "$out/consumer_static" | grep -q libiobuf; then
	fail "the static consumer still loads libiobuf.so"
fi
"$out/consumer_static" || fail "consumer.c linked statically failed"

# The binaries must have used the staged library, not one installed elsewhere.
LD_LIBRARY_PATH=$libdir ldd "$out/consumer_c1" | grep -q "$libdir/libiobuf.so" ||
	fail "consumer did not load $libdir/libiobuf.so"
echo "check_install: ok"
