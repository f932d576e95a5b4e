#!/bin/bash
# SPDX-License-Identifier: ISC
# dashboard.t: the live page on the --http listener.
#
# One host probed every 10 ms; faultctl drops its echo requests for 2 s.
# - run A (loopback, no token): / is one self-contained HTML page (no
#   external URL), /api/status lists the target with its state and figures,
#   /metrics still serves Prometheus text, other paths 404, POST 405;
#   /api/events (curl -N) streams "second" messages folding the figures and
#   a down then an up event whose duration and bounds equal hamon's UP line;
#   headless Chromium, driven over the DevTools protocol (dash_cdp.py),
#   shows the target DOWN within 1 s of hamon's DOWN line (its declared
#   time) and UP again with the outage's duration; at 1400 and 400 px the
#   page is no wider than the window (screenshots kept in
#   tests/integration/dashboard-artefacts/);
# - run B (an address that is not loopback): without --http-token exit 2
#   and one line; a bad token file exit 2; with a token 401 without it or
#   with a wrong one, 200 with it as a bearer token or ?token=;
#   at most 16 event-stream clients, the 17th gets 503.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_nft
need_faultctl
need_cmd curl jq timeout python3

netns_pair dash 67
hamon_ready || tap_done
PORT=9620
BASE=http://127.0.0.1:$PORT
ART=$top_builddir/tests/integration/dashboard-artefacts
mkdir -p "$ART"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)

# jqq FILTER FILE: jq -e, quietly.
jqq() { jq -e "$1" "$2" >/dev/null; }
# ns_of RFC3339: the time in ns since the epoch.
ns_of() { date -u -d "$1" +%s%N; }
# wait_http URL: until the listener answers, at most 5 s.
wait_http() {
	local i
	for i in $(seq 50); do
		in_mon curl -s -o /dev/null --max-time 1 "$1" && return 0
		sleep 0.1
	done
	return 1
}

# ---- run A: the monitor runs until SIGTERM; the fault is injected once
# the page shows the target (Chromium may take seconds to start on a busy
# machine), else 8 s after the start without a browser.
hamon_bg monA 60 monitor --no-db --interval 10ms --timeout 200ms --duration 50s --format json \
	--http "127.0.0.1:$PORT" "vm=icmp://$H1_IP4"
mpid=$BG_PID
tap_check "run A: the listener answers" wait_http "$BASE/"
bg_in_ns "$NS_MON" events 60 curl -sN --max-time 55 "$BASE/api/events"
epid=$BG_PID

cpid=
if [ -n "$CHROMIUM" ]; then
	mkdir -p "$T_TMP/chromium"
	bg_in_ns "$NS_MON" chromium 20 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
		--no-first-run --disable-extensions --user-data-dir="$T_TMP/chromium" \
		--remote-debugging-port=9333 --window-size=1400,900 "$BASE/"
	cpid=$BG_PID
	bg_in_ns "$NS_MON" cdp 50 python3 "$(dirname "$0")/dash_cdp.py" 9333 vm 40 "$ART"
	cdppid=$BG_PID
fi

in_mon curl -s -D "$T_TMP/page.h" -o "$T_TMP/page.html" --max-time 5 "$BASE/"
tap_check "/: text/html" grep -qi '^content-type: text/html' "$T_TMP/page.h"
tap_check "/: an HTML page with its script inline" grep -q '<script>' "$T_TMP/page.html"
tap_check "/: no external URL (src=, href=, url(), @import)" \
	sh -c "! grep -Eiq '(src|href)=\"?(https?:)?//|url\\(|@import' '$T_TMP/page.html'"
in_mon curl -s -o "$T_TMP/status.json" --max-time 5 "$BASE/api/status"
assert_eq "/api/status: the target" "$(jq -r '.targets[0].name + " " + .targets[0].url' "$T_TMP/status.json" 2>&1)" \
	"vm icmp://$H1_IP4"
assert_eq "/api/status: it is up" "$(jq -r '.targets[0].state' "$T_TMP/status.json" 2>&1)" up
tap_check "/api/status: RTT p50 and p99 are numbers" \
	jqq '.targets[0] | (.rtt_p50_ms | type == "number") and (.rtt_p99_ms | type == "number")' "$T_TMP/status.json"
in_mon curl -s -o "$T_TMP/m.prom" --max-time 5 "$BASE/metrics"
tap_check "/metrics: still Prometheus text" grep -q '^hamon_target_state{target="vm",state="up"} 1' "$T_TMP/m.prom"
assert_eq "/nope: 404" "$(in_mon curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BASE/nope")" 404
assert_eq "POST /: 405" "$(in_mon curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST "$BASE/")" 405
assert_eq "HEAD /api/status: 200" "$(in_mon curl -s -o /dev/null -I -w '%{http_code}' --max-time 5 "$BASE/api/status")" 200

if [ -n "$CHROMIUM" ]; then
	for i in $(seq 200); do
		grep -q '^[0-9]* up ' "$T_TMP/cdp.out" 2>/dev/null && break
		sleep 0.1
	done
else
	sleep 8
fi
bg_in_ns "$NS_H1" faultA 30 "$FAULTCTL" once --start-delay 300ms \
	--rule "ip saddr $MON_IP4 icmp type echo-request drop" --for 2000ms
fpid=$BG_PID
wait_pid "$fpid"
# The page's watcher stops 1 s after it saw UP again (bounded by its 40 s).
[ -n "$CHROMIUM" ] && wait_pid "$cdppid"
sleep 1.5
kill -TERM "$mpid" 2>/dev/null
rc=0
wait_pid "$mpid" || rc=$?
assert_eq "run A: monitor exit status" "$rc" 0 || diag_file "$T_TMP/monA.err"
wait_pid "$epid"
downline=$(jq -c 'select(.event == "down")' "$T_TMP/monA.out" | head -1)
upline=$(jq -c 'select(.event == "up" and .duration_ms != null)' "$T_TMP/monA.out" | head -1)
tap_check "run A: one outage (DOWN and UP lines)" test -n "$downline" -a -n "$upline"
ev=$T_TMP/events.out
sse_json() { sed -n "/^event: $1\$/{n;s/^data: //p}" "$ev"; }
sdown=$(sse_json down | head -1)
sup=$(sse_json up | jq -c 'select(.duration_ms != null)' 2>/dev/null | head -1)
tap_check "/api/events: a down event for vm" test "$(jq -r .target <<<"$sdown" 2>/dev/null)" = vm
for f in duration_ms lower_ms upper_ms lost; do
	assert_within "/api/events: the up event's $f = the UP line's" \
		"$(jq -r ".$f" <<<"$sup" 2>/dev/null)" "$(jq -r ".$f" <<<"$upline")" 0
done
assert_ge "/api/events: per-second messages" "$(grep -c '^event: second$' "$ev")" 5
tap_check "/api/events: a second folds [index, sent, received, rtt, max]" \
	sh -c "sse_s=\$(sed -n '/^event: second\$/{n;s/^data: //p}' '$ev' | sed -n 3p); \
		echo \"\$sse_s\" | jq -e '.targets[0] | length == 5 and .[0] == 0 and .[1] >= 1 and .[2] <= .[1]' >/dev/null"

if [ -z "$CHROMIUM" ]; then
	for d in "page DOWN within 1 s" "page UP with the duration" "page width at 1400 px" "page width at 400 px"; do
		tap_skip "$d" "no chromium here"
	done
else
	kill "$cpid" 2>/dev/null
	wait_pid "$cpid"
	diag_file "$T_TMP/cdp.out" 30
	declared=$(ns_of "$(jq -r .declared <<<"$downline")")
	pdown=$(awk '$2 == "down" { print $1; exit }' "$T_TMP/cdp.out")
	lag=$(jq -n --argjson p "${pdown:-0}" --argjson d "${declared:-0}" '($p - $d) / 1e6 | round')
	tap_check "page: DOWN ${lag} ms after hamon's DOWN line (≤ 1000)" \
		test -n "$pdown" -a "$lag" -le 1000 -a "$lag" -ge -50
	want=$(jq -r '.duration_ms / 1000 | . * 1000 | round / 1000' <<<"$upline")
	want=$(printf '%.3f s' "$want")
	tap_check "page: UP after, the outage shown ($want)" \
		sh -c "awk '\$2 == \"up\"' '$T_TMP/cdp.out' | tail -1 | grep -qF '$want ['"
	for w in 1400 400; do
		read -r vw sw nr <<<"$(awk -v w="$w" '$1 == "width" && $2 == w { print $2, $4, $6 }' "$T_TMP/cdp.out")"
		tap_check "page at $w px: ${nr:-no} row, no wider than the window (${sw:-?} ≤ ${vw:-?}), screenshot kept" \
			sh -c "[ '${nr:-0}' -ge 1 ] && [ '${sw:-0}' -gt 0 ] && [ '$sw' -le '$vw' ] && [ -s '$ART/dash-$w.png' ]"
	done
fi

# ---- run B: off loopback, a token
out=$(in_mon "$HAMON" monitor --no-db --duration 1s --http "$MON_IP4:$PORT" "vm=icmp://$H1_IP4" 2>&1)
rc=$?
assert_eq "no token off loopback: exit 2" "$rc" 2
assert_eq "no token off loopback: one line" "$(wc -l <<<"$out")" 1
tap_check "no token off loopback: it says why ($out)" grep -q 'http-token' <<<"$out"
printf 'short\n' >"$T_TMP/bad.tok"
out=$(in_mon "$HAMON" monitor --no-db --duration 1s --http "$MON_IP4:$PORT" --http-token "$T_TMP/bad.tok" "vm=icmp://$H1_IP4" 2>&1)
assert_eq "a token too short: exit 2" "$?" 2
out=$(in_mon "$HAMON" monitor --no-db --duration 1s --http "$MON_IP4:$PORT" --http-token "$T_TMP/none.tok" "vm=icmp://$H1_IP4" 2>&1)
assert_eq "no token file: exit 2" "$?" 2
TOKEN=hamon-test-token-0123456789abcdef
printf '%s\n' "$TOKEN" >"$T_TMP/good.tok"
hamon_bg monB 30 monitor --no-db --interval 100ms --duration 6s --format json -q \
	--http "$MON_IP4:$PORT" --http-token "$T_TMP/good.tok" "vm=icmp://$H1_IP4"
mpid=$BG_PID
BB=http://$MON_IP4:$PORT
wait_http "$BB/nope" || diag "run B: listener not up"
code() { in_mon curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
assert_eq "token: none 401" "$(code "$BB/api/status")" 401
assert_eq "token: wrong 401" "$(code -H "Authorization: Bearer ${TOKEN}x" "$BB/api/status")" 401
assert_eq "token: /metrics without 401" "$(code "$BB/metrics")" 401
assert_eq "token: bearer 200" "$(code -H "Authorization: Bearer $TOKEN" "$BB/api/status")" 200
assert_eq "token: ?token= 200" "$(code "$BB/?token=$TOKEN")" 200
pids=()
for i in $(seq 16); do
	bg_in_ns "$NS_MON" "sse$i" 10 curl -sN --max-time 4 "$BB/api/events?token=$TOKEN"
	pids+=("$BG_PID")
done
# Each of the 16 has its first line once it is counted.
for i in $(seq 50); do
	n=0
	for j in $(seq 16); do grep -q '^retry:' "$T_TMP/sse$j.out" 2>/dev/null && n=$((n + 1)); done
	[ "$n" -ge 16 ] && break
	sleep 0.1
done
assert_eq "16 event-stream clients served" "$n" 16
assert_eq "the 17th: 503" "$(code --max-time 2 "$BB/api/events?token=$TOKEN")" 503
for p in "${pids[@]}"; do wait_pid "$p"; done
rc=0
wait_pid "$mpid" || rc=$?
assert_eq "run B: monitor exit status" "$rc" 0 || diag_file "$T_TMP/monB.err"
tap_done
