#!/bin/bash
# SPDX-License-Identifier: ISC
# privileges.t: least privilege. Started as root, hamon opens its sockets,
# capture, netlink socket, database and control socket, then runs as
# nobody (or hamon) with CapEff 0, read from /proc/PID/status while it
# probes. --keep-privileges keeps them (so the check can fail). Without any
# privilege (setpriv to nobody, no capabilities) the unprivileged fallbacks
# work and say so: ICMP datagram sockets (ping_group_range opened inside the
# test's own namespace) and TCP connect probes. The control socket beside
# the database is mode 0600: another user cannot add a marker, root can.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_cmd setpriv timeout jq
netns_pair priv 51
hamon_ready || tap_done

# /proc/PID/status field ($2: Uid or CapEff), first value.
status_field() { awk -v f="$2:" '$1 == f { print $2; exit }' "/proc/$1/status" 2>/dev/null; }

db="$T_TMP/priv.db"
chmod 755 "$T_TMP"
ip netns exec "$NS_MON" "$HAMON" monitor --db "$db" --duration 4s -q "vm=icmp://$H1_IP4" \
	"closed=tcp://$H1_IP4:9" >"$T_TMP/mon.out" 2>"$T_TMP/mon.err" &
pid=$!
cleanup_pid "$pid"
sleep 1.2
assert_eq "CapEff of the running monitor" "$(status_field "$pid" CapEff)" 0000000000000000
# hamon drops to user hamon where one exists (the package's, the service's),
# else to a private uid (checked below, with hamon hidden).
if id hamon >/dev/null 2>&1; then
	assert_eq "real uid of the running monitor (hamon)" "$(status_field "$pid" Uid)" "$(id -u hamon)"
else
	uid=$(status_field "$pid" Uid)
	tap_check "real uid of the running monitor: private ($uid)" \
		test "${uid:-0}" -ge 3000000000 -a "${uid:-0}" -lt 3001000000
fi
assert_eq "control socket mode" "$(stat -c %a "$db.ctl" 2>/dev/null)" 600
rc=0
setpriv --reuid=nobody --regid=nogroup --clear-groups "$HAMON" mark --db "$db" "intruder" \
	>"$T_TMP/mark-nobody.err" 2>&1 || rc=$?
assert_eq "another user's hamon mark is refused (exit 1)" "$rc" 1
tap_check "... with a clear reason" grep -q "Permission denied" "$T_TMP/mark-nobody.err"
rc=0
"$HAMON" mark --db "$db" "allowed" >"$T_TMP/mark-root.err" 2>&1 || rc=$?
assert_eq "root's hamon mark works" "$rc" 0 || diag_file "$T_TMP/mark-root.err"
wait_pid "$pid"
assert_eq "the monitor exits 0 after dropping privileges" "$?" 0 || diag_file "$T_TMP/mon.err"
tap_check "it still stored its summary after the drop" \
	test "$(sqlite3 "$db" 'select count(*) from target_summaries')" = 2
assert_eq "markers stored: only root's" \
	"$(sqlite3 "$db" "select group_concat(text) from events where kind = 'marker'")" allowed
# A closed TCP port answers RST: refused, never lost, while the monitor is nobody.
assert_eq "raw TCP probes keep working after the drop (lost)" \
	"$(sqlite3 "$db" "select s.lost from target_summaries s join targets t on t.id = s.target_id where t.name = 'closed'")" 0

# Without a hamon user (hidden here by a copy of /etc/passwd and /etc/group
# bind-mounted in a private mount namespace): a private uid and gid, no
# user's and no other process's, so nobody cannot stop the monitor.
grep -v '^hamon:' /etc/passwd >"$T_TMP/passwd"
grep -v '^hamon:' /etc/group >"$T_TMP/group"
chmod 644 "$T_TMP/passwd" "$T_TMP/group"
ip netns exec "$NS_MON" unshare --mount --propagation private sh -c \
	'mount --bind "$0" /etc/passwd && mount --bind "$1" /etc/group && shift && exec "$@"' \
	"$T_TMP/passwd" "$T_TMP/group" "$HAMON" monitor --no-db --duration 3s -q -v \
	"vm=icmp://$H1_IP4" >"$T_TMP/priv2.out" 2>"$T_TMP/priv2.err" &
pid=$!
cleanup_pid "$pid"
sleep 1.2
mpid=$(pgrep -P "$pid" -x hamon || echo "$pid")
[ "$(cat "/proc/$mpid/comm" 2>/dev/null)" = hamon ] || mpid=$pid
uid=$(status_field "$mpid" Uid)
gid=$(awk '$1 == "Gid:" { print $2; exit }' "/proc/$mpid/status" 2>/dev/null)
tap_check "no hamon user: a private uid ($uid)" test "${uid:-0}" -ge 3000000000 -a "${uid:-0}" -lt 3001000000
assert_eq "... and a gid of the same number" "$gid" "$uid"
tap_check "... that no user has" sh -c "! getent passwd '$uid' >/dev/null"
rc=0
setpriv --reuid=nobody --regid=nogroup --clear-groups kill -STOP "$mpid" 2>/dev/null || rc=$?
tap_check "nobody cannot stop it (kill -STOP refused)" test "$rc" -ne 0
kill -CONT "$mpid" 2>/dev/null
wait_pid "$pid"
assert_eq "it exits 0 as the private uid" "$?" 0 || diag_file "$T_TMP/priv2.err"
tap_check "it says who it runs as" grep -q "running as uid $uid (private)" "$T_TMP/priv2.err"

# --keep-privileges: the same check sees capabilities.
ip netns exec "$NS_MON" "$HAMON" monitor --no-db --keep-privileges --duration 2s -q \
	"vm=icmp://$H1_IP4" >/dev/null 2>&1 &
pid=$!
cleanup_pid "$pid"
sleep 0.8
eff=$(status_field "$pid" CapEff)
if [ -n "$eff" ] && [ "$eff" != 0000000000000000 ]; then
	tap_pass "--keep-privileges keeps capabilities (CapEff $eff)"
else
	tap_fail "--keep-privileges keeps capabilities (CapEff '$eff')"
fi
wait_pid "$pid"

# No privilege at all: datagram ICMP and connect() probes, and hamon says so.
ip netns exec "$NS_MON" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
rc=0
ip netns exec "$NS_MON" setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
	--bounding-set=-all "$HAMON" monitor --no-db --count 20 --interval 10ms --format json \
	"vm=icmp://$H1_IP4" "closed=tcp://$H1_IP4:9" >"$T_TMP/unpriv.out" 2>"$T_TMP/unpriv.err" || rc=$?
assert_eq "unprivileged monitor exit status" "$rc" 0 || diag_file "$T_TMP/unpriv.err"
tap_check "it says it uses ICMP datagram sockets" grep -q "datagram socket (unprivileged)" "$T_TMP/unpriv.err"
tap_check "it says it uses connect() for TCP" grep -q "connect" "$T_TMP/unpriv.err"
assert_eq "unprivileged ICMP: all 20 answered" \
	"$(jq -r 'select(.event=="summary" and .target=="vm") | .received' "$T_TMP/unpriv.out")" 20
assert_eq "unprivileged TCP to a closed port: 20 refused" \
	"$(jq -r 'select(.event=="summary" and .target=="closed") | .refused' "$T_TMP/unpriv.out")" 20

# File capabilities instead of root: a copy with CAP_NET_RAW and
# CAP_NET_ADMIN run as nobody opens raw sockets, then clears them.
if command -v setcap >/dev/null 2>&1; then
	capbin="$T_TMP/capbin/hamon"
	mkdir -p "$T_TMP/capbin" && cp "$HAMON" "$capbin" && chmod 755 "$T_TMP/capbin" "$capbin"
	if setcap cap_net_raw,cap_net_admin+ep "$capbin" 2>"$T_TMP/setcap.err"; then
		ip netns exec "$NS_MON" setpriv --reuid=nobody --regid=nogroup --clear-groups \
			"$capbin" monitor --no-db -v --duration 2s "vm=icmp://$H1_IP4" \
			>"$T_TMP/cap.out" 2>"$T_TMP/cap.err" &
		pid=$!
		cleanup_pid "$pid"
		sleep 1
		assert_eq "file capabilities: CapEff while probing" "$(status_field "$pid" CapEff)" 0000000000000000
		wait_pid "$pid"
		tap_check "file capabilities: raw socket as nobody" grep -q "icmp: raw socket" "$T_TMP/cap.err"
		tap_check "file capabilities: then cleared" grep -q "capabilities cleared" "$T_TMP/cap.err"
	else
		tap_skip "file capabilities" "setcap failed here: $(head -1 "$T_TMP/setcap.err")"
	fi
else
	tap_skip "file capabilities" "setcap (libcap2-bin) is not installed"
fi
tap_done
