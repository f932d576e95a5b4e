#!/bin/bash
# SPDX-License-Identifier: ISC
# bridge.t: a bridge, a link stacked on it, and a bond as the monitor's
# egress. Their link state must reach hamon whatever their kind, named,
# and in time to make the monitor's blindness UNKNOWN rather than loss.
#
# Topology (the Proxmox layout): in hmt-bridge-mon a bridge vmbr0
# (198.18.58.1/24, STP off) with two veth ports, tap0 to the "VM"
# (hmt-bridge-vm, 198.18.58.2) and tap1 to a second host (hmt-bridge-h2,
# 198.18.58.3); a macvlan mvl0 on vmbr0 (198.18.59.1/24) reaches the VM's
# second address 198.18.59.2. If the kernel has bonding: bond0
# (198.18.60.1/24, active-backup) with one veth slave hb0 to hmt-bridge-bvm
# (198.18.60.2). Every veth end has its own interface index (carrier
# changes are then reported at once, see netlink.t); neighbours are
# permanent both ways, so ARP never takes part.
#
# Faults: both bridge ports down for 1.5 s (one `ip -batch` process for
# both, its start and end logged); then the bond's slave down for 1.5 s.
# The kernel reports a bridge's own loss of carrier only at its next
# link-watch run, up to a second after its last port went down (measured:
# 996 ms), so hamon must follow the ports.
#
# What must hold, from hamon's own records (no timing tolerance of the
# test's own):
#   - link events {ifname vmbr0, state down, then up} for target vm, and
#     mvl0 for vm2 (its lower link vmbr0 down), bond0 for bvm; no event
#     text names a link as "ifindex N";
#   - a window of scope link for each egress, printed live and stored
#     charged to its target, begun no earlier than the fault (less hamon's
#     own netlink margin, 10 ms) and ended no earlier than the up call;
#   - every probe of the target sent while its egress was certainly down
#     is stored as unknown (--samples), at least one was; no burst and no
#     outage of the target overlaps the fault. (Before this test, the
#     bridge's state was never seen: 1.5 s of both ports down was a 1 s
#     outage of the VM. Had hamon waited for the bridge's own message, the
#     probes of the first second would be lost here.)

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_cmd ip jq timeout date sqlite3
hamon_ready || tap_done

N=58
NS_MON=hmt-bridge-mon NS_VM=hmt-bridge-vm NS_H2=hmt-bridge-h2 NS_BVM=hmt-bridge-bvm
BR_IP="198.18.$N.1" VM_IP="198.18.$N.2" H2_IP="198.18.$N.3"
MV_IP="198.18.$((N + 1)).1" VM_IP2="198.18.$((N + 1)).2"
BOND_IP="198.18.$((N + 2)).1" BVM_IP="198.18.$((N + 2)).2"
BR_MAC=02:68:6d:3a:00:01 VM_MAC=02:68:6d:3a:00:02 H2_MAC=02:68:6d:3a:00:03
MV_MAC=02:68:6d:3b:00:01 BOND_MAC=02:68:6d:3c:00:01 BVM_MAC=02:68:6d:3c:00:02
IV_MS=10
MARGIN_MS=10 # AWARE_NL_MARGIN_NS: how far hamon widens a link window at each end
DB="$T_TMP/bridge.db"
OUT="$T_TMP/mon.out"

# fresh_ns NS: a new namespace (a stale one of ours, by name, removed first).
fresh_ns() {
	if [ -e "/run/netns/$1" ]; then
		diag "removing stale namespace $1"
		ip netns del "$1" 2>/dev/null
	fi
	cleanup_netns "$1"
	ip netns add "$1" && ip -n "$1" link set lo up
}

# The bridge, its two ports, the macvlan on it, the VM and the second host.
bridge_topology() {
	ip -n "$NS_MON" link add vmbr0 index 30 address "$BR_MAC" type bridge stp_state 0 &&
	ip -n "$NS_MON" link add tap0 index 31 type veth \
		peer name eth0 index 41 address "$VM_MAC" netns "$NS_VM" &&
	ip -n "$NS_MON" link add tap1 index 32 type veth \
		peer name eth0 index 51 address "$H2_MAC" netns "$NS_H2" &&
	ip -n "$NS_MON" link set tap0 master vmbr0 &&
	ip -n "$NS_MON" link set tap1 master vmbr0 &&
	ip -n "$NS_MON" link add mvl0 index 33 link vmbr0 address "$MV_MAC" type macvlan mode bridge &&
	ip -n "$NS_MON" addr add "$BR_IP/24" dev vmbr0 &&
	ip -n "$NS_MON" addr add "$MV_IP/24" dev mvl0 &&
	ip -n "$NS_VM" addr add "$VM_IP/24" dev eth0 &&
	ip -n "$NS_VM" addr add "$VM_IP2/24" dev eth0 &&
	ip -n "$NS_H2" addr add "$H2_IP/24" dev eth0 &&
	ip -n "$NS_MON" link set tap0 up &&
	ip -n "$NS_MON" link set tap1 up &&
	ip -n "$NS_MON" link set vmbr0 up &&
	ip -n "$NS_MON" link set mvl0 up &&
	ip -n "$NS_VM" link set eth0 up &&
	ip -n "$NS_H2" link set eth0 up &&
	ip -n "$NS_MON" neigh replace "$VM_IP" lladdr "$VM_MAC" dev vmbr0 nud permanent &&
	ip -n "$NS_MON" neigh replace "$H2_IP" lladdr "$H2_MAC" dev vmbr0 nud permanent &&
	ip -n "$NS_MON" neigh replace "$VM_IP2" lladdr "$VM_MAC" dev mvl0 nud permanent &&
	ip -n "$NS_VM" neigh replace "$BR_IP" lladdr "$BR_MAC" dev eth0 nud permanent &&
	ip -n "$NS_VM" neigh replace "$MV_IP" lladdr "$MV_MAC" dev eth0 nud permanent &&
	ip -n "$NS_H2" neigh replace "$BR_IP" lladdr "$BR_MAC" dev eth0 nud permanent
}

# The bond and its one slave (active-backup sets the slave's MAC to the bond's).
bond_topology() {
	ip -n "$NS_MON" link add bond0 index 35 address "$BOND_MAC" type bond \
		mode active-backup miimon 100 &&
	ip -n "$NS_MON" link add hb0 index 36 type veth \
		peer name eth0 index 61 address "$BVM_MAC" netns "$NS_BVM" &&
	ip -n "$NS_MON" link set hb0 master bond0 &&
	ip -n "$NS_MON" addr add "$BOND_IP/24" dev bond0 &&
	ip -n "$NS_BVM" addr add "$BVM_IP/24" dev eth0 &&
	ip -n "$NS_MON" link set bond0 up &&
	ip -n "$NS_MON" link set hb0 up &&
	ip -n "$NS_BVM" link set eth0 up &&
	ip -n "$NS_MON" neigh replace "$BVM_IP" lladdr "$BVM_MAC" dev bond0 nud permanent &&
	ip -n "$NS_BVM" neigh replace "$BOND_IP" lladdr "$BOND_MAC" dev eth0 nud permanent
}

unreachable_guard
for ns in "$NS_MON" "$NS_VM" "$NS_H2"; do
	fresh_ns "$ns" || bail_out "namespace $ns failed"
done
bridge_topology || bail_out "building the bridge layout in $NS_MON failed"
# Bonding is a kernel option of its own: without it the bond checks skip.
BOND=
if fresh_ns "$NS_BVM" && ip -n "$NS_MON" link add hmt-bondprobe type bond 2>/dev/null; then
	ip -n "$NS_MON" link del hmt-bondprobe
	bond_topology || bail_out "building the bond in $NS_MON failed"
	BOND=yes
fi
for ns in "$NS_MON" "$NS_VM" "$NS_H2" "$NS_BVM"; do
	[ -z "$(ip -n "$ns" route show default 2>/dev/null)$(ip -n "$ns" -6 route show default 2>/dev/null)" ] ||
		bail_out "namespace $ns has a default route"
done
# The bond needs its link monitor's first round (100 ms) before it sends.
for ip in "$VM_IP" "$VM_IP2" ${BOND:+"$BVM_IP"}; do
	in_mon ping -n -q -c 1 -W 2 "$ip" >/dev/null 2>&1 ||
		in_mon ping -n -q -c 1 -W 2 "$ip" >/dev/null 2>&1 || bail_out "no round trip to $ip"
done
diag "$(ip -n "$NS_MON" -o link show | cut -d' ' -f2,3,9 | tr '\n' ' ')"

now_ns() { date +%s%N; }

# batch CMDS...: one `ip -batch` in NS_MON for every command given.
batch() {
	printf '%s\n' "$@" | ip -n "$NS_MON" -batch -
}

targets=("vm=icmp://$VM_IP" "vm2=icmp://$VM_IP2")
[ -n "$BOND" ] && targets+=("bvm=icmp://$BVM_IP")
hamon_bg mon 40 monitor --db "$DB" --samples --interval "${IV_MS}ms" --duration 7s \
	--format json "${targets[@]}"
MON_PID=$BG_PID
sleep 1
if ! kill -0 "$MON_PID" 2>/dev/null; then
	wait_pid "$MON_PID"
	tap_fail "hamon monitor still running 1 s after its start (exit $?)"
	diag_file "$T_TMP/mon.err"
	tap_done
fi

# Both bridge ports down for 1.5 s: the bridge has no path once the second
# is down, somewhere inside the call, certainly by its end.
br_down_b=$(now_ns)
batch "link set tap0 down" "link set tap1 down" || bail_out "ports down failed"
br_down_a=$(now_ns)
sleep 1.5
br_up_b=$(now_ns)
batch "link set tap0 up" "link set tap1 up" || bail_out "ports up failed"
br_up_a=$(now_ns)
diag "bridge ports down call [$br_down_b, $br_down_a] ns, up call [$br_up_b, $br_up_a] ns"

if [ -n "$BOND" ]; then
	sleep 1
	bo_down_b=$(now_ns)
	batch "link set hb0 down" || bail_out "slave down failed"
	bo_down_a=$(now_ns)
	sleep 1.5
	bo_up_b=$(now_ns)
	batch "link set hb0 up" || bail_out "slave up failed"
	bo_up_a=$(now_ns)
	diag "bond slave down call [$bo_down_b, $bo_down_a] ns, up call [$bo_up_b, $bo_up_a] ns"
fi

rc=0
wait_pid "$MON_PID" || rc=$?
assert_eq "hamon monitor --duration 7s exit status" "$rc" 0 || diag_file "$T_TMP/mon.err"

# The JSON objects hamon printed (other lines dropped).
jq -c 'select(type == "object" and has("event"))' "$OUT" >"$T_TMP/events.json" 2>/dev/null

# check_link_events TARGET DEV: a down and then an up link event of DEV
# attributed to TARGET, named.
check_link_events() {
	local t=$1 dev=$2 down up
	down=$(jq -c --arg t "$t" --arg d "$dev" \
		'select(.event == "link" and .target == $t and .ifname == $d and .state == "down")' \
		"$T_TMP/events.json" | head -n 1)
	up=$(jq -c --arg t "$t" --arg d "$dev" \
		'select(.event == "link" and .target == $t and .ifname == $d and .state == "up")' \
		"$T_TMP/events.json" | head -n 1)
	if [ -n "$down" ]; then
		tap_pass "$t: link event \"$dev down\": $(jq -r .text <<<"$down")"
	else
		tap_fail "$t: a link event {ifname: $dev, state: down}"
		diag_file "$T_TMP/events.json" 40
	fi
	if [ -n "$up" ]; then
		tap_pass "$t: link event \"$dev up\": $(jq -r .text <<<"$up")"
	else
		tap_fail "$t: a link event {ifname: $dev, state: up}"
	fi
}

# check_window TARGET DEV DOWN_B UP_B: the live window of scope link for DEV
# and its stored row charged to TARGET. It cannot have begun before the
# fault (less hamon's margin) nor ended before the ports were put back up:
# both follow from what the kernel sent and when, whatever the load.
check_window() {
	local t=$1 dev=$2 down_b=$3 up_b=$4 w n s e
	w=$(jq -c --arg d "$dev" 'select(.event == "unknown" and .scope == "link" and .ifname == $d)' \
		"$T_TMP/events.json" | head -n 1)
	if [ -z "$w" ]; then
		tap_fail "$t: an UNKNOWN window of scope link, ifname $dev"
		diag_file "$OUT" 40
		return 1
	fi
	tap_pass "$t: UNKNOWN window: $w"
	s=$(rfc3339_to_ns "$(jq -r .time <<<"$w")")
	e=$(jq -n --argjson s "${s:-0}" --argjson d "$(jq .duration_ms <<<"$w")" '$s + $d * 1e6 | floor')
	assert_ge "$t: $dev window start, ms after the down call started (+ hamon's margin)" \
		"$(jq -n "(${s:-0} - $down_b) / 1e6 + $MARGIN_MS")" 0
	assert_ge "$t: $dev window end, ms after the up call started" \
		"$(jq -n "($e - $up_b) / 1e6")" 0
	n=$(sqlite3 -readonly "$DB" "SELECT count(*) FROM unknown_windows w JOIN targets t
		ON t.id = w.target_id WHERE t.name = '$t' AND w.scope = 'link'
		AND w.ifname = '$dev' AND w.code = 'link-down'" 2>&1)
	assert_ge "$t: stored link window of $dev charged to it" "$n" 1
}

# check_no_loss TARGET DOWN_B DOWN_A UP_B UP_A: every probe sent while the
# egress was certainly down is unknown; no burst overlaps the fault.
check_no_loss() {
	local t=$1 down_b=$2 down_a=$3 up_b=$4 up_a=$5 n
	n=$(sqlite3 -readonly "$DB" "SELECT count(*) FROM samples s JOIN targets t ON t.id = s.target_id
		WHERE t.name = '$t' AND s.tx_ns >= $down_a AND s.tx_ns < $up_b AND s.result = 5" 2>&1)
	assert_ge "$t: probes sent while its egress was down, stored as unknown" "$n" 1
	n=$(sqlite3 -readonly "$DB" "SELECT count(*) FROM samples s JOIN targets t ON t.id = s.target_id
		WHERE t.name = '$t' AND s.tx_ns >= $down_a AND s.tx_ns < $up_b AND s.result != 5" 2>&1)
	assert_eq "$t: probes sent while its egress was down, stored as anything but unknown" "$n" 0
	n=$(sqlite3 -readonly "$DB" "SELECT count(*) FROM losses l JOIN targets t ON t.id = l.target_id
		WHERE t.name = '$t' AND l.start_ns < $up_a + 1000000000 AND l.end_ns > $down_b - 1000000000" 2>&1)
	assert_eq "$t: bursts and outages overlapping the fault (it was UNKNOWN)" "$n" 0
}

check_link_events vm vmbr0
check_link_events vm2 mvl0
check_window vm vmbr0 "$br_down_b" "$br_up_b"
check_window vm2 mvl0 "$br_down_b" "$br_up_b"
check_no_loss vm "$br_down_b" "$br_down_a" "$br_up_b" "$br_up_a"
check_no_loss vm2 "$br_down_b" "$br_down_a" "$br_up_b" "$br_up_a"
if [ -n "$BOND" ]; then
	check_link_events bvm bond0
	check_window bvm bond0 "$bo_down_b" "$bo_up_b"
	check_no_loss bvm "$bo_down_b" "$bo_down_a" "$bo_up_b" "$bo_up_a"
else
	tap_skip "bond egress: link events, UNKNOWN window, no loss" \
		"this kernel has no bonding driver (ip link add type bond failed)"
fi

# Names: the kernel named every link, so no event may fall back to an index.
n=$(jq -r 'select(.text != null) | .text' "$T_TMP/events.json" | grep -c 'ifindex [0-9]')
assert_eq "event texts naming a link by \"ifindex N\"" "$n" 0
n=$(sqlite3 -readonly "$DB" "SELECT count(*) FROM events WHERE text LIKE '%ifindex %'" 2>&1)
assert_eq "stored events naming a link by \"ifindex N\"" "$n" 0
n=$(sqlite3 -readonly "$DB" "SELECT count(*) FROM events WHERE kind = 'link' AND text LIKE 'link vmbr0 down%'" 2>&1)
assert_ge "stored link events \"link vmbr0 down\"" "$n" 1
tap_done
