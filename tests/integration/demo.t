#!/bin/bash
# demo.t: `hamon demo`, the README's first command, runs and its reports hold.
# The demo builds its own namespaces (198.18.200.0/24), moves vm101's address
# between two "nodes" with a ~40 ms gap (live migration) and takes node1's
# link down for ~3 s while vm102 restarts on node2 (failover). Each fault is
# made by ip(8) calls whose start and end times the demo prints; their
# midpoints are the injected edges, off by up to half a call each (printed
# as "+-"). hamon's measured downtime must lie within interval (10 ms) + 2 ms
# + that uncertainty of the injected one. Afterwards no namespace is left,
# and the HTML report has one outage band per outage; when Chromium is
# installed it renders the report headless and takes a screenshot.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_cmd jq timeout
hamon_ready || tap_done

rc=0
timeout -k 5 120 "$HAMON" demo >"$T_TMP/demo.out" 2>"$T_TMP/demo.err" || rc=$?
assert_eq "hamon demo exit status" "$rc" 0 || { diag_file "$T_TMP/demo.err"; diag_file "$T_TMP/demo.out" 80; }
left=$(ip netns list | grep -c '^hamon-demo' || true)
assert_eq "namespaces left behind" "$left" 0
dir=$(sed -n 's/^== done: database \(.*\)\/demo.db, HTML.*/\1/p' "$T_TMP/demo.out")
case $dir in /tmp/hamon-demo.*) cleanup_dir=$dir ;; *) cleanup_dir= ;; esac
db="$dir/demo.db"

# Migration: injected gap and its uncertainty as printed by the demo step.
inj=$(sed -n 's/^hamon demo: injected gap \([0-9.]*\)ms (+- \([0-9.]*\) ms.*/\1 \2/p' "$T_TMP/demo.out")
read -r inj_ms inj_pm <<<"$inj"
"$HAMON" report --db "$db" --run 1 --format json >"$T_TMP/mig.json" 2>"$T_TMP/mig.err"
meas=$(jq -r '.targets[] | select(.target=="vm101") | .downtime_ms' "$T_TMP/mig.json" 2>/dev/null)
if [ -n "$inj_ms" ] && [ -n "$meas" ]; then
	assert_within "migration: vm101 downtime vs injected gap" "$meas" "$inj_ms" \
		"$(jq -n "12 + $inj_pm")"
else
	tap_fail "migration: vm101 downtime vs injected gap (injected '$inj', measured '$meas')"
fi
assert_eq "migration: hypervisor figure read from the step's task log" \
	"$(jq -r '.hypervisor.downtime_ms != null' "$T_TMP/mig.json" 2>/dev/null)" true
ssh=$(jq -r '.targets[] | select(.target=="vm101-ssh") | .downtime_ms' "$T_TMP/mig.json" 2>/dev/null)
if [ -n "$meas" ] && [ -n "$ssh" ]; then
	assert_within "migration: TCP probe sees the same gap as ICMP" "$ssh" "$meas" 20
else
	tap_fail "migration: TCP target missing from the report"
fi

# Failover: "injected outage 3.005s (+- 8.1 ms)".
inj=$(sed -n 's/.*injected outage \([0-9.]*\)s (+- \([0-9.]*\) ms).*/\1 \2/p' "$T_TMP/demo.out")
read -r inj_s inj_pm <<<"$inj"
"$HAMON" report --db "$db" --run 2 --format json >"$T_TMP/fo.json" 2>"$T_TMP/fo.err"
meas=$(jq -r '.targets[] | select(.target=="vm102") | .downtime_ms' "$T_TMP/fo.json" 2>/dev/null)
if [ -n "$inj_s" ] && [ -n "$meas" ]; then
	assert_within "failover: vm102 downtime vs injected outage" "$meas" \
		"$(jq -n "$inj_s * 1000")" "$(jq -n "12 + $inj_pm")"
else
	tap_fail "failover: vm102 downtime vs injected outage (injected '$inj', measured '$meas')"
fi
assert_eq "failover: marker \"power cut node1\" recorded" \
	"$(jq -r '.failover_marker.label' "$T_TMP/fo.json" 2>/dev/null)" "power cut node1"
rec=$(jq -r '.targets[] | select(.target=="vm102") | .failover.recovery_ms' "$T_TMP/fo.json" 2>/dev/null)
assert_between "failover: recovery time from the marker (ms)" "${rec:-0}" 2900 3300
assert_eq "failover: vm101 (on node2 by then) lost nothing" \
	"$(jq -r '.targets[] | select(.target=="vm101") | .lost' "$T_TMP/fo.json" 2>/dev/null)" 0

html="$dir/report.html"
bands=$(grep -o 'class="outage"' "$html" 2>/dev/null | wc -l)
assert_eq "HTML: one outage band per outage" "$bands" \
	"$(jq '[.targets[].losses[] | select(.kind=="outage")] | length' "$T_TMP/fo.json")"
if grep -qiE '<script[^>]*src=|https?://' "$html"; then
	tap_fail "HTML: self-contained (no scripts or links fetched)"
else
	tap_pass "HTML: self-contained (no scripts or links fetched)"
fi
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$chrome" ]; then
	prof=$(mktemp -d)
	timeout -k 5 60 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$prof" --window-size=1200,1600 --screenshot="$T_TMP/report.png" \
		"file://$html" >"$T_TMP/chrome.out" 2>&1
	rm -rf "$prof"
	size=$(stat -c %s "$T_TMP/report.png" 2>/dev/null || echo 0)
	assert_ge "HTML: Chromium screenshot taken (bytes)" "$size" 10000 || diag_file "$T_TMP/chrome.out"
else
	tap_skip "HTML: Chromium screenshot" "chromium is not installed"
fi
[ -n "$cleanup_dir" ] && rm -rf "$cleanup_dir"
tap_done
