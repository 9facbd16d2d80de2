"""The admins' pages: accounts (add, role, disable, reset) and the read-only settings page."""

from __future__ import annotations

import re

import pytest

from tests.conftest import make_app
from tests.test_staff import PASSWORD, add_account, csrf_of, sign_in
from widget_api.store import accounts, audit
from widget_api.store.app_db import connect

ADMIN = "root@example.com"
ACCOUNTS = "/staff/admin/accounts"
SETTINGS = "/staff/admin/settings"


@pytest.fixture
def admin_app(tmp_path, monkeypatch):
    monkeypatch.setenv("WIDGET_WEBHOOK_URL", "https://bot:hook-secret@hooks.example/new?x=1")
    app = make_app(
        tmp_path,
        SECURE_COOKIES=False,
        SMTP_PASSWORD="smtp-secret",
        RATELIMIT_STORAGE_URI="memory://",
    )
    add_account(app, ADMIN, role="admin")
    add_account(app, "ann@example.com")
    add_account(app, "eve@example.com", role="editor")
    return app


@pytest.fixture
def admin(admin_app):
    client = admin_app.test_client()
    assert sign_in(client, ADMIN).status_code == 302
    return client


def db_of(app):
    return connect(app.config["DATABASE"])


def account(app, email: str) -> dict:
    db = db_of(app)
    return accounts.get_account(db, accounts.account_id_for_email(db, email))


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_of(client, ACCOUNTS), **data})


def shown_password(response) -> str:
    return re.search(r'id="new-password">([^<]+)<', response.get_data(as_text=True)).group(1)


def last_audit(app) -> dict:
    return audit.entries(db_of(app), limit=1)[0]


def test_only_admins_reach_the_admin_pages(admin_app):
    for email in ("ann@example.com", "eve@example.com"):
        client = admin_app.test_client()
        assert sign_in(client, email).status_code == 302
        assert "/staff/admin/" not in client.get("/staff/queue").get_data(as_text=True)
        for path in (ACCOUNTS, SETTINGS):
            assert client.get(path).status_code == 403
        token = csrf_of(client, "/staff/queue")
        refused = client.post(ACCOUNTS, data={"csrf_token": token, "email": "x@example.com"})
        assert refused.status_code == 403
        target = account(admin_app, ADMIN)["id"]
        refused = client.post(f"{ACCOUNTS}/{target}/disable", data={"csrf_token": token})
        assert refused.status_code == 403
    assert account(admin_app, ADMIN)["disabled_at"] is None
    assert accounts.account_id_for_email(db_of(admin_app), "x@example.com") is None
    anonymous = admin_app.test_client()
    assert anonymous.get(ACCOUNTS).status_code == 302
    assert anonymous.post(f"{ACCOUNTS}/1/disable").status_code == 403  # no CSRF token


def test_add_shows_a_generated_password_once_and_it_signs_in(admin_app, admin):
    response = post(admin, ACCOUNTS, email="new@example.com", role="editor")
    assert response.status_code == 201
    password = shown_password(response)
    assert len(password) >= 20
    assert password not in admin.get(ACCOUNTS).get_data(as_text=True)  # shown only once
    created = account(admin_app, "new@example.com")
    assert created["role"] == "editor"
    entry = last_audit(admin_app)
    assert (entry["action"], entry["target"], entry["staff_email"]) == (
        "account.created",
        str(created["id"]),
        ADMIN,
    )
    assert entry["details"] == {"role": "editor"}
    newcomer = admin_app.test_client()
    assert sign_in(newcomer, "new@example.com", password).status_code == 302
    assert newcomer.get("/staff/drafts").status_code == 200  # an editor's page


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"email": "ann@example.com", "role": "staff"}, 409),
        ({"email": "not an address", "role": "staff"}, 400),
        ({"email": "x@example.com", "role": "owner"}, 400),
        ({"email": "x@example.com"}, 400),
    ],
)
def test_add_refuses_what_it_cannot_create(admin_app, admin, data, status):
    before = accounts.list_accounts(db_of(admin_app))
    response = post(admin, ACCOUNTS, **data)
    assert response.status_code == status
    assert 'class="flash flash-error"' in response.get_data(as_text=True)
    assert 'id="new-password"' not in response.get_data(as_text=True)
    assert accounts.list_accounts(db_of(admin_app)) == before


def test_change_role_disable_enable_and_reset(admin_app, admin):
    ann = account(admin_app, "ann@example.com")
    ann_client = admin_app.test_client()
    assert sign_in(ann_client, "ann@example.com").status_code == 302
    assert ann_client.get("/staff/drafts").status_code == 403

    assert post(admin, f"{ACCOUNTS}/{ann['id']}/role", role="editor").status_code == 302
    assert account(admin_app, "ann@example.com")["role"] == "editor"
    assert last_audit(admin_app)["details"] == {"role": "editor", "previous": "staff"}
    # A role change ends the account's sessions: the new role holds from the next sign-in.
    assert ann_client.get("/staff/drafts").status_code == 302
    assert sign_in(ann_client, "ann@example.com").status_code == 302
    assert ann_client.get("/staff/drafts").status_code == 200

    assert post(admin, f"{ACCOUNTS}/{ann['id']}/disable").status_code == 302
    assert account(admin_app, "ann@example.com")["disabled_at"]
    assert last_audit(admin_app)["action"] == "account.disabled"
    assert ann_client.get("/staff/queue").status_code == 302  # signed out
    assert sign_in(admin_app.test_client(), "ann@example.com").status_code == 401

    assert post(admin, f"{ACCOUNTS}/{ann['id']}/enable").status_code == 302
    assert last_audit(admin_app)["action"] == "account.enabled"
    assert sign_in(admin_app.test_client(), "ann@example.com").status_code == 302

    response = post(admin, f"{ACCOUNTS}/{ann['id']}/password")
    assert response.status_code == 200
    password = shown_password(response)
    assert (last_audit(admin_app)["action"], last_audit(admin_app)["target"]) == (
        "account.password_reset",
        str(ann["id"]),
    )
    assert sign_in(admin_app.test_client(), "ann@example.com", PASSWORD).status_code == 401
    assert sign_in(admin_app.test_client(), "ann@example.com", password).status_code == 302


def test_an_admin_cannot_change_their_own_account_and_ids_out_of_range_are_404(admin_app, admin):
    own = account(admin_app, ADMIN)["id"]
    for action, data in (("role", {"role": "staff"}), ("disable", {}), ("password", {})):
        assert post(admin, f"{ACCOUNTS}/{own}/{action}", **data).status_code == 403
    mine = account(admin_app, ADMIN)
    assert (mine["role"], mine["disabled_at"]) == ("admin", None)
    assert sign_in(admin_app.test_client(), ADMIN).status_code == 302  # password unchanged
    for target in ("99999", "99999999999999999999999"):
        assert post(admin, f"{ACCOUNTS}/{target}/disable").status_code == 404
    ann = account(admin_app, "ann@example.com")["id"]
    assert post(admin, f"{ACCOUNTS}/{ann}/role", role="owner").status_code == 302
    assert account(admin_app, "ann@example.com")["role"] == "staff"
    changes = [e for e in audit.entries(db_of(admin_app)) if e["action"].startswith("account.")]
    assert changes == []


def test_settings_page_shows_values_sources_and_health_with_secrets_masked(admin_app, admin):
    page = admin.get(SETTINGS).get_data(as_text=True)
    for secret in ("hook-secret", "smtp-secret", admin_app.config["SECRET_KEY"]):
        assert secret not in page
    assert "https://bot:***@hooks.example/new?x=1" in page

    def source(name: str) -> str:
        row = re.search(rf'id="setting-{name}".*?<td class="source">([^<]*)</td>', page, re.S)
        return row.group(1)

    assert source("WEBHOOK_URL") == "environment variable WIDGET_WEBHOOK_URL"
    assert source("SMTP_PASSWORD") == "test configuration"
    assert source("SHOP_NAME") == "default"
    assert " MB" in page and "wal" in page  # the health details visitors do not get
    german = admin.get(SETTINGS, headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Umgebungsvariable WIDGET_WEBHOOK_URL" in german and "Geltende Einstellungen" in german


def test_settings_page_names_the_last_storage_error(admin_app, admin):
    path = admin_app.config["DATABASE"]
    admin_app.config["DATABASE"] = f"file:{path}?mode=ro"
    visitor = admin_app.test_client()
    assert visitor.post("/api/v1/ask", json={"question": "Zorblax quintor?"}).status_code == 200
    public = visitor.get("/api/v1/health").get_data(as_text=True)
    assert "readonly" not in public
    page = admin.get(SETTINGS).get_data(as_text=True)
    assert "recent_write_failure" in page and "readonly" in page
