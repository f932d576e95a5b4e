#!/bin/bash
# SPDX-License-Identifier: ISC
# scale_bench.sh: hamon at scale (10 000 targets at 10 Hz, 200 at 1 kHz)
# against the bare paced loop (../shared/bench/icmp_paced.c) on the same
# schedule, in the same run, on namespace hosts this script makes. With no
# fault injected every probe should be answered, so any probe hamon counts
# lost and any outage it declares is false.
#
# usage (root): bench/scale_bench.sh [-d SECONDS] [-r RUNS] [-p PACED_C] [BUILDDIR]
#   -d  seconds per measured run (default 60)
#   -r  runs of each load (default 1)
#   -p  icmp_paced.c to build (default /work/shared/bench/icmp_paced.c)
# Prints per run: probes, false losses, false outages, unknown probes, the
# kernel's drops at hamon's socket, hamon's send lag p50/p99 (its own
# scheduler figures), CPU per probe of hamon and of icmp_paced and their
# ratio; then hamon's RSS per target (the slope between 100 and 10 000
# targets). Not part of `make check`: figures, not asserts.
#
# Addresses: the host namespace answers all of 198.19.0.0/18 through one
# local route (Linux answers any address of a `local` route), reached from
# the monitor namespace through one gateway with a permanent neighbour, so
# 10 000 targets cost no address or neighbour entries. Nothing is routed
# outside the two namespaces: neither has a default route.
set -u
DUR=60 RUNS=1 PACED_C=/work/shared/bench/icmp_paced.c
while getopts "d:r:p:" o; do
	case $o in
	d) DUR=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	p) PACED_C=$OPTARG ;;
	*) echo "usage: $0 [-d SECONDS] [-r RUNS] [-p PACED_C] [BUILDDIR]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
case "$DUR$RUNS" in *[!0-9]*) echo "$0: -d and -r take whole numbers" >&2; exit 2 ;; esac
[ "$DUR" -ge 5 ] && [ "$RUNS" -ge 1 ] || { echo "$0: -d at least 5, -r at least 1" >&2; exit 2; }
B=$(cd "${1:-.}" && pwd)
HAMON=$B/hamon
[ -x "$HAMON" ] || { echo "$0: no hamon in $B" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$0: needs root (namespaces, raw sockets)" >&2; exit 2; }
[ -r "$PACED_C" ] || { echo "$0: $PACED_C not found (-p)" >&2; exit 2; }
for c in jq gcc ip awk; do
	command -v "$c" >/dev/null || { echo "$0: needs $c" >&2; exit 2; }
done

P=hmb-scale-$$
MON=$P-mon H1=$P-h1
TMP=$(mktemp -d)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	ip netns del "$MON" 2>/dev/null
	ip netns del "$H1" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

gcc -O2 -o "$TMP/icmp_paced" "$PACED_C" || { echo "$0: cannot build $PACED_C" >&2; exit 1; }

ip netns add "$MON" && ip netns add "$H1" || exit 1
ip link add sb0 netns "$MON" type veth peer name sb1 netns "$H1" || exit 1
ip -n "$MON" link set lo up
ip -n "$H1" link set lo up
ip -n "$MON" addr add 198.18.62.1/24 dev sb0
ip -n "$H1" addr add 198.18.62.2/24 dev sb1
ip -n "$MON" link set sb0 up
ip -n "$H1" link set sb1 up
MAC1=$(ip -n "$H1" -br link show sb1 | awk '{print $3}')
MAC0=$(ip -n "$MON" -br link show sb0 | awk '{print $3}')
ip -n "$MON" neigh replace 198.18.62.2 lladdr "$MAC1" dev sb0 nud permanent
ip -n "$H1" neigh replace 198.18.62.1 lladdr "$MAC0" dev sb1 nud permanent
ip -n "$MON" route add 198.19.0.0/18 via 198.18.62.2 dev sb0
ip -n "$H1" route add local 198.19.0.0/18 dev lo
# Replies must not be rate limited by the host.
ip netns exec "$H1" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=10000000
ip netns exec "$MON" ping -n -q -c 1 -W 2 198.19.39.16 >/dev/null ||
	{ echo "$0: no round trip to 198.19.39.16" >&2; exit 1; }

# n targets every iv as a config file, addresses NET.0.1 on (NET 198.19,
# or 127.1: loopback); 10 000 arguments would do too, this is shorter.
targets_file() {
	local n=$1 iv=$2 f=$TMP/targets-$1-$NET.conf i
	awk -v n="$n" -v iv="$iv" -v net="$NET" 'BEGIN {
		printf "[defaults]\ninterval = %s\ntimeout = 1s\n", iv
		for (i = 0; i < n; i++)
			printf "[t%d]\ntarget = icmp://%s.%d.%d\n", i, net, int((i + 1) / 256), (i + 1) % 256
	}' >"$f"
	echo "$f"
}

# CPU seconds (user + sys, clock ticks) of a live PID.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null; }

# hamon on n targets every iv for DUR s: prints "probes lost outages unknown
# drops p50_us p99_us cpu_s".
run_hamon() {
	local n=$1 iv=$2 cfg pid hz
	cfg=$(targets_file "$n" "$iv")
	/usr/bin/env time -f '%U %S' -o "$TMP/h.time" ip netns exec "$MON" "$HAMON" monitor \
		-c "$cfg" --db "$TMP/h.db" --duration "${DUR}s" --format json -q -v \
		>"$TMP/h.out" 2>"$TMP/h.err"
	jq -s -r '
		[.[] | select(.event == "summary")] as $s
		| [.[] | select(.event == "packets")] as $p
		| "\([$s[].sent] | add) \([$s[].lost] | add) \([$s[].outages] | add) \([$s[].unknown] | add) \([$p[].rx_drops] | add)"' \
		"$TMP/h.out" | tr '\n' ' '
	sed -n 's/.*scheduler lag p50 \([0-9.]*\) µs, p99 \([0-9.]*\) µs.*/\1 \2/p' "$TMP/h.err" | tr '\n' ' '
	awk '{printf "%.2f\n", $1 + $2}' "$TMP/h.time"
	rm -f "$TMP/h.db" "$TMP/h.db-wal" "$TMP/h.db-shm"
}

# icmp_paced on the same schedule: prints "probes cpu_s p50_us p99_us".
# Its slack is hamon's: hamon sends every probe due within 50 us of a
# wake-up in that wake-up (MONITOR_BATCH_NS), so the loop may too.
run_paced() {
	local n=$1 iv_us=$2 out
	out=$(ip netns exec "$MON" "$TMP/icmp_paced" "$NET.0.1" "$n" "$iv_us" "$DUR" 50)
	sed -n 's/^\([0-9]*\) probes.*prober CPU \([0-9.]*\) s.*lag p50 \([0-9.]*\) us p99 \([0-9.]*\) us.*/\1 \2 \3 \4/p' <<<"$out"
}

echo "scale_bench: $(date -u +%FT%TZ), $(nproc) CPUs, $(uname -r), ${DUR} s per run, $RUNS run(s)"
printf '%-18s %3s %9s %6s %6s %7s %8s %8s %8s %9s %9s %6s %9s %9s\n' load run probes lost outage \
	unknown drops "p50 us" "p99 us" "cpu us/p" "paced" ratio "pc p50" "pc p99"
# Loads: targets, interval, the same in us, addresses (127.1: loopback
# targets in the monitor's own namespace, answered by its own kernel).
for load in "10000 100ms 100000 198.19" "200 1ms 1000 198.19" "10000 100ms 100000 127.1"; do
	read -r n iv iv_us NET <<<"$load"
	for ((r = 1; r <= RUNS; r++)); do
		read -r sent lost outages unknown drops p50 p99 cpu < <(run_hamon "$n" "$iv")
		read -r psent pcpu pp50 pp99 < <(run_paced "$n" "$iv_us")
		hp=$(awk -v c="$cpu" -v s="$sent" 'BEGIN { printf "%.3f", (s ? c * 1e6 / s : 0) }')
		pp=$(awk -v c="$pcpu" -v s="$psent" 'BEGIN { printf "%.3f", (s ? c * 1e6 / s : 0) }')
		ratio=$(awk -v a="$hp" -v b="$pp" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
		label="$n x $iv"
		[ "$NET" = 127.1 ] && label="$label lo"
		printf '%-18s %3d %9s %6s %6s %7s %8s %8s %8s %9s %9s %6s %9s %9s\n' "$label" "$r" \
			"$sent" "$lost" "$outages" "$unknown" "$drops" "$p50" "$p99" "$hp" "$pp" \
			"$ratio" "$pp50" "$pp99"
	done
done

# RSS: hamon at 10 Hz on 100 and on 10 000 targets, VmRSS after 5 s.
rss_of() {
	local n=$1 cfg pid rss
	cfg=$(targets_file "$n" 100ms)
	ip netns exec "$MON" "$HAMON" monitor -c "$cfg" --no-db --duration 8s -q \
		>/dev/null 2>"$TMP/rss.err" &
	pid=$!
	PIDS+=("$pid")
	sleep 5
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
	wait "$pid"
	echo "$rss"
}
NET=198.19
r100=$(rss_of 100)
r10k=$(rss_of 10000)
awk -v a="$r100" -v b="$r10k" 'BEGIN { printf "RSS: %d KiB at 100 targets, %d KiB at 10 000: %.0f bytes per target\n", a, b, (b - a) * 1024 / 9900 }'
