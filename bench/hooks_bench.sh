#!/bin/bash
# SPDX-License-Identifier: ISC
# hooks_bench.sh: hooks that hang never move a probe. 100 targets at 1 ms
# flap together (faultctl drops every echo request for 60 ms every 600 ms);
# each transition runs an on-down/on-up hook that sleeps 30 s, so hooks pile
# up to hooks-max and the queue fills and sheds. The same load runs without
# hooks in the same run of the script; hamon's own send lag p50/p99/max are
# compared, and every hook's fate is counted from the log (started, killed
# at the end, dropped while the queue was full).
#
# usage (root): bench/hooks_bench.sh [-d SECONDS] [BUILDDIR]
# Not part of `make check`: figures, not asserts.
set -u
DUR=10
while getopts "d:" o; do
	case $o in
	d) DUR=$OPTARG ;;
	*) echo "usage: $0 [-d SECONDS] [BUILDDIR]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
case "$DUR" in '' | *[!0-9]*) echo "$0: -d takes whole seconds" >&2; exit 2 ;; esac
[ "$DUR" -ge 3 ] && [ "$DUR" -le 600 ] || { echo "$0: -d 3..600" >&2; exit 2; }
B=$(cd "${1:-.}" && pwd)
HAMON=$B/hamon
FAULTCTL=$B/tests/helpers/faultctl
[ -x "$HAMON" ] || { echo "$0: no hamon in $B" >&2; exit 2; }
[ -x "$FAULTCTL" ] || { echo "$0: no $FAULTCTL (make check builds it)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$0: needs root (namespaces, raw sockets)" >&2; exit 2; }
for c in jq ip awk; do
	command -v "$c" >/dev/null || { echo "$0: needs $c" >&2; exit 2; }
done

P=hmb-hooks-$$
MON=$P-mon H1=$P-h1
TMP=$(mktemp -d)
chmod 755 "$TMP"
cleanup() {
	ip netns pids "$MON" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns pids "$H1" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$MON" 2>/dev/null
	ip netns del "$H1" 2>/dev/null
	# A directory of its own per run: a second run's copy must not land
	# inside the first's.
	[ -n "${KEEP:-}" ] && cp -r "$TMP" "/tmp/hb-keep.$$" && echo "kept in /tmp/hb-keep.$$" >&2
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip route replace unreachable 198.18.0.0/15 metric 4000 2>/dev/null
ip netns add "$MON" && ip netns add "$H1" || exit 1
ip link add hb0 netns "$MON" type veth peer name hb1 netns "$H1" || exit 1
ip -n "$MON" link set lo up
ip -n "$H1" link set lo up
ip -n "$MON" addr add 198.18.63.1/24 dev hb0
ip -n "$H1" addr add 198.18.63.2/24 dev hb1
ip -n "$MON" link set hb0 up
ip -n "$H1" link set hb1 up
MAC1=$(ip -n "$H1" -br link show hb1 | awk '{print $3}')
MAC0=$(ip -n "$MON" -br link show hb0 | awk '{print $3}')
ip -n "$MON" neigh replace 198.18.63.2 lladdr "$MAC1" dev hb0 nud permanent
ip -n "$H1" neigh replace 198.18.63.1 lladdr "$MAC0" dev hb1 nud permanent
ip -n "$MON" route add 198.19.64.0/24 via 198.18.63.2 dev hb0
ip -n "$H1" route add local 198.19.64.0/24 dev lo
ip netns exec "$H1" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=10000000
ip netns exec "$MON" ping -n -q -c 1 -W 2 198.19.64.1 >/dev/null ||
	{ echo "$0: no round trip to 198.19.64.1" >&2; exit 1; }

cfg=$TMP/targets.conf
awk 'BEGIN {
	printf "[defaults]\ninterval = 1ms\ntimeout = 20ms\ndown-after = 3\n"
	for (i = 1; i <= 100; i++)
		printf "[t%d]\ntarget = icmp://198.19.64.%d\n", i, i
}' >"$cfg"

# The flapping: 60 ms drops every 600 ms from 0.5 s to the end.
sched=()
for ((ms = 500; ms + 600 < DUR * 1000; ms += 600)); do
	sched+=(--at "${ms}ms" --for 60ms)
done

# run TAG [HOOK ARGS...]: one monitor run under the flapping; prints
# "p50 p99 max" of hamon's send lag (µs) and its probes sent/lost.
run() {
	local tag=$1 fpid
	shift
	ip netns exec "$H1" "$FAULTCTL" schedule --rule "ip daddr 198.19.64.0/24 icmp type echo-request drop" \
		"${sched[@]}" >"$TMP/$tag.faults" 2>&1 &
	fpid=$!
	ip netns exec "$MON" "$HAMON" monitor -c "$cfg" --no-db --duration "${DUR}s" --format json -q -v \
		"$@" >"$TMP/$tag.out" 2>"$TMP/$tag.err"
	wait "$fpid"
	printf "%-8s lag p50/p99/max %s µs; " "$tag" \
		"$(sed -n 's/.*scheduler lag p50 \([0-9.]*\) µs, p99 \([0-9.]*\) µs, max \([0-9.]*\) µs.*/\1\/\2\/\3/p' "$TMP/$tag.err")"
	jq -s -r '[.[] | select(.event == "summary")] | "sent \(map(.sent) | add), lost \(map(.lost) | add), outages \(map(.outages) | add)"' "$TMP/$tag.out"
}

echo "hooks_bench: 100 targets at 1 ms, ${#sched[@]} fault args over ${DUR} s ($((${#sched[@]} / 4)) drops of 60 ms)"
run none
run hooks --on-down "sleep 30" --on-up "sleep 30" --hook-timeout 60s --hooks-max "${HOOKS_MAX:-16}"
err=$TMP/hooks.err
echo "hook fates: started $(grep -c ': started: ' "$err"), killed at exit $(grep -c 'still running as the monitor stops' "$err"), exited $(grep -c ': exited ' "$err"), dropped (queue full) $(sed -n 's/.*hooks: \([0-9]*\) events dropped while the queue was full.*/\1/p' "$err" | tail -1)"
grep 'hooks: [0-9]* started' "$err" | tail -1
# Where the loop's time went, per step of a hook's life (hooks.c, at -v).
grep 'hooks: time in' "$err" | sed 's/^hamon: //'
