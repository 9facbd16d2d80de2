"""The package works installed from a wheel: widget, sample FAQ and templates are package data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

CHECK = """
import json, os, widget_api
from widget_api import create_app
from widget_api.paths import sample_faq_dir, static_dir
app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False})
client = app.test_client()
ask = client.post("/api/v1/ask", json={"question": "how long does shipping take", "lang": "en"})
print(json.dumps({
    "package": widget_api.__file__,
    "static": str(static_dir()),
    "faq": str(sample_faq_dir()),
    "widget": client.get("/widget.js").status_code,
    "icon": client.get("/favicon.ico").status_code,
    "front_page": client.get("/").status_code,
    "health": client.get("/api/v1/health").get_json()["status"],
    "entries": len(app.extensions["faq_library"].current().entries),
    "answered": ask.get_json()["answered"],
    "demo": os.path.exists(os.path.join(
        os.path.dirname(widget_api.__file__), "server", "templates", "demo_shop.html")),
}))
"""


@pytest.mark.slow
def test_wheel_contains_everything_the_service_needs(tmp_path):
    wheel_dir, target = tmp_path / "wheel", tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheel_dir), str(REPO)],
        check=True,
    )
    (wheel,) = wheel_dir.glob("widget_api-*.whl")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target), "WIDGET_INSTANCE_PATH": str(tmp_path / "i")}
    result = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    import json

    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["package"].startswith(str(target))
    assert facts["static"].startswith(str(target)) and facts["faq"].startswith(str(target))
    assert facts["widget"] == 200 and facts["entries"] >= 80 and facts["answered"] is True
    assert facts["icon"] == 200 and facts["front_page"] == 200
    assert facts["demo"] is True
    installed = list((target / "widget_api").rglob("*"))
    assert not any(path.suffix in (".sqlite3", ".db") for path in installed)
