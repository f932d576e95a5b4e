#!/bin/bash
# SPDX-License-Identifier: ISC
# Run every fuzz target for a bounded time over a copy of its committed seed
# corpus, two at a time, and print one TAP-style line each with the number
# of executions. A crash leaves the reproducer in BUILDDIR/fuzz-<target>/.
# usage: tests/fuzz/run.sh BUILDDIR SECONDS   (built with CC=clang --enable-fuzzing)
set -u
b=$(cd "${1:?builddir}" && pwd) secs=${2:-60} src=$(cd "$(dirname "$0")" && pwd)
targets="duration target config icmp hvparse tcp qmp journal_json weburl words dashauth"

one() {
	local t=$1 work
	work=$(mktemp -d)
	cp -r "$src/corpus/$t/." "$work/" 2>/dev/null
	mkdir -p "$b/fuzz-$t"
	if (cd "$b/fuzz-$t" && "$b/tests/fuzz/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 \
		-rss_limit_mb=1024 "$work" >"$b/fuzz_$t.log" 2>&1); then
		echo "ok - fuzz_$t: $(sed -n 's/^stat::number_of_executed_units: *//p' "$b/fuzz_$t.log") executions in ${secs}s, no finding"
	else
		echo "not ok - fuzz_$t: finding, see $b/fuzz_$t.log and $b/fuzz-$t/"
		grep -m 3 -E 'ERROR|SUMMARY' "$b/fuzz_$t.log" | sed 's/^/# /'
	fi
	rm -rf "$work"
}
export -f one
export b secs src
printf '%s\n' $targets | xargs -P 2 -I{} bash -c 'one {}'
