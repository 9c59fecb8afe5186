"""A webhook endpoint for WebhookTests: HTTPS on 127.0.0.1 with a test
certificate, answering each POST in turn as the plan says — `fail` (500),
`slow` (answers after 3 s, past the gateway's timeout), `ok` (200) — the
last step repeating. Every request it reads is logged as one JSON line
(signature header, idempotency key, base64 body, what it answered).

    python3 webhook_receiver.py CERT KEY PORT_FILE LOG PLAN
"""
import base64
import http.server
import json
import ssl
import sys
import threading
import time

cert, key, port_file, log, plan = sys.argv[1:6]
steps = plan.split(",")
lock = threading.Lock()
count = [0]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            step = steps[min(count[0], len(steps) - 1)]
            count[0] += 1
            with open(log, "a") as out:
                out.write(json.dumps({
                    "signature": self.headers.get("Groundswell-Signature", ""),
                    "idempotency_key": self.headers.get("Idempotency-Key", ""),
                    "body_base64": base64.b64encode(body).decode(),
                    "answer": step,
                }) + "\n")
        if step == "slow":
            time.sleep(3)
        status = 500 if step == "fail" else 200
        try:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
with open(port_file + ".tmp", "w") as out:
    out.write(str(server.server_address[1]))
import os  # noqa: E402
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
