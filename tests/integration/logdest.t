#!/bin/bash
# SPDX-License-Identifier: ISC
# logdest.t: where the monitor's log goes (--log, default auto).
# - stderr a file or pipe: "hamon: " lines, as always;
# - stderr the journal's stream (JOURNAL_STREAM names its device:inode):
#   lines prefixed with their priority ("<6>"), no program name; the same
#   variable with stderr elsewhere (a child redirected) changes nothing;
# - stderr /dev/null: syslog, which nobody would otherwise miss; --log
#   syslog too. syslog is heard on a /dev/log of the test's own: a
#   datagram socket bound into a private mount namespace's /dev;
# - --log with a bad value: exit 2, one line.
# The monitor probes 127.0.0.1 in a namespace of its own, two probes.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_cmd python3 unshare mount timeout

NS_MON=$(netns_name logdest 0)
netns_make "$NS_MON"
hamon_ready || tap_done

mon() { in_mon timeout -k 5 20 "$HAMON" monitor --no-db --count 2 --interval 10ms "$@" lo=icmp://127.0.0.1; }

# ---- a file: plain lines
mon -v >"$T_TMP/a.out" 2>"$T_TMP/a.err"
assert_eq "stderr a file: exit status" "$?" 0
tap_check "stderr a file: \"hamon: \" lines" grep -q '^hamon: monitoring 1 target' "$T_TMP/a.err"

# ---- the journal's stream
: >"$T_TMP/j.err"
js=$(stat -c '%d:%i' "$T_TMP/j.err")
JOURNAL_STREAM=$js mon -v >"$T_TMP/j.out" 2>>"$T_TMP/j.err"
assert_eq "journal stream: exit status" "$?" 0
tap_check "journal stream: the start-up line has priority info (<6>)" \
	grep -q '^<6>monitoring 1 target' "$T_TMP/j.err"
tap_check "journal stream: debug lines have priority debug (<7>)" grep -q '^<7>' "$T_TMP/j.err"
tap_check "journal stream: no line without a priority" sh -c "! grep -qv '^<[0-7]>' '$T_TMP/j.err'" ||
	diag_file "$T_TMP/j.err"
JOURNAL_STREAM=$js mon >"$T_TMP/k.out" 2>"$T_TMP/k.err"
tap_check "JOURNAL_STREAM of another file: plain lines" grep -q '^hamon: monitoring 1 target' "$T_TMP/k.err"

# ---- syslog: a /dev/log of our own
fakedev="$T_TMP/dev"
mkdir -p "$fakedev" && touch "$fakedev/null" && chmod 755 "$T_TMP" "$fakedev"
cat >"$T_TMP/syslogd.py" <<'EOF'
import socket, sys, os
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
s.settimeout(30)
with open(out, "a", buffering=1) as f:
    print("ready", flush=True)
    try:
        while True:
            f.write(s.recv(65536).decode("utf-8", "replace").rstrip("\n") + "\n")
    except socket.timeout:
        pass
EOF
python3 "$T_TMP/syslogd.py" "$fakedev/log" "$T_TMP/syslog.txt" >"$T_TMP/syslogd.out" 2>&1 &
spid=$!
cleanup_pid "$spid"
for _ in $(seq 50); do [ -S "$fakedev/log" ] && break; sleep 0.1; done
tap_check "harness: the test's /dev/log listens" test -S "$fakedev/log"

# in_dev ARGS...: the monitor with /dev replaced by ours (null and log).
in_dev() {
	in_mon unshare -m --propagation private sh -c '
		d=$1; shift
		mount --bind /dev/null "$d/null" && mount --rbind "$d" /dev || exit 99
		exec "$@"' sh "$fakedev" timeout -k 5 20 "$HAMON" monitor --no-db --count 2 \
		--interval 10ms "$@" lo=icmp://127.0.0.1
}
in_dev --log syslog >"$T_TMP/s.out" 2>"$T_TMP/s.err"
assert_eq "--log syslog: exit status" "$?" 0 || diag_file "$T_TMP/s.err"
sleep 0.3
tap_check "--log syslog: the start-up line reached syslog as daemon.info (<30>hamon[pid])" \
	grep -Eq '^<30>.*hamon\[[0-9]+\]: monitoring 1 target' "$T_TMP/syslog.txt" ||
	diag_file "$T_TMP/syslog.txt"
tap_check "--log syslog: not on stderr" sh -c "! grep -q 'monitoring 1 target' '$T_TMP/s.err'"
n0=$(grep -c 'monitoring 1 target' "$T_TMP/syslog.txt")
in_dev >"$T_TMP/n.out" 2>/dev/null
assert_eq "stderr /dev/null: exit status" "$?" 0
sleep 0.3
assert_eq "stderr /dev/null: the log went to syslog" \
	"$(($(grep -c 'monitoring 1 target' "$T_TMP/syslog.txt") - n0))" 1

# ---- bad value
rc=0
"$HAMON" monitor --no-db --log loud lo=icmp://127.0.0.1 >/dev/null 2>"$T_TMP/bad.err" || rc=$?
assert_eq "--log loud: exit 2" "$rc" 2
assert_eq "... one line naming --log" "$(grep -c -- '--log "loud"' "$T_TMP/bad.err")/$(wc -l <"$T_TMP/bad.err")" "1/1"

tap_done
