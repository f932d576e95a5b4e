#!/bin/bash
# SPDX-License-Identifier: ISC
# faultctl.t: the fault injector itself, checked against plain ping (no hamon
# needed). The outage tests trust faultctl's reported windows; this test is
# why they may.
#
# Tolerances and why:
# - The window faultctl reports is [mid(add call), mid(del call)]; the rules
#   really took effect somewhere inside each call, so each edge is uncertain
#   by half a call. How long the calls take is the machine's business (0.05
#   to 0.4 ms when idle, 1-8 ms on a loaded 2-core machine): it is shown,
#   and only a hang (a call over 1 s) fails.
# - Checked against fping (it keeps its send schedule while replies are
#   missing; iputils ping does not), every 10 ms and every 1 ms, IPv4 and
#   IPv6: the fault's start must lie between the send time of the last
#   answered probe and that of the first lost one, and its end between the
#   last lost and the first answered again, each with a slack of half that
#   edge's nft call + 0.5 ms (fping's 10 us timestamps and its send
#   jitter), at least 1 ms. So faultctl's window is shown right at each
#   edge, or the test fails.
# - A stand-alone "once" fault of 100 ms must measure 100 ms plus how late
#   faultctl says its delete woke minus how late its add woke, within half
#   the two calls' durations + 0.1 ms (a loaded machine woke the delete
#   3.4 ms late once: a fixed 2 ms failed).

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_nft
need_cmd ping fping jq timeout
need_faultctl

# -- argument validation: exit 2 and exactly one line on stderr, before any
#    nft work (so safe to run anywhere).
usage_case() {
	local desc=$1 rc=0 lines
	shift
	"$FAULTCTL" "$@" >"$T_TMP/usage.out" 2>"$T_TMP/usage.err" || rc=$?
	lines=$(wc -l <"$T_TMP/usage.err")
	if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && [ ! -s "$T_TMP/usage.out" ]; then
		tap_pass "usage error, $desc: exit 2: $(cat "$T_TMP/usage.err")"
	else
		tap_fail "usage error, $desc: exit $rc (want 2), $lines stderr lines (want 1)"
		diag_file "$T_TMP/usage.err"
	fi
}
R='ip saddr 198.18.40.1 icmp type echo-request drop'
usage_case "no mode"
usage_case "unknown mode" frobnicate --rule "$R" --for 1ms
usage_case "unknown unit" schedule --rule "$R" --at 10parsecs --for 10ms
usage_case "missing unit" schedule --rule "$R" --at 100 --for 10ms
usage_case "zero --for" schedule --rule "$R" --at 10ms --for 0ms
usage_case "negative --at" schedule --rule "$R" --at -5s --for 10ms
usage_case "--at without --for" schedule --rule "$R" --at 10ms
usage_case "--for without --at" schedule --rule "$R" --for 10ms
usage_case "overlapping faults" schedule --rule "$R" --at 10ms --for 100ms --at 50ms --for 1ms
usage_case "no rule" once --for 10ms
usage_case "rule smuggling a command" once --rule "$R; flush ruleset" --for 10ms
usage_case "stray argument" once --rule "$R" --for 10ms extra

# -- faultctl must refuse to touch a namespace with a default route (the
#    host's). Only meaningful where the root namespace has one.
if [ -n "$(ip route show default)" ]; then
	rc=0
	"$FAULTCTL" once --rule "$R" --for 1ms >"$T_TMP/root.out" 2>"$T_TMP/root.err" || rc=$?
	if [ "$rc" -eq 2 ] && grep -q 'refusing' "$T_TMP/root.err" && ! grep -q '^ready' "$T_TMP/root.out"; then
		tap_pass "refuses to run in the root namespace (it has a default route)"
	else
		tap_fail "refuses to run in the root namespace: exit $rc"
		diag_file "$T_TMP/root.err"
	fi
else
	tap_skip "refuses to run in the root namespace" "the root namespace has no default route here"
fi

netns_pair faultctl 40
tables_in_h1() { in_h1 nft list tables 2>/dev/null | grep -c 'hamon_fault' ; }

# -- a rule nft rejects: exit 2, one line, nothing left behind.
rc=0
in_h1 "$FAULTCTL" once --rule 'ip saddr 198.18.40.1 frobnicate' --for 10ms \
	>"$T_TMP/bad.out" 2>"$T_TMP/bad.err" || rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <"$T_TMP/bad.err")" -eq 1 ] && [ "$(tables_in_h1)" -eq 0 ]; then
	tap_pass "rule rejected by nft: exit 2: $(cat "$T_TMP/bad.err")"
else
	tap_fail "rule rejected by nft: exit $rc (want 2), $(wc -l <"$T_TMP/bad.err") stderr lines"
	diag_file "$T_TMP/bad.err"
fi

# -- once: ready line, one fault line, done line; the window is what was
#    asked; the table is gone afterwards.
rc=0
in_h1 timeout -k 5 20 "$FAULTCTL" once -v --rule "$R" --for 100ms \
	>"$T_TMP/once.faults" 2>"$T_TMP/once.err" || rc=$?
faults_load "$T_TMP/once.faults"
if [ "$rc" -eq 0 ] && grep -q '^ready [0-9]* hamon_fault_[0-9]*$' "$T_TMP/once.faults" &&
	[ "$FAULT_COUNT" -eq 1 ] && grep -q '^done faults=1 calls=2 ' "$T_TMP/once.faults"; then
	tap_pass "once: ready, fault and done lines"
else
	tap_fail "once: exit $rc, output not as specified"
	diag_file "$T_TMP/once.faults"
	diag_file "$T_TMP/once.err"
fi
# The window runs between the midpoints of the two calls, and each call
# began late by what faultctl says (-v: "N us after schedule"): the window
# must be --for plus the delete's lateness minus the add's, within half of
# each call (where inside it the rule took effect) + 0.1 ms of rounding.
# How late the wake-ups were is the machine's business: shown, and only a
# hang (over 1 s) fails.
add_late=$(sed -n 's/.*add call [0-9.]*us (\([-0-9.]*\)us after schedule).*/\1/p' "$T_TMP/once.err")
del_late=$(sed -n 's/.*del call [0-9.]*us (\([-0-9.]*\)us after schedule).*/\1/p' "$T_TMP/once.err")
assert_between "once: the delete's wake-up after its schedule (us), a hang guard" "${del_late:-x}" -1 1000000
assert_within "once: window (ms) vs --for 100ms + delete late - add late (tol half the two nft calls + 0.1 ms)" \
	"${FAULT_MS[0]:-}" "$(jq -n --argjson a "${add_late:-0}" --argjson d "${del_late:-0}" '(100000 + $d - $a) | round / 1000')" \
	"$(jq -n --argjson us "${FAULT_CALL_US[0]:-0}" '(100 + $us / 2) | round / 1000')"
diag "$(cat "$T_TMP/once.err")"
assert_eq "once: tables left in $NS_H1" "$(tables_in_h1)" 0

# -- SIGTERM in the middle of a fault: the table goes, the cut-short fault
#    is reported as interrupted, the exit status says SIGTERM.
bg_in_ns "$NS_H1" sigterm 20 "$FAULTCTL" schedule --rule "$R" --at 100ms --for 10s
pid=$BG_PID
for _ in $(seq 50); do
	[ "$(tables_in_h1)" -eq 1 ] && grep -q '^ready' "$T_TMP/sigterm.out" && break
	sleep 0.1
done
sleep 0.3
# timeout passes SIGTERM on to faultctl and then exits with faultctl's status.
kill -TERM "$pid"
rc=0
wait_pid "$pid" || rc=$?
if [ "$rc" -eq 143 ] && grep -q '^fault 1 [0-9 ]* interrupted$' "$T_TMP/sigterm.out" &&
	[ "$(tables_in_h1)" -eq 0 ]; then
	tap_pass "SIGTERM mid-fault: exit 143, fault reported as interrupted, table deleted"
else
	tap_fail "SIGTERM mid-fault: exit $rc (want 143), tables left $(tables_in_h1)"
	diag_file "$T_TMP/sigterm.out"
	diag_file "$T_TMP/sigterm.err"
fi

# -- fping every 10 ms, three faults: each gap in the replies sits where
#    faultctl says the fault was.
fping_bg sched10.fping 4 10 300 "$H1_IP4"
pid=$BG_PID
run_faultctl sched10 20 3 schedule --rule "$R" \
	--at 300ms --for 50ms --at 1000ms --for 200ms --at 1900ms --for 600ms
wait_pid "$pid"
check_probes_against_faults "fping 10ms" "$T_TMP/sched10.fping.out"

# -- the same every 1 ms, shorter faults.
fping_bg sched1.fping 4 1 1750 "$H1_IP4"
pid=$BG_PID
run_faultctl sched1 20 2 schedule --rule "$R" --at 300ms --for 20ms --at 1000ms --for 250ms
wait_pid "$pid"
check_probes_against_faults "fping 1ms" "$T_TMP/sched1.fping.out"

# -- IPv6: one fault, rule on icmpv6.
harness_ping_check "fping6 10ms" 6 10 100

# -- how long one nft call (add or flush) takes.
stats=$(cat "$T_TMP"/*.faults | awk '/^done/ {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	n += v["calls"]; sum += v["calls"] * v["call_us_mean"]
	if (v["calls"] > 0 && (min == "" || v["call_us_min"] < min)) min = v["call_us_min"]
	if (v["call_us_max"] > max) max = v["call_us_max"]
} END { if (n) printf "%d %.1f %.1f %.1f\n", n, min, sum / n, max }')
read -r ncalls cmin cmean cmax <<<"$stats"
diag "nft_run_cmd_from_buffer per add/flush: ${ncalls:-0} calls, min ${cmin:-?} us, mean ${cmean:-?} us, max ${cmax:-?} us"
# How fast nft is, is the machine's business (a loaded 2-core machine took
# 1-8 ms a call): the edge checks above already widen their slack by half
# of each edge's own call. Here only that calls were timed and none hung.
assert_ge "nft calls timed" "${ncalls:-0}" 1
assert_between "longest nft call (us), a hang guard" "${cmax:-}" 0 1000000

assert_eq "tables left in $NS_H1 at the end" "$(tables_in_h1)" 0
tap_done
