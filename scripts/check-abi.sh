#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The library's ABI, as abidw reads it from the debug info (the exported
# functions and every type they reach, struct iobuf_channel_hot, which the
# inline fast path reads, included), must equal the dump kept in
# abi/libiobuf.abi.
#
#   check-abi.sh <libiobuf.so> <abi/libiobuf.abi> <include dir>...
#   check-abi.sh --update <libiobuf.so> <abi/libiobuf.abi> <include dir>...
#
# A difference fails: an incompatible one needs a new soname (soversion in
# lib/meson.build), and any meant change, compatible or not, goes with a
# refreshed dump (--update) and a line in CHANGELOG.md, so that the dump
# always describes the library and the next change is judged against it.
# (DPDK's devtools/check-abi.sh, SPDK's check_so_deps.sh.)
set -eu

update=false
if [ "${1:-}" = --update ]; then
	update=true
	shift
fi
[ $# -ge 3 ] || { echo "usage: $0 [--update] <libiobuf.so> <libiobuf.abi> <include dir>..." >&2; exit 2; }
lib=$(readlink -f "$1")
dump=$2
shift 2
for tool in abidw abidiff; do
	command -v $tool >/dev/null ||
		{ echo "check-abi: $tool not found; install Debian's abigail-tools (scripts/setup.sh does)" >&2; exit 1; }
done

headers=""
for dir in "$@"; do
	headers="$headers --headers-dir $dir"
done
work=$(mktemp -d "${TMPDIR:-/tmp}/iobuf-abi.XXXXXX")
trap 'rm -rf "$work"' EXIT

# shellcheck disable=SC2086
abidw --exported-interfaces-only --drop-private-types $headers \
	--no-corpus-path --no-comp-dir-path \
	--no-show-locs --out-file "$work/now.abi" "$lib"

if $update; then
	cp "$work/now.abi" "$dump"
	echo "check-abi: wrote $dump from $lib"
	exit 0
fi
[ -f "$dump" ] || { echo "check-abi: no $dump; create it with $0 --update" >&2; exit 1; }

rc=0
abidiff "$dump" "$work/now.abi" >"$work/diff" 2>&1 || rc=$?
if [ $rc -eq 0 ]; then
	echo "check-abi: $(basename "$lib") matches $dump"
	exit 0
fi
cat "$work/diff"
if [ $((rc & 3)) -ne 0 ]; then
	echo "check-abi: abidiff failed (exit $rc)" >&2
	exit 1
fi
was=$(sed -n "s/.*soname='\([^']*\)'.*/\1/p" "$dump" | head -n 1)
now=$(sed -n "s/.*soname='\([^']*\)'.*/\1/p" "$work/now.abi" | head -n 1)
if [ "$was" != "$now" ]; then
	echo "check-abi: the soname changed ($was -> $now); refresh the dump" \
	     "($0 --update ...) and add a CHANGELOG.md line" >&2
elif [ $((rc & 8)) -ne 0 ]; then
	echo "check-abi: the change above breaks the ABI of $now: programs" \
	     "built against it would misbehave. Undo it, or bump soversion in" \
	     "lib/meson.build, refresh the dump ($0 --update ...) and add a" \
	     "CHANGELOG.md line" >&2
else
	echo "check-abi: the ABI of $now changed (above). An addition is" \
	     "compatible; a changed type that programs reach through a pointer" \
	     "(struct iobuf_channel_hot, which inline code reads) breaks them:" \
	     "then bump soversion in lib/meson.build. Either way refresh the" \
	     "dump ($0 --update ...) and add a CHANGELOG.md line" >&2
fi
exit 1
