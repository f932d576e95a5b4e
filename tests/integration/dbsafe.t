#!/bin/bash
# SPDX-License-Identifier: ISC
# dbsafe.t: a database that cannot be lost or misused silently.
#
#   1. only regular files: a FIFO, a directory, /dev/null and a socket as
#      --db are refused at once (within 5 s, no hang) by report, history
#      and monitor, with one line and exit 2, and nothing is created beside
#      them (no /dev/null-journal);
#   2. symbolic links: one in a world-writable sticky directory owned by
#      another user, and one in a world-writable directory, are refused
#      with a line saying why; our own link in our own directory works;
#   3. modes: the database, -wal and -shm are created 0640 (umask 022) or
#      0600 (umask 077); the control socket is 0600;
#   4. the one-monitor lock is on the file: a second monitor through a hard
#      link or a symbolic link is refused (exit 1) naming the first's pid;
#   5. (namespaces) the database deleted 1 s into a run: one warning line
#      within a second, and an outage injected afterwards is in the new
#      file at the same name, with the session and a "lost" event
#      "database replaced";
#   6. (namespaces) pages of the database overwritten mid-run: one line,
#      exit 1, memory bounded, and an outage injected afterwards is in the
#      rescue file NAME.rescue-PID.db beside it.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_cmd timeout sqlite3 stat python3 dd jq
hamon_ready || tap_done

d="$T_TMP/db"
mkdir -m 0700 "$d" || bail_out "mkdir $d failed"

# refused WHAT PATH CMD...: CMD exits 2 within 5 s with one line naming PATH.
refused() {
	local what=$1 path=$2 rc=0
	shift 2
	timeout -k 1 5 "$@" >"$T_TMP/ref.out" 2>"$T_TMP/ref.err" || rc=$?
	if [ "$rc" -eq 2 ] && [ "$(wc -l <"$T_TMP/ref.err")" -eq 1 ] &&
		grep -qF "$path" "$T_TMP/ref.err"; then
		tap_pass "$what: exit 2, one line: $(cat "$T_TMP/ref.err")"
	else
		tap_fail "$what: exit $rc (want 2, 124 is a hang), stderr:"
		diag_file "$T_TMP/ref.err"
	fi
}

# 1. Only regular files.
mkfifo "$d/fifo" || bail_out "mkfifo failed"
mkdir "$d/dir"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$d/sock" ||
	bail_out "cannot make a socket"
for kind in fifo dir sock; do
	refused "report --db $kind" "$d/$kind" "$HAMON" report --db "$d/$kind"
	refused "history --db $kind" "$d/$kind" "$HAMON" history --db "$d/$kind"
	refused "monitor --db $kind" "$d/$kind" "$HAMON" monitor --db "$d/$kind" --count 1 -q icmp://127.0.0.1
done
refused "monitor --db /dev/null (as root)" /dev/null "$HAMON" monitor --db /dev/null --count 1 -q icmp://127.0.0.1
refused "history --db /dev/null" /dev/null "$HAMON" history --db /dev/null
tap_check "no /dev/null-journal or -wal was created" test ! -e /dev/null-journal -a ! -e /dev/null-wal
assert_eq "the refused FIFO is still a FIFO, nothing beside it" \
	"$(stat -c %F "$d/fifo"; ls "$d" | grep -c 'fifo-')" "$(printf 'fifo\n0')"

# 2. Symbolic links.
(umask 022 && "$HAMON" monitor --db "$d/real.db" --count 2 -q icmp://127.0.0.1 >/dev/null 2>"$T_TMP/mk.err") ||
	bail_out "making a database failed: $(cat "$T_TMP/mk.err")"
sticky=$(mktemp -d /tmp/hamon-itest-dbsafe-sticky.XXXXXX) || bail_out "mktemp failed"
_dbsafe_cleanup() {
	local rc=$?
	trap - EXIT
	rm -rf "$sticky"
	(exit "$rc")
	_cleanup
}
trap _dbsafe_cleanup EXIT
chmod 1777 "$sticky"
ln -s "$d/real.db" "$sticky/other.db" && chown -h nobody "$sticky/other.db" ||
	bail_out "chown -h nobody failed"
refused "history through another user's link in a sticky directory" "$sticky/other.db" \
	"$HAMON" history --db "$sticky/other.db"
tap_check "  ... the line says the link belongs to another user" grep -q 'belongs to another user' "$T_TMP/ref.err"
mkdir -m 0777 "$T_TMP/ww"
chmod 0711 "$T_TMP"
ln -s "$d/real.db" "$T_TMP/ww/mine.db"
refused "monitor through our link in a world-writable directory" "$T_TMP/ww/mine.db" \
	"$HAMON" monitor --db "$T_TMP/ww/mine.db" --count 1 -q icmp://127.0.0.1
tap_check "  ... the line says another user can write the directory" grep -q 'another user can write' "$T_TMP/ref.err"
ln -s real.db "$d/alias.db"
rc=0
timeout 5 "$HAMON" history --db "$d/alias.db" >/dev/null 2>"$T_TMP/alias.err" || rc=$?
assert_eq "history through our own link in our own directory: exit 0" "$rc" 0 || diag_file "$T_TMP/alias.err"

# 3. Modes.
assert_eq "database, -wal, -shm created 0640 under umask 022" \
	"$(stat -c %a "$d/real.db" "$d/real.db-wal" "$d/real.db-shm" 2>&1 | tr '\n' ' ')" "640 640 640 "
(umask 077 && timeout 10 "$HAMON" monitor --db "$d/strict.db" --count 2 -q icmp://127.0.0.1 >/dev/null 2>&1)
assert_eq "database, -wal, -shm created 0600 under umask 077" \
	"$(stat -c %a "$d/strict.db" "$d/strict.db-wal" "$d/strict.db-shm" 2>&1 | tr '\n' ' ')" "600 600 600 "

# 4. The lock is on the file itself.
ln "$d/real.db" "$d/hard.db"
"$HAMON" monitor --db "$d/real.db" --interval 100ms --duration 20s -q icmp://127.0.0.1 \
	>/dev/null 2>"$T_TMP/first.err" &
first=$!
cleanup_pid "$first"
# Ready when it says it is monitoring (after it took the lock): the control
# socket is no sign, an earlier monitor's is still there (it dropped its
# privileges and could not unlink it from this root-owned directory), and
# under ASan the second monitor then started before the first held the lock.
for ((i = 0; i < 100; i++)); do grep -q 'monitoring 1 target' "$T_TMP/first.err" && break; sleep 0.1; done
assert_eq "control socket mode" "$(stat -c %a "$d/real.db.ctl" 2>&1)" 600
for alias in hard.db alias.db; do
	rc=0
	timeout 10 "$HAMON" monitor --db "$d/$alias" --count 1 -q icmp://127.0.0.1 >/dev/null \
		2>"$T_TMP/second.err" || rc=$?
	if [ "$rc" -eq 1 ] && grep -q "another monitor (pid $first)" "$T_TMP/second.err"; then
		tap_pass "a second monitor through $alias refused naming pid $first: $(head -n 1 "$T_TMP/second.err")"
	else
		tap_fail "a second monitor through $alias: exit $rc (want 1 and pid $first)"
		diag_file "$T_TMP/second.err"
	fi
done
tap_check "no -wal of the hard link's name was made" test ! -e "$d/hard.db-wal"
kill -INT "$first"
wait_pid "$first"

# 5 and 6 need namespaces and faultctl.
if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1 || [ ! -x "${FAULTCTL:-}" ]; then
	tap_skip "deleted and corrupted databases" "needs ip netns and faultctl"
	tap_done
fi
need_nft
netns_pair dbsafe 61

# outage_after LABEL: inject a 1 s outage of H1 (faultctl in NS_H1).
outage_after() {
	run_faultctl "$1" 20 1 once --rule "ip daddr $H1_IP4 drop" --for 1s
}

# 5. Deleted mid-run. --keep-privileges: the dropped user could not create
# a new file in T_TMP (that case is said in one line and exits 1).
db="$d/del.db"
hamon_bg del 40 monitor --db "$db" --keep-privileges --interval 10ms --timeout 100ms \
	--down-after 3 --duration 8s "h1=icmp://$H1_IP4"
del_pid=$BG_PID
sleep 1
rm -f "$db" "$db-wal" "$db-shm"
sleep 1
assert_eq "deletion: one warning line within a second" \
	"$(grep -c 'was deleted while in use; going on in a new file' "$T_TMP/del.err")" 1
outage_after "deleted db"
rc=0
wait_pid "$del_pid" || rc=$?
assert_eq "deletion: exit status" "$rc" 0 || diag_file "$T_TMP/del.err"
assert_eq "deletion: the new file has the session, ended" \
	"$(sqlite3 -readonly "$db" 'SELECT count(*), end_state FROM sessions' 2>&1)" "1|stopped"
assert_eq "deletion: the new file has the outage injected afterwards" \
	"$(sqlite3 -readonly "$db" "SELECT count(*) FROM losses WHERE kind = 1" 2>&1)" 1
assert_eq "deletion: a lost event 'database replaced'" \
	"$(sqlite3 -readonly "$db" "SELECT kind || ':' || text FROM events WHERE kind = 'lost'" 2>&1)" \
	"lost:database replaced"
assert_eq "deletion: the new file is 0640" "$(stat -c %a "$db")" 640

# 6. Pages overwritten mid-run.
db="$d/bad.db"
hamon_bg bad 40 monitor --db "$db" --keep-privileges --samples --interval 1ms --timeout 100ms \
	--down-after 30 --duration 12s "h1=icmp://$H1_IP4"
bad_pid=$BG_PID
sleep 3
# Every page after the first is overwritten, in the file and in the WAL
# (after its header), where the pages inserts go to live between
# checkpoints, with the monitor stopped meanwhile so that it cannot write
# fresh copies of them first; it forgets its cached pages twice a second,
# so its next inserts read the damage.
mpid=$(pgrep -P "$bad_pid" -x hamon)
[ -n "$mpid" ] || bail_out "no hamon under timeout $bad_pid"
kill -STOP "$mpid"
pages=$(($(stat -c %s "$db") / 4096))
dd if=/dev/urandom of="$db" bs=4096 seek=1 count=$((pages - 1)) conv=notrunc 2>/dev/null
walsz=$(stat -c %s "$db-wal")
dd if=/dev/urandom of="$db-wal" bs=32 seek=1 count=$((walsz / 32 - 1)) conv=notrunc 2>/dev/null
kill -CONT "$mpid"
for ((i = 0; i < 30; i++)); do grep -q 'the database is damaged (' "$T_TMP/bad.err" && break; sleep 0.1; done
tap_check "corruption: noticed within 3 s" grep -q 'the database is damaged (' "$T_TMP/bad.err"
outage_after "corrupt db"
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$mpid/status" 2>/dev/null)
rc=0
wait_pid "$bad_pid" || rc=$?
assert_eq "corruption: exit status" "$rc" 1
assert_eq "corruption: one line says the database is damaged" \
	"$(grep -c 'the database is damaged (' "$T_TMP/bad.err")" 1 || diag_file "$T_TMP/bad.err"
assert_between "corruption: RSS after the outage (kB)" "${rss:-0}" 1 65536
rescue=$(ls "$db".rescue-*.db 2>/dev/null | head -n 1)
if [ -n "$rescue" ]; then
	tap_pass "corruption: rescue file $(basename "$rescue"): $(grep 'saved to' "$T_TMP/bad.err")"
	assert_eq "corruption: the rescue file has the session, ended" \
		"$(sqlite3 -readonly "$rescue" 'SELECT count(*), end_state FROM sessions' 2>&1)" "1|stopped"
	assert_eq "corruption: the rescue file has the outage injected afterwards" \
		"$(sqlite3 -readonly "$rescue" "SELECT count(*) FROM losses WHERE kind = 1" 2>&1)" 1
	assert_eq "corruption: hamon history reads the rescue file" \
		"$(timeout 5 "$HAMON" history --db "$rescue" --kind outage --format json | grep -c '"target"')" 1
else
	tap_fail "corruption: a rescue file beside the database"
fi
diag_file "$T_TMP/bad.err"
tap_done
