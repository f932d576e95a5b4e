#!/bin/bash
# stall.t: the monitor stalled on purpose (SIGSTOP for 300 ms, then
# SIGCONT) records an UNKNOWN window of about that length and no false
# outage: the probes sent before the stop are answered while it sleeps and
# carry kernel receive timestamps, none is sent while it is stopped (the
# missed deadlines are skipped, never sent as a burst), and nothing is lost.
#
# Tolerance: the window runs from the first missed deadline to the wake-up,
# so it is shorter than the stop by up to one interval (10 ms) and longer by
# the wake-up latency after SIGCONT; +-25 ms covers both on a loaded machine.

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
t0=$(date +%s%N)
kill -STOP "$pid"
sleep 0.3
kill -CONT "$pid"
t1=$(date +%s%N)
wait_pid "$pid"
assert_eq "monitor exit status" "$?" 0 || diag_file "$T_TMP/mon.err"

stop_ms=$(jq -n "($t1 - $t0) / 1e6")
# The longest stall window is the SIGSTOP's: a loaded machine can add
# short ones of a few ms.
ev=$(jq -s -c '[.[] | select(.event == "unknown" and (.reason | test("stalled")))] |
	max_by(.duration_ms) // empty' "$T_TMP/mon.out")
if [ -n "$ev" ]; then
	assert_within "UNKNOWN window vs the stop (ms)" "$(jq -r .duration_ms <<<"$ev")" "$stop_ms" 25
else
	tap_fail "an UNKNOWN window for the stall"
	diag_file "$T_TMP/mon.out" 30
fi
sum=$(jq -c 'select(.event == "summary" and .target == "vm")' "$T_TMP/mon.out")
assert_eq "no probe lost" "$(jq -r .lost <<<"$sum")" 0
assert_eq "no outage" "$(jq -r .outages <<<"$sum")" 0
assert_eq "no burst stored" "$(sqlite3 "$db" 'select count(*) from losses')" 0
assert_ge "summary counts the unknown time (ms)" "$(jq -r .unknown_ms <<<"$sum")" 250
assert_eq "the stall is stored as one row of scope all, code stall, of >= 250 ms" \
	"$(sqlite3 "$db" "select count(*) from unknown_windows where scope = 'all' and code = 'stall'
		and target_id is null and end_ns - start_ns >= 250000000")" 1
assert_within "the stored stall's length (ms) = the printed one" \
	"$(sqlite3 "$db" "select max(end_ns - start_ns) / 1e6 from unknown_windows where code = 'stall'")" \
	"$(jq -r '.duration_ms // 0' <<<"${ev:-{\}}")" 0.002
"$HAMON" report --db "$db" --format json >"$T_TMP/report.json" 2>"$T_TMP/report.err"
assert_ge "the report shows the unknown time (ms)" \
	"$(jq -r '.run.unknown_ms // .unknown_ms // 0' "$T_TMP/report.json")" 250 || diag_file "$T_TMP/report.json"
tap_done
