#!/bin/bash
# SPDX-License-Identifier: ISC
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
# Then two interrupted demos: SIGINT as soon as its namespaces exist, SIGTERM
# while `hamon run` monitors; each must exit 130/143 within 30 s (no hang),
# once torn down: no namespace, link, nft table, process or directory left.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_cmd jq timeout
hamon_ready || tap_done

# wait_bounded PID SECS: wait for PID at most SECS seconds, then SIGTERM
# and, 5 s later, SIGKILL (status 124 then); otherwise its exit status.
wait_bounded() {
	local pid=$1 i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		_stop_pid "$pid"
		return 124
	fi
	wait_pid "$pid"
}

# The demo names its namespaces after its pid (hamon-demoPID-mon, -n1,
# -n2): a demo of another checkout running at the same time is not ours.
"$HAMON" demo >"$T_TMP/demo.out" 2>"$T_TMP/demo.err" </dev/null &
pid=$!
cleanup_pid "$pid"
cleanup_netns "hamon-demo$pid-mon" "hamon-demo$pid-n1" "hamon-demo$pid-n2"
rc=0
wait_bounded "$pid" 120 || rc=$?
assert_eq "hamon demo exit status" "$rc" 0 || { diag_file "$T_TMP/demo.err"; diag_file "$T_TMP/demo.out" 80; }
left=$(ip netns list | grep -c "^hamon-demo$pid-" || true)
assert_eq "namespaces hamon-demo$pid-* left behind" "$left" 0
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

# descendants PID: PID's children, their children, and so on.
descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}

#
# stop_case SIG WANT_RC WHEN: start `hamon demo`, send SIG once its
# namespaces exist (WHEN=setup: at once; WHEN=run: once `hamon run` has
# started monitoring), and check that it exits WANT_RC within 30 s and
# leaves no namespace, link, nft table, process or directory of its own.
# The demo names everything after its pid: hamon-demoPID-{mon,n1,n2}.
#
stop_case() {
	local sig=$1 want=$2 when=$3 tag="stop.$1" pid pre i rc ns t0 t1 left procs dir
	"$HAMON" demo >"$T_TMP/$tag.out" 2>"$T_TMP/$tag.err" </dev/null &
	pid=$!
	pre="hamon-demo$pid-"
	cleanup_pid "$pid"
	cleanup_netns "${pre}mon" "${pre}n1" "${pre}n2"
	# Up to 10 s for the namespaces (they come within a second).
	for ((i = 0; i < 200; i++)); do
		[ "$(ip netns list | grep -c "^$pre")" -gt 0 ] && break
		sleep 0.05
	done
	if [ "$(ip netns list | grep -c "^$pre")" -eq 0 ]; then
		tap_fail "SIG$sig: the demo's namespaces ${pre}* appear within 10 s"
		diag_file "$T_TMP/$tag.err"
		return 1
	fi
	if [ "$when" = run ]; then
		for ((i = 0; i < 200; i++)); do
			grep -q '^hamon: monitoring' "$T_TMP/$tag.err" && break
			sleep 0.05
		done
		grep -q '^hamon: monitoring' "$T_TMP/$tag.err" ||
			tap_fail "SIG$sig: hamon run started within 10 s of the namespaces"
	fi
	procs=$(descendants "$pid" | paste -sd ' ')
	t0=$(date +%s%N)
	kill "-$sig" "$pid"
	rc=0
	wait_bounded "$pid" 30 || rc=$?
	t1=$(date +%s%N)
	if [ "$rc" -eq 124 ]; then
		tap_fail "SIG$sig ($when): hamon demo exits within 30 s (it did not: killed)"
		diag_file "$T_TMP/$tag.err"
		return 1
	fi
	tap_pass "SIG$sig ($when): hamon demo exits within 30 s ($(ns_to_ms $((t1 - t0))) ms)"
	assert_eq "SIG$sig ($when): exit status" "$rc" "$want" || diag_file "$T_TMP/$tag.err"
	assert_eq "SIG$sig ($when): namespaces ${pre}* left" "$(ip netns list | grep -c "^$pre" || true)" 0
	left=$(ip -o link show 2>/dev/null | grep -cE ": (hdm[12]|$pre)" || true)
	assert_eq "SIG$sig ($when): demo links (hdm1, hdm2) left in the root namespace" "$left" 0
	if command -v nft >/dev/null 2>&1; then
		assert_eq "SIG$sig ($when): nft tables named after the demo left" \
			"$(nft list tables 2>/dev/null | grep -c -e "$pre" -e hamon-demo || true)" 0
	fi
	# What it had started when it was signalled, whatever names its
	# namespaces, and any `$HAMON demo` still running (a node's listener
	# is a fork of the demo; the demo this test started has exited).
	left=$( (for i in $procs; do kill -0 "$i" 2>/dev/null && echo "$i"; done
		pgrep -f -- "$pre"
		pgrep -x -f -- "$HAMON demo") | sort -un | paste -sd ' ')
	if assert_eq "SIG$sig ($when): processes of the demo left (it had: ${procs:-none})" \
		"${left:-none}" none; then :; else
		for i in $left; do diag "left: $i $(tr '\0' ' ' <"/proc/$i/cmdline" 2>/dev/null)"; done
		for i in $left; do kill -KILL "$i" 2>/dev/null; done
	fi
	# hamon run's banner names the demo's directory ("db DIR/demo.db").
	dir=$(sed -n 's|.* db \(/tmp/hamon-demo\.[^/ ]*\)/demo\.db$|\1|p' "$T_TMP/$tag.err" | head -n 1)
	if [ -n "$dir" ]; then
		if [ -e "$dir" ]; then
			tap_fail "SIG$sig ($when): the demo's directory $dir is removed"
			rm -rf "$dir"
		else
			tap_pass "SIG$sig ($when): the demo's directory $dir is removed"
		fi
	fi
	assert_eq "SIG$sig ($when): one stderr line says it stopped" \
		"$(grep -c "^hamon: demo: SIG$sig: stopped; namespaces removed$" "$T_TMP/$tag.err")" 1
}
stop_case INT 130 setup
stop_case TERM 143 run
tap_done
