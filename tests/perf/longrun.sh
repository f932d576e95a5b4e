#!/bin/bash
# SPDX-License-Identifier: ISC
# longrun.sh: a long run at 100 targets x 100 Hz; memory must stay flat and,
# with a sanitizer build, nothing may leak. Not part of make check.
#
# usage (root): tests/perf/longrun.sh BUILDDIR [SECONDS] [ASAN_BUILDDIR]
#   BUILDDIR/hamon runs SECONDS (default 600) while its VmRSS is sampled
#   every 10 s; ASAN_BUILDDIR/hamon (./configure --enable-asan) then runs the
#   same for SECONDS/4 and LeakSanitizer reports at exit.
set -u
B=$(cd "${1:?builddir}" && pwd)
SECS=${2:-600}
A=${3:-}
P=hml$$ N=251
MON=$P-mon H1=$P-h1
TMP=$(mktemp -d)
cleanup() {
	pkill -f "hamon monitor --db $TMP" 2>/dev/null
	sleep 0.2
	ip netns del "$MON" 2>/dev/null
	ip netns del "$H1" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 1; }
ip route replace unreachable 198.18.0.0/15 metric 4000
ip -6 route replace unreachable 2001:db8::/32 metric 4000
ip netns add "$MON"; ip netns add "$H1"
ip link add "$P-a" netns "$MON" type veth peer name "$P-b" netns "$H1"
ip -n "$MON" link set lo up; ip -n "$H1" link set lo up
ip -n "$MON" addr add 198.18.$N.1/24 dev "$P-a"
for i in $(seq 2 101); do ip -n "$H1" addr add 198.18.$N.$i/24 dev "$P-b"; done
ip -n "$MON" link set "$P-a" up; ip -n "$H1" link set "$P-b" up
mac=$(ip -n "$H1" -br link show "$P-b" | awk '{print $3}')
for i in $(seq 2 101); do ip -n "$MON" neigh replace 198.18.$N.$i lladdr "$mac" dev "$P-a" nud permanent; done
ip netns exec "$H1" sysctl -qw net.ipv4.icmp_ratelimit=0
targets=$(for i in $(seq 2 101); do printf 't%d=icmp://198.18.%d.%d ' "$i" "$N" "$i"; done)
chmod 755 "$TMP"

run() { # BIN SECS TAG
	ip netns exec "$MON" "$1" monitor --db "$TMP/$3.db" -q --interval 10ms --duration "$2s" $targets \
		>"$TMP/$3.out" 2>"$TMP/$3.err" &
	local pid=$! t=0
	sleep 1
	echo "$3: VmRSS every 10 s (KiB):"
	while kill -0 "$pid" 2>/dev/null; do
		printf ' %s' "$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null)"
		sleep 10
		t=$((t + 10))
	done
	echo
	wait "$pid"; echo "$3: exit $?"
	grep -E 'leak|ERROR|SUMMARY' "$TMP/$3.err" | head -5
	tail -3 "$TMP/$3.out"
	sqlite3 "$TMP/$3.db" "select 'probes: ' || sum(sent) || ' sent, ' || sum(lost) || ' lost' from target_summaries"
}
run "$B/hamon" "$SECS" plain
if [ -n "$A" ]; then
	ASAN_OPTIONS=detect_leaks=1 run "$(cd "$A" && pwd)/hamon" $((SECS / 4)) asan
	grep -q 'LeakSanitizer' "$TMP/asan.err" && echo "LEAKS FOUND" || echo "LeakSanitizer: no leak reported"
fi
