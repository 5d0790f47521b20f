#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Install the Debian 12 packages iobuf needs to build, test and run its
# examples. Silent when everything is installed; otherwise prints one line
# and installs only what is missing (as root, or through sudo).
#
# demo.sh and test.sh source this file: it then also installs what is
# missing, and defines configure_dir and build_dir for them.
set -euo pipefail

install_missing_packages() {
	local packages=(
		gcc g++ clang libclang-rt-14-dev libc6-dev
		meson ninja-build pkg-config
		libdpdk-dev libcmocka-dev
		dpdk-dev  # dpdk-telemetry.py, the client the telemetry test runs
		valgrind python3 abigail-tools doxygen
		# examples/uring_copy.c only: the library needs DPDK alone
		liburing-dev
		gnuplot-nox	# scripts/bench.sh draws its chart with it
	)
	local missing=() pkg status log
	local sudo=()

	for pkg in "${packages[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
		if [ "$status" != installed ]; then
			missing+=("$pkg")
		fi
	done
	if [ ${#missing[@]} -eq 0 ]; then
		return 0
	fi

	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null; then
			echo "setup: missing ${missing[*]}; run scripts/setup.sh as root" >&2
			return 1
		fi
		sudo=(sudo)
	fi

	echo "setup: installing ${missing[*]}"
	log=$(mktemp)
	# gcc only recommends libc6-dev, which is why the list names it.
	if ! { "${sudo[@]}" apt-get update -qq &&
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends "${missing[@]}"
	     } >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		echo "setup: apt-get failed" >&2
		return 1
	fi
	rm -f "$log"
}

# configure_dir <builddir> [meson setup args...]
# Sets up the build directory, or reconfigures it only when an option
# differs from what is asked (or the directory cannot be read). Output goes
# to a log that is printed on failure. IOBUF_MESON_ARGS (options separated
# by blanks, e.g. -Dwerror=true) is added to every directory's options.
configure_dir() {
	local dir=$1 log rc=0 extra=()
	shift
	read -r -a extra <<<"${IOBUF_MESON_ARGS:-}"
	set -- "$@" "${extra[@]}"

	log=$(mktemp)
	if [ ! -f "$dir/meson-private/coredata.dat" ]; then
		meson setup "$dir" "$@" >"$log" 2>&1 || rc=$?
	elif ! options_match "$dir" "$@"; then
		meson setup --reconfigure "$dir" "$@" >"$log" 2>&1 || rc=$?
	fi
	if [ $rc -ne 0 ]; then
		cat "$log" >&2
		echo "setup: meson setup $dir failed" >&2
	fi
	rm -f "$log"
	return $rc
}

# options_match <builddir> [-Dname=value | --name=value ...]
# True when the directory already has every option as asked.
options_match() {
	python3 - "$@" <<'PY' 2>/dev/null
import json, subprocess, sys

want = {}
for arg in sys.argv[2:]:
    if arg.startswith("-D") and "=" in arg:
        name, value = arg[2:].split("=", 1)
    elif arg.startswith("--") and "=" in arg:
        name, value = arg[2:].split("=", 1)
    else:
        sys.exit(1)
    want[name] = value

out = subprocess.run(["meson", "introspect", sys.argv[1], "--buildoptions"],
                     capture_output=True, check=True).stdout
have = {o["name"]: o["value"] for o in json.loads(out)}

def text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ",".join(str(x) for x in v)
    return str(v)

sys.exit(0 if all(n in have and text(have[n]) == v for n, v in want.items()) else 1)
PY
}

# build_dir <builddir>: ninja, quietly; its output is printed on failure
# and kept in <builddir>/meson-logs/ninja.log.
build_dir() {
	local log=$1/meson-logs/ninja.log

	if ! ninja -C "$1" >"$log" 2>&1; then
		cat "$log" >&2
		echo "setup: build in $1 failed (log: $log)" >&2
		return 1
	fi
}

install_missing_packages
