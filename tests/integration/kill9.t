#!/bin/bash
# SPDX-License-Identifier: ISC
# kill9.t: hamon killed with SIGKILL keeps what it measured. hamon probes
# every 10 ms; a 300 ms outage is injected; 2 s after it ended hamon gets
# `kill -9`. The database must pass `PRAGMA integrity_check`, hold the
# burst (seen by `hamon history` and by plain sqlite3 through the outages
# view), and a new hamon must start on it, run 1 s and exit 0.
#
# Tolerances and why: 2 s after the outage is more than the store's batch
# interval (at most 1 s, DESIGN.md: transitions and bursts are committed
# promptly), so the burst must be on disk. The burst itself is checked as in
# outage_icmp.t: duration and start within interval + 2 ms of the injected
# ones (DESIGN.md's interval + 1 ms plus 1 ms for the injected window's own
# uncertainty, half an nft call per edge), injected duration within
# [lower_ms - 2, upper_ms + 2], lost in [28, 31], no unexplained burst.
# Burst counts are exact: 1 before and 1 after the restart.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_nft
need_cmd ping fping jq timeout date sqlite3
need_faultctl

netns_pair kill9 43
harness_ping_check "harness fping 10ms" 4 10 300

hamon_ready || tap_done

db="$T_TMP/kill9.db"
rule="ip saddr $MON_IP4 icmp type echo-request drop"
# No timeout wrapper here: the pid must be hamon's own for kill -9 (ip netns
# exec execs it). --duration bounds it; the EXIT trap stops it otherwise.
ip netns exec "$NS_MON" "$HAMON" monitor --db "$db" --interval 10ms --duration 60s -q \
	"vm=icmp://$H1_IP4" >"$T_TMP/kill9.hamon.out" 2>"$T_TMP/kill9.hamon.err" &
pid=$!
cleanup_pid "$pid"
sleep 0.7
comm=$(cat "/proc/$pid/comm" 2>/dev/null)
if ! assert_eq "harness: pid $pid is hamon itself, running" "$comm" hamon; then
	diag_file "$T_TMP/kill9.hamon.err"
	tap_done
fi

run_faultctl kill9 20 1 schedule --rule "$rule" --at 500ms --for 300ms
sleep 2
kill -0 "$pid" 2>/dev/null
assert_eq "hamon still running 2 s after the outage (kill -0 status)" "$?" 0
kill -KILL "$pid"
rc=0
wait_pid "$pid" || rc=$?
assert_eq "hamon died of SIGKILL (status 137)" "$rc" 137

assert_eq "PRAGMA integrity_check after kill -9" "$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)" ok
if hamon_history_json kill9.bursts --db "$db" --kind burst &&
	bursts_load "$T_TMP/kill9.bursts.json"; then
	check_bursts_against_faults "after kill -9" 10 vm
fi
assert_eq "sqlite3: bursts in the outages view after kill -9" \
	"$(sqlite3 "$db" "select count(*) from outages where kind='burst'" 2>&1)" 1

# A new monitor on the same database: crash recovery must not stop it.
rc=0
in_mon timeout -k 5 20 "$HAMON" monitor --db "$db" --interval 10ms --duration 1s -q \
	"vm=icmp://$H1_IP4" >"$T_TMP/restart.out" 2>"$T_TMP/restart.err" || rc=$?
assert_eq "hamon monitor --duration 1s on the killed database exit status" "$rc" 0 ||
	diag_file "$T_TMP/restart.err"
assert_eq "PRAGMA integrity_check after the restart" "$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)" ok
assert_eq "sqlite3: bursts in the outages view after the restart" \
	"$(sqlite3 "$db" "select count(*) from outages where kind='burst'" 2>&1)" 1
tap_done
