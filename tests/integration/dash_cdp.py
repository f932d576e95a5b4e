#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""dash_cdp.py: drive a headless Chromium over the DevTools protocol for
dashboard.t, with the standard library only (a minimal websocket client).

    dash_cdp.py PORT TARGET SECONDS OUTDIR

Attaches to the page Chromium has open on the debugging PORT, then every
50 ms reads TARGET's row (its data-state and its last-outages text) and
prints one line per change: "<unix ns> <state> <text>". Stops SECONDS
after it started, or 1 s after the row went DOWN and then UP. Then checks
the layout at 1400 and 400 px wide: prints "width W scroll S rows N" for
each and saves OUTDIR/dash-W.png.
"""
import base64
import json
import os
import socket
import struct
import sys
import time
import urllib.request


class WS:
    """Just enough of RFC 6455 for DevTools: text frames, client masking."""

    def __init__(self, url):
        assert url.startswith("ws://")
        hostport, path = url[5:].split("/", 1)
        host, port = hostport.rsplit(":", 1)
        self.s = socket.create_connection((host, int(port)), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n" % (path, hostport, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.s.recv(1)
            if not chunk:
                raise OSError("websocket handshake: connection closed")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise OSError("websocket handshake: " + head.split(b"\r\n", 1)[0].decode())
        self.next_id = 0

    def _recv_exact(self, n):
        b = b""
        while len(b) < n:
            chunk = self.s.recv(n - len(b))
            if not chunk:
                raise OSError("websocket closed")
            b += chunk
        return b

    def send(self, obj):
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            hdr = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            hdr = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        self.s.sendall(hdr + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(data)))

    def recv(self):
        msg = b""
        while True:
            b0, b1 = self._recv_exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._recv_exact(8))[0]
            payload = self._recv_exact(n)
            op = b0 & 0x0F
            if op == 8:
                raise OSError("websocket closed by peer")
            if op in (0, 1, 2):
                msg += payload
                if b0 & 0x80:
                    return json.loads(msg)

    def call(self, method, **params):
        self.next_id += 1
        my = self.next_id
        self.send({"id": my, "method": method, "params": params})
        while True:
            m = self.recv()
            if m.get("id") == my:
                if "error" in m:
                    raise OSError("%s: %s" % (method, m["error"]))
                return m.get("result", {})


def evaluate(ws, expr):
    """The value of expr in the page, None while it has no context (loading)."""
    try:
        r = ws.call("Runtime.evaluate", expression=expr, returnByValue=True)
    except OSError as e:
        if "execution context" not in str(e):
            raise
        return None
    return r.get("result", {}).get("value")


def main():
    port, target, seconds, outdir = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    end = time.monotonic() + seconds
    page = None
    while page is None and time.monotonic() < end:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%s/json/list" % port, timeout=2) as r:
                pages = [p for p in json.load(r) if p.get("type") == "page"]
            page = pages[0] if pages else None
        except OSError:
            pass
        if page is None:
            time.sleep(0.1)
    if page is None:
        print("no page", flush=True)
        return 1
    ws = WS(page["webSocketDebuggerUrl"])
    expr = ("(function(){var r=document.querySelector('.row[data-name=%s]');"
            "return r?r.dataset.state+' '+r.querySelector('.last').textContent:'none';})()"
            % json.dumps(target))
    last, down_seen, stop_at = None, False, None
    while time.monotonic() < end and (stop_at is None or time.monotonic() < stop_at):
        v = evaluate(ws, expr)
        state = (v or "none").split(" ", 1)[0]
        if state != (last or "").split(" ", 1)[0] or (state == "up" and v != last):
            print("%d %s" % (time.time_ns(), v), flush=True)
        last = v
        if state == "down":
            down_seen = True
        elif state == "up" and down_seen and stop_at is None:
            stop_at = time.monotonic() + 1.0
        time.sleep(0.05)
    for w, h in ((1400, 900), (400, 800)):
        ws.call("Emulation.setDeviceMetricsOverride", width=w, height=h, deviceScaleFactor=1,
                mobile=w < 600)
        time.sleep(0.5)  # a redraw batch
        v = evaluate(ws, "[innerWidth, document.documentElement.scrollWidth,"
                         " document.querySelectorAll('.row').length]") or [w, -1, 0]
        print("width %d scroll %d rows %d" % (v[0], v[1], v[2]), flush=True)
        shot = ws.call("Page.captureScreenshot", format="png")
        with open(os.path.join(outdir, "dash-%d.png" % w), "wb") as f:
            f.write(base64.b64decode(shot["data"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
