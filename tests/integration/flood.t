#!/bin/bash
# SPDX-License-Identifier: ISC
# flood.t: a concurrent `ping -f -c 20000` to the same host must not disturb
# hamon's own accounting. hamon probes every 10 ms for 8 s with no fault
# while, from 1 s in, iputils ping floods the host from the same namespace:
# every echo reply of the flood reaches hamon's socket too (as "foreign"
# replies on a raw socket) and must not be matched to hamon's probes.
#
# Tolerances and why:
# - lost == 0 and received == sent, exactly: nothing is lost on a clean
#   veth pair, and a probe counted wrongly because of the flood is a bug.
# - sent within ±10% of duration / interval (800): hamon must keep its
#   schedule under the flood (the bound is loose; the point is that it
#   kept probing, not its timing precision, which outage_icmp.t checks).
# - no burst at all in `hamon history`.
# - harness: the flood must have sent all 20000 echo requests and got at
#   least 99% back, and finished before hamon stopped, or the run proves
#   nothing.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_cmd ping jq timeout
netns_pair flood 42

hamon_ready || tap_done

dur_s=8
db="$T_TMP/flood.db"
hamon_bg flood.hamon $((dur_s + 20)) monitor --db "$db" --interval 10ms --duration "${dur_s}s" \
	--format json "vm=icmp://$H1_IP4"
pid=$BG_PID
sleep 1
if ! kill -0 "$pid" 2>/dev/null; then
	tap_fail "hamon monitor still running 1 s after its start"
	diag_file "$T_TMP/flood.hamon.err"
	tap_done
fi

# The flood, bounded by its own deadline and by timeout.
t0=$(date +%s%N)
in_mon timeout -k 5 30 ping -f -q -n -c 20000 -w 15 "$H1_IP4" >"$T_TMP/flood.ping" 2>&1
t1=$(date +%s%N)
read -r ptx prx < <(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$T_TMP/flood.ping")
flood_ms=$(((t1 - t0) / 1000000))
if [ "${ptx:-0}" -eq 20000 ] && [ "${prx:-0}" -ge 19800 ] && [ $((1000 + flood_ms)) -lt $((dur_s * 1000)) ]; then
	tap_pass "harness: flood ping sent ${ptx} and got ${prx} back in ${flood_ms} ms, inside hamon's ${dur_s} s run"
else
	tap_fail "harness: flood ping sent ${ptx:-?} and got ${prx:-?} back in ${flood_ms} ms (want 20000, >= 19800, < $((dur_s * 1000 - 1000)) ms)"
	diag_file "$T_TMP/flood.ping"
fi

rc=0
wait_pid "$pid" || rc=$?
assert_eq "hamon monitor --duration ${dur_s}s exit status" "$rc" 0 || diag_file "$T_TMP/flood.hamon.err"

out="$T_TMP/flood.hamon.out"
if [ -s "$out" ] && jq -e . "$out" >/dev/null 2>&1; then
	tap_pass "--format json: every stdout line is JSON ($(wc -l <"$out") lines)"
else
	tap_fail "--format json: every stdout line is JSON"
	diag_file "$out"
fi
summary=$(jq -c 'select(type == "object" and .event == "summary")' "$out" 2>/dev/null | tail -n 1)
if [ -n "$summary" ]; then
	tap_pass "summary line: $summary"
else
	tap_fail "a {\"event\":\"summary\"} line on stdout"
	diag_file "$out"
	summary='{}'
fi
field() { jq -r --arg k "$1" '.[$k] // "missing" | tostring' <<<"$summary"; }
sent=$(field sent)
assert_eq "summary target" "$(field target)" vm
assert_eq "summary lost" "$(field lost)" 0
assert_eq "summary received == sent ($sent)" "$(field received)" "$sent"
assert_within "summary sent vs ${dur_s} s / 10 ms" "$sent" $((dur_s * 100)) $((dur_s * 10))
if _is_number "$(field foreign)"; then
	tap_pass "summary foreign (replies not hamon's): $(field foreign)"
else
	tap_fail "summary has a numeric foreign count: $(field foreign)"
fi

if hamon_history_json flood.bursts --db "$db" --kind burst; then
	assert_eq "bursts recorded during the flood" "$(jq 'length' "$T_TMP/flood.bursts.json" 2>/dev/null)" 0 ||
		diag_file "$T_TMP/flood.bursts.json"
fi
tap_done
