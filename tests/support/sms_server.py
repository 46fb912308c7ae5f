"""A small SMS provider on loopback for the tests: real HTTP requests, real timeouts, real 5xx.

Every request is recorded; a message counts as received only when the answer was 200.
``fail(503, 503)`` answers the next requests with those statuses; ``delay`` holds every
answer that long; ``started`` is set when a request arrives."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    to: str
    template: str
    #: the template's variables (issue 12: an SMS is a template with parameters)
    params: dict
    key: str
    header_key: str
    user: str
    password: str


class SmsServer:
    def __init__(self, user: str = "portal", password: str = "gateway-secret"):
        self.user, self.password = user, password
        self.received: list[Received] = []  # accepted (answered 200)
        self.requests: list[Received] = []  # every request, accepted or not
        self.failures: list[int] = []
        self.delay = 0.0
        self.started = threading.Event()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                payload = json.loads(self.rfile.read(length) or b"{}")
                auth = self.headers.get("Authorization", "")
                user, _, password = (
                    base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
                    if auth.startswith("Basic ")
                    else ("", "", "")
                )
                item = Received(
                    payload.get("to", ""),
                    payload.get("template", ""),
                    payload.get("params", {}),
                    payload.get("idempotency_key", ""),
                    self.headers.get("Idempotency-Key", ""),
                    user,
                    password,
                )
                with server._lock:
                    server.requests.append(item)
                    status = server.failures.pop(0) if server.failures else 200
                    if (user, password) != (server.user, server.password):
                        status = 401
                server.started.set()
                if server.delay:
                    time.sleep(server.delay)
                body = json.dumps({"ok": status == 200}).encode()
                # recorded BEFORE the answer goes out: a client that has read the answer must
                # find it here (appending after the write raced with the test's next line)
                if status == 200:
                    with server._lock:
                        server.received.append(item)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up waiting (its timeout): not delivered
                    if status == 200:
                        with server._lock:
                            server.received.remove(item)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/sms/send"

    def fail(self, *statuses: int) -> None:
        with self._lock:
            self.failures.extend(statuses)

    def per_recipient(self) -> Counter:
        with self._lock:
            return Counter(r.to for r in self.received)

    def __enter__(self) -> SmsServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
