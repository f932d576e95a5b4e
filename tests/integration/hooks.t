#!/bin/bash
# SPDX-License-Identifier: ISC
# hooks.t: exec hooks (--on-down, --on-up) run on transitions with the
# transition in their environment and as one JSON object on stdin, as the
# unprivileged user, and what they are told is what the monitor measured.
#
# One host probed every 10 ms; faultctl drops its echo requests for 1.2 s.
# - run A: on-down and on-up scripts record their environment, stdin and uid:
#   HAMON_STATE, HAMON_TARGET, HAMON_URL; on-up's HAMON_DURATION_MS,
#   HAMON_LOWER_MS, HAMON_UPPER_MS, HAMON_LOST equal the UP line's figures
#   (the same event), which lie within the outage's own bounds of the
#   injected fault; stdin parses and says the same; the uid is not root;
#   the hook's output reaches the log; every hook's fate is logged;
# - run B: an on-down that sleeps 30 s with --hook-timeout 300ms is sent
#   SIGTERM and its end logged, and probing is unaffected (all sent);
# - run C: a `maintenance` span (hamon mark --begin/--end) around the fault:
#   the outage is recorded, the hooks are muted (logged, not run);
# - bad hook commands exit 2 with one line.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_nft
need_faultctl
need_cmd jq timeout

netns_pair hooks 61
hamon_ready || tap_done

# The hook scripts: readable and executable by the unprivileged user.
chmod 755 "$T_TMP"
hookdir="$T_TMP/hooks"
mkdir -p "$hookdir" && chmod 777 "$hookdir"
cat >"$T_TMP/record.sh" <<'EOF'
#!/bin/sh
# record.sh NAME: environment, stdin and uid of one hook run into $DIR.
d=$(dirname "$0")/hooks
env | grep '^HAMON_' | sort >"$d/$1.env"
cat >"$d/$1.json"
id -u >"$d/$1.uid"
echo "hook $1 says hello"
EOF
chmod 755 "$T_TMP/record.sh"

# env_of FILE VAR: the value of VAR in a recorded environment.
env_of() { sed -n "s/^$2=//p" "$1" 2>/dev/null; }

fault() { # fault TAG: drop the host's echo requests for 1.2 s after 0.6 s
	bg_in_ns "$NS_H1" "$1" 20 "$FAULTCTL" once --start-delay 600ms \
		--rule "ip saddr $MON_IP4 icmp type echo-request drop" --for 1200ms
	FPID=$BG_PID
}

# ---- run A
fault faultA
hamon_bg monA 30 monitor --no-db --interval 10ms --timeout 200ms --duration 3s --format json \
	--on-down "$T_TMP/record.sh down" --on-up "$T_TMP/record.sh up" "vm=icmp://$H1_IP4"
mpid=$BG_PID
wait_pid "$FPID"
rc=0
wait_pid "$mpid" || rc=$?
assert_eq "run A: monitor exit status" "$rc" 0 || diag_file "$T_TMP/monA.err"
faults_load "$T_TMP/faultA.out"
upline=$(jq -c 'select(.event == "up" and .duration_ms != null)' "$T_TMP/monA.out" | head -1)
tap_check "run A: one outage closed (UP line with a duration)" test -n "$upline"
dn="$hookdir/down.env"
up="$hookdir/up.env"
tap_check "run A: on-down ran" test -s "$dn"
tap_check "run A: on-up ran" test -s "$up"
assert_eq "on-down: HAMON_STATE" "$(env_of "$dn" HAMON_STATE)" down
assert_eq "on-down: HAMON_TARGET" "$(env_of "$dn" HAMON_TARGET)" vm
assert_eq "on-down: HAMON_URL" "$(env_of "$dn" HAMON_URL)" "icmp://$H1_IP4"
assert_eq "on-up: HAMON_STATE" "$(env_of "$up" HAMON_STATE)" up
# Compared as numbers: jq prints 1209.840 as 1209.84.
for f in duration lower upper; do
	assert_within "on-up: HAMON_${f^^}_MS = the UP line's ${f}_ms" \
		"$(env_of "$up" "HAMON_${f^^}_MS")" "$(jq -r ".${f}_ms" <<<"$upline")" 0
done
assert_eq "on-up: HAMON_LOST = the UP line's lost" "$(env_of "$up" HAMON_LOST)" \
	"$(jq -r .lost <<<"$upline")"
lo=$(env_of "$up" HAMON_LOWER_MS)
hi=$(env_of "$up" HAMON_UPPER_MS)
# The injected window is known to within half of each edge's nft call
# (faultctl's brackets), plus the veth's one-way delay (0.5 ms covers it).
slack=$(jq -n --argjson a "${FAULT_START_HW[0]:-0}" --argjson b "${FAULT_END_HW[0]:-0}" '($a + $b) / 1e6 + 0.5')
assert_between "on-up: the injected fault (ms) within the told bounds (± $slack ms)" "${FAULT_MS[0]:-x}" \
	"$(jq -n --argjson l "${lo:-0}" --argjson s "$slack" '$l - $s')" \
	"$(jq -n --argjson h "${hi:-0}" --argjson s "$slack" '$h + $s')"
assert_eq "on-down: stdin is the event JSON" "$(jq -r '.event + " " + .target' "$hookdir/down.json" 2>&1)" "down vm"
assert_within "on-up: stdin's duration = the environment's" \
	"$(jq -r .duration_ms "$hookdir/up.json" 2>&1)" "$(env_of "$up" HAMON_DURATION_MS)" 0
uid=$(cat "$hookdir/down.uid" 2>/dev/null)
tap_check "hooks ran unprivileged (uid ${uid:-none})" test -n "$uid" -a "${uid:-0}" != 0
tap_check "a hook's output reaches the log" grep -q "hook on-down vm (pid [0-9]*) stdout: hook down says hello" "$T_TMP/monA.err"
assert_eq "every hook's fate is logged (exited 0)" "$(grep -c 'hook on-[a-z]* vm (pid [0-9]*): exited 0' "$T_TMP/monA.err")" 2 ||
	diag_file "$T_TMP/monA.err"

# ---- run B: a hook that hangs is ended at its timeout; probing goes on.
fault faultB
hamon_bg monB 30 monitor --no-db --interval 10ms --timeout 200ms --duration 3s --format json \
	--hook-timeout 300ms --on-down "sleep 30" "vm=icmp://$H1_IP4"
mpid=$BG_PID
wait_pid "$FPID"
rc=0
wait_pid "$mpid" || rc=$?
assert_eq "run B: monitor exit status" "$rc" 0 || diag_file "$T_TMP/monB.err"
tap_check "run B: the hanging hook timed out and got SIGTERM" grep -q "hook on-down vm (pid [0-9]*): timed out after" "$T_TMP/monB.err"
tap_check "run B: its end is logged" grep -Eq "hook on-down vm \(pid [0-9]*\): (killed by signal|exited)" "$T_TMP/monB.err"
sent=$(jq -r 'select(.event == "summary") | .sent' "$T_TMP/monB.out")
tap_check "run B: probing went on (${sent:-?} of 300 sent)" test "${sent:-0}" -ge 295
# A loop waiting on the hook would stall for the hook's whole 300 ms life;
# a loaded machine alone can make a send 5 ms late (a short stall window),
# so only a stall of a third of that life counts against the hooks.
stall=$(jq -s '[.[] | select(.event == "unknown" and .code == "stall") | .duration_ms] | max // 0' \
	"$T_TMP/monB.out" 2>&1)
assert_between "run B: no stall of the loop while the hook hung (longest, ms)" "$stall" 0 100

# ---- run C: maintenance mutes the hooks; the outage is still recorded.
rm -f "$hookdir"/*
db="$T_TMP/c.db"
hamon_bg monC 30 monitor --db "$db" --interval 10ms --timeout 200ms --duration 3500ms --format json \
	--on-down "$T_TMP/record.sh down" --on-up "$T_TMP/record.sh up" "vm=icmp://$H1_IP4"
mpid=$BG_PID
for _ in $(seq 50); do [ -S "$db.ctl" ] && break; sleep 0.1; done
rc=0
"$HAMON" mark --db "$db" --begin maintenance >"$T_TMP/markb.err" 2>&1 || rc=$?
assert_eq "run C: hamon mark --begin maintenance" "$rc" 0 || diag_file "$T_TMP/markb.err"
fault faultC
wait_pid "$FPID"
sleep 0.5
"$HAMON" mark --db "$db" --end maintenance >"$T_TMP/marke.err" 2>&1 || diag_file "$T_TMP/marke.err"
rc=0
wait_pid "$mpid" || rc=$?
assert_eq "run C: monitor exit status" "$rc" 0 || diag_file "$T_TMP/monC.err"
assert_eq "run C: the outage is recorded" \
	"$(sqlite3 "$db" "select count(*) from losses where kind = 1" 2>&1)" 1
tap_check "run C: no hook ran" test ! -e "$hookdir/down.env" -a ! -e "$hookdir/up.env"
tap_check "run C: the muted hooks are logged" grep -q "hook on-down vm: muted (maintenance" "$T_TMP/monC.err"

# ---- bad hook commands: exit 2, one line naming the option.
rc=0
"$HAMON" monitor --no-db --count 1 --on-down "sh -c 'x" "vm=icmp://$H1_IP4" >/dev/null 2>"$T_TMP/bad.err" || rc=$?
assert_eq "unterminated quote: exit 2" "$rc" 2
assert_eq "... one line" "$(wc -l <"$T_TMP/bad.err")" 1
tap_check "... naming --on-down" grep -q -- "--on-down" "$T_TMP/bad.err"
rc=0
"$HAMON" monitor --no-db --count 1 --hooks-max 0 "vm=icmp://$H1_IP4" >/dev/null 2>"$T_TMP/bad2.err" || rc=$?
assert_eq "--hooks-max 0: exit 2" "$rc" 2
tap_done
