#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build iobuf in build/ and run the pipeline example. Arguments go to the
# example, e.g. scripts/demo.sh -w 4 -s 3 (see build/examples/pipeline -h).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR/..
source scripts/setup.sh

echo "demo: building in build/"
configure_dir build -Dexamples=true
build_dir build
exec build/examples/pipeline "$@"
