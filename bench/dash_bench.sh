#!/bin/bash
# SPDX-License-Identifier: ISC
# dash_bench.sh: what the live page's clients cost the probe schedule.
# 10 000 loopback targets (127.1.0.1 on, inside a namespace of its own, so
# nothing leaves it) every INTERVAL, with --http on, for SECONDS each:
#   none     no client
#   sse      5 event-stream clients (curl -N)
#   pages    5 pages in one headless Chromium (if installed), each fed
#            /api/status and /api/events by the page's own script
# and prints per run hamon's own send lag (actual send minus deadline)
# p50/p99/max and the clients dropped for falling behind. Not part of
# `make check`: figures, not asserts.
#
# usage (root): bench/dash_bench.sh [-d SECONDS] [-i INTERVAL] [-n TARGETS] [BUILDDIR]
set -u
DUR=20 IV=1s N=10000
while getopts "d:i:n:" o; do
	case $o in
	d) DUR=$OPTARG ;;
	i) IV=$OPTARG ;;
	n) N=$OPTARG ;;
	*) echo "usage: $0 [-d SECONDS] [-i INTERVAL] [-n TARGETS] [BUILDDIR]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
case "$DUR$N" in *[!0-9]*) echo "$0: -d and -n take whole numbers" >&2; exit 2 ;; esac
[ "$DUR" -ge 5 ] && [ "$N" -ge 1 ] && [ "$N" -le 60000 ] ||
	{ echo "$0: -d at least 5, -n 1..60000" >&2; exit 2; }
B=$(cd "${1:-.}" && pwd)
HAMON=$B/hamon
[ -x "$HAMON" ] || { echo "$0: no hamon in $B" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$0: needs root (a namespace, raw sockets)" >&2; exit 2; }
for c in curl jq ip awk; do
	command -v "$c" >/dev/null || { echo "$0: needs $c" >&2; exit 2; }
done
CHROMIUM=$(command -v chromium || true)

NS=hmb-dash-$$
TMP=$(mktemp -d)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$NS" || exit 1
ip -n "$NS" link set lo up
ip netns exec "$NS" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=10000000

awk -v n="$N" -v iv="$IV" 'BEGIN {
	printf "[defaults]\ninterval = %s\ntimeout = 1s\n", iv
	for (i = 0; i < n; i++)
		printf "[t%d]\ntarget = icmp://127.1.%d.%d\n", i, int((i + 1) / 256), (i + 1) % 256
}' >"$TMP/targets.conf"

PORT=9621
URL=http://127.0.0.1:$PORT
# run NAME: one measured run with NAME's clients.
run() {
	local name=$1 pid i
	ip netns exec "$NS" "$HAMON" monitor -c "$TMP/targets.conf" --no-db --no-netlink \
		--duration "$((DUR + 5))s" --format json -q -v --http "127.0.0.1:$PORT" \
		>"$TMP/h.out" 2>"$TMP/h.err" &
	pid=$!
	for i in $(seq 100); do
		ip netns exec "$NS" curl -s -o /dev/null --max-time 1 "$URL/api/status" && break
		sleep 0.1
	done
	sleep 3 # every target up: the first replies are not the measure
	case $name in
	sse)
		for i in 1 2 3 4 5; do
			ip netns exec "$NS" curl -sN --max-time "$DUR" "$URL/api/events" >/dev/null &
			PIDS+=($!)
		done ;;
	pages)
		mkdir -p "$TMP/chr"
		ip netns exec "$NS" timeout "$DUR" "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
			--no-first-run --user-data-dir="$TMP/chr" --remote-debugging-port=9334 \
			"$URL/" "$URL/" "$URL/" "$URL/" "$URL/" >/dev/null 2>&1 &
		PIDS+=($!) ;;
	esac
	wait "$pid"
	for i in "${PIDS[@]}"; do kill "$i" 2>/dev/null; wait "$i" 2>/dev/null; done
	PIDS=()
	printf '%-6s ' "$name"
	sed -n 's/.*scheduler lag p50 \([0-9.]*\) µs, p99 \([0-9.]*\) µs, max \([0-9.]*\) µs.*/lag p50 \1 µs p99 \2 µs max \3 µs/p' "$TMP/h.err" | tr '\n' ' '
	echo "dropped $(grep -c 'event-stream client dropped' "$TMP/h.err") unknown $(jq -s '[.[] | select(.event == "summary") | .unknown] | add' "$TMP/h.out")"
}
echo "$N targets every $IV, ${DUR}s a run ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
run none
run sse
if [ -n "$CHROMIUM" ]; then run pages; else echo "pages  skipped: no chromium"; fi
run none
