#!/bin/bash
# SPDX-License-Identifier: ISC
# bad_input.t: every malformed input in tests/bad-input/*.case is refused
# the way the man page promises: the stated exit status (2 for usage and
# configuration errors), exactly one line on stderr that matches the case's
# regex, nothing on stdout, nothing created in its directory, and no crash
# (status < 128, no timeout).
#
# A case file (see tests/bad-input/README.md):
#   # what it checks
#   args: <hamon arguments, shell words; @CONFIG is the case's config file>
#   exit: 2
#   stderr: <extended regex the one stderr line must match; @CONFIG in it
#            stands for the config file's path>
#   config: <<EOF            (optional: the lines up to EOF are the config)
#   ...
#   EOF
#   config-bytes: <text>     (optional instead: printf %b escapes, \x00 too)
#   xfail: <reason>          (a known bug: reported as TAP TODO)
#
# Each case runs in a fresh empty directory (so the default hamon.db does
# not exist), under `timeout`, and, where unprivileged namespaces work, in
# a network namespace of its own with only a loopback that is down
# (`unshare -rn`): input that hamon wrongly accepts can then neither probe
# nor look anything up, and fails visibly instead. No root is needed.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_cmd timeout grep sed
CASES_DIR=$top_srcdir/tests/bad-input
MIN_CASES=40
CASE_TIMEOUT=10

[ -d "$CASES_DIR" ] || bail_out "no case directory $CASES_DIR"
hamon_ready || tap_done

ISOLATE=()
if unshare -rn true 2>/dev/null; then
	ISOLATE=(unshare -rn)
else
	diag "unshare -rn is not available: cases run in the current network namespace"
fi

# Escape a literal string for use inside an extended regex.
re_quote() {
	printf '%s' "$1" | sed 's/[][\.*^$(){}+?|/]/\\&/g'
}

# parse_case FILE: set C_ARGS C_EXIT C_RE C_XFAIL C_CONF_KIND (none, text,
# bytes) C_CONF; return 1 with C_ERR on a malformed case file.
parse_case() {
	local line key val end= in_conf=0 n=0
	C_ARGS= C_EXIT= C_RE= C_XFAIL= C_CONF_KIND=none C_CONF= C_ERR=
	local have_args=0
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		if [ "$in_conf" = 1 ]; then
			if [ "$line" = "$end" ]; then
				in_conf=0
			else
				C_CONF+="$line"$'\n'
			fi
			continue
		fi
		case $line in
		'' | '#'*) continue ;;
		*:*) ;;
		*)
			C_ERR="line $n: not \"key: value\""
			return 1
			;;
		esac
		key=${line%%:*}
		val=${line#*:}
		val=${val# }
		case $key in
		args)
			C_ARGS=$val
			have_args=1
			;;
		exit) C_EXIT=$val ;;
		stderr) C_RE=$val ;;
		xfail) C_XFAIL=$val ;;
		config)
			case $val in
			'<<'?*) end=${val#<<} ;;
			*)
				C_ERR="line $n: config: wants <<MARKER"
				return 1
				;;
			esac
			in_conf=1
			C_CONF_KIND=text
			;;
		config-bytes)
			C_CONF_KIND=bytes
			C_CONF=$val
			;;
		*)
			C_ERR="line $n: unknown key \"$key\""
			return 1
			;;
		esac
	done <"$1"
	if [ "$in_conf" = 1 ]; then
		C_ERR="config: no closing $end"
		return 1
	fi
	if [ "$have_args" = 0 ] || [ -z "$C_RE" ]; then
		C_ERR="args: and stderr: are required"
		return 1
	fi
	case $C_EXIT in
	'' | *[!0-9]*)
		C_ERR="exit: \"$C_EXIT\" is not a number"
		return 1
		;;
	esac
	# args are shell words, but nothing may be executed while splitting
	# them: no command substitution, no parameter expansion.
	case $C_ARGS in
	*'`'* | *'$('* | *'${'* | *'$'[A-Za-z_]*)
		C_ERR="args: no substitutions allowed (only quotes and \$'...')"
		return 1
		;;
	esac
	return 0
}

# result NAME XFAIL PROBLEMS...: one TAP line, a TODO when the case is a
# known bug; each problem as a diagnostic line.
result() {
	local name=$1 xfail=$2 p
	shift 2
	TAP_N=$((TAP_N + 1))
	if [ $# -eq 0 ]; then
		if [ -n "$xfail" ]; then
			echo "ok $TAP_N - $name # TODO $xfail"
			diag "$name: passes now: remove its xfail line"
		else
			echo "ok $TAP_N - $name"
		fi
		return
	fi
	if [ -n "$xfail" ]; then
		echo "not ok $TAP_N - $name # TODO $xfail"
	else
		echo "not ok $TAP_N - $name"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
	for p in "$@"; do diag "$name: $p"; done
}

ncases=0
for f in "$CASES_DIR"/*.case; do
	[ -e "$f" ] || continue
	ncases=$((ncases + 1))
	name=$(basename "$f" .case)
	if ! parse_case "$f"; then
		result "$name" "" "malformed case file: $C_ERR"
		continue
	fi
	dir=$T_TMP/$name
	mkdir -p "$dir/cwd"
	conf=$dir/$name.conf
	case $C_CONF_KIND in
	text) printf '%s' "$C_CONF" >"$conf" ;;
	bytes) printf '%b' "$C_CONF" >"$conf" ;;
	esac
	argv=()
	if ! eval "argv=($C_ARGS)" 2>"$dir/eval.err"; then
		result "$name" "" "args: not valid shell words: $(head -n 1 "$dir/eval.err")"
		continue
	fi
	argv=("${argv[@]//@CONFIG/$conf}")
	re=${C_RE//@CONFIG/$(re_quote "$conf")}

	rc=0
	(cd "$dir/cwd" && exec "${ISOLATE[@]}" timeout -k 2 "$CASE_TIMEOUT" "$HAMON" "${argv[@]}") \
		>"$dir/out" 2>"$dir/err" </dev/null || rc=$?

	problems=()
	if [ "$rc" -ge 124 ]; then
		case $rc in
		124 | 137) problems+=("did not finish within ${CASE_TIMEOUT}s (exit $rc)") ;;
		*) problems+=("crashed or was killed: exit $rc (signal $((rc - 128)))") ;;
		esac
	elif [ "$rc" != "$C_EXIT" ]; then
		problems+=("exit status $rc, want $C_EXIT")
	fi
	nl=$(wc -l <"$dir/err")
	if [ ! -s "$dir/err" ]; then
		problems+=("stderr is empty, want one line")
	elif [ "$nl" -ne 1 ] || [ -n "$(tail -c 1 "$dir/err")" ]; then
		problems+=("stderr has $(awk 'END { print NR }' "$dir/err") lines, want exactly one:")
		while IFS= read -r l; do problems+=("  stderr: $l"); done < <(head -n 5 "$dir/err")
	elif ! grep -Eq -- "$re" "$dir/err"; then
		problems+=("stderr does not match /$C_RE/:" "  stderr: $(head -c 300 "$dir/err")")
	fi
	if [ -s "$dir/out" ]; then
		problems+=("stdout is not empty: $(head -n 1 "$dir/out" | head -c 200)")
	fi
	# Refused input leaves nothing behind: no database, no test file.
	left=$(cd "$dir/cwd" && find . -mindepth 1 -printf '%P ' | head -c 200)
	if [ -n "$left" ]; then
		problems+=("created in its directory: $left")
	fi
	result "$name" "$C_XFAIL" "${problems[@]}"
done

# The runner must have had something to run.
if [ "$ncases" -ge "$MIN_CASES" ]; then
	tap_pass "harness: $ncases cases in $CASES_DIR (at least $MIN_CASES)"
else
	tap_fail "harness: $ncases cases in $CASES_DIR, want at least $MIN_CASES"
fi
tap_done
