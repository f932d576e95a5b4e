#!/bin/bash
# SPDX-License-Identifier: ISC
# rxdrop.t: replies the kernel delivered but our own socket had no room for
# are never counted lost. The monitor runs with a receive buffer of the
# kernel's minimum (--rcvbuf 1024: about two packets) while `ping -f -l 64`
# in its namespace floods the same raw ICMP socket with echo replies that
# are not ours, so the queue overflows and some of hamon's own replies are
# dropped by the kernel. Every probe left unanswered must become unknown
# inside an rx-drop window: 0 lost, 0 outages, drops counted, rx-drop
# windows stored, and every unknown sample inside a stored rx-drop window.
# One target on the veth, one on loopback (both read by the one socket).

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_cmd jq timeout sqlite3 ping
netns_pair rxdrop 61
hamon_ready || tap_done

db="$T_TMP/rxdrop.db"
hamon_bg mon 30 monitor --db "$db" --samples --interval 1ms --timeout 200ms --duration 4s \
	--format json --rcvbuf 1024 -v "vm=icmp://$H1_IP4" "lo=icmp://127.0.0.1"
pid=$BG_PID
sleep 1
# Bounded: 20 000 requests at most, for 2 s at most, to the peer only.
in_mon timeout 5 ping -n -q -f -l 64 -c 20000 -w 2 "$H1_IP4" >"$T_TMP/ping.out" 2>&1
wait_pid "$pid"
assert_eq "monitor exit status" "$?" 0 || diag_file "$T_TMP/mon.err"

tap_check "the start-up line names the buffer obtained and the one needed" \
	grep -q 'icmp4: receive buffer [0-9]* bytes, [0-9]* needed to hold 1 s of replies (--rcvbuf)' \
	"$T_TMP/mon.err" || diag_file "$T_TMP/mon.err" 10

pk=$(jq -c 'select(.event == "packets" and .socket == "icmp4")' "$T_TMP/mon.out")
assert_ge "drops counted at the icmp4 socket" "$(jq -r '.rx_drops // 0' <<<"$pk")" 1 ||
	diag_file "$T_TMP/mon.out" 20
for tg in vm lo; do
	sum=$(jq -c --arg t "$tg" 'select(.event == "summary" and .target == $t)' "$T_TMP/mon.out")
	assert_eq "$tg: no probe lost" "$(jq -r .lost <<<"$sum")" 0 || diag "$sum"
	assert_eq "$tg: no outage" "$(jq -r .outages <<<"$sum")" 0
	assert_eq "$tg: every probe answered or unknown" \
		"$(jq -r '.sent - .received - .unknown' <<<"$sum")" 0
	assert_eq "$tg: the summary's drop count is the socket's" \
		"$(jq -r .rx_drops <<<"$sum")" "$(jq -r .rx_drops <<<"$pk")"
done
unk=$(jq -s '[.[] | select(.event == "summary") | .unknown] | add' "$T_TMP/mon.out")
diag "probes unknown: $unk of $(jq -s '[.[] | select(.event == "summary") | .sent] | add' \
	"$T_TMP/mon.out"); drops: $(jq -r .rx_drops <<<"$pk")"
# The flood keeps a two-packet queue full for 2 s while 4 000 of our
# replies arrive: usually some of ours are among the dropped (95 of 11 800
# probes in the run this test was written from), but which packets the
# kernel drops is timing (an ASan run saw 19 382 drops, none of them ours).
# The checks above hold either way; this one shows the path was taken.
if [ "${unk:-0}" -ge 1 ]; then
	tap_pass "some of our own replies were dropped (probes unknown): $unk"
else
	tap_skip "some of our own replies were dropped" "none of ours among the $(jq -r .rx_drops <<<"$pk") drops this run"
fi
assert_eq "no burst or outage stored" "$(sqlite3 "$db" 'select count(*) from losses')" 0
assert_ge "rx-drop windows stored (scope all)" \
	"$(sqlite3 "$db" "select count(*) from unknown_windows where code = 'rx-drop'
		and scope = 'all' and target_id is null")" 1
assert_eq "no sample stored as lost (timeout)" \
	"$(sqlite3 "$db" 'select count(*) from samples where result = 1')" 0
assert_eq "every unknown sample lies in a stored rx-drop window" \
	"$(sqlite3 "$db" "select count(*) from samples s where s.result = 5 and not exists
		(select 1 from unknown_windows w where w.code = 'rx-drop'
		 and s.tx_ns >= w.start_ns and s.tx_ns < w.end_ns)")" 0
assert_eq "unknown samples stored = unknown probes counted" \
	"$(sqlite3 "$db" 'select count(*) from samples where result = 5')" "$unk"
tap_done
