#!/bin/bash
# SPDX-License-Identifier: ISC
# report_html.t: the HTML report of a monitoring session with two short
# outages (40 ms and 200 ms, injected by faultctl over a veth pair) and a
# clean target: each outage is labelled on its timeline with its duration
# and bounds and has a close-up of its probes; the clean target reads
# "none", never "0.000ms [0.000ms, 0.000ms]"; one spelling of µs; plurals
# right; the monitor's host named. Rendered in headless Chromium at 1400 px
# and at 400 px, the page must not scroll sideways
# (document.documentElement.scrollWidth <= the viewport's width).

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_faultctl
need_cmd jq timeout
hamon_ready || tap_done

netns_pair report_html 60
db="$T_TMP/r.db"
hamon_bg mon 30 monitor --db "$db" --interval 10ms --duration 3500ms --samples -q \
	"vm=icmp://$H1_IP4" "clean=icmp://[$H1_IP6]"
pid=$BG_PID
sleep 0.7
run_faultctl faults 60 2 schedule --rule "ip saddr $MON_IP4 icmp type echo-request drop" \
	--at 500ms --for 40ms --at 1500ms --for 200ms
rc=0
wait_pid "$pid" || rc=$?
assert_eq "hamon monitor exit status" "$rc" 0 || diag_file "$T_TMP/mon.err"

html="$T_TMP/r.html"
rc=0
"$HAMON" report --db "$db" --last --format html -o "$html" 2>"$T_TMP/rep.err" || rc=$?
assert_eq "hamon report --format html exit status" "$rc" 0 || diag_file "$T_TMP/rep.err"
"$HAMON" report --db "$db" --last --format json >"$T_TMP/r.json" 2>/dev/null
outages=$(jq '[.targets[] | select(.target=="vm") | .losses[] | select(.kind=="outage")] | length' \
	"$T_TMP/r.json")
assert_eq "vm: two outages measured" "$outages" 2

# Every outage labelled on the timeline with "duration [lower, upper]".
labels=$(grep -c '<text class="ol"[^>]*>[0-9.]*ms \[[0-9.]*ms, [0-9.]*ms\]</text>' "$html" || true)
# Once on the timeline and once in its close-up.
assert_eq "HTML: each outage labelled with duration and bounds (timeline + inset)" \
	"$labels" $((2 * outages))
insets=$(grep -c '<figure class="inset">' "$html" || true)
assert_eq "HTML: one close-up per outage" "$insets" "$outages"
caps=$(grep -c '<figcaption>last reply [0-9:.]*, [0-9]* lost probes\?, first reply [0-9:.]*</figcaption>' \
	"$html" || true)
assert_eq "HTML: each close-up names last reply, lost probes, first reply" "$caps" "$outages"
if grep -q '0\.000ms \[0\.000ms, 0\.000ms\]\|<td class="n dt">0\.000ms' "$html"; then
	tap_fail "HTML: clean target shown with zero bounds"
else
	tap_pass "HTML: no zero bounds for the clean target"
fi
assert_eq "HTML: clean target reads 'none'" \
	"$(grep -c '<td class="n clean">none</td>' "$html")" 1
if grep -qE '[0-9] ?us\b|\b1 (bursts|outages|runs|probes)\b' "$html"; then
	tap_fail "HTML: one unit spelling (µs) and right plurals"
	grep -noE '.{20}([0-9] ?us\b|\b1 (bursts|outages|runs|probes)\b).{20}' "$html" | head -3 |
		while read -r l; do diag "$l"; done
else
	tap_pass "HTML: one unit spelling (µs) and right plurals"
fi
assert_eq "HTML: the monitor's host named" \
	"$(grep -c "<tr><th>Monitor host</th><td>$(hostname)</td></tr>" "$html")" 1
"$HAMON" report --db "$db" --last --format text >"$T_TMP/r.txt" 2>/dev/null
if grep -q "clean .*none" "$T_TMP/r.txt" && ! grep -q '0\.000ms, 0\.000ms' "$T_TMP/r.txt"; then
	tap_pass "text: clean target reads 'none'"
else
	tap_fail "text: clean target reads 'none'"
	diag_file "$T_TMP/r.txt" 20
fi

# The page's width in headless Chromium at a given viewport. Headless
# windows are never narrower than 500 px, so the report is shown in an
# iframe of the width asked (a viewport like any other: media queries and
# layout see its width), and a script in the outer page writes the
# iframe's innerWidth and scrollWidth into the DOM once all has loaded.
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
	tap_skip "HTML: no horizontal scroll at 1400 px and 400 px" "chromium is not installed"
	tap_done
fi
cp "$html" "$T_TMP/probe.html"
for w in 1400 400; do
	printf '%s\n' '<!DOCTYPE html><html><body style="margin:0">' \
		"<iframe id=\"f\" src=\"probe.html\" style=\"width:${w}px;height:900px;border:0\"></iframe>" \
		'<script>onload = function () {' \
		'	var f = document.getElementById("f").contentWindow;' \
		'	document.body.setAttribute("data-w", f.innerWidth + " " + f.document.documentElement.scrollWidth);' \
		'};</script></body></html>' >"$T_TMP/frame$w.html"
	prof=$(mktemp -d)
	timeout -k 5 60 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--allow-file-access-from-files --virtual-time-budget=3000 \
		--hide-scrollbars --user-data-dir="$prof" --window-size="1500,1000" --dump-dom \
		"file://$T_TMP/frame$w.html" >"$T_TMP/dom$w.html" 2>"$T_TMP/chrome$w.err"
	rm -rf "$prof"
	read -r vw sw < <(sed -n 's/.*data-w="\([0-9]*\) \([0-9]*\)".*/\1 \2/p' "$T_TMP/dom$w.html")
	if [ -z "$vw" ]; then
		tap_fail "HTML at $w px: Chromium gave no width"
		diag_file "$T_TMP/chrome$w.err" 10
		continue
	fi
	assert_between "HTML at $w px: viewport width" "$vw" $((w - 20)) "$w"
	assert_between "HTML at $w px: page width (scrollWidth) within the viewport ($vw)" "$sw" 1 "$vw"
done
tap_done
