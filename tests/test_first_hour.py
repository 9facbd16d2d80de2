"""A newcomer's first hour: what they meet at the service's root, in its log, in the README.

Each test stands for one surprise that a first reader met (issue #13, point 10): a bare 404 at
`/`, a 404 for `/favicon.ico` on every page, raw colour codes in the demo's log, a bare "Not
Found" for a conversation the visitor deleted, and README commands that did not work as
written.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.conftest import make_app
from tests.test_staff import add_account, hand_off, post, sign_in
from widget_api.server.demo import create_demo_app

REPO = Path(__file__).resolve().parents[1]
ICO_HEADER = b"\x00\x00\x01\x00"  # reserved, type 1 (icon)


def links_of(page: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', page)


def test_the_root_says_what_this_is_and_where_to_go(tmp_path):
    app = make_app(tmp_path, SHOP_NAME="Secret Shop Name", SECURE_COOKIES=False)
    client = app.test_client()
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<h1>Support widget service</h1>" in page
    links = links_of(page)
    for wanted in ("/staff/", "/api/v1/health", "/api/v1/openapi.json"):
        assert wanted in links
    assert "docs/" in page
    for link in links:  # every link on it works
        with client.get(link) as linked:
            assert linked.status_code in (200, 302), link
    # Nothing about this deployment: no version, no shop name, no setting.
    assert version("widget-api") not in page
    assert "Secret Shop Name" not in page
    assert app.config["SECRET_KEY"] not in page
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src" not in csp  # the page runs no script


def test_the_root_speaks_german_to_a_german_browser(client):
    page = client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)
    assert '<html lang="de">' in page
    assert "Posteingang des Teams" in page


def test_the_root_is_only_a_page(client):
    """Other methods are refused as before, and nothing under it changed."""
    assert client.post("/").status_code == 405
    assert client.get("/nowhere").status_code == 404


def test_the_service_and_the_demo_shop_serve_an_icon(client):
    shop = create_demo_app("http://127.0.0.1:5000/widget.js").test_client()
    for origin in (client, shop):
        with origin.get("/favicon.ico") as response:
            assert response.status_code == 200
            assert response.mimetype == "image/x-icon"
            assert response.data.startswith(ICO_HEADER)
            assert len(response.data) < 1024
            assert "max-age=" in response.headers["Cache-Control"]


@pytest.fixture
def staff_app(tmp_path):
    app = make_app(tmp_path, SECURE_COOKIES=False)
    add_account(app)
    return app


def deleted_conversation(client) -> str:
    """A handoff whose visitor then deleted it, as the widget's button does."""
    created = hand_off(client)
    response = client.delete(
        f"/api/v1/conversations/{created['conversation_id']}",
        headers={"Authorization": f"Bearer {created['token']}"},
    )
    assert response.status_code == 204
    return created["conversation_id"]


def assert_gone_page(response) -> None:
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "This conversation does not exist (any more)" in page
    assert "the visitor may have deleted it" in page
    assert 'href="/staff/queue"' in page and "Back to the inbox" in page
    assert "Not Found" not in page
    assert response.headers["X-Frame-Options"] == "DENY"  # still a staff page


def test_staff_opening_a_deleted_conversation_see_why_and_the_way_back(staff_app):
    client = staff_app.test_client()
    sign_in(client)
    gone = deleted_conversation(client)
    assert_gone_page(client.get(f"/staff/conversations/{gone}"))
    assert_gone_page(client.get("/staff/conversations/never-existed"))


@pytest.mark.parametrize("action", ["claim", "reply", "note", "close", "reopen", "link", "draft"])
def test_staff_acting_on_a_deleted_conversation_see_the_same_page(staff_app, action):
    client = staff_app.test_client()
    sign_in(client)
    gone = deleted_conversation(client)
    response = post(client, f"/staff/conversations/{gone}/{action}", text="Hello", faq_id="x")
    assert_gone_page(response)


def test_the_german_gone_page(staff_app):
    client = staff_app.test_client()
    sign_in(client)
    response = client.get("/staff/conversations/x", headers={"Accept-Language": "de"})
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Dieses Gespräch gibt es nicht (mehr)" in page and "Zurück zum Posteingang" in page


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_demo_log_has_no_colour_codes(tmp_path):
    """`widget-api demo` into a pipe or file (as scripts/demo.sh > log): plain text only."""
    env = {**os.environ, "WIDGET_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("FORCE_COLOR", None)
    command = [sys.executable, "-m", "widget_api.cli", "demo"]
    command += ["--port", str(free_port()), "--demo-port", str(free_port())]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path
    )
    lines: list[bytes] = []
    ready = threading.Event()

    def read() -> None:
        for line in process.stdout:
            lines.append(line)
            if b"CTRL+C to quit" in line:  # werkzeug's last start-up line, coloured before
                ready.set()
        ready.set()  # the process ended

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(30), b"".join(lines)
    finally:
        process.terminate()
        process.wait(10)
        reader.join(10)
        process.stdout.close()
    output = b"".join(lines)
    assert b"CTRL+C to quit" in output, output
    assert b"development server" in output  # the warning werkzeug printed in bold red
    assert b"\x1b" not in output


# The README's commands work as written -----------------------------------------------------


def shell_blocks(markdown: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", markdown, flags=re.S)


def test_the_readme_never_runs_a_bare_widget_api():
    """After `sh scripts/demo.sh` the command is in .venv/bin, not on PATH."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = [line.strip() for block in shell_blocks(readme) for line in block.splitlines()]
    bare = [c for c in commands if re.match(r"(\S+\s*\|\s*)?widget-api\b", c)]
    assert bare == []
    assert any(c.startswith(".venv/bin/widget-api ") for c in commands)


def test_the_test_script_says_what_it_installs_and_why():
    """scripts/test.sh installs system packages as root; it names each, and why, first."""
    script = (REPO / "scripts" / "test.sh").read_text(encoding="utf-8")
    needs = re.findall(r'need "?([^"\n]+?)"? "([^"]+)"', script)
    packages = [package for names, _ in needs for package in names.split()]
    assert {"chromium", "redis-server", "nginx", "openssl"} <= set(packages)
    assert all(len(reason) > 10 for _, reason in needs)  # each with its reason
    assert "--no-upgrade $missing" in script  # nothing installed is upgraded by the list
    assert script.index("$reasons") < script.index("apt-get update")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    top = readme.split("\n## ", 1)[0]
    for package in ("chromium", "redis-server", "nginx", "openssl"):
        assert package in top, package


def test_the_test_script_names_only_the_missing_packages(tmp_path):
    """Run the script's check with a PATH that lacks two of the programs, as no root."""
    script = (REPO / "scripts" / "test.sh").read_text(encoding="utf-8")
    check = script.split('\nsay "installing the project', 1)[0]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for program in ("redis-server", "id"):  # present; id says "not root"
        (bin_dir / program).write_text("#!/bin/sh\necho 1000\n", encoding="utf-8")
        (bin_dir / program).chmod(0o755)
    check = check.replace("[ -x /usr/sbin/nginx ]", "command -v nginx >/dev/null")
    check = check.replace('cd "$(dirname "$0")/.."', "")
    (tmp_path / "check.sh").write_text(check, encoding="utf-8")
    result = subprocess.run(
        ["/bin/sh", str(tmp_path / "check.sh")],
        env={"PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    said = result.stderr.splitlines()
    assert said[0] == "scripts/test.sh: some tests need Debian packages that are missing:"
    assert [line.split(":")[0] for line in said[1:4]] == [
        "  chromium fonts-dejavu-core",
        "  nginx",
        "  openssl",
    ]
    assert "redis-server" not in result.stderr
    assert said[4] == "scripts/test.sh: not root, so not installing them: their tests skip"
