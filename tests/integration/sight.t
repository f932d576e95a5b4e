#!/bin/bash
# SPDX-License-Identifier: ISC
# sight.t: the monitor's own link down for 1.5 s, with the neighbour left to
# ARP (not pinned): one UNKNOWN window, no burst, no lost probe, and no RTT
# sample from a probe sent while the monitor could not see. The window does
# not end when the link comes back but when sight does: at the target's
# first reply after link-up (ARP may take a second after the link is back,
# and the requests it queued are answered that late).
#
# Tolerances come from what was measured here: the link changes are timed
# around each `ip` call (before/after), so the window must start no later
# than the "down" call returned (netlink back-dates by its 10 ms margin) and
# end no earlier than the "up" call began.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_cmd jq timeout sqlite3
need_nft
netns_pair sight 58
hamon_ready || tap_done

# The monitor's side resolves its neighbour by ARP, as on a real node.
in_mon ip neigh del "$H1_IP4" dev "$MON_DEV" ||
	bail_out "cannot remove the pinned neighbour $H1_IP4 in $NS_MON"

db="$T_TMP/sight.db"
# Ended by SIGINT 1.5 s after the last step (a 30 s guard): a loaded
# machine's steps may take longer than any fixed run.
hamon_bg mon 40 monitor --db "$db" --samples --interval 10ms --duration 30s --format json \
	"vm=icmp://$H1_IP4"
pid=$BG_PID
sleep 1.5
d0=$(date +%s%N)
in_mon ip link set "$MON_DEV" down
d1=$(date +%s%N)
sleep 1.5
# The host ignores ARP for 0.7 s after the link is back: the monitor's
# kernel queues the requests and resolves on its next try, a second later.
printf '%s\n' 'table arp hmt_sight {' \
	'chain input { type filter hook input priority 0; policy drop; }' '}' |
	in_h1 nft -f - || bail_out "cannot add the ARP drop in $NS_H1"
u0=$(date +%s%N)
in_mon ip link set "$MON_DEV" up
u1=$(date +%s%N)
sleep 0.7
in_h1 nft delete table arp hmt_sight
a1=$(date +%s%N)
diag "link down between $(ns_to_ms $((d1 - d0))) ms of its call, up $(ns_to_ms $((u0 - d1))) ms later (call $(ns_to_ms $((u1 - u0))) ms), ARP answered again $(ns_to_ms $((a1 - u1))) ms after that"
sleep 1.5
rc=0
kill -INT "$(pgrep -P "$pid" -x hamon | head -n 1)" 2>/dev/null
wait_pid "$pid" || rc=$?
assert_eq "monitor exit status" "$rc" 0 || diag_file "$T_TMP/mon.err"

sum=$(jq -c 'select(.event == "summary" and .target == "vm")' "$T_TMP/mon.out")
assert_eq "no probe lost" "$(jq -r '.lost // "none"' <<<"${sum:-{\}}")" 0 || diag_file "$T_TMP/mon.out" 40
assert_eq "no outage" "$(jq -r '.outages // "none"' <<<"${sum:-{\}}")" 0
assert_eq "no burst or outage stored" "$(sqlite3 "$db" 'select count(*) from losses')" 0
assert_eq "one link-down window stored (scope link)" \
	"$(sqlite3 "$db" "select count(*) from unknown_windows where code = 'link-down' and scope = 'link'")" 1
read -r ws we < <(sqlite3 -separator ' ' "$db" "select start_ns, end_ns from unknown_windows where code = 'link-down'")
# The stored times are wall-clock; the calls were timed with date(1), also
# wall-clock.
assert_ge "the window starts no later than the down call returned (ms before it)" \
	"$(jq -n "(${d1:-0} - ${ws:-0}) / 1e6")" 0
assert_ge "the window ends no earlier than the up call began (ms after it)" \
	"$(jq -n "(${we:-0} - ${u0:-0}) / 1e6")" 0
# The sends failing while the link was down make a window of their own
# (no-route); it lies inside the link's. A loaded machine may add stalls.
assert_eq "other windows (not stalls) outside the link window" \
	"$(sqlite3 "$db" "select count(*) from unknown_windows where code not in ('link-down', 'stall')
		and (start_ns < ${ws:-0} or end_ns > ${we:-0})")" 0
# Every probe sent inside the window is unknown. (The window starts 10 ms
# before netlink told of the link going down: probes answered in those
# 10 ms were answered, so the check starts when the down call returned.)
assert_eq "answered probes (RTT samples) sent while the link was down or the path not back" \
	"$(sqlite3 "$db" "select count(*) from samples where result = 0 and tx_ns >= ${d1:-0} and tx_ns < ${we:-0}")" 0
assert_ge "unknown probes recorded inside the window" \
	"$(sqlite3 "$db" "select count(*) from samples where result = 5")" 100
first_after=$(sqlite3 "$db" "select min(tx_ns) from samples where result = 0 and tx_ns >= ${we:-0}")
assert_ge "answered probes after the window" \
	"$(sqlite3 "$db" "select count(*) from samples where result = 0 and tx_ns >= ${we:-0}")" 50
diag "sight returned $(jq -n "(${we:-0} - ${u1:-0}) / 1e6") ms after the up call; first answered send after it $(jq -n "(${first_after:-0} - ${we:-0}) / 1e6") ms later"
# No RTT carries the blindness: the largest is far below the time the
# link was down (queued requests answered after ARP would be ~1 s).
assert_between "RTT p99 (ms), no queued answer among the samples" \
	"$(jq -r '.rtt_p99_ms // "none"' <<<"${sum:-{\}}")" 0 100
assert_between "RTT max (ms)" "$(jq -r '.rtt_max_ms // "none"' <<<"${sum:-{\}}")" 0 500
lines=$(jq -s '[.[] | select(.event == "unknown" and .code == "link-down")] | length' "$T_TMP/mon.out")
assert_eq "one UNKNOWN line printed for the link" "$lines" 1
tap_done
