#!/bin/bash
# SPDX-License-Identifier: ISC
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

# fping's real period from its -D reply timestamps: (last - first) / (n - 1).
fping_period() {
	awk -F'[][]' '/^\[/ { t[$3 ~ /./ ? $3 : "x"]++; if (!first) first = $2; last = $2; n++ }
		END { if (n > 1) printf "%.4f", (last - first) * 1000 / (n - 1) }' "$TMP/out"
}

printf '%-36s %8s %8s %10s %12s %s\n' "run" "cpu s" "wall s" "us/probe" "period ms" "send error"
row() { printf '%-36s %8s %8s %10.2f %12s %s\n' "$@"; }
for spec in "1 1ms 20000" "100 1ms 2000" "100 20ms 500"; do
	read -r nt iv count <<<"$spec"
	total=$((nt * count))
	rm -f "$TMP/h.db"
	read -r cpu wall < <(cpu_of "$HAMON" monitor --db "$TMP/h.db" --samples -q -v --interval "$iv" \
		--count "$count" $(targets "$nt"))
	lag=$(sed -n 's/.*scheduler lag \(.*\), [0-9]* deadlines skipped.*/\1/p' "$TMP/err")
	row "hamon $nt x $iv x $count" "$cpu" "$wall" "$(echo "$cpu * 1000000 / $total" | bc -l)" \
		"$(period_of "$TMP/h.db")" "$lag"
	eval "hcpu_${nt}_${iv}=$cpu"
	fp=$(targets "$nt" | tr ' ' '\n' | sed -n 's/.*icmp:\/\///p')
	ivms=${iv%ms}
	# fping: -p is each target's period, -i the gap between any two sends.
	read -r cpu wall < <(cpu_of fping -D -p "$ivms" -i 0.01 -C "$count" $fp)
	if grep -q 'not enough sequence numbers' "$TMP/err"; then
		row "fping $nt x $iv x $count" "-" "-" 0 "-" "refuses: not enough sequence numbers ($((nt * 1000 / ivms)) probes/s)"
		eval "fcpu_${nt}_${iv}="
	else
		row "fping $nt x $iv x $count" "$cpu" "$wall" "$(echo "$cpu * 1000000 / $total" | bc -l)" \
			"$( [ "$nt" = 1 ] && fping_period || echo "~$(echo "$wall * 1000 / $count" | bc -l | cut -c1-6)")" ""
		eval "fcpu_${nt}_${iv}=$cpu"
	fi
done
if [ -f "$SRC/../shared/bench/icmp_rate.c" ] && gcc -O2 -o "$TMP/icmp_rate" "$SRC/../shared/bench/icmp_rate.c" 2>/dev/null; then
	ip netns exec "$MON" "$TMP/icmp_rate" 198.18.$N.2 200000 16 | sed 's/^/icmp_rate (bare loop, 16 in flight): /'
fi
echo "CPU per probe, hamon / fping: 1 x 1ms $(echo "$hcpu_1_1ms / $fcpu_1_1ms" | bc -l | cut -c1-5)," \
	"100 x 20ms $(echo "$hcpu_100_20ms / $fcpu_100_20ms" | bc -l | cut -c1-5)"

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
