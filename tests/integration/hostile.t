#!/bin/bash
# SPDX-License-Identifier: ISC
# hostile.t: hostile input on the wire (issue 7). `hamon monitor -v --format
# json` probes the test host every 10 ms, by ICMP (vm) and by TCP SYN to a
# listener on it (svc), while tests/helpers/hostile floods the monitor from
# the host at 3000 packets/s with every kind of packet it knows (see
# hostile.c): forged echo replies in hamon's format with a wrong check value
# for the seqs being probed (right address, identifier, tid), the same with
# wrong checksums, truncated at every length 0..63, replies of another
# pinger, ICMP errors quoting someone else's packet, a hamon-like request
# with a wrong check and a SYN with a wrong cookie, random garbage as IP
# protocol 1, SYN-ACK/RST to the probe port range with random seq/ack, and
# replays of hamon's real requests as replies. One 500 ms outage (every
# packet of the monitor's dropped on the host) is injected in the middle of
# the flood; the forgeries go on through it, aimed at the probes being lost.
# IPv4 for 6 s of flood, then IPv6 for 3 s.
#
# Checks and tolerances:
# - hamon exits 0 and every stdout line is JSON (no crash, no garbage).
# - per target: sent == received + lost exactly, no refused (a forged RST is
#   not a refusal), no unknown; sent within 10% of duration / interval.
# - ICMP: received == the echo requests the host's kernel really got and
#   answered, exactly (hostile reads them on the host): a forged or replayed
#   reply counted as an answer makes received larger, a real reply lost in
#   the flood makes it smaller.
# - the outage: exactly one burst per target, duration and start within
#   interval + 2 ms of the injected window, the injected duration within
#   [lower_ms - 2, upper_ms + 2], lost probes within 98% of 500 / 10 - 1 and
#   500 / 10 + 1 (lib.sh's check_bursts_against_faults, reasons in
#   outage_icmp.t); no burst that the fault does not explain.
# - the summary's discard counters against what hostile sent (hostile.c
#   says what each kind must become): bad_check equals the forgeries sent,
#   exactly (one missed is one taken for a reply, or lost); foreign and
#   malformed at least the packets that must land there (the socket's ICMP
#   filter and the kernel's own checks drop some others: ICMPv6 with a bad
#   checksum never reaches a socket, so badsum6/garbage6 count nowhere);
#   the three together no more than the packets sent (nothing counted
#   twice, but unreach-tcp, seen by both sockets); stale (replays of
#   requests out of hamon's window) in [1, replays sent]; and the -v line on
#   stderr shows the same three counters as the summary.
# - rtt_max_ms <= 100 ms per target: a forgery taken for a reply would show.
# - harness: hostile sent every packet without a send error and at least
#   90% of the rate asked for, learned hamon's identifier, and the listener
#   was up.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_nft
need_cmd jq timeout date
need_faultctl
HOSTILE=${HOSTILE:-$top_builddir/tests/helpers/hostile}
[ -x "$HOSTILE" ] || skip_all "no hostile traffic generator at $HOSTILE (make check builds it)"

PORT=8080
IV=10
PPS=${HOSTILE_PPS:-3000} # HOSTILE_PPS: try a heavier flood by hand

netns_pair hostile 50
# hostile forges TCP replies to ports 49152-65535; hamon takes its SYN
# source ports from a window outside the local port range (tcp_pkt.h), which
# is 49152-65535 when the range ends below it.
in_mon sysctl -qw net.ipv4.ip_local_port_range="32768 49151"
hamon_ready || tap_done

# The TCP target: accept and close, v4 and v6, bounded.
bg_in_ns "$NS_H1" listener 120 "$HOSTILE" listen --port "$PORT" --duration 100s
for _ in $(seq 50); do
	grep -q '^listening' "$T_TMP/listener.out" 2>/dev/null && break
	sleep 0.1
done
if grep -q '^listening' "$T_TMP/listener.out" 2>/dev/null; then
	tap_pass "harness: listener on port $PORT in $NS_H1"
else
	tap_fail "harness: listener on port $PORT in $NS_H1"
	diag_file "$T_TMP/listener.err"
	tap_done
fi

# hostile_sent TAG KIND...: packets hostile sent of these kinds (sum).
hostile_sent() {
	local tag=$1
	shift
	awk -v kinds=" $* " '$1 == "sent" && index(kinds, " " $2 " ") { n += $3 } END { print n + 0 }' \
		"$T_TMP/$tag.hostile.out" 2>/dev/null || echo 0
}

#
# hostile_run LABEL FAMILY FLOOD_MS FAULT_AT_MS: hostile floods from NS_H1
# (starting 500 ms after hamon) for FLOOD_MS; hamon monitors both targets
# until 1 s after the flood; faultctl drops everything from the monitor for
# 500 ms at FAULT_AT_MS after hamon's start. Then every check above.
#
hostile_run() {
	local label=$1 fam=$2 flood_ms=$3 fault_at=$4 tag=${1// /_}
	local fault_ms=500 lead_ms=700 dur_ms kinds mon rule url4 svc_url sfx="" db
	local hpid mpid rc summary t
	SUM_FOREIGN=missing SUM_BAD=missing SUM_MALFORMED=missing SUM_STALE=missing
	dur_ms=$((500 + flood_ms + 1000))
	db="$T_TMP/$tag.db"
	if [ "$fam" = 6 ]; then
		sfx=6
		kinds=all6
		mon=(--to6 "$MON_IP6")
		rule="ip6 saddr $MON_IP6 drop"
		url4="icmp://[$H1_IP6]"
		svc_url="tcp://[$H1_IP6]:$PORT"
	else
		kinds=all4
		mon=(--to4 "$MON_IP4")
		rule="ip saddr $MON_IP4 drop"
		url4="icmp://$H1_IP4"
		svc_url="tcp://$H1_IP4:$PORT"
	fi

	# hostile first: it must see every request hamon sends.
	bg_in_ns "$NS_H1" "$tag.hostile" $((dur_ms / 1000 + 40)) "$HOSTILE" flood "${mon[@]}" \
		--kinds "$kinds" --pps "$PPS" --start-delay 700ms --duration "${flood_ms}ms" \
		--tcp-port "$PORT" --linger 1s
	hpid=$BG_PID
	for _ in $(seq 50); do
		grep -q '^ready' "$T_TMP/$tag.hostile.out" 2>/dev/null && break
		sleep 0.1
	done
	if ! grep -q '^ready' "$T_TMP/$tag.hostile.out" 2>/dev/null; then
		tap_fail "$label: harness: hostile ready"
		diag_file "$T_TMP/$tag.hostile.err"
		return 1
	fi
	sleep 0.2
	hamon_bg "$tag.hamon" $((dur_ms / 1000 + 20)) monitor --db "$db" --format json -v \
		--tcp-mode raw --interval "${IV}ms" --duration "${dur_ms}ms" "vm=$url4" "svc=$svc_url"
	mpid=$BG_PID
	sleep "$(jq -n --argjson ms "$lead_ms" '$ms / 1000')"
	if ! kill -0 "$mpid" 2>/dev/null; then
		rc=0
		wait_pid "$mpid" || rc=$?
		tap_fail "$label: hamon monitor still running ${lead_ms} ms after its start (exit $rc)"
		diag_file "$T_TMP/$tag.hamon.err"
		return 1
	fi
	run_faultctl "$tag" 60 1 schedule --rule "$rule" --at "$((fault_at - lead_ms))ms" \
		--for "${fault_ms}ms"
	rc=0
	wait_pid "$mpid" || rc=$?
	if ! assert_eq "$label: hamon monitor exit status (no crash)" "$rc" 0; then
		diag_file "$T_TMP/$tag.hamon.err"
	fi
	wait_pid "$hpid" || true

	# -- the harness: hostile did what it was asked.
	local out="$T_TMP/$tag.hostile.out" total errors seen ident
	read -r total errors < <(sed -n 's/^done sent=\([0-9]*\) errors=\([0-9]*\).*/\1 \2/p' "$out")
	read -r ident seen < <(awk -v s="seen$fam" '$1 == s && $2 == "ident" { print $3, $5 }' "$out")
	if [ "${errors:-1}" = 0 ] && [ "${total:-0}" -ge $((PPS * flood_ms * 9 / 10000)) ] &&
		[ -n "$ident" ] && [ "$ident" != 0x0000 ]; then
		tap_pass "$label: harness: hostile sent $total packets in ${flood_ms} ms, no send error," \
			"learned identifier $ident from $seen requests"
	else
		tap_fail "$label: harness: hostile sent ${total:-?} packets (want >= $((PPS * flood_ms * 9 / 10000))," \
			"errors ${errors:-?} (want 0), identifier ${ident:-none}"
		diag_file "$out" 40
		diag_file "$T_TMP/$tag.hostile.err"
	fi
	diag "$(grep -E '^(sent|seen)' "$out")"

	# -- stdout: JSON, one summary per target.
	local hout="$T_TMP/$tag.hamon.out"
	if [ -s "$hout" ] && jq -e . "$hout" >/dev/null 2>&1; then
		tap_pass "$label: every stdout line is JSON ($(wc -l <"$hout") lines)"
	else
		tap_fail "$label: every stdout line is JSON"
		diag_file "$hout"
	fi
	local vm_received=
	for t in vm svc; do
		summary=$(jq -c --arg t "$t" 'select(type == "object" and .event == "summary" and .target == $t)' \
			"$hout" 2>/dev/null | tail -n 1)
		if [ -z "$summary" ]; then
			tap_fail "$label: a summary line for $t"
			continue
		fi
		diag "$label: $summary"
		hs_field() { jq -r --arg k "$1" '.[$k] // "missing" | tostring' <<<"$summary"; }
		assert_eq "$label: $t sent == received + lost" "$(hs_field sent)" \
			"$(jq -n --argjson r "$(hs_field received)" --argjson l "$(hs_field lost)" '$r + $l' 2>/dev/null)"
		assert_eq "$label: $t refused (forged RSTs are not refusals)" "$(hs_field refused)" 0
		assert_eq "$label: $t unknown" "$(hs_field unknown)" 0
		assert_within "$label: $t sent vs $dur_ms ms / $IV ms" "$(hs_field sent)" \
			$((dur_ms / IV)) $((dur_ms / IV / 10))
		# A forgery taken for a reply would give a wild RTT.
		assert_between "$label: $t rtt_max_ms on a veth pair" "$(hs_field rtt_max_ms)" 0 100
		if [ "$t" = vm ]; then
			vm_received=$(hs_field received)
			SUM_FOREIGN=$(hs_field foreign)
			SUM_BAD=$(hs_field bad_check)
			SUM_MALFORMED=$(hs_field malformed)
			SUM_STALE=$(hs_field stale)
		fi
	done
	assert_eq "$label: vm received == echo requests the host answered (hostile saw them)" \
		"${vm_received:-missing}" "${seen:-unknown}"

	# -- the outage: one burst per target, where and as long as injected.
	if hamon_history_json "$tag.bursts" --db "$db" --kind burst; then
		for t in vm svc; do
			jq --arg t "$t" '[.[] | select(.target == $t)]' "$T_TMP/$tag.bursts.json" \
				>"$T_TMP/$tag.bursts.$t.json"
			bursts_load "$T_TMP/$tag.bursts.$t.json" &&
				check_bursts_against_faults "$label $t" "$IV" "$t"
		done
		# A burst of a target we did not name would escape the loop above.
		assert_eq "$label: bursts of other targets" \
			"$(jq '[.[] | select(.target != "vm" and .target != "svc")] | length' "$T_TMP/$tag.bursts.json")" 0
	fi

	# -- the discard counters (summed over hamon's sockets, so the same on
	#    every summary line). What each kind must become is in hostile.c.
	local s=$sfx want_bad want_foreign want_malformed want_max replays n_trunc
	want_bad=$(hostile_sent "$tag" "forge$s" "unreach-hamon$s" "tcp$s" "unreach-tcp$s")
	# unreach-tcp is seen twice: by the TCP capture (bad_check) and by the
	# ICMP socket (an error quoting TCP: foreign).
	want_foreign=$(hostile_sent "$tag" "other$s" "unreach-rand$s" "tcp-rand$s" "unreach-tcp$s")
	n_trunc=$(hostile_sent "$tag" "trunc$s")
	# Truncated at 12..63 bytes, hamon's identifier and magic: malformed
	# for certain (52 of every 64, lengths sent in turn from 0).
	want_malformed=$((n_trunc / 64))
	want_malformed=$((want_malformed * 52))
	if [ "$fam" = 4 ]; then
		# Wrong checksums: every badsum, and garbage of types 0, 3, 11
		# (3 in 4 or more; the socket's filter drops other types).
		want_malformed=$((want_malformed + $(hostile_sent "$tag" badsum) + $(hostile_sent "$tag" garbage) / 2))
	fi
	want_max=$((${total:-0} + $(hostile_sent "$tag" "unreach-tcp$s")))
	replays=$(hostile_sent "$tag" "replay$s")
	diag "$label: counters foreign $SUM_FOREIGN bad_check $SUM_BAD malformed $SUM_MALFORMED stale $SUM_STALE"
	assert_eq "$label: bad_check == forge + unreach-hamon + tcp + unreach-tcp sent (every forgery seen, none taken)" \
		"$SUM_BAD" "$want_bad"
	assert_ge "$label: foreign >= other + unreach-rand + tcp-rand + unreach-tcp sent" \
		"$SUM_FOREIGN" "$want_foreign"
	assert_ge "$label: malformed >= what must be malformed" "$SUM_MALFORMED" "$want_malformed"
	assert_between "$label: foreign + bad_check + malformed <= packets sent (+ unreach-tcp, seen twice)" \
		"$(jq -n "$SUM_FOREIGN + $SUM_BAD + $SUM_MALFORMED" 2>/dev/null)" 0 "$want_max"
	assert_between "$label: vm stale (replays of requests out of hamon's window) in [1, replays sent]" \
		"$SUM_STALE" 1 "$replays"

	# -- -v: the same counters on stderr.
	local vline
	vline=$(grep -o 'packets: [0-9]* foreign, [0-9]* bad check, [0-9]* malformed' \
		"$T_TMP/$tag.hamon.err" | tail -n 1)
	assert_eq "$label: -v packets line matches the summary" "$vline" \
		"packets: $SUM_FOREIGN foreign, $SUM_BAD bad check, $SUM_MALFORMED malformed" ||
		diag_file "$T_TMP/$tag.hamon.err"
}

hostile_run "hostile4" 4 6000 3200
hostile_run "hostile6" 6 3000 2000
tap_done
