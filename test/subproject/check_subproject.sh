#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Build a project that uses iobuf as its Meson subproject, as the README
# shows: test/subproject/meson.build (dependency('iobuf')) and app.c, with
# this source tree linked in as subprojects/iobuf, then run the program on
# the embedded EAL. Twice:
#   1. subprojects/iobuf, dependency('iobuf'): libiobuf.so, found through
#      the subproject's meson.override_dependency();
#   2. the tree under another name, found through a wrap file's [provide],
#      and dependency('iobuf', static: true): libiobuf.a.
# Each time the program must report the version meson read from iobuf's
# meson.build, and iobuf's own tests must not join the project's tests.
#
# usage: check_subproject.sh <iobuf source root>
set -eu

[ $# -eq 1 ] || { echo "usage: $0 <iobuf source root>" >&2; exit 2; }
src=$(cd "$1" && pwd)
meson=${MESON:-meson}
work=$(mktemp -d "${TMPDIR:-/tmp}/iobuf-subproject.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() { echo "check_subproject: $*" >&2; exit 1; }

# An installed iobuf would win over the subproject: then insist on it.
fallback=
if pkg-config --exists iobuf 2>/dev/null; then
	fallback=--force-fallback-for=iobuf
fi

# project <dir>: a fresh copy of the consumer project.
project() {
	mkdir -p "$1/subprojects"
	cp "$src/test/subproject/meson.build" "$src/test/subproject/app.c" "$1/"
}

# build_and_run <dir> <shared|static>
build_and_run() {
	dir=$1
	link=$2
	echo "== $dir: meson setup"
	# shellcheck disable=SC2086
	"$meson" setup $fallback "$dir/build" "$dir" >"$dir/setup.log" 2>&1 ||
		{ cat "$dir/setup.log" >&2; fail "meson setup failed"; }
	ninja -C "$dir/build" >"$dir/ninja.log" 2>&1 ||
		{ cat "$dir/ninja.log" >&2; fail "ninja failed"; }

	want=$("$meson" introspect "$dir/build" --projectinfo | python3 -c '
import json, sys
info = json.load(sys.stdin)
print(" ".join(p["version"] for p in info["subprojects"] if p["name"] == "iobuf"))')
	[ -n "$want" ] || fail "iobuf was not built as a subproject"
	tests=$("$meson" introspect "$dir/build" --tests)
	[ "$tests" = "[]" ] || fail "iobuf's tests joined the project's: $tests"

	"$dir/build/app" >"$dir/run.log" 2>&1 || { cat "$dir/run.log" >&2; fail "app failed"; }
	cat "$dir/run.log"
	grep -q "^app on iobuf $want: ok" "$dir/run.log" ||
		fail "app does not report iobuf $want, the subproject's version"

	if ldd "$dir/build/app" | grep -q 'libiobuf\.so'; then
		[ "$link" = shared ] || fail "app loads libiobuf.so; static: true should link libiobuf.a"
	else
		[ "$link" = static ] || fail "app does not load libiobuf.so"
	fi
}

# 1. subprojects/iobuf: the directory named like the dependency.
one=$work/subproject
project "$one"
ln -s "$src" "$one/subprojects/iobuf"
build_and_run "$one" shared

# 2. A wrap file whose [provide] names the dependency, the tree under
#    another name, and the static library.
two=$work/wrap
project "$two"
ln -s "$src" "$two/subprojects/iobuf-src"
cat >"$two/subprojects/iobuf.wrap" <<'EOF'
[wrap-file]
directory = iobuf-src

[provide]
dependency_names = iobuf
EOF
sed -i "s/dependency('iobuf')/dependency('iobuf', static: true)/" "$two/meson.build"
grep -q "static: true" "$two/meson.build" || fail "meson.build has no dependency('iobuf')"
build_and_run "$two" static

echo "check_subproject: ok"
