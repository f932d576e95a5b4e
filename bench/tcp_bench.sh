#!/bin/bash
# SPDX-License-Identifier: ISC
# tcp_bench.sh: hamon's TCP SYN probes ("tcpping", raw SYN + pcap and
# connect) against hping3 -S and nping --tcp, all measured in the same run
# to a listening port on a namespace host; plus one correctness line for
# a closed port (every probe refused, none lost).
#
# usage (root): bench/tcp_bench.sh [BUILDDIR]   (BUILDDIR holds ./hamon)
# Environment: COUNT (probes per tool, default 10000), CLOSED_COUNT
# (probes to the closed port, default 1000), KEEP=1 (keep the tools'
# outputs). The interval is 1 ms.
# Needs: python3 (the listener), sqlite3, bc; tcpdump (the wire period,
# optional); hping3 and nmap's nping (installed with apt-get when missing;
# a peer that is still missing is "not run").
# Prints one line per tool and ratios at the end. Not part of `make
# check`: shared machines are noisy, so these are figures, not asserts.
set -u
B=$(cd "${1:-.}" && pwd)
HAMON=$B/hamon
P=hmtcp$$
MON=$P-mon H=$P-h
NET=198.18.249
MON_IP=$NET.1 H_IP=$NET.2
PORT=8080 CLOSED=8081
COUNT=${COUNT:-10000}
CLOSED_COUNT=${CLOSED_COUNT:-1000}
# Every prober is bounded by --count/-c and by this wall-clock limit.
TO=$((COUNT * 3 / 1000 + 30))
TMP=$(mktemp -d)
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	ip -n "$MON" link del "$P-a" 2>/dev/null
	ip netns del "$MON" 2>/dev/null
	ip netns del "$H" 2>/dev/null
	if [ -n "${KEEP:-}" ]; then echo "outputs kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 1; }
# First: nothing of the test ranges may leave through the root namespace.
ip route replace unreachable 198.18.0.0/15 metric 4000
ip -6 route replace unreachable 2001:db8::/32 metric 4000
[ -x "$HAMON" ] || { echo "no hamon at $HAMON" >&2; exit 1; }
for c in python3 sqlite3 awk bc; do
	command -v "$c" >/dev/null || { echo "needs $c" >&2; exit 1; }
done
PY=$(command -v /usr/bin/python3 python3 | head -1)
if ! command -v hping3 >/dev/null || ! command -v nping >/dev/null; then
	apt-get install -y -q hping3 nmap >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q hping3 nmap >/dev/null 2>&1; }
fi

# Monitor namespace and host namespace joined by a veth pair, static
# neighbours both ways, no default route: the probers can reach nothing
# but 198.18.249.0/24 and their own loopback.
ip netns add "$MON" && ip netns add "$H" || exit 1
# No IPv6 at all (not even link-local router solicitations on the veth).
for ns in "$MON" "$H"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add "$P-a" netns "$MON" type veth peer name "$P-b" netns "$H" || exit 1
ip -n "$MON" link set lo up; ip -n "$H" link set lo up
ip -n "$MON" addr add "$MON_IP/24" dev "$P-a"
ip -n "$H" addr add "$H_IP/24" dev "$P-b"
ip -n "$MON" link set "$P-a" up; ip -n "$H" link set "$P-b" up
MAC_B=$(ip -n "$H" -br link show "$P-b" | awk '{print $3}')
MAC_A=$(ip -n "$MON" -br link show "$P-a" | awk '{print $3}')
ip -n "$MON" neigh replace "$H_IP" lladdr "$MAC_B" dev "$P-a" nud permanent
ip -n "$H" neigh replace "$MON_IP" lladdr "$MAC_A" dev "$P-b" nud permanent

# The listener accepts and closes at once, so that connect-mode probes
# never fill its accept queue (raw SYNs, hping3 and nping never complete a
# handshake: the monitor's kernel resets each SYN-ACK). CLOSED has no
# listener, so the host's kernel answers RST.
timeout $((TO * 8)) ip netns exec "$H" "$PY" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(4096)
while True:
    c, _ = s.accept()
    c.close()
' "$H_IP" "$PORT" >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
	ip netns exec "$H" ss -Hltn "sport = :$PORT" | grep -q . && break
	sleep 0.1
done
ip netns exec "$H" ss -Hltn "sport = :$PORT" | grep -q . || { echo "listener did not start" >&2; exit 1; }

# A capture of the SYNs on the host side gives every tool's period on the
# wire, the same way for all: (last - first) / (n - 1).
CAP=$(command -v tcpdump)
cap_start() {
	[ -n "$CAP" ] || return 0
	rm -f "$TMP/cap.pcap" "$TMP/cap.err"
	timeout $((TO + 10)) ip netns exec "$H" "$CAP" -Z root -B 8192 -n -i "$P-b" -w "$TMP/cap.pcap" \
		"tcp dst port $1 and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn" 2>"$TMP/cap.err" &
	CAP_PID=$!
	PIDS+=("$CAP_PID")
	for _ in $(seq 50); do grep -q 'listening on' "$TMP/cap.err" 2>/dev/null && break; sleep 0.1; done
}
# Sets syns and wire (period in ms) from the capture, "-" without tcpdump.
cap_stop() {
	syns=- wire=-
	[ -n "$CAP" ] || return 0
	# tcpdump hands packets over in blocks up to 1 s late and drops what
	# is still in the buffer when interrupted.
	sleep 1.5
	kill -INT "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	read -r syns wire < <("$CAP" -r "$TMP/cap.pcap" -n -tt 2>/dev/null | awk '
		{ if (!n) first = $1; last = $1; n++ }
		END { if (n > 1) printf "%d %.4f\n", n, (last - first) * 1000 / (n - 1); else printf "%d -\n", n }')
}

# run NAME CMD...: CMD in the monitor namespace, bounded by timeout (in the
# foreground, so that Ctrl-C reaches CMD at once), its stdout in
# $TMP/NAME.out and stderr in $TMP/NAME.err; prints "cpu wall".
run() {
	local name=$1
	shift
	/usr/bin/env time -f '%U %S %e' -o "$TMP/$name.time" \
		timeout --foreground -k 5 "$TO" ip netns exec "$MON" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" ||
		{ echo "$name: exit status $? from: $*" >&2; grep -v '^hamon: ' "$TMP/$name.err" | head -3 >&2; }
	awk '{ printf "%.3f %.3f\n", $1 + $2, $3 }' "$TMP/$name.time"
}

# pct P FILE: the P-th percentile of the numbers in FILE (one a line).
pct() { sort -g "$2" | awk -v p="$1" '{ v[NR] = $1 } END { if (NR) { i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; print v[i] } else print "-" }'; }
# jsum FIELD FILE: a field of hamon's JSON summary line.
jsum() { sed -n 's/.*"event":"summary".*"'"$1"'":\([-0-9.]*\).*/\1/p' "$2" | head -1; }
us() { case $1 in '' | -) echo - ;; *) echo "$1 * 1000" | bc -l | xargs printf '%.1f' ;; esac; }

echo "hamon $("$HAMON" --version 2>/dev/null | awk '{print $2}'), $(hping3 --version 2>/dev/null | awk 'NR == 1 { print "hping3", $3 }')," \
	"$(nping --version 2>/dev/null | awk '/^Nping/ { print "nping", $3 }'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg);" \
	"$COUNT probes per tool at 1 ms to $H_IP:$PORT"
printf '%-24s %7s %7s %9s %9s %11s %8s %-26s %s\n' tool "cpu s" "wall s" "us/probe" "wall/n ms" "wire ms" lost \
	"rtt p50/p99/max us" "send error p50/p99/max"
row() { printf '%-24s %7s %7s %9s %9s %11s %8s %-26s %s\n' "$@"; }
per_probe() { echo "$1 * 1000000 / $COUNT" | bc -l | xargs printf '%.2f'; }
period() { echo "$1 * 1000 / $COUNT" | bc -l | xargs printf '%.4f'; }

# ---- hamon: raw and connect, without a database (as the peers store
# nothing), then with --samples (every probe stored in SQLite, which gives
# the p50 and the real period from each probe's send time).
declare -A CPU
for mode in raw connect; do
	for store in no-db samples; do
		name=hamon-$mode-$store
		if [ $store = no-db ]; then dbopt=(--no-db); else rm -f "$TMP/$name.db"; dbopt=(--db "$TMP/$name.db" --samples); fi
		cap_start "$PORT"
		read -r cpu wall < <(run "$name" "$HAMON" monitor "${dbopt[@]}" --tcp-mode "$mode" --format json -v \
			--interval 1ms --count "$COUNT" "t=tcp://$H_IP:$PORT")
		cap_stop
		f=$TMP/$name.out
		lost=$(jsum lost "$f")
		p50=-
		if [ $store = samples ]; then
			p50=$(sqlite3 "$TMP/$name.db" "select rtt_ns / 1e3 from samples where rtt_ns is not null order by rtt_ns
				limit 1 offset (select count(rtt_ns) / 2 from samples)" 2>/dev/null | xargs -r printf '%.1f')
			real=$(sqlite3 "$TMP/$name.db" "select printf('%.4f', (max(tx_ns) - min(tx_ns)) / 1e6 / (count(*) - 1)) from samples" 2>/dev/null)
			wire="$wire ($real)"
		fi
		lag=$(sed -n 's/.*scheduler lag p50 \([0-9.]*\) µs, p99 \([0-9.]*\) µs, max \([0-9.]*\) µs, \([0-9]*\) deadlines skipped.*/\1\/\2\/\3 µs, \4 skipped/p' "$TMP/$name.err")
		serr=$(jsum send_errors "$f")
		row "hamon $mode --$store" "$cpu" "$wall" "$(per_probe "$cpu")" "$(period "$wall")" "$wire" \
			"${lost:-?}" "$p50/$(us "$(jsum rtt_p99_ms "$f")")/$(us "$(jsum rtt_max_ms "$f")")" \
			"${lag:-?}; sent $(jsum sent "$f"), $syns SYNs seen, ${serr:-?} send errors"
		CPU[$name]=$cpu
	done
done

# ---- hping3 -S: one SYN every 1000 us; it prints rtt=X ms per reply
# (0.1 ms steps) on stdout and its summary on stderr.
if command -v hping3 >/dev/null; then
	cap_start "$PORT"
	read -r cpu wall < <(run hping3 hping3 -n -S -p "$PORT" -i u1000 -c "$COUNT" "$H_IP")
	cap_stop
	sed -n 's/.* rtt=\([0-9.]*\) ms.*/\1/p' "$TMP/hping3.out" >"$TMP/hping3.rtt"
	read -r tx rx < <(cat "$TMP/hping3.out" "$TMP/hping3.err" | awk '/packets transmitted/ { print $1, $4 }')
	row "hping3 -S" "$cpu" "$wall" "$(per_probe "$cpu")" "$(period "$wall")" "$wire" "$((${tx:-0} - ${rx:-0}))" \
		"$(us "$(pct 50 "$TMP/hping3.rtt")")/$(us "$(pct 99 "$TMP/hping3.rtt")")/$(us "$(pct 100 "$TMP/hping3.rtt")")" \
		"- (sent ${tx:-?}, $syns SYNs seen, $(awk '$1 >= 1000' "$TMP/hping3.rtt" | wc -l) rtt >= 1 s)"
	CPU[hping3]=$cpu
else
	row "hping3 -S" "not run" "" "" "" "" "" "" "(not installed)"
fi

# ---- nping --tcp: SYNs at --rate 1000; it reports only max/min/avg rtt.
if command -v nping >/dev/null; then
	cap_start "$PORT"
	read -r cpu wall < <(run nping nping --tcp -p "$PORT" --rate 1000 -c "$COUNT" "$H_IP")
	cap_stop
	read -r mx mn av < <(sed -n 's/^Max rtt: \([0-9.]*\)ms | Min rtt: \([0-9.]*\)ms | Avg rtt: \([0-9.]*\)ms.*/\1 \2 \3/p' "$TMP/nping.out")
	read -r tx lost < <(sed -n 's/^Raw packets sent: \([0-9]*\) .*Lost: \([0-9]*\) .*/\1 \2/p' "$TMP/nping.out")
	row "nping --tcp" "$cpu" "$wall" "$(per_probe "$cpu")" "$(period "$wall")" "$wire" "${lost:-?}" \
		"-/-/$(us "${mx:-}") (min $(us "${mn:-}") avg $(us "${av:-}"))" "- (sent ${tx:-?}, $syns SYNs seen)"
	CPU[nping]=$cpu
else
	row "nping --tcp" "not run" "" "" "" "" "" "" "(not installed)"
fi

echo "(wire ms: period of the SYNs captured on the host; in brackets hamon's own from stored send times." \
	"p50 '-': not reported by the tool. lost: hamon's own count, hping3 sent - received.)"

# ---- correctness: a closed port is refused, never lost.
read -r cpu wall < <(run hamon-closed "$HAMON" monitor --no-db --tcp-mode raw --format json -v \
	--interval 1ms --count "$CLOSED_COUNT" "t=tcp://$H_IP:$CLOSED")
f=$TMP/hamon-closed.out
s=$(jsum sent "$f") r=$(jsum refused "$f") l=$(jsum lost "$f") rx=$(jsum received "$f")
verdict=no
[ "${s:-x}" = "$CLOSED_COUNT" ] && [ "${r:-x}" = "$CLOSED_COUNT" ] && [ "${l:-x}" = 0 ] && verdict=yes
echo "closed port, hamon raw x $CLOSED_COUNT: sent ${s:-?}, refused ${r:-?}, lost ${l:-?}, received ${rx:-?}," \
	"outages $(jsum outages "$f"); all refused and none lost: $verdict"

kill -0 "${PIDS[0]}" 2>/dev/null ||
	echo "WARNING: the listener on $H_IP:$PORT died during the run: later rows probed a closed port"

# ---- ratios of CPU per probe
ratio() {
	if [ -n "${CPU[$1]:-}" ] && [ -n "${CPU[$2]:-}" ]; then
		echo "$1 / $2 $(echo "${CPU[$1]} / ${CPU[$2]}" | bc -l | xargs printf '%.2f')"
	else echo "$1 / $2 not run"; fi
}
echo "CPU per probe: $(ratio hamon-raw-no-db hping3), $(ratio hamon-connect-no-db hping3)," \
	"$(ratio hamon-raw-no-db nping), $(ratio hamon-connect-no-db nping)"
