"""Integer ids out of SQLite's range are a 404 on every route, and a clear error in the CLI
(issue #11, point 17)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from tests.conftest import make_app
from tests.test_staff import add_account, csrf_of, sign_in
from widget_api.cli import main
from widget_api.store.sqlite import MAX_INTEGER

OUT_OF_RANGE = [str(MAX_INTEGER + 1), "99999999999999999999999", "9" * 400]
INT_ARGUMENT = re.compile(r"<int(?:\([^)]*\))?:\w+>")


@pytest.fixture
def admin(tmp_path):
    app = make_app(tmp_path, SECURE_COOKIES=False)
    add_account(app, "ada@example.com", role="admin")
    client = app.test_client()
    sign_in(client, "ada@example.com")
    return app, client


def integer_routes(app) -> list[tuple[str, str]]:
    """(method, rule) of every route with an integer argument, found in the app's url map."""
    routes = []
    for rule in app.url_map.iter_rules():
        if INT_ARGUMENT.search(rule.rule):
            routes += [(method, rule.rule) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def test_the_staff_draft_routes_are_found(admin):
    app, _ = admin
    found = {rule for _, rule in integer_routes(app)}
    assert {
        "/staff/drafts/<int:draft_id>/accept",
        "/staff/drafts/<int:draft_id>/reject",
        "/staff/drafts/<int:draft_id>.md",
    } <= found


@pytest.mark.parametrize("number", OUT_OF_RANGE)
def test_an_id_sqlite_cannot_store_is_a_404_on_every_integer_route(admin, number):
    app, client = admin
    token = csrf_of(client, "/staff/queue")
    for method, rule in integer_routes(app):
        path = INT_ARGUMENT.sub(number, rule)
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 404, (method, path[:80], response.status_code)


def test_the_largest_storable_id_is_an_ordinary_404(admin):
    app, client = admin
    token = csrf_of(client, "/staff/queue")
    for method, rule in integer_routes(app):
        path = INT_ARGUMENT.sub(str(MAX_INTEGER), rule)
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 404, (method, path)


@pytest.mark.parametrize("option", ["--show", "--accept", "--reject"])
def test_the_drafts_command_refuses_an_id_out_of_range(tmp_path, monkeypatch, option):
    monkeypatch.setenv("WIDGET_INSTANCE_PATH", str(tmp_path / "instance"))
    result = CliRunner().invoke(main, ["faq", "drafts", option, "99999999999999999999999"])
    assert result.exit_code == 2, result.output
    assert "Error: Invalid value" in result.output
    assert "Traceback" not in result.output
