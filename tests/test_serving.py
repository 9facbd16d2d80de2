"""Production serving: gunicorn workers, limits shared through Redis, proxies, headers."""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import make_app, need_system
from widget_api.cli import main
from widget_api.help_centre import HELP_CSP
from widget_api.server.serving import (
    ACCESS_LOG_FORMAT,
    ServeOptions,
    ServeRefused,
    check_serving,
    gunicorn_options,
)
from widget_api.settings import SettingsError

WIDGET_API = Path(sys.executable).with_name("widget-api")


def random_address() -> str:
    return ".".join(str(random.randint(1, 254)) for _ in range(4))


def ask_statuses(client, count: int, headers_for) -> list[int]:
    return [
        client.post(
            "/api/v1/ask", json={"question": "shipping"}, headers=headers_for(index)
        ).status_code
        for index in range(count)
    ]


def test_without_proxy_count_forwarded_for_cannot_make_a_new_client(tmp_path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_ASK="5 per minute")
    statuses = ask_statuses(app.test_client(), 50, lambda _: {"X-Forwarded-For": random_address()})
    assert statuses.count(200) == 5
    assert statuses.count(429) == 45


def test_with_one_proxy_the_last_hop_is_the_client(tmp_path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_ASK="5 per minute", PROXY_COUNT=1)
    client = app.test_client()
    # What a client puts before the proxy's own entry is ignored: one client, one limit.
    statuses = ask_statuses(
        client, 10, lambda _: {"X-Forwarded-For": f"{random_address()}, 198.51.100.7"}
    )
    assert statuses.count(200) == 5
    # Each address the proxy reports is a client of its own.
    statuses = ask_statuses(client, 10, lambda i: {"X-Forwarded-For": f"203.0.113.{i + 1}"})
    assert statuses == [200] * 10


def test_with_one_proxy_the_scheme_comes_from_the_proxy(tmp_path):
    app = make_app(tmp_path, PROXY_COUNT=1)

    @app.get("/scheme-probe")
    def scheme_probe():
        from flask import request

        return {"scheme": request.scheme, "address": request.remote_addr}

    client = app.test_client()
    seen = client.get(
        "/scheme-probe", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    ).get_json()
    assert seen == {"scheme": "https", "address": "203.0.113.9"}
    plain = make_app(tmp_path / "plain")
    plain.add_url_rule("/scheme-probe", view_func=scheme_probe)
    seen = (
        plain.test_client()
        .get(
            "/scheme-probe",
            headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
        )
        .get_json()
    )
    assert seen == {"scheme": "http", "address": "127.0.0.1"}


def test_when_redis_is_unreachable_limits_fall_back_to_memory(tmp_path):
    app = make_app(
        tmp_path,
        RATELIMIT_ENABLED=True,
        RATELIMIT_ASK="3 per minute",
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0",
    )
    statuses = ask_statuses(app.test_client(), 5, lambda _: {})
    assert statuses == [200, 200, 200, 429, 429]


def test_a_negative_proxy_count_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="PROXY_COUNT"):
        make_app(tmp_path, PROXY_COUNT=-1)


def _url_for_rule(rule) -> str:
    url = rule.rule
    for argument in rule.arguments:
        url = re.sub(rf"<(?:[^:<>]+:)?{argument}>", "x" * 22, url)
    return url


def test_every_response_has_the_security_headers(app, client):
    requests = [
        (method, _url_for_rule(rule), {"json": {}})
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    requests += [
        ("GET", "/nowhere", {}),
        ("GET", "/staff/nowhere", {}),
        ("GET", "/api/v1/nowhere", {}),
        ("PUT", "/widget.js", {}),
        ("GET", "/widget.js", {}),
        ("POST", "/api/v1/ask", {"data": "not json"}),
        ("OPTIONS", "/api/v1/ask", {"headers": {"Origin": "https://shop.example.com"}}),
    ]
    responses = {}
    for method, url, options in requests:
        with client.open(url, method=method, **options) as response:
            responses[f"{method} {url}"] = response
    assert len(responses) > 20
    statuses = set()
    for name, response in responses.items():
        statuses.add(response.status_code)
        assert response.headers.get("X-Content-Type-Options") == "nosniff", name
        assert response.headers.get("Referrer-Policy") == "no-referrer", name
        policy = response.headers.get("Content-Security-Policy", "")
        if name.split()[1].split("/")[1] == "help":  # its own stylesheet, nothing else
            assert policy == HELP_CSP, name
            continue
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy, name
        if name.split()[1].startswith("/staff/"):
            assert "unsafe-inline" not in policy, name
    assert {200, 204, 404, 405, 415} <= statuses


def test_api_answers_carry_each_cors_and_security_header_once(tmp_path):
    """An answer, a refusal, a preflight, an unknown path and a rate-limited answer for an
    allowed origin: every CORS and security header once, with its value, in this order."""
    origin = "https://shop.example.com"
    client = make_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_ASK="1 per minute").test_client()
    cors = [
        ("Access-Control-Allow-Origin", origin),
        ("Vary", "Origin"),
        ("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS"),
        ("Access-Control-Allow-Headers", "Content-Type, Authorization, Idempotency-Key"),
        ("Access-Control-Expose-Headers", "Retry-After"),
        ("Access-Control-Max-Age", "600"),
    ]
    security = [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
        ("Cache-Control", "no-store"),
    ]
    headers = {"Origin": origin}
    answers = {
        "answer": client.post("/api/v1/ask", json={"question": "shipping"}, headers=headers),
        "429": client.post("/api/v1/ask", json={"question": "shipping"}, headers=headers),
        "415": client.post("/api/v1/feedback", data="x", headers=headers),
        "404": client.get("/api/v1/nowhere", headers=headers),
        "preflight": client.options(
            "/api/v1/ask", headers={**headers, "Access-Control-Request-Method": "POST"}
        ),
    }
    assert answers["429"].status_code == 429
    for name, response in answers.items():
        ours = {key.lower() for key, _ in cors + security}
        sent = [(key, value) for key, value in response.headers if key.lower() in ours]
        assert sent == cors + security, name
        assert "Set-Cookie" not in response.headers, name


def test_memory_storage_with_several_workers_is_refused(tmp_path):
    env = {"WIDGET_INSTANCE_PATH": str(tmp_path), "WIDGET_RATELIMIT_STORAGE_URI": "memory://"}
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["serve", "--workers", "4"], env=env)
    assert result.exit_code == 1
    assert "per worker" in result.output and "redis://" in result.output
    assert not (tmp_path / "widget.sqlite3").exists()


def test_serving_checks():
    memory = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}
    check_serving(ServeOptions(workers=1), memory)
    with pytest.raises(ServeRefused, match="per worker"):
        check_serving(ServeOptions(workers=2), memory)
    # Limits switched off (benchmarks) cannot be wrong per worker.
    check_serving(ServeOptions(workers=4), {**memory, "RATELIMIT_ENABLED": False})
    check_serving(
        ServeOptions(workers=4), {**memory, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}
    )


def test_access_log_holds_no_address_agent_or_query():
    for atom in ("h", "a", "q", "r", "f", "u", "{", "b"):
        assert f"%({atom}" not in ACCESS_LOG_FORMAT
    assert "%(U)s" in ACCESS_LOG_FORMAT and "%(s)s" in ACCESS_LOG_FORMAT
    options = gunicorn_options(ServeOptions())
    assert options["bind"] == ["127.0.0.1:8000"]
    assert options["worker_class"] == "gthread"
    assert options["forwarded_allow_ips"] == "" and options["secure_scheme_headers"] == {}
    assert gunicorn_options(ServeOptions(access_log=False))["accesslog"] is None


def test_the_master_waits_for_a_stopping_workers_delivery_in_progress():
    # Gunicorn's 30 s, unless a delivery (its timeout) and writing its outcome take longer.
    assert gunicorn_options(ServeOptions())["graceful_timeout"] == 30
    assert gunicorn_options(ServeOptions(), stop_seconds=41.5)["graceful_timeout"] == 42


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{what} did not come up within {seconds} s")


def port_open(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


def redis_pong(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
        conn.sendall(b"PING\r\n")
        return conn.recv(16).startswith(b"+PONG")


def health_ok(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/api/v1/health")
        return conn.getresponse().status == 200
    finally:
        conn.close()


@pytest.fixture
def redis_port(tmp_path):
    server = shutil.which("redis-server")
    need_system("Debian's redis-server", server is not None)
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: redis_pong(port), 10, "redis-server")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


class Served:
    """`widget-api serve` as a subprocess, its stdout and stderr lines collected as they come."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [str(WIDGET_API), "serve", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.readers = [
            threading.Thread(target=self._collect, args=(stream, lines), daemon=True)
            for stream, lines in (
                (self.process.stdout, self.stdout),
                (self.process.stderr, self.stderr),
            )
        ]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def _collect(stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line.rstrip("\n"))

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        for reader in self.readers:
            reader.join(timeout=5)
        self.process.stdout.close()
        self.process.stderr.close()
        return code

    def lines_with(self, text: str, stream: str = "stdout") -> list[str]:
        return [line for line in getattr(self, stream) if text in line]


def post_ask(port: int) -> tuple[int, dict, dict]:
    """One request on a new connection, with a query string and agent the log must not keep."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(
            "POST",
            "/api/v1/ask?secret-query=1",
            body=json.dumps({"question": "How long does shipping take?"}),
            headers={
                "Content-Type": "application/json",
                "User-Agent": "SecretAgent/1.0",
                "Connection": "close",
            },
        )
        response = conn.getresponse()
        return response.status, dict(response.headers), json.loads(response.read())
    finally:
        conn.close()


def worker_pids(access_lines: list[str]) -> set[str]:
    """The pids gunicorn's access log names for /api/v1/ask requests."""
    return {re.search(r"<(\d+)>", line).group(1) for line in access_lines if "/api/v1/ask" in line}


@pytest.mark.slow
def test_a_limit_holds_across_four_gunicorn_workers_with_redis(tmp_path, redis_port):
    port = free_port()
    env = {
        **os.environ,
        "WIDGET_INSTANCE_PATH": str(tmp_path / "instance"),
        "WIDGET_RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis_port}/0",
        "WIDGET_RATELIMIT_ASK": "10 per minute",
        "WIDGET_FAQ_RELOAD_SECONDS": "0",
    }
    args = ["--workers", "4", "--threads", "2", "--access-log", "--bind", f"127.0.0.1:{port}"]
    served = Served(args, env)
    try:
        wait_until(
            lambda: sum(line.endswith("ready") for line in served.stderr) == 4, 25, "4 workers"
        )
        # One after another, each on a new connection, so the idle workers race to accept
        # each one; go on until several workers have answered (40 requests at least).
        results = []
        while len(results) < 40 or len(worker_pids(served.stdout)) < 3:
            assert len(results) < 400, "one worker answered everything"
            results.append(post_ask(port))
            wait_until(
                lambda: len(served.lines_with("/api/v1/ask")) == len(results), 5, "the log line"
            )
    finally:
        code = served.stop()
    statuses = [status for status, _, _ in results]
    assert statuses.count(200) == 10, statuses
    assert statuses.count(429) == len(results) - 10, statuses
    for status, headers, body in results:
        if status == 429:
            assert body["error"]["code"] == "rate_limited"
            assert int(headers["Retry-After"]) > 0
    # Both logs name the worker process that answered.
    access_lines = served.lines_with("/api/v1/ask")
    app_lines = served.lines_with("POST /api/v1/ask", "stderr")
    assert len(access_lines) == len(app_lines) == len(results)
    pids = {re.search(r"\[(\d+)\] \[INFO\]", line).group(1) for line in app_lines}
    assert pids == worker_pids(access_lines) and len(pids) >= 3
    for secret in ("secret-query", "SecretAgent", "127.0.0.1", "shipping"):
        assert not any(secret in line for line in access_lines + app_lines), secret
    assert code == 0, "\n".join(served.stderr)


def test_serve_refuses_memory_storage_before_starting_gunicorn(tmp_path):
    env = {**os.environ, "WIDGET_INSTANCE_PATH": str(tmp_path)}
    env.pop("WIDGET_RATELIMIT_STORAGE_URI", None)
    result = subprocess.run(
        [str(WIDGET_API), "serve", "--workers", "4", "--bind", f"127.0.0.1:{free_port()}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "memory://" in result.stderr and "Redis" in result.stderr
    assert "Booting worker" not in result.stderr


DOCS = Path(__file__).resolve().parents[1] / "docs"
UNITS = ("widget-api.service", "widget-api-backup.service", "widget-api-backup.timer")
INSTALLED_COMMAND = "/opt/widget-api/venv/bin/widget-api"


def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (no systemd here), the units are unchecked")
    unit = (DOCS / "widget-api.service").read_text(encoding="utf-8")
    assert f"ExecStart={INSTALLED_COMMAND} serve " in unit
    assert "User=widget-api" in unit and "WIDGET_INSTANCE_PATH=/var/lib/widget-api" in unit
    for name in UNITS:
        # verify checks that ExecStart's program exists: use this checkout's.
        text = (DOCS / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace(INSTALLED_COMMAND, str(WIDGET_API)))
    result = subprocess.run(
        [analyze, "verify", *(str(tmp_path / name) for name in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Unknown or misspelt keys are only warnings: none may name our units.
    assert not [line for line in output.splitlines() if "widget-api" in line], output


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    need_system("Debian's nginx", found is not None)
    need_system("openssl (for a test certificate)", shutil.which("openssl") is not None)
    return found


def nginx_config(tmp_path: Path, upstream: int, https: int, http: int) -> Path:
    """docs/nginx-widget-api.conf inside a minimal nginx.conf, on test ports and paths."""
    subprocess.run(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=support.example.com "
        "-keyout key.pem -out cert.pem".split(),
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=60,
    )
    site = (DOCS / "nginx-widget-api.conf").read_text(encoding="utf-8")
    assert "$remote_addr" not in site.split("server {")[0]  # not in the log format
    assert "$http_user_agent" not in site and "$request " not in site
    replacements = {
        "/etc/letsencrypt/live/support.example.com/fullchain.pem": str(tmp_path / "cert.pem"),
        "/etc/letsencrypt/live/support.example.com/privkey.pem": str(tmp_path / "key.pem"),
        "/var/log/nginx/": f"{tmp_path}/",
        "listen 443 ssl;": f"listen 127.0.0.1:{https} ssl;",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "proxy_pass http://127.0.0.1:8000;": f"proxy_pass http://127.0.0.1:{upstream};",
    }
    for old, new in replacements.items():
        assert old in site, old
        site = site.replace(old, new)
    site = "\n".join(line for line in site.splitlines() if "[::]" not in line)
    (tmp_path / "site.conf").write_text(site)
    temp_paths = "".join(
        f"    {kind}_temp_path {tmp_path}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = tmp_path / "nginx.conf"
    config.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n{temp_paths}    include {tmp_path}/site.conf;\n}}\n"
    )
    return config


def nginx_command(nginx: str, config: Path) -> list[str]:
    return [
        nginx,
        "-p",
        str(config.parent),
        "-e",
        str(config.parent / "error.log"),
        "-c",
        str(config),
    ]


def test_the_nginx_site_passes_nginx_t(tmp_path):
    nginx = nginx_binary()
    config = nginx_config(tmp_path, 8000, free_port(), free_port())
    result = subprocess.run(
        [*nginx_command(nginx, config), "-t"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.mark.slow
def test_through_nginx_the_client_is_the_address_nginx_saw(tmp_path):
    nginx = nginx_binary()
    upstream, https_port, http_port = free_port(), free_port(), free_port()
    config = nginx_config(tmp_path, upstream, https_port, http_port)
    env = {
        **os.environ,
        "WIDGET_INSTANCE_PATH": str(tmp_path / "instance"),
        "WIDGET_PROXY_COUNT": "1",
        "WIDGET_RATELIMIT_ASK": "5 per minute",
        "WIDGET_FAQ_RELOAD_SECONDS": "0",
    }
    served = Served(["--workers", "1", "--bind", f"127.0.0.1:{upstream}"], env)
    proxy = subprocess.Popen(
        [*nginx_command(nginx, config), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        wait_until(lambda: health_ok(upstream), 25, "widget-api serve")
        wait_until(lambda: port_open(https_port), 10, "nginx")
        statuses = []
        for _ in range(12):
            conn = http.client.HTTPSConnection("127.0.0.1", https_port, timeout=10, context=context)
            conn.request(
                "POST",
                "/api/v1/ask?secret-query=1",
                body=json.dumps({"question": "shipping"}),
                headers={
                    "Host": "support.example.com",
                    "Content-Type": "application/json",
                    "User-Agent": "SecretAgent/1.0",
                    # A client's own X-Forwarded-For is kept in front of nginx's entry.
                    "X-Forwarded-For": random_address(),
                },
            )
            statuses.append(conn.getresponse().status)
            conn.close()
        plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        plain.request("GET", "/api/v1/health", headers={"Host": "support.example.com"})
        redirect = plain.getresponse()
        plain.close()
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        served.stop()
    assert statuses.count(200) == 5 and statuses.count(429) == 7, statuses
    assert redirect.status == 301
    assert redirect.getheader("Location") == "https://support.example.com/api/v1/health"
    log = (tmp_path / "widget-api.access.log").read_text()
    lines = [line for line in log.splitlines() if '"POST /api/v1/ask"' in line]
    assert len(lines) == 12, log
    for secret in ("127.0.0.1", "SecretAgent", "secret-query"):
        assert secret not in log
