#!/bin/bash
# SPDX-License-Identifier: ISC
# webhooks.t: webhook = URL POSTs each event's JSON, over http and https,
# in order, retried, and never at a probe's expense.
#
# One host probed every 10 ms; faultctl drops its echo requests for 600 ms.
# Receivers (tests/helpers/webhook_recv.py) listen on 127.0.0.1 in the
# monitor's namespace.
# - A (http): the receiver gets up, down, burst, up in that order, each
#   with Content-Type application/json and a hamon/ User-Agent; the closing
#   up's duration and bounds equal the monitor's UP line; the summary says
#   4 delivered;
# - B (https, a CA made here with openssl): with --webhook-ca delivered;
#   without it refused as unverified, nothing delivered;
# - C (nothing listening): retries with backoff are logged, every probe is
#   still sent, and the monitor exits within the exit grace;
# - D (slow: 300 ms an answer, and the first answer a 503): delivered in
#   order after one retry, none dropped, every probe sent;
# - E (hamon run --kind backup): muted, nothing sent, counted as muted;
# - bad URLs and options: exit 2, one line, no secret of the URL printed.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_netns
need_nft
need_faultctl
need_cmd jq timeout python3 openssl

netns_pair webhooks 63
hamon_ready || tap_done

RECV="$top_srcdir/tests/helpers/webhook_recv.py"
port=18080

# recv TAG ARGS...: a receiver on the next port in NS_MON; sets URL_PORT.
recv() {
	local tag=$1 i
	shift
	port=$((port + 1))
	URL_PORT=$port
	bg_in_ns "$NS_MON" "$tag.recv" 60 python3 "$RECV" "$port" "$T_TMP/$tag.got" "$@"
	for ((i = 0; i < 50; i++)); do grep -q ready "$T_TMP/$tag.recv.out" 2>/dev/null && return 0; sleep 0.1; done
	diag_file "$T_TMP/$tag.recv.err"
	return 1
}

fault() { # fault TAG [DELAY]: drop the host's echo requests for 600 ms after DELAY (700ms)
	bg_in_ns "$NS_H1" "$1" 20 "$FAULTCTL" once --start-delay "${2:-700ms}" \
		--rule "ip saddr $MON_IP4 icmp type echo-request drop" --for 600ms
	FPID=$BG_PID
}

# got TAG: the events the receiver got, as "event event ...", without the
# UNKNOWN windows a loaded machine can add (a stall), which are events too.
got() { jq -r 'select(.body.event != "unknown") | .body.event' "$T_TMP/$1.got" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
# ngot TAG: how many POSTs it answered 200.
ngot() { jq -s 'map(select(.status == 200)) | length' "$T_TMP/$1.got" 2>/dev/null || echo 0; }

# ---- A: http
recv A || bail_out "receiver A did not start"
fault faultA
hamon_bg monA 30 monitor --no-db --interval 10ms --timeout 200ms --duration 2500ms --format json \
	--webhook "http://127.0.0.1:$URL_PORT/hook" "vm=icmp://$H1_IP4"
mpid=$BG_PID
wait_pid "$FPID"
rc=0
wait_pid "$mpid" || rc=$?
assert_eq "A: monitor exit status" "$rc" 0 || diag_file "$T_TMP/monA.err"
assert_eq "A: the events, in order" "$(got A)" "up down burst up" || diag_file "$T_TMP/monA.err"
tap_check "A: Content-Type application/json and a hamon/ User-Agent on every POST" \
	sh -c "jq -se 'all(.type == \"application/json\" and (.ua | startswith(\"hamon/\")))' '$T_TMP/A.got' >/dev/null"
upline=$(jq -c 'select(.event == "up" and .duration_ms != null)' "$T_TMP/monA.out" | head -1)
hook=$(jq -c 'select(.body.event == "up" and .body.duration_ms != null) | .body' "$T_TMP/A.got" | head -1)
for f in duration_ms lower_ms upper_ms lost; do
	assert_within "A: the POSTed up's $f = the UP line's" "$(jq ".$f" <<<"$hook")" \
		"$(jq ".$f" <<<"$upline")" 0
done
assert_eq "A: the POSTed target and url" "$(jq -r '.target + " " + .url' <<<"$hook")" "vm icmp://$H1_IP4"
n=$(ngot A)
tap_check "A: the summary says $n delivered, as many as were received" \
	grep -q "webhook http://127.0.0.1:$URL_PORT/…: $n delivered" "$T_TMP/monA.err"
tap_check "A: the URL's path is never logged" sh -c "! grep -q '/hook' '$T_TMP/monA.err'"

# ---- B: https with a test CA
ca="$T_TMP/ca"
mkdir -p "$ca"
chmod 755 "$T_TMP" "$ca"
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$ca/ca.key" -out "$ca/ca.pem" -days 2 \
	-subj "/CN=hamon test CA" >/dev/null 2>&1 &&
	openssl req -newkey rsa:2048 -nodes -keyout "$ca/srv.key" -out "$ca/srv.csr" \
		-subj "/CN=127.0.0.1" >/dev/null 2>&1 &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$ca/ext" &&
	openssl x509 -req -in "$ca/srv.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -CAcreateserial \
		-out "$ca/srv.pem" -days 2 -extfile "$ca/ext" >/dev/null 2>&1; then
	chmod 644 "$ca"/*.pem
	tap_pass "harness: a test CA and a server certificate for 127.0.0.1"
else
	tap_fail "harness: openssl could not make the test CA"
fi
recv B --cert "$ca/srv.pem" --key "$ca/srv.key" || bail_out "receiver B did not start"
hamon_bg monB 30 monitor --no-db --interval 10ms --duration 800ms \
	--webhook "https://127.0.0.1:$URL_PORT/" --webhook-ca "$ca/ca.pem" "vm=icmp://$H1_IP4"
wait_pid "$BG_PID"
assert_eq "B: https with --webhook-ca: the first up delivered" "$(got B)" "up" || diag_file "$T_TMP/monB.err"
recv B2 --cert "$ca/srv.pem" --key "$ca/srv.key" || bail_out "receiver B2 did not start"
hamon_bg monB2 30 monitor --no-db --interval 10ms --duration 800ms \
	--webhook "https://127.0.0.1:$URL_PORT/" "vm=icmp://$H1_IP4"
wait_pid "$BG_PID"
assert_eq "B: https without the CA: nothing delivered" "$(got B2)" ""
tap_check "B: ... said: the certificate does not verify" \
	grep -q "certificate does not verify" "$T_TMP/monB2.err" || diag_file "$T_TMP/monB2.err"

# ---- C: nothing listening
t0=$(date +%s%N)
hamon_bg monC 30 monitor --no-db --interval 10ms --duration 2500ms --format json \
	--webhook "http://127.0.0.1:9/" "vm=icmp://$H1_IP4"
wait_pid "$BG_PID"
t1=$(date +%s%N)
tap_check "C: the failure and its retry are logged" grep -q "retry 1 of 6 in 1 s" "$T_TMP/monC.err" ||
	diag_file "$T_TMP/monC.err"
tap_check "C: ... and the next with a longer wait" grep -q "retry 2 of 6 in 2 s" "$T_TMP/monC.err"
sent=$(jq -r 'select(.event == "summary") | .sent' "$T_TMP/monC.out")
assert_between "C: every probe sent (250 due)" "${sent:-0}" 249 251
assert_between "C: exit within the 2 s grace (ms from start)" "$(((t1 - t0) / 1000000))" 0 7000
tap_check "C: what was not sent is counted" grep -Eq "webhook http://127.0.0.1:9: 0 delivered, .* failed" \
	"$T_TMP/monC.err"

# ---- D: slow, and a 503 first
recv D --delay 0.3 --fail 1 || bail_out "receiver D did not start"
fault faultD
hamon_bg monD 30 monitor --no-db --interval 10ms --timeout 200ms --duration 6s --format json \
	--webhook "http://127.0.0.1:$URL_PORT/" "vm=icmp://$H1_IP4"
mpid=$BG_PID
wait_pid "$FPID"
wait_pid "$mpid"
# On a loaded machine stalls add UNKNOWN events, 300 ms each here, and
# what the exit grace cannot send is counted as not sent: the events that
# came are in order, the first after a retry, and none was dropped.
seq=$(jq -r 'select(.body.event != "unknown") | .body.event + ":" + (.status | tostring)' "$T_TMP/D.got" |
	tr '\n' ' ' | sed 's/ $//')
want="up:503 up:200 down:200 burst:200 up:200"
tap_check "D: in order, the first twice (503, then 200), at least up to the down: $seq" \
	sh -c "[ \"\${#1}\" -ge 22 ] && case '$want' in \"\$1\"*) exit 0;; esac; exit 1" sh "$seq" ||
	diag_file "$T_TMP/monD.err"
line=$(grep "webhook http://127.0.0.1:$URL_PORT: [0-9]* delivered" "$T_TMP/monD.err")
assert_eq "D: delivered = what the receiver answered 200" "$(sed -n 's/.*: \([0-9]*\) delivered.*/\1/p' <<<"$line")" \
	"$(ngot D)"
tap_check "D: none dropped, none failed ($line)" grep -q " 0 failed, 0 rejected, 0 dropped" <<<"$line"
sent=$(jq -r 'select(.event == "summary") | .sent' "$T_TMP/monD.out")
assert_between "D: every probe sent (600 due)" "${sent:-0}" 599 601
stall=$(jq -s '[.[] | select(.event == "unknown" and .code == "stall") | .duration_ms] | max // 0' "$T_TMP/monD.out")
assert_between "D: no stall of the loop while the receiver dawdled (longest, ms)" "$stall" 0 100

# ---- E: a backup run mutes what happens while its command runs (the
# fault, 1.5 s after the start, falls in the 3.5 s command, which starts
# about 150 ms after the run, allowing for a slow start under ASan; the
# first up, before the command, is sent)
recv E || bail_out "receiver E did not start"
fault faultE 1500ms
rc=0
in_mon timeout -k 5 30 "$HAMON" run --no-db --kind backup --interval 10ms --timeout 200ms \
	--settle 300ms --baseline 100ms --webhook "http://127.0.0.1:$URL_PORT/" \
	--target "vm=icmp://$H1_IP4" -- sleep 3.5 >"$T_TMP/runE.out" 2>"$T_TMP/runE.err" || rc=$?
wait_pid "$FPID"
assert_eq "E: hamon run exit status" "$rc" 0 || diag_file "$T_TMP/runE.err"
muted=$(sed -n 's/.*webhook .*: [0-9]* delivered, .* \([0-9]*\) muted.*/\1/p' "$T_TMP/runE.err")
assert_ge "E: the summary counts the fault's events (down, burst, up) as muted" "${muted:-0}" 3 ||
	diag_file "$T_TMP/runE.err"
assert_eq "E: only the up before the backup was sent" "$(got E)" "up"

# ---- bad input
bad() { # bad NAME WANT ARGS...
	local name=$1 want=$2 rc=0
	shift 2
	"$HAMON" monitor --no-db --count 1 "$@" "vm=icmp://$H1_IP4" >/dev/null 2>"$T_TMP/bad.err" || rc=$?
	assert_eq "$name: exit 2, one line" "$rc/$(wc -l <"$T_TMP/bad.err")" "2/1"
	tap_check "... says $want" grep -q -- "$want" "$T_TMP/bad.err"
}
bad "--webhook ftp://" "http:// or https://" --webhook "ftp://example.invalid/x"
bad "--webhook with no host" "no host" --webhook "http:///x"
bad "--webhook-timeout 0" "webhook-timeout" --webhook "http://127.0.0.1:1/" --webhook-timeout 0
bad "--webhook with a bad port" "port" --webhook "https://127.0.0.1:99999/secret-token"
tap_check "... without the URL's secret path" sh -c "! grep -q secret-token '$T_TMP/bad.err'"
printf '[defaults]\nwebhook = http://127.0.0.1:1/a\nwebhook = gopher://x/\n[vm]\ntarget = icmp://%s\n' "$H1_IP4" \
	>"$T_TMP/bad.conf"
rc=0
"$HAMON" check-config "$T_TMP/bad.conf" >/dev/null 2>"$T_TMP/badc.err" || rc=$?
assert_eq "a bad webhook in the file: exit 2" "$rc" 2
tap_check "... naming file and line 3" grep -q "bad.conf:3: webhook" "$T_TMP/badc.err" || diag_file "$T_TMP/badc.err"
printf '[defaults]\nwebhook = http://127.0.0.1:1/a\nwebhook = http://127.0.0.1:2/b\n[vm]\ntarget = icmp://%s\n' \
	"$H1_IP4" >"$T_TMP/two.conf"
rc=0
"$HAMON" check-config "$T_TMP/two.conf" >/dev/null 2>"$T_TMP/two.err" || rc=$?
assert_eq "two webhook lines: accepted" "$rc" 0 || diag_file "$T_TMP/two.err"

tap_done
