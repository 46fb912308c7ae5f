"""Processes of a production-like deployment for the tests: gunicorn app servers and
notification workers started as subprocesses on loopback, and an HTTP client that talks to
them as the reverse proxy would pass a browser's requests on (X-Forwarded-For/-Proto)."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
HOST = "portal.example.cn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_flask(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class Process:
    """A subprocess whose output goes to a file (read by the test afterwards)."""

    def __init__(self, args: list[str], env: dict, log: Path):
        self.log = log
        self._out = open(log, "wb")
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT
        )

    def stop(self, timeout: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._out.close()

    def alive(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.proc.args} exited: {self.output()[-3000:]}")
        return True

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def gunicorn(env: dict, port: int, log: Path) -> Process:
    return Process(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "app:app"],
        {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        log,
    )


def worker(env: dict, log: Path) -> Process:
    return Process(
        [sys.executable, "-m", "flask", "--app", "app.py", "notify", "work", "--interval", "0.2"],
        env,
        log,
    )


class Client:
    """One browser behind the proxy: its own address, cookies and CSRF token."""

    def __init__(self, ip: str):
        self.ip = ip
        self.cookies: dict[str, str] = {}
        self.token: str | None = None

    def request(
        self,
        port: int,
        method: str,
        path: str,
        form: dict | None = None,
        headers: dict | None = None,
    ) -> tuple[int, dict, str]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        sent = {
            "Host": HOST,
            "X-Forwarded-For": self.ip,
            "X-Forwarded-Proto": "https",
            "Referer": f"https://{HOST}{path}",
            **(headers or {}),
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            form = {"csrf_token": self.token or "", **form}
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            match = CSRF.search(text)
            if match:
                self.token = match.group(1)
            return response.status, dict(response.headers), text
        finally:
            conn.close()

    def get(self, port: int, path: str, **kw):
        return self.request(port, "GET", path, **kw)

    def post(self, port: int, path: str, form: dict, **kw):
        return self.request(port, "POST", path, form=form, **kw)


def wait_until(predicate, timeout: float, what: str, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


def base_env(**settings: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PORTAL_", "FLASK_", "SMS_", "MAIL_", "PROMETHEUS_", "GUNICORN_"))
        and k
        not in (
            "DATABASE_URL",
            "MIGRATION_DATABASE_URL",
            "REDIS_URL",
            "SECRET_KEY",
            "TOTP_ENCRYPTION_KEYS",
            "ID_ENCRYPTION_KEYS",
            "ID_INDEX_KEY",
            "CERT_SIGNING_KEYS",
            "TEST_DATABASE_URL",
            "PYTEST_CURRENT_TEST",
        )
    }
    env.update(settings)
    return env
