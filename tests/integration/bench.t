#!/bin/bash
# SPDX-License-Identifier: ISC
# bench.t: `hamon bench all --quick` end to end: exit 0, a table on stdout,
# one bench_runs row and its bench_results rows stored (checked with
# sqlite3), and the test file gone afterwards, also after SIGINT (exit 130,
# nothing stored); and the --path contract: a missing path, a file, and a
# read-only file system each give exit 2 and exactly one stderr line naming
# the path, without creating anything; and --keep/--file: a kept test file
# stays, is reused by --file (same inode), is removed by a --file run
# without --keep, and a file hamon did not create (or a symbolic link) is
# refused with exit 2 and left byte for byte as it was, and so are a kept
# file with a second hard link and a FIFO (not even opened: a writer waiting
# on it keeps waiting); a path swapped under a running bench is not what
# it removes; report --bench's JSON and CSV of the run. Figures are not
# asserted on (shared machines are noisy); only that they are there and
# positive.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_cmd sqlite3 timeout grep
hamon_ready || tap_done
need_help_options bench --label --db --path --file --keep --quick --time || tap_done
tmpdir=$T_TMP
cd "$tmpdir" || bail_out "cd $tmpdir"

# leftovers DIR: test files hamon left in DIR.
leftovers() {
	find "$1" -maxdepth 1 -name '.hamon-bench.*' | wc -l
}

# The whole quick run.
rc=0
timeout -k 5 120 "$HAMON" bench all --quick --label itest --path "$tmpdir" --db "$tmpdir/b.db" \
	</dev/null >"$tmpdir/out" 2>"$tmpdir/err" || rc=$?
tap_check "bench all --quick: exit 0 (got $rc)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag_file "$tmpdir/err"
tap_check "the table names the CPU, memory and disk tests" \
	grep -q 'cpu *events_1thread' "$tmpdir/out"
tap_check "the table has the STREAM triad and 4k random I/O" \
	sh -c "grep -q 'stream_triad' '$tmpdir/out' && grep -q 'randrw_4k_iops' '$tmpdir/out'"
runs=$(sqlite3 "$tmpdir/b.db" "select count(*) from bench_runs where label = 'itest' and quick = 1" 2>&1)
tap_check "one bench_runs row labelled itest (got $runs)" [ "$runs" = 1 ]
n=$(sqlite3 "$tmpdir/b.db" "select count(*) from bench_results r join bench_runs u on u.id = r.run_id
	where u.label = 'itest' and r.value > 0" 2>&1)
# 2 cpu + 6 mem + 4 dd + 4 x 2 random
tap_check "20 positive results stored (got $n)" [ "$n" = 20 ]
facts=$(sqlite3 "$tmpdir/b.db" "select cores > 0 and mem_bytes > 0 and length(kernel) > 0
	and length(virt) > 0 and length(io_engine) > 0 from bench_runs where label = 'itest'" 2>&1)
tap_check "host facts stored (cores, memory, kernel, virt, io engine)" [ "$facts" = 1 ]
tap_check "the test file is gone (found $(leftovers "$tmpdir"))" [ "$(leftovers "$tmpdir")" -eq 0 ]

# report --bench of that run (report/FORMATS.md): the run's start is an RFC
# 3339 string, the second the database holds (nanoseconds as an integer are
# above 2^53, which jq rounds); values have 3 decimals in JSON and CSV.
started=$(sqlite3 "$tmpdir/b.db" "select started_ns / 1000000000 from bench_runs where label = 'itest'")
started=$(date -u -d "@$started" +%Y-%m-%dT%H:%M:%S)
"$HAMON" report --bench --db "$tmpdir/b.db" --format json >"$tmpdir/rep.json" 2>"$tmpdir/rep.err"
assert_eq "report --bench --format json: exit status" "$?" 0 || diag_file "$tmpdir/rep.err"
tap_check "report --bench json: started is $started...Z, no started_ns" \
	sh -c "grep -Eq '\"started\":\"$started\\.[0-9]{6}Z\"' '$tmpdir/rep.json' && ! grep -q started_ns '$tmpdir/rep.json'"
tap_check "report --bench json: values with 3 decimals" \
	grep -Eq '"metric":"events_1thread","unit":"events/s","values":\{"itest":[0-9]+\.[0-9]{3}\}' "$tmpdir/rep.json"
"$HAMON" report --bench --db "$tmpdir/b.db" --format csv >"$tmpdir/rep.csv" 2>"$tmpdir/rep.err"
tap_check "report --bench csv: header and a value with 3 decimals" \
	sh -c "head -1 '$tmpdir/rep.csv' | grep -qx 'test,metric,unit,itest' &&
		grep -Eqx 'cpu,events_1thread,events/s,[0-9]+\.[0-9]{3}' '$tmpdir/rep.csv'"

# SIGINT in the middle of the disk tests: exit 130, file removed, nothing stored.
"$HAMON" bench disk --label sigint --time 5s --quick --path "$tmpdir" --db "$tmpdir/b.db" \
	</dev/null >/dev/null 2>"$tmpdir/err.int" &
pid=$!
cleanup_pid "$pid"
for _ in $(seq 50); do
	[ "$(leftovers "$tmpdir")" -gt 0 ] && break
	sleep 0.1
done
sleep 1
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
tap_check "SIGINT: exit 130 (got $rc)" [ "$rc" -eq 130 ]
tap_check "SIGINT: the test file is gone" [ "$(leftovers "$tmpdir")" -eq 0 ]
runs=$(sqlite3 "$tmpdir/b.db" "select count(*) from bench_runs where label = 'sigint'" 2>&1)
tap_check "SIGINT: nothing stored (got $runs runs)" [ "$runs" = 0 ]

# --keep and --file: the peers' script (bench_vs_peers.sh) runs fio on the
# very file hamon measured, because on a virtual disk the file's place
# changes the figures by up to 1.6 times.
kept=$tmpdir/kept.file
rc=0
timeout -k 5 60 "$HAMON" bench disk --quick --keep --file "$kept" --label keep --db "$tmpdir/b.db" \
	</dev/null >/dev/null 2>"$tmpdir/err.keep" || rc=$?
tap_check "--keep --file: exit 0 (got $rc)" [ "$rc" -eq 0 ]
tap_check "--keep: the test file is still there" [ -f "$kept" ]
tap_check "--keep: stderr says where it is" grep -qF "test file kept: $kept" "$tmpdir/err.keep"
if grep -q "cannot mark" "$tmpdir/err.keep"; then
	diag_file "$tmpdir/err.keep"
	tap_skip "--file reuses a kept file" "this file system has no user extended attributes"
	tap_skip "--file without --keep removes it" "this file system has no user extended attributes"
else
	ino=$(stat -c %i "$kept")
	rc=0
	timeout -k 5 60 "$HAMON" bench disk --quick --keep --file "$kept" --label keep --db "$tmpdir/b.db" \
		</dev/null >/dev/null 2>"$tmpdir/err.keep" || rc=$?
	tap_check "--file reuses a kept file: exit 0 (got $rc), same inode" \
		[ "$rc" -eq 0 ] && [ "$(stat -c %i "$kept" 2>&1)" = "$ino" ]
	rc=0
	timeout -k 5 60 "$HAMON" bench disk --quick --file "$kept" --label keep --db "$tmpdir/b.db" \
		</dev/null >/dev/null 2>"$tmpdir/err.keep" || rc=$?
	tap_check "--file without --keep removes it: exit 0 (got $rc), file gone" \
		[ "$rc" -eq 0 ] && [ ! -e "$kept" ]
fi
runs=$(sqlite3 "$tmpdir/b.db" "select count(*) from bench_runs where label = 'keep'" 2>&1)
tap_check "--keep/--file runs stored (got $runs)" [ "$runs" -ge 1 ]

# foreign_case DESC FILE PATTERN: exit 2, one line with PATTERN, FILE as it was.
foreign_case() {
	local desc=$1 f=$2 pat=$3 rc=0 sum before after
	sum=$(cksum <"$f")
	before=$(stat -L -c '%s %Y %i' "$f")
	timeout -k 2 30 "$HAMON" bench disk --quick --file "$f" --db "$tmpdir/p.db" \
		</dev/null >/dev/null 2>"$tmpdir/ferr" || rc=$?
	after=$(stat -L -c '%s %Y %i' "$f")
	tap_check "$desc: exit 2 (got $rc)" [ "$rc" -eq 2 ]
	if [ "$(wc -l <"$tmpdir/ferr")" -eq 1 ] && grep -qF -- "$pat" "$tmpdir/ferr"; then
		tap_pass "$desc: one line: $(cat "$tmpdir/ferr")"
	else
		tap_fail "$desc: want one stderr line containing \"$pat\""
		diag_file "$tmpdir/ferr"
	fi
	tap_check "$desc: the file is untouched" \
		[ "$(cksum <"$f")" = "$sum" ] && [ "$after" = "$before" ]
}
head -c 100000 /dev/urandom >"$tmpdir/precious"
foreign_case "--file naming a file hamon did not create" "$tmpdir/precious" "refusing to touch it"
ln -s "$tmpdir/precious" "$tmpdir/link"
foreign_case "--file naming a symbolic link" "$tmpdir/link" "symbolic link"

# A kept file with a second hard link is refused: the mark proves whose
# file it is, not that nothing else refers to it.
if [ -f "$kept" ] || timeout -k 5 60 "$HAMON" bench disk --quick --keep --file "$kept" \
	--db "$tmpdir/p.db" </dev/null >/dev/null 2>&1; then
	ln "$kept" "$tmpdir/kept.link"
	foreign_case "--file naming a kept file with another hard link" "$kept" "other hard links"
	rm -f "$kept" "$tmpdir/kept.link"
else
	tap_fail "--file naming a kept file with another hard link: could not make a kept file"
fi

# A FIFO: refused without being opened for real (a writer waiting for a
# reader stays waiting).
mkfifo "$tmpdir/fifo"
timeout 20 sh -c "echo data >'$tmpdir/fifo'" &
writer=$!
cleanup_pid "$writer"
sleep 0.2
rc=0
timeout -k 2 30 "$HAMON" bench disk --quick --file "$tmpdir/fifo" --db "$tmpdir/p.db" \
	</dev/null >/dev/null 2>"$tmpdir/ferr" || rc=$?
tap_check "--file naming a FIFO: exit 2 (got $rc), not a regular file" \
	sh -c "[ $rc -eq 2 ] && grep -q 'not a regular file' '$tmpdir/ferr'"
tap_check "--file naming a FIFO: the writer waiting on it still waits" kill -0 "$writer"
timeout 5 cat "$tmpdir/fifo" >/dev/null
wait "$writer" 2>/dev/null

# The directory swapped under a running bench, then SIGINT: hamon removes
# its own file where it made it, never what now has that path.
mkdir -p "$tmpdir/sw/d"
"$HAMON" bench disk --quick --time 5s --file "$tmpdir/sw/d/victim" --db "$tmpdir/b.db" \
	</dev/null >/dev/null 2>"$tmpdir/err.sw" &
pid=$!
cleanup_pid "$pid"
for _ in $(seq 50); do
	[ -e "$tmpdir/sw/d/victim" ] && break
	sleep 0.1
done
sleep 0.5
mv "$tmpdir/sw/d" "$tmpdir/sw/d.old"
mkdir "$tmpdir/sw/d"
echo precious >"$tmpdir/sw/d/victim"
kill -INT "$pid"
wait "$pid" 2>/dev/null
tap_check "path swapped during the run: the file now at that path is intact" \
	grep -qx precious "$tmpdir/sw/d/victim"
tap_check "path swapped during the run: hamon's own file is removed where it made it" \
	[ ! -e "$tmpdir/sw/d.old/victim" ]

# path_case DESC PATH PATTERN: exit 2, one stderr line containing PATTERN.
path_case() {
	local desc=$1 path=$2 pat=$3 rc=0 lines
	timeout -k 2 30 "$HAMON" bench disk --quick --path "$path" --db "$tmpdir/p.db" \
		</dev/null >/dev/null 2>"$tmpdir/perr" || rc=$?
	lines=$(wc -l <"$tmpdir/perr")
	tap_check "$desc: exit 2 (got $rc)" [ "$rc" -eq 2 ]
	if [ "$lines" -eq 1 ] && grep -qF -- "$pat" "$tmpdir/perr"; then
		tap_pass "$desc: one line: $(cat "$tmpdir/perr")"
	else
		tap_fail "$desc: want one stderr line containing \"$pat\", got $lines lines"
		diag_file "$tmpdir/perr"
	fi
}
path_case "missing --path" "$tmpdir/nonexistent" "$tmpdir/nonexistent"
: >"$tmpdir/afile"
path_case "--path a file" "$tmpdir/afile" "not a directory"

# Root ignores permission bits, so a read-only directory needs a read-only
# mount: bind-mount a directory read-only where we may.
mkdir -p "$tmpdir/ro"
if [ "$(id -u)" -eq 0 ] && mount --bind "$tmpdir/ro" "$tmpdir/ro" 2>/dev/null; then
	if mount -o remount,bind,ro "$tmpdir/ro" 2>/dev/null; then
		path_case "read-only --path" "$tmpdir/ro" "read-only"
		tap_check "read-only --path: nothing created" [ "$(leftovers "$tmpdir/ro")" -eq 0 ]
	else
		tap_skip "read-only --path" "cannot remount a bind mount read-only here"
	fi
	umount "$tmpdir/ro"
elif [ "$(id -u)" -ne 0 ]; then
	chmod 555 "$tmpdir/ro"
	path_case "read-only --path" "$tmpdir/ro" "$tmpdir/ro"
	chmod 755 "$tmpdir/ro"
else
	tap_skip "read-only --path" "root without mount privileges ignores permission bits"
fi

tap_done
