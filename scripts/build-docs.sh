#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Build the API reference from the public headers with Doxygen and fail on
# any warning: an undocumented function, parameter, return value, struct,
# field, enum value, typedef or macro, or a malformed comment. Fails on a
# non-zero exit of doxygen (the Doxyfile sets WARN_AS_ERROR) and on a
# non-empty warning log, so a warning cannot pass either way.
#
#   build-docs.sh <doxygen> <Doxyfile> [<output dir>]
#
# <Doxyfile> is the one meson configures from docs/Doxyfile.in. With an
# output directory (`ninja -C build docs`) the HTML goes to <output
# dir>/html; without one (the test docs_api) into a temporary directory,
# removed afterwards. <doxygen> is empty when meson found none, which fails:
# the docs never pass unbuilt. Doxygen runs inside the output directory, so
# nothing is written to the source tree.
set -eu

[ $# -eq 2 ] || [ $# -eq 3 ] ||
	{ echo "usage: $0 <doxygen> <Doxyfile> [<output dir>]" >&2; exit 2; }
doxygen=$1
doxyfile=$(readlink -f "$2")
if [ -z "$doxygen" ] || ! command -v "$doxygen" >/dev/null; then
	echo "build-docs: doxygen not found; install Debian's doxygen" \
	     "(scripts/setup.sh does), then run meson setup --reconfigure" \
	     "on the build directory" >&2
	exit 1
fi
if [ $# -eq 3 ]; then
	mkdir -p "$3"
	out=$(cd "$3" && pwd)
	rm -rf "$out/html"
else
	out=$(mktemp -d "${TMPDIR:-/tmp}/iobuf-docs.XXXXXX")
	trap 'rm -rf "$out"' EXIT
fi
log=$out/doxygen-warnings.log
rm -f "$log"

# The Doxyfile with the output directory and the log replaced; doxygen
# reads it from standard input ("-").
rc=0
cd "$out"
{
	cat "$doxyfile"
	printf 'OUTPUT_DIRECTORY = "%s"\nWARN_LOGFILE = "%s"\n' "$out" "$log"
} | "$doxygen" - || rc=$?

if [ -s "$log" ]; then
	cat "$log" >&2
fi
if [ $rc -ne 0 ] || [ -s "$log" ]; then
	echo "build-docs: doxygen exited $rc with the warnings above; document" \
	     "what they name in the header (a /** */ comment, @param for each" \
	     "parameter, @return)" >&2
	exit 1
fi
[ -f "$out/html/index.html" ] ||
	{ echo "build-docs: doxygen wrote no $out/html/index.html" >&2; exit 1; }
if [ $# -eq 3 ]; then
	echo "build-docs: $out/html/index.html"
else
	echo "build-docs: the API reference builds without a warning"
fi
