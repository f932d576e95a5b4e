#!/bin/bash
# SPDX-License-Identifier: ISC
# report_events.t: what a run's report shows besides probes. `hamon run`
# probes vm=icmp://198.18.54.2 from NS_MON around a command (running in
# NS_MON, as root, as a wrapped command does) that sets the monitor's veth
# hm0 down for 300 ms and up again, then runs `hamon bench mem --quick`
# into the same database with label "during". After the run, a second bench
# run ("after") is stored outside the run's monitoring window.
#
# Checks on `hamon report --format json` of the run:
#   - its events list holds a "link" event for vm saying "down" within 50 ms
#     of the `ip link ... down` call (the kernel notifies inside the call; 50
#     ms leaves room for a loaded machine), and a later one saying "up";
#   - its unknown windows hold the egress link's window, at least as long as
#     the 300 ms the link was down and shorter than 2 s (a veth pair whose
#     ends share an index reports carrier up at the next linkwatch run, up to
#     1 s later; see netlink.t);
#   - vm's path is via hm0;
#   - the bench figures of the "during" run are there, timed inside the
#     command's span, and none of the "after" run;
#   - a neighbour or link event is never a marker: markers stay empty and
#     there is no failover marker;
# and that the HTML has nlevent ticks and a bench line, and text and
# Markdown the two new sections.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_cmd ip jq timeout date

netns_pair report_events 54
hamon_ready || tap_done

db="$T_TMP/ev.db"
cat >"$T_TMP/cmd.sh" <<EOF
#!/bin/bash
sleep 0.3
date +%s%N >"$T_TMP/down.before"
ip -n $NS_MON link set $MON_DEV down
date +%s%N >"$T_TMP/down.after"
sleep 0.3
ip -n $NS_MON link set $MON_DEV up
date +%s%N >"$T_TMP/up.after"
"$HAMON" bench mem --quick --db "$db" --label during --path "$T_TMP" \\
	>"$T_TMP/bench.out" 2>"$T_TMP/bench.err"
echo \$? >"$T_TMP/bench.rc"
EOF
chmod +x "$T_TMP/cmd.sh"

rc=0
in_mon timeout -k 5 90 "$HAMON" run --db "$db" --interval 10ms --settle 1s \
	--target "vm=icmp://$H1_IP4" -- "$T_TMP/cmd.sh" \
	>"$T_TMP/run.out" 2>"$T_TMP/run.err" || rc=$?
assert_eq "hamon run exit status" "$rc" 0 || { diag_file "$T_TMP/run.err"; diag_file "$T_TMP/run.out" 60; }
assert_eq "bench run inside the run exit status" "$(cat "$T_TMP/bench.rc" 2>/dev/null)" 0 ||
	diag_file "$T_TMP/bench.err"

# A bench run after the run's monitoring window ended.
"$HAMON" bench mem --quick --db "$db" --label after --path "$T_TMP" \
	>"$T_TMP/bench2.out" 2>"$T_TMP/bench2.err"
assert_eq "bench run after the run exit status" "$?" 0 || diag_file "$T_TMP/bench2.err"

J="$T_TMP/report.json"
"$HAMON" report --db "$db" --format json >"$J" 2>"$T_TMP/report.err"
assert_eq "report --format json exit status" "$?" 0 || diag_file "$T_TMP/report.err"
jq -e . "$J" >/dev/null 2>&1
assert_eq "the JSON report parses" "$?" 0 || diag_file "$J"

# Nanoseconds of an RFC 3339 time, or empty.
t_ns() { [ -n "$1" ] && rfc3339_to_ns "$1"; }

down_t=$(jq -r '[.events[] | select(.kind=="link" and .target=="vm" and (.text | test("down")))][0].time // empty' "$J")
up_t=$(jq -r '[.events[] | select(.kind=="link" and .target=="vm" and (.text | test(" up")))][-1].time // empty' "$J")
if [ -n "$down_t" ]; then
	assert_between "link down event within 50 ms of the ip link call (ns)" "$(t_ns "$down_t")" \
		"$(($(cat "$T_TMP/down.before") - 50000000))" "$(($(cat "$T_TMP/down.after") + 50000000))"
else
	tap_fail "link down event for vm in the report's events"
	diag "$(jq -c '.events' "$J")"
fi
if [ -n "$up_t" ] && [ -n "$down_t" ]; then
	assert_ge "link up event after the down event (ns)" "$(t_ns "$up_t")" "$(t_ns "$down_t")"
else
	tap_fail "link up event for vm in the report's events"
	diag "$(jq -c '.events' "$J")"
fi

unk_ms=$(jq -r '[.unknown[] | select(.reason | test("hm0 down"))][0].duration_ms // empty' "$J")
if [ -n "$unk_ms" ]; then
	assert_between "unknown window of the link, ms" "$unk_ms" 300 2000
else
	tap_fail "an unknown window for the link being down"
	diag "$(jq -c '.unknown' "$J")"
fi

assert_eq "vm's path is via hm0" \
	"$(jq -r '.targets[] | select(.target=="vm") | .path | test("^via hm0 ")' "$J")" true
assert_eq "no path in the events list" "$(jq '[.events[] | select(.kind=="path")] | length' "$J")" 0

n=$(jq '[.bench[] | select(.label=="during")] | length' "$J")
assert_ge "bench figures of the run labelled during" "$n" 1 || diag "$(jq -c '.bench' "$J")"
assert_eq "every one a mem figure with a value" \
	"$(jq '[.bench[] | select(.label=="during" and .test=="mem" and (.value | type)=="number")] | length' "$J")" "$n"
b_t=$(jq -r '[.bench[] | select(.label=="during")][0].time // empty' "$J")
if [ -n "$b_t" ]; then
	assert_between "bench start inside the command's span (ns)" "$(t_ns "$b_t")" \
		"$(t_ns "$(jq -r .run.start "$J")")" "$(t_ns "$(jq -r .run.end "$J")")"
else
	tap_fail "bench start inside the command's span: no bench figure"
fi
assert_eq "no figure of the bench run after the window" \
	"$(jq '[.bench[] | select(.label=="after")] | length' "$J")" 0

assert_eq "events are not markers" "$(jq '.markers | length' "$J")" 0
assert_eq "no failover marker" "$(jq -r '.failover_marker' "$J")" null

for f in text md html; do
	"$HAMON" report --db "$db" --format "$f" -o "$T_TMP/report.$f" 2>"$T_TMP/report.$f.err"
	assert_eq "report --format $f exit status" "$?" 0 || diag_file "$T_TMP/report.$f.err"
done
n=$(grep -o '<rect class="nlevent"' "$T_TMP/report.html" | wc -l)
assert_ge "HTML: nlevent ticks on vm's timeline" "$n" 2
tap_check "HTML: an nlevent tick titled with the link going down" \
	grep -q 'class="nlevent"[^>]*><title>[0-9:.]* link: [^<]*down' "$T_TMP/report.html"
tap_check "HTML: a bench line" grep -q '<line class="benchline"' "$T_TMP/report.html"
tap_check "HTML: the events table" grep -q '<h2>Network and monitor events</h2>' "$T_TMP/report.html"
for f in text md; do
	tap_check "$f: the events section" grep -q 'Network and monitor events' "$T_TMP/report.$f"
	tap_check "$f: the bench section" grep -q 'Benchmarks during this run' "$T_TMP/report.$f"
	tap_check "$f: the path line" grep -q 'path: via hm0' "$T_TMP/report.$f"
done

tap_done
