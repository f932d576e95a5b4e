#!/bin/bash
# SPDX-License-Identifier: ISC
# store_bench.sh: the store and the reporter at scale, against the bare
# SQLite loop (../shared/bench/sqlite_insert.c) run in the same go.
# Not part of make check: these are figures, not asserts.
#
# usage: tests/perf/store_bench.sh BUILDDIR [TARGETS SECONDS HZ]
#   default 100 targets x 100 s x 1000 Hz = 10 million samples.
# Prints: the bare loop's rows/s, hamon's committed samples/s through its
# writer thread and the ratio (DESIGN: >= 500 000 samples/s), the database
# size per sample, and the time of `hamon report` over all those samples in
# text and JSON (DESIGN: <= 2 s for 10 million), best of 3.
# Needs: gcc and libsqlite3-dev for the bare loop (skipped without them).
set -u
B=$(cd "${1:?builddir}" && pwd)
TARGETS=${2:-100}
SECS=${3:-100}
HZ=${4:-1000}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d /var/tmp/hamon-store-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
[ -x "$B/tests/perf/store_rate" ] || make -C "$B" tests/perf/store_rate >/dev/null ||
	{ echo "cannot build $B/tests/perf/store_rate" >&2; exit 1; }

ref=
if [ -f "$SRC/../shared/bench/sqlite_insert.c" ] &&
	gcc -O2 -o "$TMP/sqlite_insert" "$SRC/../shared/bench/sqlite_insert.c" -lsqlite3 2>/dev/null; then
	ref=$("$TMP/sqlite_insert" "$TMP/ref.db" 2000000 5000 | awk '{ for (i = 1; i <= NF; i++) if ($i == "rows/s") print $(i - 1) }')
	rm -f "$TMP"/ref.db*
fi

out=$("$B/tests/perf/store_rate" "$TMP/s.db" "$TARGETS" "$SECS" "$HZ") || { echo "$out" >&2; exit 1; }
n=$(echo "$out" | awk '{ print $1 }')
rate=$(echo "$out" | awk '{ for (i = 1; i <= NF; i++) if ($i == "samples/s") print $(i - 1) }')
size=$(stat -c %s "$TMP/s.db")
echo "store: $out"
if [ -n "$ref" ]; then
	awk -v r="$ref" -v h="$rate" 'BEGIN { printf "bare SQLite loop: %.0f rows/s; hamon/bare = %.2f\n", r, h / r }'
else
	echo "bare SQLite loop: not run (needs gcc, libsqlite3-dev and ../shared/bench/sqlite_insert.c)"
fi
awk -v s="$size" -v n="$n" 'BEGIN { printf "database: %.1f MB, %.1f bytes per sample\n", s / 1e6, s / n }'

# best3 CMD...: the best wall time of three runs, in seconds.
best3() {
	local b= t0 t1
	for _ in 1 2 3; do
		t0=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
		t1=$(date +%s.%N)
		b=$(awk -v a="${b:-1e9}" -v t0="$t0" -v t1="$t1" 'BEGIN { t = t1 - t0; printf "%.3f", (t < a ? t : a) }')
	done
	echo "$b"
}
for fmt in text json; do
	t=$(best3 "$B/hamon" report --db "$TMP/s.db" --run 1 --format "$fmt")
	echo "report --format $fmt over $n samples: $t s (best of 3)"
done
