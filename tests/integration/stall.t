#!/bin/bash
# SPDX-License-Identifier: ISC
# stall.t: the monitor stalled on purpose (SIGSTOP for 300 ms, then
# SIGCONT) records an UNKNOWN window of about that length and no false
# outage: the probes sent before the stop are answered while it sleeps and
# carry kernel receive timestamps, none is sent while it is stopped (the
# missed deadlines are skipped, never sent as a burst), and nothing is lost.
#
# Tolerance: the window runs from the first missed deadline to the wake-up.
# Each signal is bracketed by clock readings taken just before and after
# it, so the window must start within one interval (10 ms) of the stop's
# bracket and end no earlier than the SIGCONT was sent; how late the
# monitor then woke is the machine's business (shown, not asserted).

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_cmd jq timeout sqlite3
netns_pair stall 52
hamon_ready || tap_done

db="$T_TMP/stall.db"
ip netns exec "$NS_MON" "$HAMON" monitor --db "$db" --interval 10ms --duration 4s --format json \
	"vm=icmp://$H1_IP4" >"$T_TMP/mon.out" 2>"$T_TMP/mon.err" &
pid=$!
cleanup_pid "$pid"
sleep 1.5
t0b=$(date +%s%N)
kill -STOP "$pid"
t0a=$(date +%s%N)
sleep 0.3
t1b=$(date +%s%N)
kill -CONT "$pid"
t1a=$(date +%s%N)
wait_pid "$pid"
assert_eq "monitor exit status" "$?" 0 || diag_file "$T_TMP/mon.err"

# The longest stall window is the SIGSTOP's: a loaded machine can add
# short ones of a few ms.
ev=$(jq -s -c '[.[] | select(.event == "unknown" and (.reason | test("stalled")))] |
	max_by(.duration_ms) // empty' "$T_TMP/mon.out")
[ -n "$ev" ] || diag_file "$T_TMP/mon.out" 30
read -r ws we < <(sqlite3 -separator ' ' "$db" "select start_ns, end_ns from unknown_windows
	where code = 'stall' order by end_ns - start_ns desc limit 1")
assert_between "the stall window's start (ms after the stop's bracket began)" \
	"$(jq -n "(${ws:-0} - $t0b) / 1e6")" -10.001 "$(jq -n "($t0a - $t0b) / 1e6 + 10.001")"
assert_ge "the stall window's end (ms after SIGCONT was sent)" "$(jq -n "(${we:-0} - $t1b) / 1e6")" 0
diag "the stop lasted $(jq -n "($t1a - $t0b) / 1e6") ms at most; the window $(jq -r '.duration_ms // "none"' <<<"${ev:-{\}}") ms; the monitor woke $(jq -n "(${we:-0} - $t1a) / 1e6") ms after SIGCONT returned"
sum=$(jq -c 'select(.event == "summary" and .target == "vm")' "$T_TMP/mon.out")
assert_eq "no probe lost" "$(jq -r .lost <<<"$sum")" 0
assert_eq "no outage" "$(jq -r .outages <<<"$sum")" 0
assert_eq "no burst stored" "$(sqlite3 "$db" 'select count(*) from losses')" 0
assert_ge "summary counts the unknown time (ms)" "$(jq -r .unknown_ms <<<"$sum")" 250
assert_eq "the stall is stored as one row of scope all, code stall, of >= 250 ms" \
	"$(sqlite3 "$db" "select count(*) from unknown_windows where scope = 'all' and code = 'stall'
		and target_id is null and end_ns - start_ns >= 250000000")" 1
assert_within "the stored stall's length (ms) = the printed one" \
	"$(jq -n "(${we:-0} - ${ws:-0}) / 1e6")" "$(jq -r '.duration_ms // 0' <<<"${ev:-{\}}")" 0.002
"$HAMON" report --db "$db" --format json >"$T_TMP/report.json" 2>"$T_TMP/report.err"
assert_ge "the report shows the unknown time (ms)" \
	"$(jq -r '.run.unknown_ms // .unknown_ms // 0' "$T_TMP/report.json")" 250 || diag_file "$T_TMP/report.json"
tap_done
