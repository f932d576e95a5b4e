#!/bin/bash
# SPDX-License-Identifier: ISC
# cli.t: hamon's command-line contracts for good input: --help and
# --version (exit 0, the shape of stdout, nothing on stderr), every
# command's --help, check-config on a valid file (exit 0, "FILE: ok, N
# target(s)" and one line per target), and a short good run of `hamon
# monitor` against 127.0.0.1 (exit 0, JSON lines ending in one summary)
# whose database `hamon history` reads (exit 0, a JSON array).
#
# Bad input (exit 2 and one stderr line naming what and where) is not
# here: every such case is a file in tests/bad-input/, run by bad_input.t.
#
# No root needed; the only traffic is ICMP echo to 127.0.0.1 (skipped with
# the reason when this user cannot open an ICMP socket).
# Tolerances: none, these are exact contracts.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_cmd timeout grep jq sed
hamon_ready || tap_done
cd "$T_TMP" || bail_out "cd $T_TMP"

COMMANDS=(monitor run mark report history bench check-config demo)

# run_hamon TAG ARGS...: hamon ARGS, bounded, stdout and stderr in
# $T_TMP/TAG.out and TAG.err; sets RC.
run_hamon() {
	local tag=$1
	shift
	RC=0
	timeout -k 2 15 "$HAMON" "$@" </dev/null >"$T_TMP/$tag.out" 2>"$T_TMP/$tag.err" || RC=$?
}

# quiet_ok DESC TAG: exit 0 and nothing on stderr (one TAP line).
quiet_ok() {
	if [ "$RC" -eq 0 ] && [ ! -s "$T_TMP/$2.err" ]; then
		tap_pass "$1: exit 0, stderr empty"
	else
		tap_fail "$1: exit $RC (want 0), $(wc -l <"$T_TMP/$2.err") stderr lines (want 0)"
		diag_file "$T_TMP/$2.err"
	fi
}

# -- hamon --help: the usage line and every command, on stdout.
run_hamon help --help
quiet_ok "hamon --help" help
assert_eq "hamon --help: first line" "$(head -n 1 "$T_TMP/help.out")" "usage: hamon COMMAND [OPTIONS] [ARGS]"
for c in "${COMMANDS[@]}"; do
	if grep -qE "^  $c( |$)" "$T_TMP/help.out"; then
		tap_pass "hamon --help lists the command $c"
	else
		tap_fail "hamon --help lists the command $c"
		diag_file "$T_TMP/help.out"
	fi
done

# -- hamon COMMAND --help: exit 0, its own usage line on stdout.
for c in "${COMMANDS[@]}"; do
	run_hamon "help.$c" "$c" --help
	quiet_ok "hamon $c --help" "help.$c"
	first=$(head -n 1 "$T_TMP/help.$c.out")
	case $first in
	"usage: hamon $c" | "usage: hamon $c "*) tap_pass "hamon $c --help: first line \"$first\"" ;;
	*) tap_fail "hamon $c --help: first line \"$first\", want \"usage: hamon $c ...\"" ;;
	esac
done

# -- hamon --version: one line, the version configure.ac states.
want=$(sed -n 's/^AC_INIT(\[hamon\], *\[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
run_hamon version --version
quiet_ok "hamon --version" version
assert_eq "hamon --version: stdout" "$(cat "$T_TMP/version.out")" "hamon ${want:-?}"

# -- check-config on a valid file.
good="$T_TMP/good.conf"
cat >"$good" <<'CONF'
# a valid configuration
[defaults]
interval = 10ms
timeout = 1s
down-after = 3

[vm101]
target = icmp://198.18.0.2

[vm102]
target = tcp://198.18.0.3:22
CONF
for form in "check-config $good" "check-config -c $good"; do
	# shellcheck disable=SC2086 # two words, no spaces in $T_TMP
	run_hamon cc $form
	quiet_ok "$form" cc
	assert_eq "$form: first line" "$(head -n 1 "$T_TMP/cc.out")" "$good: ok, 2 targets"
	assert_eq "$form: one line per target, name then address" \
		"$(sed -n '2,$p' "$T_TMP/cc.out" | awk '{ print $1, $2 }' | paste -sd ' ')" \
		"vm101 icmp://198.18.0.2 vm102 tcp://198.18.0.3:22"
done

# -- a good run: three probes of 127.0.0.1, then history on its database.
db="$T_TMP/good.db"
run_hamon mon monitor --db "$db" --count 3 --interval 10ms -q --format json lo=icmp://127.0.0.1
if [ "$RC" -ne 0 ] && grep -qiE 'socket|permitted|permission' "$T_TMP/mon.err"; then
	tap_skip "hamon monitor --count 3 on 127.0.0.1" "no ICMP socket for this user: $(head -n 1 "$T_TMP/mon.err")"
	tap_done
fi
assert_eq "monitor --count 3: exit status" "$RC" 0 || diag_file "$T_TMP/mon.err"
if jq -e . "$T_TMP/mon.out" >/dev/null 2>&1; then
	tap_pass "monitor --format json: every stdout line is JSON"
else
	tap_fail "monitor --format json: every stdout line is JSON"
	diag_file "$T_TMP/mon.out"
fi
assert_eq "monitor --format json: last line is lo's summary, 3 sent" \
	"$(tail -n 1 "$T_TMP/mon.out" | jq -r '[.event, .target, .sent] | map(tostring) | join(" ")' 2>/dev/null)" \
	"summary lo 3"
run_hamon hist history --db "$db" --format json
quiet_ok "history --db (the run's database) --format json" hist
assert_eq "history --format json: stdout is a JSON array" \
	"$(jq -r 'type' "$T_TMP/hist.out" 2>/dev/null)" array
tap_done
