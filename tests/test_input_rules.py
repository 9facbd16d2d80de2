"""One e-mail address per visitor, by one rule: the API, the OpenAPI document, widget-config,
staff accounts and the data stored before the rule all agree (issue #11, point 6)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from tests.test_handoff_api import QUESTION
from tests.test_visitor_api import error_of
from widget_api import input_rules
from widget_api.cli import main
from widget_api.store.app_db import connect
from widget_api.store.migrations import migrate

ONE_ADDRESS = [
    "ada@example.com",
    "Ada.Lovelace+support@mail.example.co.uk",
    "o'brien@example.ie",
    "jürgen.weiß@müller-straße.de",
    "x_y-z@sub-domain.example",
]
NOT_ONE_ADDRESS = [
    "visitor@example.org,root,postmaster",
    "visitor@example.org, root@example.org",
    "visitor@example.org;root@example.org",
    "undisclosed-recipients:root@example.org;",
    "Ada <ada@example.com>",
    "ada@example.com (Ada)",
    '"root@example.org"@example.com',
    "root%example.org@example.com",
    "host!root@example.com",
    "|/bin/sh@example.com",
    "ada@[127.0.0.1]",
    "ada@example.com.",
    ".ada@example.com",
    "ada@-example.com",
    "ada@example.c",
    "ada@localhost",
    "a@b@example.com",
]


@pytest.mark.parametrize("address", NOT_ONE_ADDRESS)
def test_a_handoff_takes_one_address_only(client, address):
    response = client.post("/api/v1/handoffs", json={**QUESTION, "email": address, "consent": True})
    assert error_of(response) == (400, "invalid_email")
    assert "one e-mail address" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("address", ONE_ADDRESS)
def test_a_handoff_keeps_one_address(app, client, address):
    response = client.post(
        "/api/v1/handoffs", json={**QUESTION, "email": f" {address} ", "consent": True}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    db = connect(app.config["DATABASE"])
    stored = db.execute(
        "SELECT email FROM conversations WHERE id = ?", [response.get_json()["conversation_id"]]
    ).fetchone()
    assert stored == (address,)


def test_openapi_and_widget_config_state_the_servers_rule(client):
    """The document's pattern and the widget's rule say yes and no exactly where the API does."""
    document = client.get("/api/v1/openapi.json").get_json()
    schema = document["components"]["schemas"]["HandoffRequest"]["properties"]["email"]
    documented = re.compile(schema["pattern"])
    limits = client.get("/api/v1/widget-config?lang=en").get_json()["limits"]
    assert limits["email_length"] == schema["maxLength"] == input_rules.MAX_EMAIL_LENGTH
    widget_rule = re.compile(f"^(?:{limits['email_pattern']})$")
    for address in ONE_ADDRESS + NOT_ONE_ADDRESS:
        accepted = input_rules.is_email_address(address)
        assert accepted == (address in ONE_ADDRESS), address
        assert bool(documented.search(address)) == accepted, address
        assert bool(widget_rule.search(address)) == accepted, address


@pytest.mark.parametrize("address", ["staff@example.org,root", "root%example.org@example.com"])
def test_staff_accounts_take_one_address(tmp_path, monkeypatch, address):
    monkeypatch.setenv("WIDGET_INSTANCE_PATH", str(tmp_path / "instance"))
    result = CliRunner().invoke(
        main, ["staff", "add", address, "--password-stdin"], input="a long password\n"
    )
    assert result.exit_code == 1
    assert "Error:" in result.output and "is not an e-mail address" in result.output


def test_addresses_stored_before_the_rule_are_forgotten(app, client):
    """A list stored by an older version gets no reply e-mail after the upgrade."""
    good = client.post(
        "/api/v1/handoffs", json={**QUESTION, "email": "ada@example.com", "consent": True}
    ).get_json()["conversation_id"]
    bad = client.post(
        "/api/v1/handoffs", json={**QUESTION, "email": "bob@example.com", "consent": True}
    ).get_json()["conversation_id"]
    db = connect(app.config["DATABASE"])
    # What the old API let in, and a database that has not had step 0012 yet.
    db.execute(
        "UPDATE conversations SET email = ? WHERE id = ?",
        ["visitor@example.org,root,postmaster", bad],
    )
    db.execute("DELETE FROM _migrations WHERE name = '0012_input'")
    db.conn.commit()
    assert migrate(db) == ["0012_input"]
    emails = dict(db.execute("SELECT id, email FROM conversations").fetchall())
    assert emails == {good: "ada@example.com", bad: None}


def test_the_documented_blank_rule_is_the_servers():
    """NOT_BLANK (the OpenAPI document's "not empty") finds a character exactly where the
    server's cleaning and trimming leave one, for every character of the Basic Multilingual
    Plane (issue #13, point 3)."""
    not_blank = re.compile(input_rules.NOT_BLANK)
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue  # surrogates are refused as invalid_unicode before any rule
        character = chr(code)
        kept = bool(input_rules.remove_control_characters(character).strip())
        assert bool(not_blank.search(character)) == kept, hex(code)


def test_one_line_fields_and_mail_headers_share_one_rule(client):
    """A line separator is refused in a name, and makes a mail header unsafe, alike."""
    from widget_api.notifications.mail import HeaderRefused, build_email

    for character in ("\n", "\x85", "\u2028", "\u2029", "\x00", "\x7f"):
        response = client.post("/api/v1/handoffs", json={**QUESTION, "name": f"A{character}B"})
        assert error_of(response) == (400, "invalid_name"), hex(ord(character))
        with pytest.raises(HeaderRefused):
            build_email("shop@example.com", "ada@example.com", f"Hi{character}", "body")
