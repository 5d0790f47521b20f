#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The uring_copy example end to end: copy files of awkward sizes through
# pools smaller than the queue depth, so that requests wait for buffers,
# and check every copy with cmp.
#
#   check_uring_copy.sh <uring_copy> <directory>...
#
# O_DIRECT needs a filesystem that supports it (tmpfs may not): the files
# go in the first directory of the list, then /var/tmp, whose filesystem
# accepts it (uring_copy exits 3 where it does not). The test fails unless
# one directory took every copy and each one was verified.
set -eu

[ $# -ge 2 ] || { echo "usage: $0 <uring_copy> <directory>..." >&2; exit 2; }
bin=$1
shift
work=

cleanup() {
	[ -z "$work" ] || rm -rf "$work"
}
trap cleanup EXIT

# copy <file size> <uring_copy options...>: 0 copied and verified,
# 3 O_DIRECT refused, 1 anything else.
copy() {
	size=$1
	shift
	head -c "$size" /dev/urandom >"$work/src"
	rm -f "$work/dst"
	rc=0
	echo "+ uring_copy $* src dst  ($size bytes)"
	"$bin" "$@" "$work/src" "$work/dst" >"$work/out" 2>&1 || rc=$?
	cat "$work/out"
	[ $rc -ne 3 ] || return 3
	if [ $rc -ne 0 ]; then
		echo "check_uring_copy: uring_copy exited $rc" >&2
		return 1
	fi
	if ! cmp "$work/src" "$work/dst"; then
		echo "check_uring_copy: the copy differs from its source" >&2
		return 1
	fi
	echo "check_uring_copy: cmp agrees"
}

# The last copy's count of requests that waited for a buffer is above 0.
waited() {
	n=$(sed -n 's/.* \([0-9][0-9]*\) requests waited for a buffer.*/\1/p' "$work/out")
	if [ -z "$n" ] || [ "$n" -eq 0 ]; then
		echo "check_uring_copy: the pools are smaller than the queue" \
			"depth, yet no request waited for a buffer" >&2
		return 1
	fi
}

MiB=1048576
for dir in "$@" /var/tmp; do
	[ -d "$dir" ] && [ -w "$dir" ] || continue
	work=$(mktemp -d "$dir/uring_copy.XXXXXX")
	# 64 MiB + 3 blocks + 1000 bytes: large chunks (132 KiB does not
	# divide 64 MiB), a tail in small buffers, a last block cut short.
	# Every fourth 132 KiB chunk goes in 17 small I/Os, so the first 96
	# requests want 15 large and 81 small buffers, where the pools hold
	# their minimum: 8 and 64.
	rc=0
	copy $((64 * MiB + 3 * 4096 + 1000)) -q 96 -s 64 -l 8 -m 25 || rc=$?
	if [ $rc -eq 3 ]; then
		echo "check_uring_copy: $dir refuses O_DIRECT; trying the next directory"
		rm -rf "$work"
		work=
		continue
	fi
	[ $rc -eq 0 ] && waited || exit 1
	# Whole blocks, every chunk small, more in flight than small buffers.
	copy $((16 * MiB + 12288)) -q 128 -s 64 -l 8 -m 100 && waited || exit 1
	# Nothing to copy, and less than one block.
	copy 0 -q 4 -s 64 -l 8 && copy 1000 -q 4 -s 64 -l 8 || exit 1
	echo "check_uring_copy: every copy in $dir verified"
	exit 0
done
echo "check_uring_copy: no directory here accepts O_DIRECT (tried: $* /var/tmp);" \
	"nothing was copied" >&2
exit 1
