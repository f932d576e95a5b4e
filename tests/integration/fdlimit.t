#!/bin/bash
# SPDX-License-Identifier: ISC
# fdlimit.t: descriptors are never the attacker's. The monitor runs under
# `ulimit -n 1024` (soft and hard: nothing to raise) while a local user
# (flood.py in the monitor's namespace) keeps up to 1 100 idle connections
# to --metrics open, reconnecting each one the monitor shuts, for the whole
# run. Then:
#   - the endpoint caps its connections (hamon_metrics_connections_max, an
#     eighth of the limit beyond 64 kept in reserve) and refuses the excess at
#     once: every scrape during the flood is answered, 200 or 503, and none
#     runs into curl's 5 s bound (exit 28: a hang); the flood is shut as
#     "limit" and "timeout" (no request within 2 s) refusals;
#   - `hamon mark` works during the flood and stores exactly one marker; a
#     request repeated with the same token (what the client's retry sends)
#     is answered "ok" twice and stored once;
#   - ICMP probes keep their schedule: every deadline between the first
#     and the last send (hamon's own send times, --samples) was sent or is
#     among the deadlines hamon reports skipped, and none is lost on this
#     clean veth pair (send lag p99/max are shown);
#   - in --tcp-mode connect (one descriptor per probe), a 2 s nft drop of
#     the probed service during the flood is recorded as one outage and one
#     burst: the harness's check_bursts_against_faults (duration and start
#     within interval + 2 ms, the injected duration inside the reported
#     lower..upper bounds, widened by the nft calls' edges), and no probe
#     failed for want of a descriptor (no send errors, no no-fd window).

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_nft
need_faultctl
need_cmd curl jq timeout python3 sqlite3

netns_pair fdlimit 70
hamon_ready || tap_done
PORT=9671
SVC=8090
URL=http://127.0.0.1:$PORT/metrics
NFLOOD=1100

# The flood: up to N connections to the endpoint, each reconnected when the
# monitor shuts it, for SECS seconds; every select and connect is bounded.
# It lifts its own descriptor limit (it is the attacker, not under test).
cat >"$T_TMP/flood.py" <<'PY'
import resource, select, socket, sys, time
port, n, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
held, opened, shut, most = [], 0, 0, 0
end = time.monotonic() + secs
while time.monotonic() < end:
    tick = time.monotonic() + 0.05
    for _ in range(min(64, n - len(held))):
        try:
            held.append(socket.create_connection(("127.0.0.1", port), timeout=0.2))
            opened += 1
        except OSError:
            break
    if most == 0:
        print("flooding", flush=True)
    most = max(most, len(held))
    r, _, _ = select.select(held, [], [], 0.05) if held else ([], [], [])
    for s in r:
        try:
            s.recv(4096)
        except OSError:
            pass
        s.close()
        held.remove(s)
        shut += 1
    # At most 64 new connections per 50 ms: a flood of idle connections,
    # not a benchmark of connection churn.
    time.sleep(max(0, tick - time.monotonic()))
print("opened %d shut %d most %d" % (opened, shut, most), flush=True)
PY

# A listener for the TCP target on the host, accepting and closing.
cat >"$T_TMP/listen.py" <<'PY'
import select, socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(4096)
s.setblocking(False)
print("listening", flush=True)
end = time.time() + float(sys.argv[3])
while time.time() < end:
    if select.select([s], [], [], 0.2)[0]:
        for _ in range(1000):
            try:
                s.accept()[0].close()
            except OSError:
                break
PY

# Same token twice on the control socket: two answers, one marker.
cat >"$T_TMP/twice.py" <<'PY'
import socket, sys, time
req = ("marker %d id=00c0ffee00c0ffee twice\n" % time.time_ns()).encode()
for _ in range(2):
    c = socket.socket(socket.AF_UNIX)
    c.settimeout(3)
    c.connect(sys.argv[1])
    c.sendall(req)
    print(c.recv(128).decode().strip())
    c.close()
PY

# wait_for FILE WORD: up to 5 s for WORD in FILE.
wait_for() {
	local _
	for _ in $(seq 50); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# metric FILE NAME: its value ("" if absent).
metric() {
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}
# hamon_limited TAG GUARD ARGS...: hamon in NS_MON under ulimit -n
# ${LIMIT:-1024} (soft and hard).
hamon_limited() {
	local tag=$1 guard=$2
	shift 2
	bg_in_ns "$NS_MON" "$tag" "$guard" bash -c 'ulimit -n "$0" && exec "$@"' "${LIMIT:-1024}" \
		"$HAMON" "$@"
}
# scrapes_during TAG N: N scrapes 200 ms apart; sets SCRAPE_RC[].
scrapes_during() {
	local i
	SCRAPE_RC=()
	for ((i = 0; i < $2; i++)); do
		in_mon curl -s --max-time 5 -o "$T_TMP/$1.$i.prom" -w '%{http_code}\n' "$URL" \
			>"$T_TMP/$1.$i.code" 2>/dev/null
		SCRAPE_RC+=($?)
		sleep 0.2
	done
}

bg_in_ns "$NS_H1" listener 120 python3 "$T_TMP/listen.py" "$H1_IP4" "$SVC" 110
wait_for "$T_TMP/listener.out" listening || bail_out "the test listener did not start"

#
# Run 1: ICMP, metrics, marks.
#
# The run is long (60 s guard) and ended by SIGINT once its checks are
# done, so a loaded machine that slows the steps below cannot end it first.
IV_MS=10
hamon_limited icmp.hamon 70 monitor --db "$T_TMP/icmp.db" --samples --interval "${IV_MS}ms" \
	--timeout 200ms --duration 60s --metrics "127.0.0.1:$PORT" --format json -q \
	"vm=icmp://$H1_IP4"
mon=$BG_PID
up=
for _ in $(seq 50); do
	in_mon curl -sf --max-time 2 -o "$T_TMP/first.prom" "$URL" && up=1 && break
	sleep 0.1
done
[ -n "$up" ] || bail_out "no scrape answered before the flood"
cap=$(metric "$T_TMP/first.prom" hamon_metrics_connections_max)
assert_eq "connection cap under ulimit -n 1024: (1024 - 64) / 8" "$cap" 120

bg_in_ns "$NS_MON" flood 30 python3 "$T_TMP/flood.py" "$PORT" "$NFLOOD" 7
flood=$BG_PID
wait_for "$T_TMP/flood.out" flooding || tap_fail "harness: the flood started"
sleep 1
scrapes_during icmp 10
hung=0 answered=0 refused=0
for ((i = 0; i < ${#SCRAPE_RC[@]}; i++)); do
	code=$(cat "$T_TMP/icmp.$i.code" 2>/dev/null)
	[ "${SCRAPE_RC[i]}" = 28 ] && hung=$((hung + 1))
	[ "$code" = 200 ] && answered=$((answered + 1))
	[ "$code" = 503 ] && refused=$((refused + 1))
done
diag "scrapes during the flood: $answered answered, $refused refused (503), exit codes ${SCRAPE_RC[*]}"
assert_eq "scrapes during the flood that hung until curl's 5 s bound" "$hung" 0
assert_eq "scrapes during the flood answered 200 or refused 503" "$((answered + refused))" 10

in_mon timeout 10 "$HAMON" mark --db "$T_TMP/icmp.db" "during the flood" \
	>"$T_TMP/mark.out" 2>"$T_TMP/mark.err"
rc=$?
assert_eq "hamon mark during the flood exits 0" "$rc" 0 || diag_file "$T_TMP/mark.err"
in_mon timeout 10 python3 "$T_TMP/twice.py" "$T_TMP/icmp.db.ctl" >"$T_TMP/twice.out" 2>&1
assert_eq "the same token twice on the control socket: both answered ok" \
	"$(grep -c '^ok$' "$T_TMP/twice.out")" 2 || diag_file "$T_TMP/twice.out"

wait_pid "$flood"
diag "flood: $(tail -n 1 "$T_TMP/flood.out")"
flood_opened=$(awk '/^opened/ { print $2 }' "$T_TMP/flood.out")
assert_ge "harness: the flood opened at least $NFLOOD connections" "${flood_opened:-0}" "$NFLOOD"
in_mon curl -sf --max-time 5 -o "$T_TMP/after.prom" "$URL"
assert_eq "a scrape after the flood exits 0" "$?" 0
lim=$(metric "$T_TMP/after.prom" 'hamon_metrics_refused_total{reason="limit"}')
tmo=$(metric "$T_TMP/after.prom" 'hamon_metrics_refused_total{reason="timeout"}')
diag "refused beyond the cap: $lim, shut without a request in 2 s: $tmo"
assert_ge "connections refused beyond the cap" "${lim:-0}" 1
assert_ge "every flood connection was shut by the monitor (limit + timeout >= shut by flood)" \
	"$((${lim:-0} + ${tmo:-0}))" "$(awk '/^opened/ { print $4 }' "$T_TMP/flood.out")"

kill -INT "$mon" 2>/dev/null
rc=0
wait_pid "$mon" || rc=$?
assert_eq "icmp: hamon monitor exit status" "$rc" 0 || diag_file "$T_TMP/icmp.hamon.err"
summary() {
	jq -r "select(.event == \"summary\" and .target == \"vm\") | .$2" "$T_TMP/$1.hamon.out" |
		head -n 1
}
read -r sends skipped p99 lagmax < <(sqlite3 -readonly -separator ' ' "$T_TMP/icmp.db" \
	"SELECT sends, skipped, lag_p99_ns, lag_max_ns FROM schedulers" 2>/dev/null)
read -r nsamples first last < <(sqlite3 -readonly -separator ' ' "$T_TMP/icmp.db" \
	"SELECT count(*), min(tx_ns), max(tx_ns) FROM samples" 2>/dev/null)
diag "icmp scheduler: $sends sends, $skipped skipped, lag p99 $(ns_to_ms "${p99:-0}") ms," \
	"max $(ns_to_ms "${lagmax:-0}") ms; $nsamples samples"
# Every deadline from the first send to the last was sent or reported
# skipped (skips after the last send may add some); every send stored.
assert_ge "icmp: sends + deadlines skipped (hamon's figures) >= deadlines between its first and last send" \
	"$((${sends:-0} + ${skipped:-0}))" "$(((${last:-0} - ${first:-0}) / (IV_MS * 1000000)))"
assert_eq "icmp: every send stored as a sample" "${nsamples:-0}" "${sends:-x}"
assert_eq "icmp: probes lost on the clean path during the flood" "$(summary icmp lost)" 0
assert_eq "icmp: send errors" "$(summary icmp send_errors)" 0
assert_eq "markers stored: one from hamon mark, one from the token sent twice" \
	"$(sqlite3 -readonly "$T_TMP/icmp.db" "SELECT count(*) FROM events WHERE kind = 'marker'")" 2
assert_eq "the twice-sent token stored once" \
	"$(sqlite3 -readonly "$T_TMP/icmp.db" "SELECT count(*) FROM events WHERE kind = 'marker' AND text = 'twice'")" 1

#
# Run 2: --tcp-mode connect, a 2 s drop of the service during the flood.
#
lead_ms=1500 fault_ms=2000 tail_ms=2000
dur=$((lead_ms + fault_ms + tail_ms))
hamon_limited tcp.hamon 40 monitor --db "$T_TMP/tcp.db" --tcp-mode connect --interval "${IV_MS}ms" \
	--timeout 200ms --down-after 3 --duration "${dur}ms" --metrics "127.0.0.1:$PORT" \
	--format json -q "vm=tcp://$H1_IP4:$SVC"
mon=$BG_PID
sleep 0.3
bg_in_ns "$NS_MON" flood2 30 python3 "$T_TMP/flood.py" "$PORT" "$NFLOOD" $((dur / 1000 + 1))
flood=$BG_PID
sleep "$(jq -n "($lead_ms - 300) / 1000")"
run_faultctl tcp 30 1 schedule --rule "ip saddr $MON_IP4 tcp dport $SVC drop" --at 0ms \
	--for "${fault_ms}ms"
rc=0
wait_pid "$mon" || rc=$?
assert_eq "tcp: hamon monitor exit status" "$rc" 0 || diag_file "$T_TMP/tcp.hamon.err"
wait_pid "$flood"
diag "flood: $(tail -n 1 "$T_TMP/flood2.out")"
assert_eq "tcp: probes that failed at send (no descriptor)" "$(summary tcp send_errors)" 0
assert_eq "tcp: send-failure windows stored (no-fd, send-error)" \
	"$(sqlite3 -readonly "$T_TMP/tcp.db" \
	"SELECT count(*) FROM unknown_windows WHERE code IN ('no-fd', 'send-error')")" 0
# Stalls are the loaded machine's (the flood shares the two cores), not a
# descriptor matter; they are shown, and the outage checks below hold
# whatever they are (an UNKNOWN window inside it would fail them).
diag "tcp: other UNKNOWN windows: $(sqlite3 -readonly "$T_TMP/tcp.db" \
	"SELECT count(*) || ' (' || coalesce(group_concat(DISTINCT code), '') || '), ' ||
	coalesce(sum(end_ns - start_ns) / 1000, 0) || ' us' FROM unknown_windows")"
if hamon_history_json tcp.outages --db "$T_TMP/tcp.db" --kind outage &&
	bursts_load "$T_TMP/tcp.outages.json"; then
	check_bursts_against_faults "tcp connect outage" "$IV_MS" vm
fi
if hamon_history_json tcp.bursts --db "$T_TMP/tcp.db" --kind burst &&
	bursts_load "$T_TMP/tcp.bursts.json"; then
	assert_eq "tcp: bursts (one: the outage's own)" "$B_COUNT" 1
fi

#
# Run 3: the descriptors do run out. Under ulimit -n 100, connect mode at
# 1 ms with a 500 ms timeout while the service's SYNs are dropped needs
# about 500 sockets at once: the sends that find none are UNKNOWN (a no-fd
# window of the target), never lost probes, and said once on stderr.
#
LIMIT=100 hamon_limited nofd.hamon 30 monitor --db "$T_TMP/nofd.db" --tcp-mode connect --interval 1ms \
	--timeout 500ms --duration 2500ms --format json -q "vm=tcp://$H1_IP4:$SVC"
mon=$BG_PID
sleep 0.3
run_faultctl nofd 30 1 schedule --rule "ip saddr $MON_IP4 tcp dport $SVC drop" --at 0ms --for 1500ms
rc=0
wait_pid "$mon" || rc=$?
assert_eq "no-fd: hamon monitor exit status" "$rc" 0 || diag_file "$T_TMP/nofd.hamon.err"
errs=$(summary nofd send_errors)
diag "no-fd: $errs send errors, $(summary nofd unknown) unknown, $(summary nofd lost) lost of $(summary nofd sent)"
assert_ge "no-fd: sends that found no descriptor" "${errs:-0}" 1
assert_ge "no-fd: stored windows of code no-fd, scope target" "$(sqlite3 -readonly "$T_TMP/nofd.db" \
	"SELECT count(*) FROM unknown_windows WHERE code = 'no-fd' AND scope = 'target'")" 1
assert_ge "no-fd: probes counted unknown, at least those that could not be sent" \
	"$(summary nofd unknown)" "${errs:-0}"
assert_eq "no-fd: stderr says so (Too many open files)" \
	"$(grep -c 'Too many open files' "$T_TMP/nofd.hamon.err")" 1
tap_done
