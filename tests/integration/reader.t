#!/bin/bash
# SPDX-License-Identifier: ISC
# reader.t: other processes on the database never stall the monitor. While
# hamon probes at 10 ms, (1) sqlite3 holds a read transaction open for 3 s
# and `hamon history` / `hamon report` read, then (2) sqlite3 holds the
# write lock (BEGIN IMMEDIATE) for 3 s while a 200 ms outage is injected.
# The store writes from its own thread, so probing and live output go on:
# the DOWN and UP lines are printed while the lock is held, nothing else is
# lost, and once the lock is gone the outage is in the database with its
# duration within interval + 2 ms of the injected one.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_nft
need_cmd jq timeout sqlite3
need_faultctl
netns_pair reader 53
hamon_ready || tap_done

db="$T_TMP/reader.db"
chmod 755 "$T_TMP"
ip netns exec "$NS_MON" "$HAMON" monitor --db "$db" --interval 10ms --down-after 3 --duration 9s \
	--format json "vm=icmp://$H1_IP4" >"$T_TMP/mon.out" 2>"$T_TMP/mon.err" &
pid=$!
cleanup_pid "$pid"
sleep 1

# (1) readers
sqlite3 "$db" "BEGIN; SELECT count(*) FROM seconds;" ".shell sleep 3" "COMMIT;" >/dev/null 2>&1 &
rpid=$!
cleanup_pid "$rpid"
sleep 0.5
"$HAMON" history --db "$db" --format json >"$T_TMP/h.json" 2>"$T_TMP/h.err"
assert_eq "hamon history while a read transaction is open" "$?" 0 || diag_file "$T_TMP/h.err"
"$HAMON" report --db "$db" --format json >"$T_TMP/r.json" 2>"$T_TMP/r.err"
assert_eq "hamon report while the monitor writes" "$?" 0 || diag_file "$T_TMP/r.err"
wait_pid "$rpid"

# (2) a writer lock from outside, with an outage while it is held
sqlite3 "$db" "BEGIN IMMEDIATE;" ".shell sleep 3" "COMMIT;" >/dev/null 2>"$T_TMP/lock.err" &
lpid=$!
cleanup_pid "$lpid"
sleep 0.3
lock_b=$(date +%s%N)
in_h1 "$FAULTCTL" once --rule "ip saddr $MON_IP4 icmp type echo-request drop" --for 200ms \
	>"$T_TMP/lock.faults" 2>"$T_TMP/lock.faults.err"
sleep 1.4
lines_during=$(jq -c 'select(.event == "down" or (.event == "up" and .duration_ms != null))' "$T_TMP/mon.out" | wc -l)
assert_eq "DOWN and UP printed live while the database was locked" "$lines_during" 2 ||
	diag_file "$T_TMP/mon.out" 20
tap_check "the write lock was still held then" kill -0 "$lpid"
wait_pid "$lpid"
wait_pid "$pid"
assert_eq "monitor exit status" "$?" 0 || diag_file "$T_TMP/mon.err"

faults_load "$T_TMP/lock.faults"
n=$(sqlite3 "$db" "select count(*) from outages where kind = 'burst'")
assert_eq "the burst reached the database after the lock" "$n" 1
if [ "$FAULT_COUNT" -eq 1 ] && [ "$n" -eq 1 ]; then
	assert_within "its duration vs injected (ms, interval + 2)" \
		"$(sqlite3 "$db" "select duration_ms from outages where kind = 'burst'")" "${FAULT_MS[0]}" 12
else
	tap_fail "its duration vs injected: no fault or no burst"
fi
assert_eq "both transitions stored" "$(sqlite3 "$db" "select count(*) from transitions where to_state in (1, 2) and declared_ns > $lock_b")" 2
sum=$(jq -c 'select(.event == "summary")' "$T_TMP/mon.out")
lost=$(jq -r .lost <<<"$sum")
assert_between "lost probes: only the outage's" "$lost" 18 22
tap_done
