#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build the libFuzzer target (test/fuzz) with clang, ASan and UBSan, replay
# every input of the committed corpus once, then fuzz for a while:
#   scripts/fuzz.sh [-d] [seconds]     (default 60 s)
#   -d  build with -Ddebug_checks=true (directory build-fuzz-debug)
#
# The test command fuzzes for a short while (IOBUF_FUZZ_SECONDS). A long
# run, for a change to the data path or the model, is an hour in each
# build:  scripts/fuzz.sh 3600 && scripts/fuzz.sh -d 3600
#
# The committed corpus (test/fuzz/corpus) is the read-only seed: seed-*
# inputs reach the interesting paths, crash-* inputs reproduce bugs found
# earlier and fail the run until they are fixed. New inputs go to a
# temporary directory, so a run never grows the committed corpus. A crash
# is saved under <builddir>/fuzz-artifacts/; rerun it with FUZZ_TRACE=1 to
# print the API calls it makes. Exits non-zero on any crash, sanitizer
# report, leak or model mismatch.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

dir=build-fuzz
debug=false
if [ "${1:-}" = -d ]; then
	dir=build-fuzz-debug
	debug=true
	shift
fi
secs=${1:-60}
case $secs in
''|*[!0-9]*) echo "usage: scripts/fuzz.sh [-d] [seconds]" >&2; exit 2 ;;
esac

# CC matters only when the directory is first set up; meson keeps it.
CC=clang configure_dir "$dir" -Dfuzz=true -Dtests=disabled -Dexamples=false \
	-Ddebug_checks=$debug -Db_sanitize=address,undefined -Db_lundef=false
build_dir "$dir"

work=$(mktemp -d)
artifacts=$dir/fuzz-artifacts
log=$dir/meson-logs/fuzz.log
mkdir -p "$artifacts"
trap 'rm -rf "$work"' EXIT

# UBSan only prints by default; a report must fail the run. Leak detection
# stays on: neither DPDK nor iobuf leaks here, so any leak is a bug.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# Every committed input once: a regression fails here, named, before any
# random search.
corpus=(test/fuzz/corpus/*)
if ! "$dir/test/fuzz/fuzz_api" -runs=1 "${corpus[@]}" >"$dir/meson-logs/fuzz-replay.log" 2>&1; then
	tail -n 60 "$dir/meson-logs/fuzz-replay.log" >&2
	echo "fuzz: replaying the committed corpus failed (log:" \
	     "$dir/meson-logs/fuzz-replay.log; rerun one input with" \
	     "FUZZ_TRACE=1 $dir/test/fuzz/fuzz_api <input>)" >&2
	exit 1
fi
echo "fuzz: replayed ${#corpus[@]} committed inputs"

rc=0
"$dir/test/fuzz/fuzz_api" -max_total_time="$secs" -timeout=20 \
	-print_final_stats=1 -artifact_prefix="$artifacts/" \
	"$work" test/fuzz/corpus >"$log" 2>&1 &
pid=$!
wait $pid || rc=$?

# A crash skips iobuf_env_fini(): remove the EAL run directory it left.
for run in /var/run/dpdk "${XDG_RUNTIME_DIR:-/tmp}/dpdk"; do
	rm -rf "$run"/iobuf_"$pid"_* 2>/dev/null || true
done

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
if [ $rc -ne 0 ]; then
	tail -n 60 "$log" >&2
	echo "fuzz: FAILED (exit $rc) after ${execs:-?} executions; log: $log," \
	     "input: $artifacts/ (rerun it with FUZZ_TRACE=1 $dir/test/fuzz/fuzz_api <input>)" >&2
	exit 1
fi
echo "fuzz: ${execs:-0} executions in $secs s, no crash (log: $log)"
