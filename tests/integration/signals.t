#!/bin/bash
# SPDX-License-Identifier: ISC
# signals.t: every signal whose default would end the monitor ends it
# cleanly instead: exit 0, its summary printed, its session closed as
# `stopped` with everything committed (a dropped ssh session sends SIGHUP;
# before, SIGHUP or SIGUSR2 killed it with no summary and left the session
# `running`). SIGUSR1 prints every target's figures so far and the monitor
# goes on. `hamon run` passes such a signal to its command and then settles
# and closes its session as usual.
#
# No timing is asserted: each run is bounded (a 20 s --duration, a 30 s
# guard) and the signal is sent once the monitor has answered probes.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_cmd jq timeout sqlite3
netns_pair signals 59
hamon_ready || tap_done

# wait_lines FILE N: until FILE has N lines (at most 10 s).
wait_lines() {
	local i
	for i in $(seq 100); do
		[ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# The process of `hamon` itself under the namespace wrapper.
hamon_pid() {
	local i p
	for i in $(seq 50); do
		p=$(pgrep -P "$1" -x hamon | head -n 1)
		[ -n "$p" ] && echo "$p" && return 0
		sleep 0.1
	done
	return 1
}

for sig in HUP QUIT USR2 ALRM VTALRM XCPU PWR TERM INT; do
	db="$T_TMP/$sig.db"
	hamon_bg "m$sig" 30 monitor --db "$db" --interval 10ms --duration 20s --format json \
		"vm=icmp://$H1_IP4"
	bpid=$BG_PID
	hpid=$(hamon_pid "$bpid")
	# The first transition line ("up") shows it probes.
	wait_lines "$T_TMP/m$sig.out" 1
	kill -"$sig" "${hpid:-0}" 2>/dev/null
	rc=0
	wait_pid "$bpid" || rc=$?
	assert_eq "SIG$sig: exit status" "$rc" 0 || diag_file "$T_TMP/m$sig.err"
	assert_eq "SIG$sig: the summary printed" \
		"$(jq -s '[.[] | select(.event == "summary" and .target == "vm" and .sent > 0)] | length' "$T_TMP/m$sig.out" 2>/dev/null)" 1
	assert_eq "SIG$sig: session closed as stopped" \
		"$(sqlite3 "$db" "select coalesce(end_state, 'running') from sessions")" stopped
	assert_eq "SIG$sig: its summary row stored" \
		"$(sqlite3 "$db" "select count(*) from target_summaries")" 1
done

# SIGUSR1: interim figures, then on with probing.
db="$T_TMP/usr1.db"
hamon_bg usr1 30 monitor --db "$db" --interval 10ms --duration 20s --format json "vm=icmp://$H1_IP4"
bpid=$BG_PID
hpid=$(hamon_pid "$bpid")
wait_lines "$T_TMP/usr1.out" 1
sleep 0.3
kill -USR1 "${hpid:-0}"
sleep 0.3
kill -USR1 "${hpid:-0}"
sleep 0.3
alive=0
kill -0 "${hpid:-0}" 2>/dev/null && alive=1
assert_eq "SIGUSR1: the monitor goes on" "$alive" 1
kill -TERM "${hpid:-0}" 2>/dev/null
rc=0
wait_pid "$bpid" || rc=$?
assert_eq "SIGUSR1 then SIGTERM: exit status" "$rc" 0
read -r n1 n2 < <(jq -r -s '[.[] | select(.event == "interim" and .target == "vm") | .sent] |
	"\(.[0] // 0) \(.[1] // 0)"' "$T_TMP/usr1.out")
assert_eq "SIGUSR1: one interim line per signal" \
	"$(jq -s '[.[] | select(.event == "interim")] | length' "$T_TMP/usr1.out")" 2
assert_ge "SIGUSR1: the second interim counts more probes than the first ($n1)" "${n2:-0}" $((${n1:-0} + 1))
assert_ge "SIGUSR1: the final summary counts more still ($n2)" \
	"$(jq -s '[.[] | select(.event == "summary") | .sent] | max' "$T_TMP/usr1.out")" $((${n2:-0} + 1))

# hamon run: SIGHUP goes to the command, the run ends and is closed.
db="$T_TMP/run.db"
hamon_bg run 40 run --db "$db" --interval 10ms --settle 1s --target "vm=icmp://$H1_IP4" \
	-- sh -c 'trap "echo got-hup; exit 7" HUP; sleep 20 & wait'

bpid=$BG_PID
hpid=$(hamon_pid "$bpid")
# The command runs once the target answered and the baseline passed, as a
# child of hamon's launcher (which keeps the invoking user's rights).
cmd=
for i in $(seq 150); do
	for c in $(pgrep -P "${hpid:-0}"); do
		cmd=$(pgrep -P "$c" -x sh | head -n 1)
		[ -n "$cmd" ] && break
	done
	[ -n "$cmd" ] && break
	sleep 0.1
done
tap_check "run: the command started (pid ${cmd:-none})" [ -n "$cmd" ]
sleep 0.3
kill -HUP "${hpid:-0}" 2>/dev/null
rc=0
wait_pid "$bpid" || rc=$?
assert_eq "run, SIGHUP: hamon run exits with the command's status" "$rc" 7 || diag_file "$T_TMP/run.err"
tap_check "run, SIGHUP: the command got it" grep -q got-hup "$T_TMP/run.out" "$T_TMP/run.err"
assert_eq "run, SIGHUP: session closed as stopped" \
	"$(sqlite3 "$db" "select coalesce(end_state, 'running') from sessions")" stopped
tap_done
