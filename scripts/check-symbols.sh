#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The shared library exports exactly the API: the functions the header marks
# IOBUF_API, the names the version script lists, and the dynamic symbol
# table must be the same set, and every export must start with iobuf_.
# (DPDK's devtools/check-symbols.sh does the same for its libraries.)
#
# usage: check-symbols.sh <libiobuf.so> <lib/libiobuf.map> <include/iobuf.h>
set -eu

[ $# -eq 3 ] || { echo "usage: $0 <libiobuf.so> <libiobuf.map> <iobuf.h>" >&2; exit 2; }
lib=$1
map=$2
header=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/iobuf-symbols.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Defined dynamic symbols without their @VERSION suffix; the version nodes
# themselves show up as absolute (A) symbols named after the map's nodes.
nm -D --defined-only "$lib" |
	awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort -u >"$work/exported"

# Names after "global:" up to "local:" or the end of the node, in every node
# of the version script, however it is laid out.
sed 's/#.*//; s/[{};]/ & /g' "$map" | tr -s ' \t' '\n' |
	awk '$0 == "global:" { g = 1; next }
	     $0 == "local:" || $0 == "}" { g = 0; next }
	     g && /^[A-Za-z_][A-Za-z0-9_]*$/' | sort -u >"$work/map"

# The identifier right before the first "(" on each IOBUF_API declaration.
grep -E '^IOBUF_API[[:space:]]' "$header" |
	sed -E 's/\(.*//; s/.*[^A-Za-z0-9_]([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*$/\1/' |
	sort -u >"$work/header"

status=0
# report <title> <file>: print the names in file under title, and fail.
report() {
	if [ -s "$2" ]; then
		echo "$1:"
		sed 's/^/  /' "$2"
		status=1
	fi
}
comm -23 "$work/exported" "$work/map" >"$work/d1"
report "exported by $lib but not in $map" "$work/d1"
comm -13 "$work/exported" "$work/map" >"$work/d2"
report "in $map but not exported by $lib" "$work/d2"
comm -23 "$work/header" "$work/map" >"$work/d3"
report "IOBUF_API in $header but not in $map" "$work/d3"
comm -13 "$work/header" "$work/map" >"$work/d4"
report "in $map but not IOBUF_API in $header" "$work/d4"
grep -v '^iobuf_' "$work/exported" >"$work/d5" || true
report "exported without the iobuf_ prefix" "$work/d5"
[ -s "$work/exported" ] || { echo "no symbols exported by $lib"; status=1; }

[ $status -eq 0 ] && echo "check-symbols: $(wc -l <"$work/exported") symbols, map and header agree"
exit $status
