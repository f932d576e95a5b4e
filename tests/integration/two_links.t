#!/bin/bash
# SPDX-License-Identifier: ISC
# two_links.t: an UNKNOWN window of one egress link is charged only to the
# targets behind that link, in the live summary and in every report format.
#
# Topology: the monitor's namespace has two links, hm0 to host a
# (198.18.56.2) and hb0 to host b (198.18.57.2), each a veth whose ends have
# distinct interface indexes (so carrier changes are reported at once, see
# netlink.t) and permanent neighbour entries both ways. `hamon monitor`
# probes both every 10 ms; the test takes hm0 down for 800 ms.
#
# What must hold, with no timing tolerance of its own: hamon's own figures
# agree with each other.
#   - a window of scope link for hm0 was printed;
#   - each target's unknown time in the live summary is the length of the
#     union of the windows that apply to it (every all-scope window, the
#     link windows of its own link, its own target windows), as printed live;
#     so b's unknown time has no part of the hm0 window in it;
#   - the stored rows charged to b add up to b's live figure (to 0.02 ms per
#     window: a row's times are wall-clock, read beside the monotonic ones);
#   - `hamon report` JSON and CSV give each target the union of its stored
#     rows (to the printed precision), text, Markdown and HTML show b's
#     figure different from a's, and no stored row charges b with hm0.
# One timing check, derived from the injection: the hm0 window is at least
# the time hm0 was certainly down (between the two `ip link` calls) minus
# 20 ms (netlink's notification comes inside the call; 20 ms covers a slow
# wake-up of the monitor).

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_cmd ip jq timeout date sqlite3
hamon_ready || tap_done

N=56
NS_MON=$(netns_name tl mon) NS_A=$(netns_name tl a) NS_B=$(netns_name tl b)
A_IP="198.18.$N.2" B_IP="198.18.$((N + 1)).2"
DB="$T_TMP/tl.db"

# tl_link DEV IDX PEERNS PEERDEV PEERIDX NET HEX: one veth from the monitor
# to a host, addressed NET.1 / NET.2, static neighbours both ways.
tl_link() {
	local dev=$1 idx=$2 pns=$3 pdev=$4 pidx=$5 net=$6 hex=$7
	local mac="02:68:6d:$hex:00:01" pmac="02:68:6d:$hex:00:02"
	ip -n "$NS_MON" link add "$dev" index "$idx" address "$mac" type veth \
		peer name "$pdev" index "$pidx" address "$pmac" netns "$pns" &&
	ip -n "$NS_MON" addr add "$net.1/24" dev "$dev" &&
	ip -n "$pns" addr add "$net.2/24" dev "$pdev" &&
	ip -n "$NS_MON" link set "$dev" up &&
	ip -n "$pns" link set "$pdev" up &&
	ip -n "$NS_MON" neigh replace "$net.2" lladdr "$pmac" dev "$dev" nud permanent &&
	ip -n "$pns" neigh replace "$net.1" lladdr "$mac" dev "$pdev" nud permanent
}

unreachable_guard
netns_make "$NS_MON" "$NS_A" "$NS_B"
tl_link hm0 10 "$NS_A" ha0 20 "198.18.$N" 38 || bail_out "link hm0 to $NS_A failed"
tl_link hb0 11 "$NS_B" hb1 21 "198.18.$((N + 1))" 39 || bail_out "link hb0 to $NS_B failed"
for ns in "$NS_MON" "$NS_A" "$NS_B"; do
	[ -z "$(ip -n "$ns" route show default)$(ip -n "$ns" -6 route show default)" ] ||
		bail_out "namespace $ns has a default route"
done
for ip in "$A_IP" "$B_IP"; do
	in_mon ping -n -q -c 1 -W 2 "$ip" >/dev/null 2>&1 || bail_out "no round trip to $ip"
done

hamon_bg mon 30 monitor --db "$DB" --interval 10ms --duration 3s --format json \
	"a=icmp://$A_IP" "b=icmp://$B_IP"
pid=$BG_PID
sleep 1
down_b=$(date +%s%N)
ip -n "$NS_MON" link set hm0 down
down_a=$(date +%s%N)
sleep 0.8
up_b=$(date +%s%N)
ip -n "$NS_MON" link set hm0 up
up_a=$(date +%s%N)
diag "hm0 down between $down_b and $down_a ns, up between $up_b and $up_a ns"
wait_pid "$pid"
assert_eq "monitor exit status" "$?" 0 || diag_file "$T_TMP/mon.err"
OUT="$T_TMP/mon.out"

# windows: every live "unknown" line as {s, e (ns, from start + duration),
# scope, ifname, target}.
windows() {
	jq -c 'select(.event == "unknown") |
		(.time | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) as $sec |
		(.time | capture("\\.(?<f>[0-9]+)Z$").f // "0") as $frac |
		($sec * 1e9 + (("0." + $frac) | tonumber) * 1e9 | floor) as $s |
		{s: $s, e: ($s + .duration_ms * 1e6 | floor), target, scope, ifname}' "$OUT"
}
windows >"$T_TMP/windows.json"
diag "windows: $(jq -s -c . "$T_TMP/windows.json")"

link=$(jq -s -c '[.[] | select(.scope == "link" and .ifname == "hm0")] | .[0] // empty' "$T_TMP/windows.json")
if [ -n "$link" ]; then
	tap_pass "a window of scope link for hm0"
	assert_ge "hm0 window (ms) vs the time hm0 was certainly down - 20 ms" \
		"$(jq -n --argjson w "$link" '($w.e - $w.s) / 1e6')" \
		"$(jq -n "($up_b - $down_a) / 1e6 - 20")"
else
	tap_fail "a window of scope link for hm0"
	diag_file "$OUT" 40
fi

# UNION: jq that takes an array of {s, e} (ns) and gives the length of
# their union in ms.
UNION='sort_by(.s) | reduce .[] as $w ({end: null, sum: 0};
	if .end == null or $w.s > .end then {end: $w.e, sum: (.sum + $w.e - $w.s)}
	elif $w.e > .end then {end: $w.e, sum: (.sum + $w.e - .end)}
	else . end) | .sum / 1e6'

# expect TARGET DEV: the union, in ms, of the windows that apply to TARGET.
expect() {
	jq -s --arg t "$1" --arg dev "$2" '
		[.[] | select(.scope == "all" or (.scope == "link" and .ifname == $dev) or
			(.scope == "target" and .target == $t))] | '"$UNION" "$T_TMP/windows.json"
}
exp_a=$(expect a hm0)
exp_b=$(expect b hb0)
sum_a=$(jq -r 'select(.event == "summary" and .target == "a") | .unknown_ms' "$OUT")
sum_b=$(jq -r 'select(.event == "summary" and .target == "b") | .unknown_ms' "$OUT")
# The live figures are printed to 3 decimals, each window's too: 0.002 ms
# per window covers the rounding. Where windows overlap, the union is taken
# here from their wall-clock starts (the lines' "time"), each read apart
# from its monotonic one, and hamon's from the monotonic ones: the offset
# between the clocks can move by some µs between two readings (seen: 17 µs),
# the same allowance as the stored rows get below.
tol=$(jq -s 'length * 0.002 + 0.002' "$T_TMP/windows.json")
ltol=$(jq -n --argjson t "$tol" '$t * 10')
assert_within "live summary: a's unknown (ms) = union of a's windows" "$sum_a" "$exp_a" "$ltol"
assert_within "live summary: b's unknown (ms) = union of b's windows (none of hm0)" \
	"$sum_b" "$exp_b" "$ltol"

# The report reads the stored rows, whose times are wall-clock (each
# window's start read beside its monotonic one): it must equal the union of
# the rows charged to the target, to the printed precision.
stored() {
	sqlite3 -readonly -json "$DB" "SELECT w.start_ns AS s, w.end_ns AS e FROM unknown_windows w
		LEFT JOIN targets t ON t.id = w.target_id WHERE w.target_id IS NULL OR t.name = '$1'" |
		jq -s '(add // []) | '"$UNION"
}
st_a=$(stored a)
st_b=$(stored b)
assert_within "stored: b's rows vs live b (ms; each window's wall-clock start is read apart from its monotonic one)" \
	"$st_b" "$sum_b" "$(jq -n --argjson t "$tol" '$t * 10')"
"$HAMON" report --db "$DB" --format json >"$T_TMP/r.json" 2>"$T_TMP/r.err" ||
	diag_file "$T_TMP/r.err"
rj() { jq -r --arg t "$1" '.targets[] | select((.target // .name) == $t) | .unknown_ms' "$T_TMP/r.json"; }
assert_within "report json: a's unknown (ms) = its stored rows" "$(rj a)" "$st_a" 0.002
assert_within "report json: b's unknown (ms) = its stored rows" "$(rj b)" "$st_b" 0.002

"$HAMON" report --db "$DB" --format csv >"$T_TMP/r.csv" 2>"$T_TMP/r.err" || diag_file "$T_TMP/r.err"
rc() {
	awk -F, -v t="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "unknown_ms") c = i; next }
		$0 ~ "(^|,)" t "," { for (i = 1; i <= NF; i++) if ($i == t) { print $c; exit } }' "$T_TMP/r.csv"
}
assert_within "report csv: a's unknown (ms) = its stored rows" "$(rc a)" "$st_a" 0.002
assert_within "report csv: b's unknown (ms) = its stored rows" "$(rc b)" "$st_b" 0.002

# Text, Markdown and HTML print durations rounded for reading: b's cell must
# differ from a's (a carries ~800 ms of hm0 that b must not).
"$HAMON" report --db "$DB" --format text >"$T_TMP/r.txt" 2>/dev/null
"$HAMON" report --db "$DB" --format md >"$T_TMP/r.md" 2>/dev/null
"$HAMON" report --db "$DB" --format html >"$T_TMP/r.html" 2>/dev/null
txt_a=$(awk '/^Targets/ { on = 1; next } on && $1 == "a" && NF > 5 { print $NF; exit }' "$T_TMP/r.txt")
txt_b=$(awk '/^Targets/ { on = 1; next } on && $1 == "b" && NF > 5 { print $NF; exit }' "$T_TMP/r.txt")
# Markdown: the last cell of the target's row in the Targets table.
md_cell() { awk -F'|' -v t=" $1 " '$2 == t { gsub(/ /, "", $(NF - 1)); print $(NF - 1); exit }' "$T_TMP/r.md"; }
md_a=$(md_cell a)
md_b=$(md_cell b)
# HTML: the target's row in the Targets table; its numeric cells are the
# bounds (2), bursts, outages, longest gap, sent, lost, unknown, RTT.
html_cell() {
	tr -d '\n' <"$T_TMP/r.html" | grep -o "<tr><td>$1<br>.*" | head -c 2000 |
		sed 's|</tr>.*||' | grep -o '<td class="n">[^<]*</td>' | sed 's/<[^>]*>//g' | sed -n 8p
}
html_a=$(html_cell a)
html_b=$(html_cell b)
diag "text a=$txt_a b=$txt_b; md a=$md_a b=$md_b; html a=$html_a b=$html_b"
for f in txt md html; do
	va=$(eval echo "\${${f}_a}") vb=$(eval echo "\${${f}_b}")
	if [ -n "$va" ] && [ -n "$vb" ] && [ "$va" != "$vb" ]; then
		tap_pass "report $f: b's unknown ($vb) is not a's ($va)"
	else
		tap_fail "report $f: b's unknown ($vb) is not a's ($va)"
	fi
done

# The store: no window row charges b with hm0.
n=$(sqlite3 -readonly "$DB" "SELECT count(*) FROM unknown_windows w JOIN targets t ON t.id = w.target_id
	WHERE t.name = 'b' AND w.ifname = 'hm0'" 2>&1)
assert_eq "stored windows charging b with hm0" "$n" 0
n=$(sqlite3 -readonly "$DB" "SELECT count(*) FROM unknown_windows w JOIN targets t ON t.id = w.target_id
	WHERE t.name = 'a' AND w.scope = 'link' AND w.ifname = 'hm0'" 2>&1)
assert_ge "stored link windows of hm0 charged to a" "$n" 1
tap_done
