#!/bin/bash
# probe_bench.sh: hamon's probe cost, period accuracy and outage accuracy
# against fping (and the bare raw-socket loop in ../shared/bench/icmp_rate.c
# when it is there), all measured in the same run on the same namespace host.
#
# usage (root): bench/probe_bench.sh [BUILDDIR]   (BUILDDIR holds ./hamon)
# Prints one line per measurement and ratios at the end. Not part of
# `make check`: shared machines are noisy, so these are figures, not asserts.
set -u
B=$(cd "${1:-.}" && pwd)
HAMON=$B/hamon
SRC=$(cd "$(dirname "$0")/.." && pwd)
FAULTCTL=$B/tests/helpers/faultctl
P=hmb$$
MON=$P-mon H1=$P-h1
N=250
TMP=$(mktemp -d)

cleanup() {
	pkill -f "hamon monitor.*$TMP" 2>/dev/null
	ip netns del "$MON" 2>/dev/null
	ip netns del "$H1" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 1; }
ip route replace unreachable 198.18.0.0/15 metric 4000
ip -6 route replace unreachable 2001:db8::/32 metric 4000

# Monitor namespace and a host namespace with 100 addresses, no default routes.
ip netns add "$MON"; ip netns add "$H1"
ip link add "$P-a" netns "$MON" type veth peer name "$P-b" netns "$H1"
ip -n "$MON" link set lo up; ip -n "$H1" link set lo up
ip -n "$MON" addr add 198.18.$N.1/24 dev "$P-a"
for i in $(seq 2 101); do ip -n "$H1" addr add 198.18.$N.$i/24 dev "$P-b"; done
ip -n "$MON" link set "$P-a" up; ip -n "$H1" link set "$P-b" up
MAC_B=$(ip -n "$H1" -br link show "$P-b" | awk '{print $3}')
MAC_A=$(ip -n "$MON" -br link show "$P-a" | awk '{print $3}')
for i in $(seq 2 101); do ip -n "$MON" neigh replace 198.18.$N.$i lladdr "$MAC_B" dev "$P-a" nud permanent; done
ip -n "$H1" neigh replace 198.18.$N.1 lladdr "$MAC_A" dev "$P-b" nud permanent
# Replies to a flood of echo requests must not be rate limited by the host.
ip netns exec "$H1" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=1000000

# CPU seconds (user+sys) of a command run in the monitor namespace.
cpu_of() {
	/usr/bin/env time -f '%U %S %e' -o "$TMP/time" ip netns exec "$MON" "$@" >"$TMP/out" 2>"$TMP/err" ||
		{ echo "failed: $*" >&2; head -5 "$TMP/err" >&2; }
	awk '{printf "%.3f %.3f\n", $1 + $2, $3}' "$TMP/time"
}

targets() {
	local n=$1 i
	for i in $(seq 2 $((n + 1))); do printf 't%d=icmp://198.18.%d.%d ' "$i" "$N" "$i"; done
}

# Real period from stored per-probe send times: (last - first) / (count - 1).
period_of() {
	sqlite3 "$1" "select printf('%.4f', avg(p)/1e6) from (select (max(tx_ns)-min(tx_ns))*1.0/(count(*)-1) as p from samples group by target_id)"
}

printf '%-34s %12s %12s %14s\n' "run" "cpu s" "wall s" "us/probe"
for nt in 1 100; do
	count=$((nt == 1 ? 20000 : 2000))
	total=$((nt * count))
	read -r cpu wall < <(cpu_of "$HAMON" monitor --db "$TMP/h$nt.db" --samples -q --interval 1ms \
		--count "$count" $(targets "$nt"))
	printf '%-34s %12s %12s %14.2f   period %s ms\n' "hamon $nt x 1ms x $count" "$cpu" "$wall" \
		"$(echo "$cpu * 1000000 / $total" | bc -l)" "$(period_of "$TMP/h$nt.db")"
	eval "hcpu$nt=$cpu"
	fp=$(targets "$nt" | tr ' ' '\n' | sed -n 's/.*icmp:\/\///p')
	# fping: -p is each target's period, -i the gap between any two sends
	# (0.01 ms lets 100 targets keep 1 ms each).
	read -r cpu wall < <(cpu_of fping -q -p 1 -i 0.01 -C "$count" $fp)
	period=$(awk -v c="$count" -v w="$wall" 'BEGIN{printf "%.4f", w*1000/c}')
	printf '%-34s %12s %12s %14.2f   period ~%s ms (wall/count)\n' "fping $nt x 1ms x $count" "$cpu" \
		"$wall" "$(echo "$cpu * 1000000 / $total" | bc -l)" "$period"
	eval "fcpu$nt=$cpu"
done
if [ -f "$SRC/../shared/bench/icmp_rate.c" ] && gcc -O2 -o "$TMP/icmp_rate" "$SRC/../shared/bench/icmp_rate.c" 2>/dev/null; then
	ip netns exec "$MON" "$TMP/icmp_rate" 198.18.$N.2 200000 16 | sed 's/^/icmp_rate (bare loop): /'
fi
echo "ratio hamon/fping CPU per probe: 1 target $(echo "$hcpu1 / $fcpu1" | bc -l | cut -c1-5), 100 targets $(echo "$hcpu100 / $fcpu100" | bc -l | cut -c1-5)"

# Outage accuracy: the same injected 500 ms outage seen by hamon and by fping -o.
if [ -x "$FAULTCTL" ]; then
	ip netns exec "$MON" "$HAMON" monitor --db "$TMP/o.db" -q --interval 1ms --duration 4s \
		t=icmp://198.18.$N.2 &
	hp=$!
	ip netns exec "$MON" fping -o -p 1 -c 4000 -q 198.18.$N.3 2>"$TMP/fping_o" &
	fpid=$!
	ip netns exec "$H1" "$FAULTCTL" once --rule "ip saddr 198.18.$N.1 icmp type echo-request drop" \
		--start-delay 1500ms --for 500ms >"$TMP/fault"
	wait $hp $fpid
	read -r _ _ ab aa db da < <(grep '^fault' "$TMP/fault")
	inj=$(echo "(($db + $da) / 2 - ($ab + $aa) / 2) / 1000000" | bc -l)
	meas=$(sqlite3 "$TMP/o.db" "select duration_ms from outages where kind='burst' order by duration_ms desc limit 1")
	fo=$(sed -n 's/.*outage(ms) = \([0-9.]*\).*/\1/p' "$TMP/fping_o" | head -1)
	printf 'injected %.3f ms: hamon %.3f ms (error %+.3f), fping -o %s ms (error %+.3f)\n' \
		"$inj" "$meas" "$(echo "$meas - $inj" | bc -l)" "$fo" "$(echo "${fo:-0} - $inj" | bc -l)"
fi
