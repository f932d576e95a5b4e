#!/bin/bash
# Run every fuzz target for a bounded time over its committed seed corpus.
# usage: tests/fuzz/run.sh BUILDDIR SECONDS   (build with CC=clang --enable-fuzzing)
set -u
b=${1:?builddir} secs=${2:-60} src=$(cd "$(dirname "$0")" && pwd) rc=0
for t in duration target config icmp hvparse tcp; do
	work=$(mktemp -d)
	cp -r "$src/corpus/$t/." "$work/" 2>/dev/null
	if "$b/tests/fuzz/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 "$work" \
		>"$b/fuzz_$t.log" 2>&1; then
		echo "ok - fuzz_$t $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$b/fuzz_$t.log" | grep -o '[0-9]*$') execs"
	else
		echo "not ok - fuzz_$t (see $b/fuzz_$t.log)"; rc=1
	fi
	rm -rf "$work"
done
exit $rc
