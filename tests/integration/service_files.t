#!/bin/bash
# SPDX-License-Identifier: ISC
# service_files.t (any user): what `make install` puts beside the binary.
#   man pages   mandoc -Tlint: hamon.conf.5 without a single message,
#               hamon.1 without warnings or errors (style notes aside)
#   hamon.conf.5  names every key lib/config.c accepts and no other; the
#               defaults it states are the ones hamon applies; its example
#               and etc/hamon.conf pass check-config
#   completion  bash -n; every command and every option its --help names
#   unit        systemd-analyze verify of the generated etc/hamon.service,
#               and systemd-analyze security --offline=true exposure <= 2.0
#   sysusers.d, tmpfiles.d  applied to an empty root directory: user hamon,
#               /var/lib/hamon 0750 hamon:hamon
#   licence     LICENSE is ISC, and every source file (C, shell, Python,
#               make fragments, the style sheet) carries its SPDX line

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_cmd mandoc
hamon_ready || tap_done
man5="$top_srcdir/man/hamon.conf.5"
man1="$top_srcdir/man/hamon.1"
unit="$top_builddir/etc/hamon.service"

# --- licence
tap_check "LICENSE is the ISC licence" sh -c "head -n 1 '$top_srcdir/LICENSE' | grep -qx 'ISC License' &&
	grep -q 'Permission to use, copy, modify, and/or distribute this software' '$top_srcdir/LICENSE'"
# (build-aux/ and m4/ hold autotools' own helpers, under their licences.)
missing=$(cd "$top_srcdir" && find . -path ./build-asan -prune -o -path ./build-fuzz -prune -o \
	-path ./tests/fuzz/corpus -prune -o -path ./tests/fixtures -prune -o -path ./debian -prune -o -path ./build-aux -prune -o -path ./autom4te.cache -prune -o -path ./m4 -prune -o \
	-path './hamon-*' -prune -o -type f \( -name '*.[ch]' -o -name '*.t' -o -name '*.sh' -o \
	-name '*.py' -o -name '*.mk' -o -name Makefile.am -o -name configure.ac -o -name '*.css' \) \
	-print | grep -v -e '/report_css\.h$' -e '^./config\.h$' | sort |
	while read -r f; do head -n 3 "$f" | grep -q 'SPDX-License-Identifier: ISC' || echo "$f"; done)
assert_eq "source files without the SPDX line" "${missing:-none}" none

# --- man pages
out=$(mandoc -Tlint "$man5" 2>&1)
rc=$?
assert_eq "mandoc -Tlint hamon.conf.5: exit status" "$rc" 0
assert_eq "mandoc -Tlint hamon.conf.5: messages" "$out" ""
out=$(mandoc -Tlint -W warning "$man1" 2>&1)
rc=$?
assert_eq "mandoc -Tlint -W warning hamon.1: exit status" "$rc" 0
assert_eq "mandoc -Tlint -W warning hamon.1: messages" "$out" ""

# --- hamon.conf.5 against lib/config.c's table of keys
code_keys=$(sed -n 's/^\t\[CONFIG_KEY_[A-Z_]*\] = { "\([a-z-]*\)".*/\1/p' "$top_srcdir/lib/config.c" | sort)
man_keys=$(sed -n 's/^\.BR \([a-z\\-]*\) " = .*/\1/p' "$man5" | sed 's/\\-/-/g' | sort)
[ -n "$code_keys" ] || tap_fail "keys read from lib/config.c (none found: has the table changed?)"
assert_eq "hamon.conf.5 documents exactly the keys lib/config.c accepts" \
	"$(echo $man_keys)" "$(echo $code_keys)"

# man_default KEY: the value after "Default:" in KEY's entry.
man_default() {
	awk -v k="$1" '
		/^\.BR [a-z\\-]+ " = / { cur = $2; gsub(/\\/, "", cur) }
		/^\.(SH|TP)/ { if (cur != k) cur = "" }
		cur == k && want { print $2; exit }
		cur == k && /^Default:$/ { want = 1 }' "$man5"
}
printf '[t]\ntarget = icmp://127.0.0.1\n' >"$T_TMP/bare.conf"
{
	echo "[defaults]"
	for k in interval timeout down-after up-after; do
		echo "$k = $(man_default "$k")"
	done
	printf '[t]\ntarget = icmp://127.0.0.1\n'
} >"$T_TMP/stated.conf"
diag_file "$T_TMP/stated.conf"
"$HAMON" check-config "$T_TMP/bare.conf" 2>&1 | tail -n +2 >"$T_TMP/bare.out"
"$HAMON" check-config "$T_TMP/stated.conf" 2>&1 | tail -n +2 >"$T_TMP/stated.out"
assert_eq "the defaults hamon.conf.5 states are hamon's" \
	"$(cat "$T_TMP/stated.out")" "$(cat "$T_TMP/bare.out")"
assert_eq "samples: the stated default" "$(man_default samples)" "no"

# The EXAMPLES section, as a file.
awk '/^\.SH EXAMPLES/ { on = 1; next } on && /^\.nf/ { keep = 1; next }
	keep && /^\.fi/ { exit } keep' "$man5" | sed 's/\\-/-/g' >"$T_TMP/example.conf"
out=$("$HAMON" check-config "$T_TMP/example.conf" 2>&1)
rc=$?
assert_eq "hamon.conf.5's example passes check-config" "$rc" 0 || diag "$out"
out=$("$HAMON" check-config "$top_srcdir/etc/hamon.conf" 2>&1)
rc=$?
assert_eq "etc/hamon.conf passes check-config" "$rc" 0 || diag "$out"

# --- bash completion
comp="$top_srcdir/etc/hamon.bash-completion"
tap_check "bash -n hamon.bash-completion" bash -n "$comp"
cmds=$("$HAMON" --help 2>&1 | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
missing=
for c in $cmds; do
	grep -q "cmds=\".*\\b$c\\b" "$comp" || missing="$missing $c"
	for o in $("$HAMON" "$c" --help 2>&1 | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
		grep -qE -- "(^|[[:space:]\"])$o([[:space:]\"]|$)" "$comp" || missing="$missing $c:$o"
	done
done
[ -n "$cmds" ] || missing="(no commands read from hamon --help)"
assert_eq "every command and option of --help is completed" "$missing" ""

# --- the systemd unit
if ! command -v systemd-analyze >/dev/null 2>&1; then
	tap_skip "systemd-analyze checks" "systemd-analyze not installed (apt-get install systemd)"
	tap_done
fi
[ -f "$unit" ] || bail_out "no generated unit at $unit (make builds it)"
# Verify the unit as it would be installed, its binary being the one
# built here (the installed path does not exist yet) under the same name.
mkdir "$T_TMP/bin" && ln -s "$HAMON" "$T_TMP/bin/hamon"
sed "s|^\(Exec[A-Za-z]*=\)[^ ]*/hamon |\1$T_TMP/bin/hamon |" "$unit" >"$T_TMP/hamon.service"
out=$(systemd-analyze verify --man=no "$T_TMP/hamon.service" 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && grep -qiE "connect|bus|container" <<<"$out"; then
	tap_skip "systemd-analyze verify" "cannot run here: $(head -n 1 <<<"$out")"
else
	assert_eq "systemd-analyze verify hamon.service: exit status" "$rc" 0
	assert_eq "systemd-analyze verify hamon.service: messages" "$out" ""
fi
out=$(systemd-analyze security --offline=true --no-pager "$T_TMP/hamon.service" 2>&1)
rc=$?
exposure=$(sed -n 's/.*Overall exposure level for hamon.service: \([0-9.]*\).*/\1/p' <<<"$out")
if [ -z "$exposure" ]; then
	tap_fail "systemd-analyze security --offline=true printed an exposure (exit $rc)"
	diag "$out"
else
	assert_between "systemd-analyze security exposure" "$exposure" 0 2.0 ||
		diag "$(grep '✗' <<<"$out")"
fi
for d in Type=notify User=hamon NoNewPrivileges=yes ProtectSystem=strict StateDirectory=hamon \
	"AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN" \
	"CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN" \
	"RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET" \
	SystemCallFilter=@system-service; do
	tap_check "hamon.service: $d" grep -qx -- "$d" "$unit"
done

# --- sysusers.d and tmpfiles.d, applied to an empty root
root="$T_TMP/root"
mkdir -p "$root/etc"
if [ "$(id -u)" -ne 0 ] || ! command -v systemd-sysusers >/dev/null 2>&1; then
	tap_skip "sysusers.d and tmpfiles.d" "needs root and systemd-sysusers"
	tap_done
fi
systemd-sysusers --root="$root" "$top_srcdir/etc/sysusers.d/hamon.conf" >"$T_TMP/sysusers.out" 2>&1
assert_eq "systemd-sysusers: user hamon, home /var/lib/hamon" \
	"$(awk -F: '$1 == "hamon" { print $1, $6 }' "$root/etc/passwd")" "hamon /var/lib/hamon" ||
	diag_file "$T_TMP/sysusers.out"
systemd-tmpfiles --root="$root" --create "$top_srcdir/etc/tmpfiles.d/hamon.conf" \
	>"$T_TMP/tmpfiles.out" 2>&1
h_uid=$(awk -F: '$1 == "hamon" { print $3 }' "$root/etc/passwd")
h_gid=$(awk -F: '$1 == "hamon" { print $3 }' "$root/etc/group")
assert_eq "systemd-tmpfiles: /var/lib/hamon 0750 hamon:hamon" \
	"$(stat -c '%a %u:%g' "$root/var/lib/hamon" 2>&1)" "750 $h_uid:$h_gid" ||
	diag_file "$T_TMP/tmpfiles.out"

tap_done
