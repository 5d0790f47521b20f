#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The README's test command, also run by .ci/run: build with the tests and
# examples, run every suite, and end with one plain line
#   N passed, N failed[, N skipped]
# that CI reads. Exits non-zero when anything failed or no test ran.
#
# Each stage is one build directory with its own meson options; the counts
# of all stages add up into the closing line.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR/..
source scripts/setup.sh

passed=0
failed=0
skipped=0

# run_stage <builddir> [meson setup args...] [-- meson test args...]
# Configures and builds <builddir>, runs meson test there and adds its
# results to the totals. A stage that cannot build or whose test run breaks
# down counts as one failure, so it can never pass silently.
run_stage() {
	local dir=$1 setup_args=() test_args=() log counts p f s rc=0
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		setup_args+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	test_args=("$@")

	echo "== $dir: build"
	if ! configure_dir "$dir" "${setup_args[@]}" || ! build_dir "$dir"; then
		failed=$((failed + 1))
		return
	fi

	echo "== $dir: test"
	rm -f "$dir"/meson-logs/testlog*.json
	meson test -C "$dir" --no-rebuild --print-errorlogs --num-processes 2 \
		"${test_args[@]}" || rc=$?
	# With --wrapper, meson names the log after the wrapper
	# (testlog-valgrind.json), so take whichever log this run wrote.
	log=$(ls "$dir"/meson-logs/testlog*.json 2>/dev/null | head -n 1)
	log=${log:-$dir/meson-logs/testlog.json}

	if [ ! -f "$log" ] && [ $rc -eq 0 ]; then
		echo "== $dir: no tests defined"
		return
	fi
	if ! counts=$(count_results "$log"); then
		echo "== $dir: no readable $log (meson test exited $rc)" >&2
		failed=$((failed + 1))
		return
	fi
	read -r p f s <<<"$counts"
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "== $dir: meson test exited $rc with no failed test" >&2
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
}

# count_results <testlog.json>: prints "passed failed skipped". Results
# meson may add later count as failures until this learns them.
count_results() {
	python3 - "$1" <<'PY'
import json, sys

passed = failed = skipped = 0
with open(sys.argv[1]) as log:
    for line in log:
        if not line.strip():
            continue
        result = json.loads(line)["result"]
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
print(passed, failed, skipped)
PY
}

# Every stage, the fuzz build included, turns warnings into errors (a plain
# meson setup leaves werror off, so that a project embedding iobuf does not
# break on a new compiler's warnings). configure_dir in setup.sh adds
# IOBUF_MESON_ARGS to each build directory's options.
export IOBUF_MESON_ARGS="-Dwerror=true${IOBUF_MESON_ARGS:+ $IOBUF_MESON_ARGS}"

# Sanitizer findings inside DPDK are suppressed by name in these files, one
# reason per entry; anything found in iobuf's code fails its test.
supp=$PWD/test/sanitizers
export LSAN_OPTIONS="suppressions=$supp/lsan.supp"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export TSAN_OPTIONS="suppressions=$supp/tsan.supp halt_on_error=1"

# 1. gcc, release-like: every suite, the examples and the package checks.
run_stage build -Dtests=enabled -Dexamples=true

# 2. valgrind on the single-thread waiter, get/put, bulk, exact-start,
#    misuse, multi-buffer and module-option suites and the multi-thread
#    waiter, thread-exit, bulk and multi-buffer suites, in the same build.
run_stage build -Dtests=enabled -Dexamples=true -- \
	--wrapper "valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --quiet" \
	unit_waitq unit_getput unit_bulk unit_exact unit_misuse unit_multi \
	unit_modopts mt_waiters mt_thread_exit mt_bulk mt_multi

# 3. clang with ASan + UBSan and the debug checks (per-buffer state and
#    poisoning under ASan). The package suite links no sanitizer runtime.
CC=clang run_stage build-asan -Dtests=enabled -Ddebug_checks=true \
	-Db_sanitize=address,undefined -Db_lundef=false -- --no-suite package

# 4. gcc with TSan.
run_stage build-tsan -Dtests=enabled -Db_sanitize=thread -Db_lundef=false -- \
	--no-suite package

# 5. The libFuzzer target against its reference model: the committed corpus
#    replayed, then IOBUF_FUZZ_SECONDS (default 30) of fuzzing; one test.
echo "== fuzz: ${IOBUF_FUZZ_SECONDS:-30} s"
if scripts/fuzz.sh "${IOBUF_FUZZ_SECONDS:-30}"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

summary="$passed passed, $failed failed"
if [ $skipped -gt 0 ]; then
	summary+=", $skipped skipped"
fi
if [ $passed -eq 0 ] && [ $failed -eq 0 ]; then
	echo "no test ran" >&2
fi
echo "$summary"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
