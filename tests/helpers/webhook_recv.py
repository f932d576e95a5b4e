#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# webhook_recv.py: a webhook receiver for webhooks.t. Listens on
# 127.0.0.1:PORT (http, or https with --cert/--key), appends one JSON line
# per POST to OUT ({"t": receive time, "status": answer, "ua": User-Agent,
# "type": Content-Type, "body": the parsed body}), answers --fail N times
# with 503 first, waits --delay seconds before each answer, and exits
# after --life seconds. Prints "ready" once listening.
import argparse
import http.server
import json
import socketserver
import ssl
import sys
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("out")
ap.add_argument("--cert")
ap.add_argument("--key")
ap.add_argument("--delay", type=float, default=0)
ap.add_argument("--fail", type=int, default=0)
ap.add_argument("--life", type=float, default=60)
a = ap.parse_args()
lock = threading.Lock()
state = {"fails": a.fail}


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        if a.delay:
            time.sleep(a.delay)
        with lock:
            status = 200
            if state["fails"] > 0:
                state["fails"] -= 1
                status = 503
            try:
                body = json.loads(raw)
            except ValueError:
                body = {"unparsed": raw.decode("utf-8", "replace")}
            with open(a.out, "a") as f:
                f.write(json.dumps({"t": time.time(), "status": status,
                                    "ua": self.headers.get("User-Agent"),
                                    "type": self.headers.get("Content-Type"),
                                    "body": body}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = S(("127.0.0.1", a.port), H)
if a.cert:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
threading.Timer(a.life, lambda: srv.shutdown()).start()
print("ready", flush=True)
srv.serve_forever()
