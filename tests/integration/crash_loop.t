#!/bin/bash
# SPDX-License-Identifier: ISC
# crash_loop.t: hamon killed with SIGKILL over and over on one database
# keeps it sound, and an outage that is still going on at a crash is kept.
#
# hamon monitors 100 targets (198.18.48.2 .. 198.18.48.101, all addresses of
# the host namespace) every 1 ms into one database. 20 times: start hamon,
# wait a random 0.3..1.5 s, kill -9; after each kill `PRAGMA
# integrity_check` must say ok. At iteration OUTAGE_AT the target t50
# (198.18.48.51) is cut off (faultctl drops everything to its address) 300 ms
# after hamon started and still is when hamon is killed 2 s after its start;
# with --timeout 200ms and --down-after 3, DOWN is declared about 205 ms into
# the fault. After the next start (whose crash recovery closes the
# killed session) `hamon history` must show that outage as ended unknown.
# A last clean run of 1 s must exit 0 and its session be 'stopped'; every
# killed session must then be closed as 'crashed'.
#
# Tolerances and why:
# - the unknown-ended outage starts within one send spacing + 1 ms of the
#   injected fault's start: the start estimate lies between the last
#   answered send and the first lost one, whose gap (read from the stored
#   samples) is the interval, or more when a loaded machine made the
#   monitor late; plus the fault's own edge: half its nft call as faultctl
#   timed it (FAULT_START_HW), + 1 ms;
# - it ends (at the session's last_seen_ns, the last time the writer took
#   its queue) no later than the kill and at most 1.5 s before it: the
#   writer refreshes last_seen_ns at least once a second (per-second rows
#   or its heartbeat), plus up to one 250 ms flush interval and some slack
#   for a loaded machine;
# - so its duration is the time from fault start to kill minus at most
#   1.5 s (and plus at most 3 ms, the start tolerance); lower <= duration
#   <= upper.
# On a loaded machine replies may come later than the 200 ms timeout and
# make targets flap before the fault; only the outage that ended unknown is
# checked.
# The monitor runs with -q so that 100 targets at 1 ms print nothing but
# errors; stderr of each run is kept in $T_TMP.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_nft
need_cmd ip jq timeout date sqlite3 awk
need_faultctl

N=48
ITER=20
OUTAGE_AT=8
NT=100
netns_pair crashloop "$N"

# 99 more host addresses, each with a pinned neighbour entry on the monitor
# side (ARP never takes part), and no ICMP rate limit in the host.
{
	for ((i = 3; i <= NT + 1; i++)); do
		echo "addr add 198.18.$N.$i/24 dev $H1_DEV"
	done
} >"$T_TMP/h1.batch"
{
	for ((i = 3; i <= NT + 1; i++)); do
		echo "neigh replace 198.18.$N.$i lladdr $H1_MAC dev $MON_DEV nud permanent"
	done
} >"$T_TMP/mon.batch"
ip -n "$NS_H1" -batch "$T_TMP/h1.batch" || bail_out "adding host addresses failed"
ip -n "$NS_MON" -batch "$T_TMP/mon.batch" || bail_out "pinning neighbours failed"
in_h1 sysctl -q -w net.ipv4.icmp_ratelimit=0 || bail_out "icmp_ratelimit=0 in $NS_H1 failed"
in_mon ping -n -q -c 1 -W 2 "198.18.$N.$((NT + 1))" >/dev/null 2>&1 ||
	bail_out "no round trip to 198.18.$N.$((NT + 1))"

hamon_ready || tap_done

db="$T_TMP/crash.db"
targets=()
for ((i = 1; i <= NT; i++)); do
	targets+=("t$i=icmp://198.18.$N.$((i + 1))")
done
victim=t50
victim_ip="198.18.$N.51"
# --samples: 100 000 rows a second, so that many kills land in a write.
margs=(monitor --db "$db" --interval 1ms --timeout 200ms --down-after 3 --samples -q)

# Start hamon in NS_MON with no wrapper, so that $! is hamon itself (ip netns
# exec execs it) and kill -9 hits it. --duration bounds it; the EXIT trap
# stops it otherwise. Sets HPID.
start_hamon() {
	ip netns exec "$NS_MON" "$HAMON" "${margs[@]}" --duration 60s "${targets[@]}" \
		>"$T_TMP/run$1.out" 2>"$T_TMP/run$1.err" &
	HPID=$!
	cleanup_pid "$HPID"
}

# Seconds as a decimal, random in [0.3, 1.5].
rand_wait() {
	awk -v r="$RANDOM" 'BEGIN { printf "%.3f", 0.3 + r / 32767 * 1.2 }'
}

t_start=$(date +%s%N)
bad_runs=0
bad_checks=0
kill_ns=0
fault_pid=
for ((it = 1; it <= ITER; it++)); do
	start_hamon "$it"
	if [ "$it" -eq "$OUTAGE_AT" ]; then
		# The fault comes 300 ms after the start and outlives the kill.
		sleep 0.3
		# No wrapper: $! is faultctl itself, which SIGTERM ends (deleting
		# its table); --for bounds it, the EXIT trap stops it otherwise.
		ip netns exec "$NS_H1" "$FAULTCTL" once --rule "ip daddr $victim_ip drop" --for 20s \
			>"$T_TMP/outage.faults" 2>"$T_TMP/outage.faults.err" &
		fault_pid=$!
		cleanup_pid "$fault_pid"
		sleep 1.7
	else
		sleep "$(rand_wait)"
	fi
	comm=$(cat "/proc/$HPID/comm" 2>/dev/null)
	if [ "$comm" != hamon ]; then
		bad_runs=$((bad_runs + 1))
		tap_fail "iteration $it: hamon (pid $HPID) was running when it was to be killed"
		diag_file "$T_TMP/run$it.err"
	fi
	[ "$it" -eq "$OUTAGE_AT" ] && kill_ns=$(date +%s%N)
	kill -KILL "$HPID" 2>/dev/null
	rc=0
	wait_pid "$HPID" || rc=$?
	if [ "$rc" -ne 137 ] && [ "$comm" = hamon ]; then
		bad_runs=$((bad_runs + 1))
		tap_fail "iteration $it: hamon died of SIGKILL (status $rc, want 137)"
		diag_file "$T_TMP/run$it.err"
	fi
	ic=$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)
	if [ "$ic" != ok ]; then
		bad_checks=$((bad_checks + 1))
		tap_fail "iteration $it: PRAGMA integrity_check after kill -9: $ic"
	fi
	if [ "$it" -eq "$OUTAGE_AT" ]; then
		# End the fault (faultctl deletes its table on SIGTERM).
		kill -TERM "$fault_pid" 2>/dev/null
		wait_pid "$fault_pid"
		faults_load "$T_TMP/outage.faults"
		if [ "$FAULT_COUNT" -eq 1 ]; then
			tap_pass "harness: faultctl cut $victim_ip off from $(ns_to_ms $((kill_ns - FAULT_START[0]))) ms before the kill until after it"
		else
			tap_fail "harness: faultctl reported $FAULT_COUNT faults, want 1 (interrupted)"
			diag_file "$T_TMP/outage.faults.err"
		fi
		# The DOWN transition must be on disk before the crash, as the
		# last one of the victim in this session.
		outage_sid=$(sqlite3 "$db" 'SELECT max(id) FROM sessions')
		# (from up: it answered until the fault)
		assert_eq "iteration $it: last transition of $victim stored before the kill" \
			"$(sqlite3 "$db" "SELECT from_state || '->' || to_state FROM transitions_v WHERE target = '$victim'
				AND session_id = $outage_sid ORDER BY id DESC LIMIT 1" 2>&1)" "up->down"
		assert_eq "iteration $it: no unknown-ended outage of $victim yet" \
			"$(sqlite3 "$db" "SELECT count(*) FROM outages WHERE target = '$victim' AND kind = 'outage'
				AND end_state = 'unknown' AND session_id = $outage_sid" 2>&1)" 0
	fi
	if [ "$it" -eq $((OUTAGE_AT + 1)) ]; then
		# The start of this run closed the killed session: check the outage.
		# (A loaded machine may have made targets flap earlier: only the
		# unknown-ended outages are looked at.)
		if hamon_history_json outage.all --db "$db" --target "$victim" --kind outage &&
			jq --argjson sid "$outage_sid" '[.[] | select(.end_state == "unknown" and .session == $sid)]' \
				"$T_TMP/outage.all.json" >"$T_TMP/outage.json" &&
			bursts_load "$T_TMP/outage.json"; then
			assert_eq "history: unknown-ended outages of $victim after the crash and the next start" \
				"$B_COUNT" 1
			if [ "$B_COUNT" -eq 1 ] && [ "$FAULT_COUNT" -eq 1 ]; then
				assert_eq "history: its end_state" "${B_STATE[0]}" unknown
				assert_eq "history: its session" "$(jq -r '.[0].session' "$T_TMP/outage.json")" "$outage_sid"
				# The estimate lies in the spacing of the sends around
				# the fault: the first lost send (the DOWN transition's
				# effective time, on disk before the kill) and the last
				# answered one before it (the stored samples). Their gap is the
				# interval, or more when the monitor ran late (a loaded
				# machine): the tolerance is that gap + 2 ms (the
				# fault's own edge, half an nft call). Without the
				# samples (lost with the crash), interval + the 5 ms a
				# send may be late before hamon calls it a stall.
				gap=$(sqlite3 -readonly "$db" "WITH v AS (SELECT s.tx_ns, s.rtt_ns FROM samples s
					JOIN targets t ON t.id = s.target_id WHERE t.name = '$victim'
					AND s.session_id = $outage_sid),
					n AS (SELECT max(r.effective_ns) AS tx FROM transitions r
					JOIN targets t ON t.id = r.target_id WHERE t.name = '$victim'
					AND r.session_id = $outage_sid AND r.to_state = 2)
					SELECT n.tx - (SELECT max(tx_ns) FROM v WHERE rtt_ns IS NOT NULL
					AND tx_ns < n.tx) FROM n" 2>/dev/null)
				case $gap in
				'' | *[!0-9]*) gap=6000000 ;;
				esac
				# The fault's edge is known to half its nft call
				# (FAULT_START_HW, from faultctl's brackets), which a
				# loaded machine makes long: that, not a fixed 2 ms.
				edge=$((${FAULT_START_HW[0]:-1000000} + 1000000))
				diag "send spacing around the fault start: $(ns_to_ms "$gap") ms; fault edge ± $(ns_to_ms "$edge") ms"
				assert_within "outage start vs injected fault start, ms (tol: the send spacing there + the edge)" \
					"$(ns_to_ms $((B_START[0] - FAULT_START[0])))" 0 "$(ns_to_ms $((gap + edge)))"
				assert_between "outage end (last_seen) vs the kill, ms" \
					"$(ns_to_ms $((B_END[0] - kill_ns)))" -1500 0
				seen_ms=$(ns_to_ms $((kill_ns - FAULT_START[0])))
				assert_between "duration_ms vs the $seen_ms ms from fault start to kill" \
					"${B_DUR_MS[0]}" "$(jq -n --argjson s "$seen_ms" '($s - 1500) * 1000 | round / 1000')" \
					"$(jq -n --argjson s "$seen_ms" '($s + 3) * 1000 | round / 1000')"
				assert_between "lower_ms <= duration_ms" "${B_LO_MS[0]}" 0 "${B_DUR_MS[0]}"
				assert_between "duration_ms <= upper_ms" "${B_DUR_MS[0]}" 0 "${B_HI_MS[0]}"
			fi
		fi
		timeout -k 5 30 "$HAMON" history --db "$db" --target "$victim" --kind outage \
			>"$T_TMP/outage.table" 2>&1
		n_unknown=$(jq '[.[] | select(.end_state == "unknown")] | length' "$T_TMP/outage.all.json" 2>/dev/null)
		if [ "$(grep -c '(ended unknown: crash)' "$T_TMP/outage.table")" = "${n_unknown:-x}" ]; then
			tap_pass "hamon history (table) marks the $n_unknown unknown-ended outage(s) \"(ended unknown: crash)\""
		else
			tap_fail "hamon history (table) marks the ${n_unknown:-?} unknown-ended outage(s) \"(ended unknown: crash)\""
			diag_file "$T_TMP/outage.table"
		fi
		assert_eq "a 'crash' event for the killed session" \
			"$(sqlite3 "$db" "SELECT count(*) FROM events WHERE kind = 'crash' AND session_id = $outage_sid" 2>&1)" 1
	fi
done
[ "$bad_runs" -eq 0 ] && tap_pass "all $ITER runs were running when killed and died of SIGKILL"
[ "$bad_checks" -eq 0 ] && tap_pass "PRAGMA integrity_check ok after each of $ITER kills"

# A last, clean run on the same database.
rc=0
in_mon timeout -k 5 30 "$HAMON" "${margs[@]}" --duration 1s "${targets[@]}" \
	>"$T_TMP/final.out" 2>"$T_TMP/final.err" || rc=$?
assert_eq "final hamon monitor --duration 1s exit status" "$rc" 0 || diag_file "$T_TMP/final.err"
assert_eq "final session end_state" \
	"$(sqlite3 "$db" 'SELECT end_state FROM sessions ORDER BY id DESC LIMIT 1' 2>&1)" stopped
assert_eq "final session: targets with replies in their summary" \
	"$(sqlite3 "$db" 'SELECT count(*) FROM target_summaries WHERE received > 0
		AND session_id = (SELECT max(id) FROM sessions)' 2>&1)" "$NT"
# A kill that came before hamon had recorded its session (a slow start on
# a loaded machine) leaves no session: every recorded one but the last must
# be 'crashed', and most kills must have found a session.
nsess=$(sqlite3 "$db" 'SELECT count(*) FROM sessions' 2>&1)
assert_eq "sessions before the final one that are not 'crashed'" \
	"$(sqlite3 "$db" "SELECT count(*) FROM sessions WHERE end_state IS NOT 'crashed'
		AND id < (SELECT max(id) FROM sessions)" 2>&1)" 0
assert_between "sessions recorded by the $ITER killed runs" "$((nsess - 1))" $((ITER / 2)) "$ITER"
assert_eq "sessions left open" \
	"$(sqlite3 "$db" 'SELECT count(*) FROM sessions WHERE ended_ns IS NULL' 2>&1)" 0
assert_eq "PRAGMA integrity_check at the end" "$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)" ok
diag "crash loop took $((($(date +%s%N) - t_start) / 1000000)) ms"
tap_done
