#!/bin/bash
# SPDX-License-Identifier: ISC
# history_merge.t: several databases (one per node, DESIGN.md "Scale beyond
# one machine") merge in `hamon history`: rows from all of them ordered by
# start, each with its vantage point and how many vantage points saw the
# same target lose probes in an overlapping period. Node A and node B both
# see vm101 down around 10:00:00 (the VM's outage: seen by 2 of 2); only
# node B sees one at 11:00 (B's own path: 1 of 2). The databases are made
# by hamon (one probe to 127.0.0.1) and the loss rows written with sqlite3,
# so nothing here needs root or a network.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_cmd sqlite3 jq
hamon_ready || tap_done

T0=1795600800000000000 # 2026-11-25T10:00:00Z
mkdb() { # DB
	"$HAMON" monitor --db "$1" --no-netlink --keep-privileges -q --count 1 \
		"vm101=icmp://127.0.0.1" >/dev/null 2>"$1.err" || return 1
	sqlite3 "$1" "select id from targets where name = 'vm101'"
}
loss() { # DB TARGET_ID START_OFFSET_MS DURATION_MS
	local s=$((T0 + $3 * 1000000)) d=$(($4 * 1000000))
	sqlite3 "$1" "insert into losses (session_id, target_id, kind, start_ns, end_ns, start_lo_ns,
		start_hi_ns, end_lo_ns, end_hi_ns, duration_ns, lower_ns, upper_ns, lost, first_seq,
		last_seq, end_state) values (1, $2, 1, $s, $((s + d)), $((s - 5000000)), $((s + 5000000)),
		$((s + d - 5000000)), $((s + d + 5000000)), $d, $((d - 10000000)), $((d + 10000000)),
		$(($4 / 10)), 1, 2, 0)"
}
if ! ta=$(mkdb "$T_TMP/a.db") || ! tb=$(mkdb "$T_TMP/b.db"); then
	skip_all "hamon cannot probe 127.0.0.1 here: $(head -1 "$T_TMP/a.db.err" "$T_TMP/b.db.err" 2>/dev/null)"
fi
loss "$T_TMP/a.db" "$ta" 0 1000
loss "$T_TMP/b.db" "$tb" 500 1000
loss "$T_TMP/b.db" "$tb" 3600000 200

"$HAMON" history --db "$T_TMP/a.db" --db "$T_TMP/b.db" --kind outage --format json \
	>"$T_TMP/h.json" 2>"$T_TMP/h.err"
assert_eq "history over two databases: exit status" "$?" 0 || diag_file "$T_TMP/h.err"
assert_eq "rows from both" "$(jq length "$T_TMP/h.json")" 3
assert_eq "ordered by start, each with its vantage" \
	"$(jq -r '[.[].vantage | sub(".*/"; "")] | join(",")' "$T_TMP/h.json")" "a.db,b.db,b.db"
assert_eq "the 10:00 outage was seen by both nodes" \
	"$(jq -r '[.[0].seen_by, .[1].seen_by, .[0].vantages] | join(",")' "$T_TMP/h.json")" "2,2,2"
assert_eq "the 11:00 outage only by node B" "$(jq -r '.[2].seen_by' "$T_TMP/h.json")" 1
"$HAMON" history --db "$T_TMP/a.db" --db "$T_TMP/b.db" --kind outage --format csv >"$T_TMP/h.csv"
assert_eq "CSV carries vantage and seen_by" "$(head -1 "$T_TMP/h.csv" | awk -F, '{print $(NF-1) "," $NF}')" \
	"vantage,seen_by"
"$HAMON" history --db "$T_TMP/a.db" --kind outage --format json >"$T_TMP/one.json"
assert_eq "one database: no vantage fields" "$(jq -r '.[0] | has("vantage")' "$T_TMP/one.json")" false
tap_done
