#!/bin/bash
# SPDX-License-Identifier: ISC
# avail.t: `hamon history --availability` against injected outages.
#
# One host probed every 10 ms for 4 s, and a loopback target that never
# fails; faultctl drops the host's echo requests twice (400 ms at 1 s,
# 600 ms at 2.5 s). From the database:
# - the whole session: the host's downtime bounds hold the two injected
#   durations' sum less the UNKNOWN time inside them (each edge known to
#   half its nft call); the monitored
#   time is the session's span less its UNKNOWN time (sessions and
#   unknown_windows rows); the availability is (monitored - down) /
#   monitored; the loopback target is clean, 100 %;
# - a window from the middle of the second fault: the first is left out
#   and the second cut at the window's edge: its downtime bounds hold the
#   injected part after the edge;
# - text output names the clean target "clean"; CSV has the header;
# - --availability with --min, two --db, an empty window: exit 2, one line.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_nft
need_faultctl
need_cmd jq timeout sqlite3

netns_pair avail 66
hamon_ready || tap_done

db="$T_TMP/a.db"
bg_in_ns "$NS_H1" fault 30 "$FAULTCTL" schedule --rule "ip saddr $MON_IP4 icmp type echo-request drop" \
	--at 1s --for 400ms --at 2500ms --for 600ms
fpid=$BG_PID
hamon_bg mon 30 monitor --db "$db" --interval 10ms --timeout 300ms --duration 4s -q \
	"vm=icmp://$H1_IP4" "lo=icmp://127.0.0.1"
mpid=$BG_PID
wait_pid "$fpid"
rc=0
wait_pid "$mpid" || rc=$?
assert_eq "monitor exit status" "$rc" 0 || diag_file "$T_TMP/mon.err"
faults_load "$T_TMP/fault.out"
assert_eq "harness: two faults injected" "$FAULT_COUNT" 2 || diag_file "$T_TMP/fault.err"

j=$("$HAMON" history --db "$db" --availability --format json 2>"$T_TMP/h.err")
assert_eq "history --availability: two targets" "$(jq length <<<"$j" 2>&1)" 2 || diag_file "$T_TMP/h.err"
vm=$(jq -c '.[] | select(.target == "vm")' <<<"$j")
lo=$(jq -c '.[] | select(.target == "lo")' <<<"$j")
diag "vm: $vm"

# the injected total and how well its edges are known (ms)
# UNKNOWN time counts on neither side: the windows (a loaded machine makes
# the monitor stall now and then) inside a fault are no downtime.
# unknown_in A B: ms of the union of vm's windows inside [A, B) (ns).
windows=$(sqlite3 -json "$db" "select start_ns as a, end_ns as b from unknown_windows
	where target_id is null or target_id = (select id from targets where name = 'vm')")
unknown_in() {
	jq -n --argjson w "${windows:-[]}" --argjson a "$1" --argjson b "$2" '
		[$w[] | {a: ([.a, $a] | max), b: ([.b, $b] | min)} | select(.b > .a)] | sort_by(.a) |
		reduce .[] as $x ({t: 0, e: null};
			if .e == null or $x.a > .e then {t: (.t + $x.b - $x.a), e: $x.b}
			elif $x.b > .e then {t: (.t + $x.b - .e), e: $x.b} else . end) | .t / 1e6'
}
u0=$(unknown_in "${FAULT_START[0]:-0}" "${FAULT_END[0]:-0}")
u1=$(unknown_in "${FAULT_START[1]:-0}" "${FAULT_END[1]:-0}")
diag "UNKNOWN inside the faults: $u0 ms, $u1 ms"
inj=$(jq -n --argjson a "${FAULT_MS[0]:-0}" --argjson b "${FAULT_MS[1]:-0}" --argjson u "$u0" --argjson v "$u1" \
	'$a + $b - $u - $v')
slack=$(jq -n --argjson a "${FAULT_START_HW[0]:-0}" --argjson b "${FAULT_END_HW[0]:-0}" \
	--argjson c "${FAULT_START_HW[1]:-0}" --argjson d "${FAULT_END_HW[1]:-0}" '($a + $b + $c + $d) / 1e6 + 1')
assert_between "whole session: the downtime bounds hold the injected $inj ms, UNKNOWN left out (± $slack ms)" "$inj" \
	"$(jq -n --argjson l "$(jq .downtime_lower_ms <<<"$vm")" --argjson s "$slack" '$l - $s')" \
	"$(jq -n --argjson h "$(jq .downtime_upper_ms <<<"$vm")" --argjson s "$slack" '$h + $s')"
assert_eq "whole session: two outages" "$(jq .outages <<<"$vm")" 2
span=$(sqlite3 "$db" "select ended_ns - started_ns from sessions" 2>&1)
# the union of its UNKNOWN windows (they may overlap), inside the session
unk=$(sqlite3 -json "$db" "select max(w.start_ns, s.started_ns) as a, min(w.end_ns, s.ended_ns) as b
	from unknown_windows w join sessions s on s.id = w.session_id
	where w.target_id is null or w.target_id = (select id from targets where name = 'vm')" |
	jq 'map(select(.b > .a)) | sort_by(.a) | reduce .[] as $w ({t: 0, e: null};
		if .e == null or $w.a > .e then {t: (.t + $w.b - $w.a), e: $w.b}
		elif $w.b > .e then {t: (.t + $w.b - .e), e: $w.b} else . end) | .t' 2>&1)
[ -n "$unk" ] || unk=0
assert_within "monitored = the session's span less its UNKNOWN windows (ms)" "$(jq .monitored_ms <<<"$vm")" \
	"$(jq -n --argjson s "$span" --argjson u "$unk" '($s - $u) / 1e6')" 0.002
# The figures printed are truncated to the µs: up to 1 µs off each, which
# moves the share by up to 100 * 0.002 / monitored_ms %, plus the
# availability's own rounding to 5 decimals.
m_ms=$(jq .monitored_ms <<<"$vm")
assert_within "availability = (monitored - down) / monitored" "$(jq .availability_pct <<<"$vm")" \
	"$(jq -n --argjson m "$m_ms" --argjson d "$(jq .downtime_ms <<<"$vm")" '100 * ($m - $d) / $m')" \
	"$(jq -n --argjson m "$m_ms" '100 * 0.002 / $m + 0.000005')"
tap_check "the lower availability bound goes with the upper downtime bound" \
	sh -c "jq -e '.availability_lower_pct <= .availability_pct and .availability_pct <= .availability_upper_pct' >/dev/null <<'EOF'
$vm
EOF"
assert_eq "the loopback target: 100 %, no outage" "$(jq -c '[.availability_pct, .outages]' <<<"$lo")" "[100,0]"

# A window from the middle of the second fault.
mid=$(((FAULT_START[1] + FAULT_END[1]) / 2))
since=$(date -u -d "@$((mid / 1000000000)).$(printf '%09d' $((mid % 1000000000)))" +%Y-%m-%dT%H:%M:%S.%6NZ)
j2=$("$HAMON" history --db "$db" --availability --target vm --since "$since" --format json 2>"$T_TMP/h2.err")
vm2=$(jq -c '.[0]' <<<"$j2")
diag "from $since: $vm2"
since_ns=$(((mid / 1000) * 1000))
part=$(jq -n --argjson p "$(ns_to_ms $((FAULT_END[1] - since_ns)))" \
	--argjson u "$(unknown_in "$since_ns" "${FAULT_END[1]:-0}")" '$p - $u')
slack2=$(jq -n --argjson d "${FAULT_END_HW[1]:-0}" '$d / 1e6 + 1')
assert_between "cut window: the bounds hold the injected $part ms after its edge (± $slack2 ms)" "$part" \
	"$(jq -n --argjson l "$(jq .downtime_lower_ms <<<"$vm2")" --argjson s "$slack2" '$l - $s')" \
	"$(jq -n --argjson h "$(jq .downtime_upper_ms <<<"$vm2")" --argjson s "$slack2" '$h + $s')"
assert_eq "cut window: one outage overlaps it" "$(jq .outages <<<"$vm2")" 1

txt=$("$HAMON" history --db "$db" --availability 2>&1)
tap_check "text: the clean target says clean" grep -Eq '^lo +.* clean +100\.00000%' <<<"$txt" || diag "$txt"
tap_check "text: the host's downtime with its bounds, bursts and outages" grep -Eq '^vm .*\[.*\] in [0-9]+ bursts?, 2 outages' <<<"$txt"
assert_eq "CSV: header and two rows" "$("$HAMON" history --db "$db" --availability --format csv | wc -l)" 3

bad() { # bad NAME WANT ARGS...: exit 2 and one line containing WANT
	local name=$1 want=$2 rc=0
	shift 2
	"$HAMON" history "$@" >/dev/null 2>"$T_TMP/bad.err" || rc=$?
	assert_eq "$name: exit 2, one line" "$rc/$(wc -l <"$T_TMP/bad.err")" "2/1"
	tap_check "... naming it ($want)" grep -q -- "$want" "$T_TMP/bad.err"
}
bad "--availability --min" "--min" --db "$db" --availability --min 1s
bad "--availability with two --db" "one --db" --db "$db" --db "$db" --availability
bad "--availability, empty window" "empty" --db "$db" --availability --since 2030-01-01T00:00:00Z --until 2029-01-01T00:00:00Z

tap_done
