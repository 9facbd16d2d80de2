"""Nothing about the visitor in the logs or the database: no address, user agent, query, token."""

from __future__ import annotations

import ast
import json
import logging
import socket
import urllib.request
from pathlib import Path

from tests.conftest import make_app
from widget_api.server.demo import serve_in_thread
from widget_api.store.app_db import connect

PACKAGE = Path(__file__).resolve().parents[1] / "widget_api"
MARKER = "Wombat-4RT9-log-marker"
AGENT = "Mozilla/5.0 (Agent-Marker-77)"


def call(base: str, method: str, path: str, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", "User-Agent": AGENT, **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
        return response.status, json.loads(text) if text else None


def test_requests_leave_no_address_query_token_or_text_in_logs_or_database(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    app = make_app(tmp_path)
    server = serve_in_thread(app)
    base = server.url
    try:
        call(base, "GET", f"/api/v1/suggest?q={MARKER}-query&lang=en")
        call(base, "POST", "/api/v1/ask", {"question": f"Do you sell {MARKER}?", "lang": "en"})
        _, created = call(
            base,
            "POST",
            "/api/v1/handoffs",
            {
                "question": f"Do you sell {MARKER}?",
                "lang": "en",
                "email": f"{MARKER.lower()}@example.com",
                "consent": True,
            },
            {"Idempotency-Key": f"key-{MARKER}"},
        )
        path = f"/api/v1/conversations/{created['conversation_id']}"
        bearer = {"Authorization": f"Bearer {created['token']}"}
        status, conversation = call(base, "GET", path, headers=bearer)
        assert status == 200 and conversation["question"] == f"Do you sell {MARKER}?"
        call(base, "POST", path + "/messages", {"text": f"More {MARKER}"}, bearer)
        # A request line werkzeug cannot parse; it would log it whole, address and all.
        with socket.create_connection((server.server.host, server.server.port)) as raw:
            raw.sendall(f"NONSENSE /?token={MARKER} JUNK/9\r\n\r\n".encode())
            raw.recv(1024)
        database_bytes = b"".join(
            p.read_bytes() for p in tmp_path.glob("widget.sqlite3*") if not p.name.endswith("-shm")
        )
    finally:
        server.stop()

    logged = caplog.text
    assert "GET /api/v1/suggest 200" in logged and "POST /api/v1/ask 200" in logged
    assert f"GET {path} 200" in logged and "request refused by the HTTP server" in logged
    for secret in (MARKER, MARKER.lower(), created["token"], "127.0.0.1", AGENT, "?q="):
        assert secret not in logged, secret
    for secret in ("127.0.0.1", AGENT):
        assert secret.encode() not in database_bytes
    db = connect(app.config["DATABASE"])
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    columns = {
        column[1].lower()
        for table in tables
        for column in db.execute(f"PRAGMA table_info({table})").fetchall()
    }
    assert not {c for c in columns if c == "ip" or "addr" in c or "agent" in c}


PERSONAL_NAMES = {"email", "text", "question", "name", "token", "remote_addr", "body", "to"}


def test_no_log_call_in_the_package_passes_personal_values():
    """Every `log.<level>(...)` argument is checked by name: no texts, addresses or tokens."""
    offenders = []
    for source in PACKAGE.rglob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "log"
            ):
                continue
            for argument in node.args[1:]:
                names = {
                    n.id if isinstance(n, ast.Name) else n.attr
                    for n in ast.walk(argument)
                    if isinstance(n, ast.Name | ast.Attribute)
                }
                if names & PERSONAL_NAMES:
                    offenders.append(f"{source.name}:{node.lineno}")
    assert not offenders
