#!/bin/bash
# cli.t: hamon's command-line contract for bad input: exit status 2 and
# exactly one line on stderr that names the problem (the offending value or
# setting), for flags, durations, addresses, duplicate names and config
# files (which must name FILE:LINE:); check-config's exit status on a good
# and a bad file; and `hamon history` on a missing database (exit 1 or 2,
# one line naming the file, and no file created by a read-only command).
#
# No root and no network needed: every command here must be rejected while
# parsing. Should hamon wrongly accept one, it is bounded by --duration 1s
# and `timeout`, and its targets are 127.0.0.1 or test addresses that the
# root namespace cannot route (unreachable_guard when run as root).
# Tolerances: none, these are exact contracts.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_cmd timeout grep
if [ ! -x "$HAMON" ]; then
	if [ -n "$HAMON_FROM_ENV" ]; then
		tap_fail "hamon binary at $HAMON (HAMON is set but nothing runnable is there)"
		tap_done
	fi
	skip_all "no hamon binary at $HAMON (set HAMON=/path/to/hamon)"
fi
[ "$(id -u)" -ne 0 ] || unreachable_guard
cd "$T_TMP" || bail_out "cd $T_TMP"

#
# cli_case DESC WANT_RC PATTERN ARGS...: run hamon ARGS; exit status must be
# WANT_RC ("1|2" allows either) and stderr exactly one line containing
# PATTERN (fixed string). Two TAP lines.
#
cli_case() {
	local desc=$1 want=$2 pat=$3 rc=0 lines
	shift 3
	timeout -k 2 15 "$HAMON" "$@" </dev/null >"$T_TMP/cli.out" 2>"$T_TMP/cli.err" || rc=$?
	lines=$(wc -l <"$T_TMP/cli.err")
	case "|$want|" in
	*"|$rc|"*) tap_pass "$desc: exit $rc" ;;
	*) tap_fail "$desc: exit $rc, want $want" ;;
	esac
	if [ "$lines" -eq 1 ] && grep -qF -- "$pat" "$T_TMP/cli.err"; then
		tap_pass "$desc: one stderr line naming \"$pat\": $(cat "$T_TMP/cli.err")"
	else
		tap_fail "$desc: want one stderr line containing \"$pat\", got $lines lines"
		diag_file "$T_TMP/cli.err"
	fi
}

db="$T_TMP/cli.db"
M=(monitor --db "$db" --duration 1s)
cli_case "unknown flag" 2 "no-such-flag" "${M[@]}" --no-such-flag icmp://127.0.0.1
cli_case "--interval 0ms" 2 "interval" "${M[@]}" --interval 0ms icmp://127.0.0.1
cli_case "--interval -5s" 2 "-5s" "${M[@]}" --interval -5s icmp://127.0.0.1
cli_case "--interval '10 parsecs'" 2 "parsecs" "${M[@]}" --interval '10 parsecs' icmp://127.0.0.1
cli_case "address icmp://300.1.2.3" 2 "300.1.2.3" "${M[@]}" icmp://300.1.2.3
cli_case "port tcp://198.18.0.2:0" 2 "port" "${M[@]}" tcp://198.18.0.2:0
cli_case "duplicate target names" 2 "duplicate" "${M[@]}" vm=icmp://127.0.0.1 vm=icmp://127.0.0.2
cli_case "monitor without a target" 2 "target" "${M[@]}"

good="$T_TMP/good.conf"
bad="$T_TMP/bad.conf"
cat >"$good" <<'CONF'
# a valid configuration
[defaults]
interval = 10ms
timeout = 1s
down-after = 3

[vm101]
target = icmp://198.18.0.2
CONF
cat >"$bad" <<'CONF'
[defaults]
interval = 10ms
intervall = 20ms
CONF
cli_case "config file with an unknown key (monitor -c)" 2 "$bad:3:" "${M[@]}" -c "$bad" icmp://127.0.0.1
if grep -qF intervall "$T_TMP/cli.err"; then
	tap_pass "the config error names the key \"intervall\""
else
	tap_fail "the config error names the key \"intervall\""
fi

rc=0
timeout -k 2 15 "$HAMON" check-config -c "$good" </dev/null >"$T_TMP/cc.out" 2>"$T_TMP/cc.err" || rc=$?
assert_eq "check-config on a good file: exit status" "$rc" 0 || diag_file "$T_TMP/cc.err"
cli_case "check-config on a file with an unknown key" 2 "$bad:3:" check-config -c "$bad"

missing="$T_TMP/no-such.db"
cli_case "history on a missing database" "1|2" "no-such.db" history --db "$missing"
if [ -e "$missing" ]; then
	tap_fail "history on a missing database does not create it"
else
	tap_pass "history on a missing database does not create it"
fi
tap_done
