#!/bin/bash
# SPDX-License-Identifier: ISC
# service.t: etc/hamon.service's ExecStart run the way systemd runs it, as
# far as that is possible without a running systemd: as user hamon (if the
# host has none, one that only the service's own mount namespace sees), with only the
# unit's AmbientCapabilities (also its bounding set), no_new_privs, the
# unit's UMask and WorkingDirectory, in the test's monitor namespace, and
# NOTIFY_SOCKET pointed at a unix datagram socket this test reads. Checks:
# READY=1 comes after the first probe was sent, STATUS= says how many
# targets are up and down (values, once the dead host is declared DOWN),
# WATCHDOG=1 arrives every half WATCHDOG_USEC (and never without it),
# probes were answered, raw sockets were used (the capabilities worked) and
# the running monitor holds none of them any more.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_cmd setpriv unshare timeout python3 sqlite3 pgrep
unit="$top_builddir/etc/hamon.service"
[ -f "$unit" ] || bail_out "no generated unit at $unit (make builds it)"
netns_pair service 81
hamon_ready || tap_done

# The unit's settings this run reproduces.
unit_get() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
exec_start=$(unit_get ExecStart)
ambient=$(unit_get AmbientCapabilities)
bounding=$(unit_get CapabilityBoundingSet)
umask_v=$(unit_get UMask)
user=$(unit_get User)
diag "ExecStart=$exec_start"
assert_eq "the unit runs as" "$user" hamon
assert_eq "the unit's ambient capabilities are its bounding set" "$ambient" "$bounding"
# "CAP_NET_RAW CAP_NET_ADMIN" -> "+net_raw,+net_admin"
caps=$(echo "$ambient" | tr 'A-Z' 'a-z' | sed -e 's/cap_/+/g' -e 's/ \+/,/g')
assert_eq "setpriv capability list" "$caps" "+net_raw,+net_admin"

# User hamon. If the host has none, this test makes one that exists only
# for the service it runs: a copy of /etc/passwd and /etc/group with hamon
# added (a free system uid and gid), bind-mounted over the real ones in a
# private mount namespace. Creating it in the real files would change the
# user every other monitor started meanwhile drops to (hamon if it exists,
# else nobody), and userdel fails while such a monitor still runs as it.
# The namespace is gone when the service exits: nothing is left to remove.
userns=()
if id hamon >/dev/null 2>&1; then
	H_UID=$(id -u hamon)
	H_GID=$(id -g hamon)
else
	H_UID=
	for u in $(seq 999 -1 100); do
		getent passwd "$u" >/dev/null || getent group "$u" >/dev/null || {
			H_UID=$u
			break
		}
	done
	[ -n "$H_UID" ] || bail_out "no free system uid/gid for a private user hamon"
	H_GID=$H_UID
	cp /etc/passwd "$T_TMP/passwd" && cp /etc/group "$T_TMP/group" || bail_out "copy passwd"
	echo "hamon:x:$H_UID:$H_GID:hamon outage monitor:/var/lib/hamon:/usr/sbin/nologin" >>"$T_TMP/passwd"
	echo "hamon:x:$H_GID:" >>"$T_TMP/group"
	chmod 644 "$T_TMP/passwd" "$T_TMP/group"
	userns=(unshare --mount --propagation private sh -c
		'mount --bind "$0" /etc/passwd && mount --bind "$1" /etc/group && shift && exec "$@"'
		"$T_TMP/passwd" "$T_TMP/group")
	diag "no user hamon here: a private one (uid $H_UID) for the service only"
fi

# The state directory StateDirectory=hamon would give: owned by hamon.
chmod 755 "$T_TMP"
state="$T_TMP/state"
mkdir -m 0750 "$state" && chown "$H_UID:$H_GID" "$state"
conf="$T_TMP/hamon.conf"
cat >"$conf" <<EOF
[defaults]
samples = yes
interval = 20ms
timeout = 200ms
down-after = 3
[h1]
target = icmp://$H1_IP4
[ghost]
target = icmp://198.18.81.9
EOF

# The unit's command line with the test's binary, config and database.
read -r -a argv <<<"$exec_start"
assert_eq "ExecStart runs hamon monitor" "${argv[0]##*/} ${argv[1]}" "hamon monitor"
argv[0]=$HAMON
for i in "${!argv[@]}"; do
	case ${argv[i]} in
	-c) argv[i + 1]=$conf ;;
	--db) argv[i + 1]=$state/hamon.db ;;
	esac
done
tap_check "ExecStart names the database /var/lib/hamon/hamon.db" \
	grep -q -- "--db /var/lib/hamon/hamon.db" <<<"$exec_start"

# listen SOCK OUT: log each notification line as "UNIX_NS LINE" to OUT.
listen() {
	rm -f "$1"
	timeout -k 2 30 python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
out = open(sys.argv[2], "w", buffering=1)
while True:
    d = s.recv(65536)
    t = time.time_ns()
    for line in d.decode(errors="replace").split("\n"):
        out.write("%d %s\n" % (t, line))
' "$1" "$2" &
	LISTEN_PID=$!
	cleanup_pid "$LISTEN_PID"
	for _ in $(seq 50); do
		[ -S "$1" ] && return 0
		sleep 0.1
	done
	bail_out "the notify listener did not bind $1"
}

# service TAG SECONDS ENV...: the unit's command as systemd would start it,
# ended with SIGTERM (systemctl stop) after SECONDS.
service() {
	local tag=$1 secs=$2
	shift 2
	ip netns exec "$NS_MON" "${userns[@]}" setpriv --reuid=hamon --regid=hamon --init-groups \
		--inh-caps="$caps" --ambient-caps="$caps" --bounding-set="-all,$caps" \
		--no-new-privs \
		env -C "$state" "$@" timeout -k 5 20 sh -c 'umask "$0" && exec "$@"' \
		"$umask_v" "${argv[@]}" >"$T_TMP/$tag.out" 2>"$T_TMP/$tag.err" &
	SVC_PID=$!
	cleanup_pid "$SVC_PID"
	sleep "$secs"
	# ip netns exec, unshare, sh, setpriv and env exec; timeout forks the shell that
	# execs hamon: the monitor is timeout's child.
	MON_PID=$(pgrep -x hamon -P "$SVC_PID")
	MON_UID=$(awk '$1 == "Uid:" { print $2 }' "/proc/$MON_PID/status" 2>/dev/null)
	MON_CAPEFF=$(awk '$1 == "CapEff:" { print $2 }' "/proc/$MON_PID/status" 2>/dev/null)
	kill -TERM "$MON_PID" 2>/dev/null
	wait_pid "$SVC_PID"
	SVC_RC=$?
}

# --- with a watchdog of 400 ms: keep-alives every 200 ms
listen "$T_TMP/notify.sock" "$T_TMP/notify.log"
service wd 3 NOTIFY_SOCKET="$T_TMP/notify.sock" WATCHDOG_USEC=400000
sleep 0.3
kill "$LISTEN_PID" 2>/dev/null
wait_pid "$LISTEN_PID"
assert_eq "the service exits 0 on SIGTERM" "$SVC_RC" 0 || diag_file "$T_TMP/wd.err"
diag_file "$T_TMP/notify.log" 8
assert_eq "it ran as hamon (uid)" "$MON_UID" "$H_UID"
assert_eq "it holds no capability while it probes (CapEff)" "$MON_CAPEFF" 0000000000000000
tap_check "the capabilities gave it a raw ICMP socket" grep -q "icmp: raw socket" "$T_TMP/wd.err" ||
	diag_file "$T_TMP/wd.err"
tap_check "it reports no failed sd_notify" bash -c "! grep -q sd_notify '$T_TMP/wd.err'"

db="$state/hamon.db"
first_tx=$(sqlite3 "$db" "select min(tx_ns) from samples")
ready_at=$(awk '$2 == "READY=1" { print $1; exit }' "$T_TMP/notify.log")
assert_eq "READY=1 sent once" "$(grep -c ' READY=1$' "$T_TMP/notify.log")" 1
if [ -n "$ready_at" ] && [ -n "$first_tx" ] && [ "$ready_at" -ge "$first_tx" ]; then
	tap_pass "READY=1 arrived after the first probe ($(ns_to_ms $((ready_at - first_tx))) ms later)"
else
	tap_fail "READY=1 arrived after the first probe (READY at '$ready_at', first probe '$first_tx')"
fi
assert_eq "the first STATUS= comes with READY=1" \
	"$(awk '$2 == "READY=1" { getline; print $2, $3; exit }' "$T_TMP/notify.log")" "STATUS=2 targets:"
assert_eq "the last STATUS= counts the answering host up and the dead one down" \
	"$(grep ' STATUS=' "$T_TMP/notify.log" | tail -n 1 | cut -d' ' -f2-)" \
	"STATUS=2 targets: 1 up, 1 down"
# At most one STATUS= a second: ~3 s of running, so at most 4.
n_status=$(grep -c ' STATUS=' "$T_TMP/notify.log")
assert_between "STATUS= lines (changes, at most one a second)" "$n_status" 2 4
tap_check "STOPPING=1 at the end" grep -q ' STOPPING=1$' "$T_TMP/notify.log"

# WATCHDOG=1 every 200 ms: the count over the run, and no gap near 400 ms.
wd=$(awk '$2 == "WATCHDOG=1" { print $1 }' "$T_TMP/notify.log")
n_wd=$(echo "$wd" | grep -c .)
span_ns=0
[ "$n_wd" -gt 0 ] && span_ns=$(($(echo "$wd" | tail -n 1) - $(echo "$wd" | head -n 1)))
expect=$((span_ns / 200000000 + 1))
assert_within "WATCHDOG=1 keep-alives (one per 200 ms over $(ns_to_ms "$span_ns") ms)" \
	"$n_wd" "$expect" 2
max_gap=$(echo "$wd" | awk 'NR > 1 && $1 - p > m { m = $1 - p } { p = $1 } END { print m + 0 }')
assert_between "largest gap between keep-alives (ms)" "$(ns_to_ms "$max_gap")" 150 300

assert_ge "probes of the namespace host answered" \
	"$(sqlite3 "$db" "select count(*) from samples s join targets t on t.id = s.target_id where t.name = 'h1' and s.result = 0")" 100
assert_eq "probes of the dead host answered" \
	"$(sqlite3 "$db" "select count(*) from samples s join targets t on t.id = s.target_id where t.name = 'ghost' and s.result = 0")" 0
assert_eq "the database is hamon's (uid)" "$(stat -c %u "$db")" "$H_UID"
assert_eq "... and, by the unit's UMask, nobody else's (mode)" "$(stat -c %a "$db")" 600

# --- without WATCHDOG_USEC: READY=1 and STATUS=, no keep-alives
listen "$T_TMP/notify2.sock" "$T_TMP/notify2.log"
service nowd 1 NOTIFY_SOCKET="$T_TMP/notify2.sock"
sleep 0.3
kill "$LISTEN_PID" 2>/dev/null
wait_pid "$LISTEN_PID"
assert_eq "without WATCHDOG_USEC: exit status" "$SVC_RC" 0 || diag_file "$T_TMP/nowd.err"
assert_eq "without WATCHDOG_USEC: READY=1" "$(grep -c ' READY=1$' "$T_TMP/notify2.log")" 1
assert_eq "without WATCHDOG_USEC: no WATCHDOG=1" "$(grep -c ' WATCHDOG=1$' "$T_TMP/notify2.log")" 0

tap_done
