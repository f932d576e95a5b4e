#!/bin/bash
# SPDX-License-Identifier: ISC
# import.t: `hamon import-task` and `hamon import-journal` on the PVE
# fixtures: a task log found by its UPID under --tasks-dir and attached to
# the run whose command span covers it (a run row made with sqlite3), a
# vzdump log stored as a window of its own, an HA journal export stored as
# events with the journal's times, a second import adding nothing, and the
# bad inputs (missing, not a task log, truncated, not JSON): one line,
# exit 2, nothing stored. No root, no network.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_cmd sqlite3 grep
hamon_ready || tap_done
cd "$T_TMP" || bail_out "cd $T_TMP"
export TZ=UTC
F=$top_srcdir/tests/fixtures/pve
UPID='UPID:pve1:0003A1F2:0150B2C4:68C0C77A:qmigrate:101:root@pam:'
mkdir -p tasks/A && cp "$F/qm-migrate-online.log" "tasks/A/$UPID"

# A database with one run whose command ran 00:34:01 to 00:34:38.
"$HAMON" import-journal "$F/ha-failover.journal.json" --db t.db >/dev/null 2>&1
sqlite3 t.db "INSERT INTO sessions VALUES (1, 1757464400000000000, 1757464500000000000,
	1757464500000000000, 1, 'pve1', 'hamon run', 'stopped');
	INSERT INTO runs (session_id, label, kind, argv, cmd_start_ns, cmd_end_ns, cmd_duration_ns,
	exit_status, output_bytes) VALUES (1, 'm', 'migration', 'qm migrate', 1757464441000000000,
	1757464478000000000, 37000000000, 0, 0);"

out=$("$HAMON" import-task "$UPID" --tasks-dir tasks --db t.db 2>err) rc=$?
tap_check "import-task UPID: exit 0, attached to run 1 ($out)" \
	test "$rc" = 0 -a "$out" = "task 1: ok, attached to run 1" -a ! -s err
row=$(sqlite3 t.db "SELECT session_id, node, type, task_id, downtime_ms, downtime_src,
	duration_ms, transferred_bytes, start_ns, end_ns FROM hv_tasks WHERE id = 1")
tap_check "the migration's figures stored ($row)" \
	test "$row" = "1|pve1|qmigrate|101|45|tasklog|35000|3113851290|1757464442000000000|1757464477000000000"

out=$("$HAMON" import-task "$F/vzdump-qemu.log" --db t.db 2>err) rc=$?
tap_check "vzdump log with no run: a window of its own ($out)" \
	test "$rc" = 0 -a "$out" = "task 2: ok, no run covers it: stored as the window 2025-09-10T03:00:02.000000Z to 2025-09-10T03:00:27.000000Z"
row=$(sqlite3 t.db "SELECT session_id IS NULL, backup_vmid, backup_bytes, archive_bytes,
	backup_duration_ms, backup_job FROM hv_tasks WHERE id = 2")
tap_check "backup figures stored ($row)" test "$row" = "1|101|34359738368|2802466161|25000|ok"

n=$(sqlite3 t.db "SELECT count(*) FROM hv_events")
first=$(sqlite3 t.db "SELECT ts_ns, host, kind, subject, from_state, to_state FROM hv_events
	ORDER BY ts_ns, id LIMIT 1")
tap_check "journal export: 11 HA events, the journal's times ($n; $first)" \
	test "$n" = 11 -a "$first" = "1757465421120381000|pve2|node-state|pve1|online|unknown"
(cat "$F/ha-failover.journal.json"; echo 'Sep 10 00:50:21 pve2 junk') >j.json
out=$("$HAMON" import-journal j.json --db t.db 2>err) rc=$?
tap_check "re-import adds nothing, the non-JSON line said once ($out)" \
	test "$rc" = 0 -a "$out" = "11 HA events from 18 pve-ha-crm/pve-ha-lrm entries: 0 new, 11 already stored; 1 other entries" \
	-a "$(wc -l <err)" = 1
grep -q 'j.json: 1 lines not JSON objects skipped (the first is line 20)' err ||
	diag_file err

# bad_one TAG REGEX ARGS...: exit 2, one stderr line matching, no stdout, nothing stored.
bad_one() {
	local tag=$1 re=$2 before after
	shift 2
	before=$(sqlite3 t.db "SELECT count(*) FROM hv_tasks")
	"$HAMON" "$@" >bad.out 2>bad.err
	rc=$?
	after=$(sqlite3 t.db "SELECT count(*) FROM hv_tasks")
	tap_check "$tag: exit 2, one line, nothing stored" \
		test "$rc" = 2 -a ! -s bad.out -a "$(wc -l <bad.err)" = 1 -a "$before" = "$after"
	grep -Eq "$re" bad.err || { tap_fail "$tag: stderr matches $re"; diag_file bad.err; }
}
head -5 "$F/qm-migrate-online.log" >trunc.log
printf 'hello\nworld\n' >text.log
bad_one "missing file" '^hamon: import-task: nope.log: No such file or directory$' \
	import-task nope.log --db t.db
bad_one "journal as task log" 'not a Proxmox task log' import-task "$F/ha-failover.journal" --db t.db
bad_one "plain text" '^hamon: import-task: text.log: not a Proxmox task log \(no task log line in 2 lines\)$' \
	import-task text.log --db t.db
bad_one "truncated" '^hamon: import-task: trunc.log: truncated task log' import-task trunc.log --db t.db
bad_one "bad UPID" 'is not a UPID' import-task 'UPID:x' --db t.db
bad_one "no such run" 'no run 7$' import-task --run 7 "$F/vzdump-lxc.log" --db t.db
bad_one "task log as journal" 'not a journalctl -o json export' import-journal trunc.log --db t.db

# targets --from-pve: sections that check-config accepts; vmid and node as comments.
"$HAMON" targets --from-pve "$F/cluster-resources.json" >t.conf 2>err
rc=$?
tap_check "targets --from-pve: exit 0, 2 sections, the agentless guest commented out" \
	test "$rc" = 0 -a ! -s err -a "$(grep -c '^\[' t.conf)" = 2 -a "$(grep -c '^#\[noagent\]' t.conf)" = 1
tap_check "targets --from-pve: vmid and node comments" grep -qx '# vmid 102 (lxc) on node pve2' t.conf
out=$("$HAMON" check-config t.conf 2>&1) rc=$?
tap_check "its output is a valid config ($(echo "$out" | head -1))" test "$rc" = 0 -a "$(echo "$out" | head -1)" = "t.conf: ok, 2 targets"
echo '{}' >obj.json
"$HAMON" targets --from-pve obj.json >bad.out 2>bad.err
tap_check "targets --from-pve on a non-list: exit 2, one line" test "$?" = 2 -a ! -s bad.out -a "$(wc -l <bad.err)" = 1

tap_done
