#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Sourced by the consumer checks: install the build <build> into a staging
# DESTDIR and point pkg-config at the staged iobuf.pc, as a user's build
# would find an installed one. Sets build, src, stage, pc, header and
# defines fail().
#
# usage (from a script): . stage.sh <build dir> <test/consumer dir>

build=$1
src=$2
stage=$(mktemp -d "${TMPDIR:-/tmp}/iobuf-stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT

fail() { echo "$(basename "$0"): $*" >&2; exit 1; }

"${MESON:-meson}" install -C "$build" --no-rebuild --quiet --destdir "$stage" \
	>"$stage/install.log" 2>&1 || { cat "$stage/install.log" >&2; fail "meson install failed"; }

pc=$(find "$stage" -name iobuf.pc | head -n 1)
[ -n "$pc" ] || fail "no iobuf.pc under $stage"
header=$(find "$stage" -name iobuf.h | head -n 1)
[ -n "$header" ] || fail "no iobuf.h under $stage"
# iobuf.h includes the version header meson generates: it must sit next to it.
[ -f "$(dirname "$header")/iobuf_version.h" ] ||
	fail "no iobuf_version.h next to $header"

# The .pc names the final prefix; the sysroot points pkg-config at the stage.
# System directories are kept so a --prefix=/usr build points there too.
PKG_CONFIG_PATH=$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
PKG_CONFIG_SYSROOT_DIR=$stage
PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1
PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_ALLOW_SYSTEM_CFLAGS \
	PKG_CONFIG_ALLOW_SYSTEM_LIBS

[ "$(pkg-config --variable=pcfiledir iobuf)" = "$(dirname "$pc")" ] ||
	fail "pkg-config found another iobuf.pc: $(pkg-config --variable=pcfiledir iobuf)"
