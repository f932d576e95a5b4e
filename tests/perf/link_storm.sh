#!/bin/bash
# SPDX-License-Identifier: ISC
# link_storm.sh: CPU the monitor spends on a storm of link messages (a node
# starting and stopping many VMs: taps added to a bridge, up, down,
# deleted), against a reference build run in the same run. Not part of
# make check.
#
# usage (root): tests/perf/link_storm.sh BUILDDIR REF_BUILDDIR [PORTS] [ROUNDS]
#   Each round runs BUILDDIR/hamon and REF_BUILDDIR/hamon in turn, each in a
#   fresh namespace with a bridge vmbr0 as its egress (one target, 10 Hz,
#   a permanent neighbour, no packet leaves the namespace); PORTS (default
#   300) veth pairs become ports of vmbr0, go up, down and are deleted in
#   one ip -batch. Prints each run's CPU (utime + stime, 10 ms ticks) and
#   the ratio of the totals.
set -u
B=$(cd "${1:?builddir}" && pwd)
R=$(cd "${2:?reference builddir}" && pwd)
PORTS=${3:-300}
ROUNDS=${4:-3}
NS=hmls$$
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 1; }
cleanup() { [ -e "/run/netns/$NS" ] && ip netns del "$NS"; }
trap cleanup EXIT

# storm BIN: hamon's CPU ticks during one storm, on stdout.
storm() {
	local bin=$1 pid c0 c1 i
	ip netns add "$NS" && ip -n "$NS" link set lo up &&
	ip -n "$NS" link add vmbr0 type bridge &&
	ip -n "$NS" addr add 198.18.58.1/24 dev vmbr0 &&
	ip -n "$NS" link add tapx type veth peer name tapy &&
	ip -n "$NS" link set tapx master vmbr0 && ip -n "$NS" link set tapx up &&
	ip -n "$NS" link set tapy up && ip -n "$NS" link set vmbr0 up &&
	ip -n "$NS" neigh replace 198.18.58.2 lladdr 02:68:6d:3a:00:02 dev vmbr0 nud permanent ||
		return 1
	ip netns exec "$NS" timeout 120 "$bin" monitor --no-db --interval 100ms --duration 100s -q \
		vm=icmp://198.18.58.2 >/dev/null 2>&1 &
	pid=$!
	sleep 1
	# timeout's child is hamon.
	pid=$(pgrep -P "$pid" -x hamon) || return 1
	c0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	{
		for i in $(seq "$PORTS"); do echo "link add p$i type veth peer name q$i"; echo "link set p$i master vmbr0"; done
		for i in $(seq "$PORTS"); do echo "link set q$i up"; echo "link set p$i up"; done
		for i in $(seq "$PORTS"); do echo "link set p$i down"; done
		for i in $(seq "$PORTS"); do echo "link del p$i"; done
	} | ip -n "$NS" -batch -
	sleep 2
	c1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	kill "$pid"
	wait 2>/dev/null
	ip netns del "$NS"
	echo $((c1 - c0))
}

tb=0 tr=0
for round in $(seq "$ROUNDS"); do
	b=$(storm "$B/hamon") || { echo "run of $B/hamon failed"; exit 1; }
	r=$(storm "$R/hamon") || { echo "run of $R/hamon failed"; exit 1; }
	echo "round $round: $B/hamon $((b * 10)) ms CPU, reference $((r * 10)) ms CPU"
	tb=$((tb + b)) tr=$((tr + r))
done
echo "total: $((tb * 10)) ms vs reference $((tr * 10)) ms; ratio $(awk -v b="$tb" -v r="$tr" 'BEGIN { printf "%.2f", r ? b / r : 0 }')"
