#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Draw the benchmark's main rows as an SVG bar chart (gnuplot): median ns
# per get+put pair, or per buffer, for iobuf and its peers, on a log scale.
#
#   scripts/bench-chart.sh RECORDS OUT.svg [SUBTITLE]
#
# RECORDS is what scripts/bench.sh keeps in <builddir>/bench-records.tsv;
# bench.sh calls this script itself. Needs gnuplot (Debian: gnuplot-nox,
# which scripts/setup.sh installs).
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: $0 RECORDS OUT.svg [SUBTITLE]" >&2
	exit 2
fi
records=$1
out=$2
subtitle=${3:-}
if ! command -v gnuplot >/dev/null; then
	echo "bench-chart: gnuplot not found; install gnuplot-nox (scripts/setup.sh does)" >&2
	exit 1
fi

data=$(mktemp)
trap 'rm -f "$data"' EXIT

# Rows (key and label) and columns (record name and legend), in order. A
# value that is missing, NA or a timeout is "?": no bar.
awk -F'\t' -v OFS='\t' '
	BEGIN {
		nr = split("1.s256|1.s32|2.s4096|4|4s|5|3", rows, "|")
		split("hot pair\\ncache 256|hot pair\\ncache 32|get 4096\\nput 4096|" \
		      "producer→\\nconsumer\\n2 CPUs|producer→\\nconsumer\\none CPU|" \
		      "bulk 32\\n(per buffer)|cold buffer", labels, "|")
		nc = split("iobuf|mempool+cache|llcache|malloc|array stack|no-op", cols, "|")
		split("iobuf|rte_mempool + cache|linked-list cache (SPDK style)|" \
		      "malloc|inline array stack, iobuf policy|no-op (the loop alone)", legend, "|")
	}
	$1 == "main" { v[$2, $4] = $5 }
	END {
		line = "workload"
		for (c = 1; c <= nc; c++)
			line = line OFS legend[c]
		print line
		for (r = 1; r <= nr; r++) {
			line = "\"" labels[r] "\""
			for (c = 1; c <= nc; c++) {
				x = v[rows[r], cols[c]]
				line = line OFS (x ~ /^[0-9.]+$/ ? x : "?")
			}
			print line
		}
	}' "$records" >"$data"

gnuplot <<EOF
set terminal svg size 1000,600 dynamic noenhanced font "sans,13" background "white"
set output "$out"
set title "Median ns per get+put pair (per buffer for producer→consumer and bulk); lower is faster\n$subtitle"
set datafile separator "\t"
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.95
set logscale y
set format y "%g"
set ylabel "ns (log scale)"
set grid ytics
set key outside top center horizontal maxcols 3
set bmargin 5
set xtics nomirror
set ytics nomirror
set border 3
plot for [i=2:7] "$data" using i:xtic(1) title columnheader(i)
EOF
echo "bench: chart written to $out" >&2
