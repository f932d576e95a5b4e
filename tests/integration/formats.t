#!/bin/bash
# SPDX-License-Identifier: ISC
# formats.t: what `hamon monitor --format json` prints and what --metrics
# serves are what report/FORMATS.md documents. One bounded monitor run
# (8 s, 10 ms) against a test host produces every kind of line the
# document has a table for, but netlink's own overrun: `marker`,
# `span-begin` and `span-end` (hamon mark), `refused` then `accepting` (a
# TCP target whose port opens), `down` and `up` (the host's address taken
# away for 400 ms), `link`/`route`/... and an `unknown` window of scope
# link (the monitor's own link down for 300 ms), `packets` (-v) and
# `summary`. tests/integration/formats.check.py then holds every line to
# the document's monitor-* tables (kind, keys, types, decimals, UNKNOWN
# codes) and the families of a page scraped after the outage to its metrics
# table. The checker reads the document, so a field, code or metric added
# to it needs no change here.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_cmd jq timeout python3 curl
netns_pair formats 58
hamon_ready || tap_done
need_help_options monitor --metrics --format -v || tap_done

DB="$T_TMP/formats.db"
PORT=9658
TCP_PORT=8022
DOC="$top_srcdir/report/FORMATS.md"
CHECK="$top_srcdir/tests/integration/formats.check.py"

# A listener on the test host that accepts and closes; bounded.
cat >"$T_TMP/listen.py" <<'PY'
import select, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1024)
s.setblocking(False)
print("listening", flush=True)
end = time.time() + float(sys.argv[3])
while time.time() < end:
    r, _, _ = select.select([s], [], [], 0.2)
    for _ in range(1000 if r else 0):
        try:
            c, _ = s.accept()
        except OSError:
            break
        c.close()
PY

# wait_line JQ_FILTER: wait (at most 3 s) for a monitor line matching it.
wait_line() {
	local i
	for i in $(seq 30); do
		jq -e -c "select($1)" "$T_TMP/mon.out" 2>/dev/null | head -n 1 | grep . && return 0
		sleep 0.1
	done
	return 1
}

hamon_bg mon 45 monitor --db "$DB" --interval 10ms --timeout 100ms --down-after 3 \
	--duration 30s --format json -v --metrics "127.0.0.1:$PORT" \
	"vm=icmp://$H1_IP4" "svc=tcp://$H1_IP4:$TCP_PORT"
MON_PID=$BG_PID
for _ in $(seq 100); do [ -S "$DB.ctl" ] && break; sleep 0.05; done
if ! [ -S "$DB.ctl" ] || ! kill -0 "$MON_PID" 2>/dev/null; then
	tap_fail "the monitor runs and opens its control socket within 5 s"
	diag_file "$T_TMP/mon.err"
	tap_done
fi

# Markers and a span.
# shellcheck disable=SC2317 # called through tap_check
mark() { "$HAMON" mark --db "$DB" "$@" >>"$T_TMP/mark.out" 2>&1; }
tap_check "hamon mark (a marker)" mark "power cut node1"
tap_check "hamon mark --begin" mark "drain node1" --begin

# The TCP port refuses until the listener starts.
wait_line '.event == "refused"' >/dev/null ||
	{ tap_fail "a refused line while the TCP port is closed"; diag_file "$T_TMP/mon.out" 20; }
bg_in_ns "$NS_H1" listener 30 python3 "$T_TMP/listen.py" "$H1_IP4" "$TCP_PORT" 25
for _ in $(seq 50); do
	grep -q listening "$T_TMP/listener.out" 2>/dev/null && break
	sleep 0.1
done
wait_line '.event == "accepting"' >/dev/null ||
	{ tap_fail "an accepting line once the port listens"; diag_file "$T_TMP/mon.out" 20; }

# An outage of both targets: the host's address away for 400 ms.
ip -n "$NS_H1" addr del "$H1_IP4/24" dev "$H1_DEV" || bail_out "cannot take $H1_IP4 away"
sleep 0.4
ip -n "$NS_H1" addr add "$H1_IP4/24" dev "$H1_DEV" || bail_out "cannot give $H1_IP4 back"
wait_line '.event == "up" and .target == "vm" and has("duration_ms")' >/dev/null ||
	{ tap_fail "an up line after the outage"; diag_file "$T_TMP/mon.out" 20; }
tap_check "hamon mark --end" mark "drain node1" --end

# The monitor's own link down for 300 ms: netlink lines and an UNKNOWN
# window of scope link.
ip -n "$NS_MON" link set "$MON_DEV" down
sleep 0.3
ip -n "$NS_MON" link set "$MON_DEV" up
wait_line '.event == "unknown" and .scope == "link"' >/dev/null ||
	{ tap_fail "an unknown line of scope link"; diag_file "$T_TMP/mon.out" 20; }
# The link comes back with its neighbours flushed: scrape once answers are
# back (the page is checked for its names and types, not its values).
sleep 0.5
in_mon curl -sf --max-time 5 -o "$T_TMP/page.prom" "http://127.0.0.1:$PORT/metrics" ||
	tap_fail "the metrics page could be scraped"

# The end: the summary and packets lines are printed at exit.
hpid=$(pgrep -P "$MON_PID" -x hamon | head -n 1)
kill -INT "${hpid:-0}" 2>/dev/null
rc=0
wait_pid "$MON_PID" || rc=$?
assert_eq "monitor exit status after SIGINT (pid ${hpid:-none})" "$rc" 0 || diag_file "$T_TMP/mon.err"
diag "$(jq -r .event "$T_TMP/mon.out" 2>/dev/null | sort | uniq -c | tr '\n' ' ')"

# The checker's lines are TAP checks.
python3 "$CHECK" "$DOC" "$T_TMP/mon.out" "$T_TMP/page.prom" monitor-transition monitor-tcp \
	monitor-unknown monitor-netlink monitor-mark monitor-packets monitor-summary \
	>"$T_TMP/check.out" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*) tap_pass "${line#ok }" ;;
	"not ok "*) tap_fail "${line#not ok }" ;;
	*) diag "$line" ;;
	esac
done <"$T_TMP/check.out"
tap_check "the checker ran to its end (exit $rc: 0 or 1)" [ "$rc" -le 1 ]
tap_done
