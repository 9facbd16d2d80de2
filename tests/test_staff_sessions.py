"""Staff sessions on the server: sign-out, account changes and both lifetimes end them; the
cookie's own age is checked by every process; sign-in renews the CSRF token; a browser that
signed in before is not locked out by others' guesses (device cookie).

Time is the app's injected clock (`app.extensions["clock"]`), never a sleep.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from tests.conftest import make_app
from tests.test_staff import PASSWORD, add_account, csrf_of, login_limited_app, post, sign_in
from widget_api.cli import main
from widget_api.privacy import retention
from widget_api.store.app_db import connect

COOKIE = "widget_staff"
DEVICE_COOKIE = "widget_staff_device"


class Clock:
    """The app's time, moved by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def staff_app(tmp_path, clock):
    app = make_app(tmp_path, SECURE_COOKIES=False)
    app.extensions["clock"] = clock
    add_account(app)
    add_account(app, "bob@example.com")
    return app


def signed_in(app, email="ann@example.com"):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def copy_of(app, client):
    """Another browser holding a copy of `client`'s staff cookie (what a thief would have)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE, path="/staff").value, path="/staff")
    return thief


def is_signed_in(client) -> bool:
    status = client.get("/staff/queue").status_code
    assert status in (200, 302)
    return status == 200


def session_of(app, client) -> dict:
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    return serializer.loads(client.get_cookie(COOKIE, path="/staff").value)


# 1. Ending sessions --------------------------------------------------------------------------


def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(staff_app):
    ann = signed_in(staff_app)
    thief = copy_of(staff_app, ann)
    assert is_signed_in(thief)
    assert post(ann, "/staff/logout").status_code == 302
    assert not is_signed_in(thief)
    assert not is_signed_in(ann)


@pytest.mark.parametrize(
    "change",
    [
        ["staff", "reset-password", "ann@example.com", "--password-stdin"],
        ["staff", "disable", "ann@example.com"],
        "disable then enable",
        "role",
    ],
)
def test_an_account_change_ends_all_its_sessions(staff_app, tmp_path, monkeypatch, change):
    monkeypatch.setenv("WIDGET_INSTANCE_PATH", staff_app.instance_path)
    monkeypatch.setenv("WIDGET_DATABASE", staff_app.config["DATABASE"])
    cli = CliRunner()
    ann_at_work, ann_at_home = signed_in(staff_app), signed_in(staff_app)
    thief = copy_of(staff_app, ann_at_work)
    bob = signed_in(staff_app, "bob@example.com")
    if change == "role":
        # However the role changes (there is no CLI command for it): the database ends them.
        db = connect(staff_app.config["DATABASE"])
        db.execute("UPDATE staff_accounts SET role = 'editor' WHERE email = 'ann@example.com'")
    elif change == "disable then enable":
        for args in (["disable"], ["disable", "--enable"]):
            result = cli.invoke(main, ["staff", *args, "ann@example.com"])
            assert result.exit_code == 0, result.output
    else:
        result = cli.invoke(main, change, input="another long password\n")
        assert result.exit_code == 0, result.output
    assert [is_signed_in(c) for c in (ann_at_work, ann_at_home, thief)] == [False] * 3
    assert is_signed_in(bob)


def test_a_sign_in_lasts_at_most_the_absolute_lifetime_however_busy(staff_app, clock):
    ann = signed_in(staff_app)
    for _ in range(23):  # a request every half hour: never idle
        clock.advance(minutes=30)
        assert is_signed_in(ann)
    clock.advance(minutes=30)  # 12 hours after signing in
    assert not is_signed_in(ann)
    assert sign_in(ann).status_code == 302 and is_signed_in(ann)


def test_an_idle_sign_in_ends(staff_app, clock):
    ann = signed_in(staff_app)
    clock.advance(minutes=59)
    assert is_signed_in(ann)  # and that request counts as activity
    clock.advance(minutes=59)
    assert is_signed_in(ann)
    clock.advance(minutes=60)
    assert not is_signed_in(ann)


def test_a_database_that_cannot_be_written_still_lets_staff_read(staff_app, clock, caplog):
    ann = signed_in(staff_app)
    clock.advance(minutes=5)  # the next request would record the activity
    staff_app.config["DATABASE"] = f"file:{staff_app.config['DATABASE']}?mode=ro"
    assert is_signed_in(ann)
    assert "could not record a staff session's activity" in caplog.text


def test_lifetimes_are_settings(tmp_path, clock):
    app = make_app(
        tmp_path, SECURE_COOKIES=False, STAFF_SESSION_HOURS=2, STAFF_SESSION_IDLE_MINUTES=10
    )
    app.extensions["clock"] = clock
    add_account(app)
    ann = signed_in(app)
    clock.advance(minutes=9)
    assert is_signed_in(ann)
    clock.advance(minutes=10)
    assert not is_signed_in(ann)
    assert app.permanent_session_lifetime == timedelta(hours=2)


@pytest.mark.parametrize(
    "setting", ["STAFF_SESSION_HOURS", "STAFF_SESSION_IDLE_MINUTES", "STAFF_DEVICE_COOKIE_DAYS"]
)
def test_a_lifetime_below_one_is_refused_at_start(tmp_path, setting):
    with pytest.raises(ValueError, match=f"{setting} must be at least 1"):
        make_app(tmp_path, **{setting: 0})


def test_the_database_holds_only_a_hash_of_the_session_id(staff_app):
    ann = signed_in(staff_app)
    session = session_of(staff_app, ann)
    assert set(session) - {"_permanent"} == {"sid", "csrf"}
    dump = "\n".join(connect(staff_app.config["DATABASE"]).conn.iterdump())
    assert session["sid"] not in dump
    assert hashlib.sha256(session["sid"].encode()).hexdigest() in dump


def test_sessions_that_are_over_are_purged(staff_app, clock):
    signed_in(staff_app)  # idle for too long at the purge
    clock.advance(hours=2)
    signed_in(staff_app, "bob@example.com")  # still current at the purge
    db = connect(staff_app.config["DATABASE"])
    policy = retention.RetentionPolicy.from_config(staff_app.config)
    counts = retention.purge(db, clock.now + timedelta(minutes=30), policy=policy)
    assert counts["staff_sessions_deleted"] == 1
    assert db.execute("SELECT account_id FROM staff_sessions").fetchall() == [(2,)]


# 2. The cookie's age, in every process -------------------------------------------------------


def cookie_signed_hours_ago(app, payload: dict, hours: float) -> str:
    """A staff cookie as the app signs it, but with a signing time `hours` in the past."""

    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - hours * 3600)

    interface = SecureCookieSessionInterface()
    serializer = URLSafeTimedSerializer(
        app.secret_key,
        salt=interface.salt,
        serializer=interface.serializer,
        signer=Earlier,
        signer_kwargs={"key_derivation": "hmac", "digest_method": interface.digest_method},
    )
    return serializer.dumps(payload)


def test_a_process_that_never_saw_a_sign_in_refuses_a_cookie_older_than_the_lifetime(tmp_path):
    first = make_app(tmp_path, SECURE_COOKIES=False)
    add_account(first)
    payload = session_of(first, signed_in(first))
    # Another worker process: built from the same settings, it has handled no sign-in.
    other = make_app(tmp_path, SECURE_COOKIES=False)
    assert other.permanent_session_lifetime == timedelta(hours=12)
    for hours, expected in ((11, True), (13, False), (24 * 30, False)):
        client = other.test_client()
        client.set_cookie(COOKIE, cookie_signed_hours_ago(other, payload, hours), path="/staff")
        assert is_signed_in(client) is expected, hours


def test_the_cookie_is_not_reissued_on_every_request(staff_app):
    ann = signed_in(staff_app)
    assert ann.get("/staff/queue").headers.get("Set-Cookie") is None


# 3. Sign-in renews the session and its CSRF token --------------------------------------------


def test_a_csrf_token_from_before_sign_in_is_void_after_it(staff_app):
    client = staff_app.test_client()
    planted = csrf_of(client)
    response = client.post(
        "/staff/login",
        data={"email": "ann@example.com", "password": PASSWORD, "csrf_token": planted},
    )
    assert response.status_code == 302
    assert client.post("/staff/logout", data={"csrf_token": planted}).status_code == 403
    assert csrf_of(client, "/staff/queue") != planted
    assert post(client, "/staff/logout").status_code == 302


def test_signing_in_again_ends_the_previous_session(staff_app):
    ann = signed_in(staff_app)
    before = copy_of(staff_app, ann)
    assert sign_in(ann).status_code == 302
    assert is_signed_in(ann) and not is_signed_in(before)


# 4. Device cookie: no lockout of a browser that signed in before -------------------------------


@pytest.fixture
def limited_app(tmp_path):
    app = login_limited_app(tmp_path, per_account="5 per hour", per_address="100 per hour")
    add_account(app)
    add_account(app, "bob@example.com")
    return app


def guess_from_elsewhere(app, email: str, times: int) -> list[int]:
    statuses = []
    for attempt in range(times):
        attacker = app.test_client()
        attacker.environ_base["REMOTE_ADDR"] = f"203.0.113.{attempt + 1}"
        statuses.append(sign_in(attacker, email, "wrong password!").status_code)
    return statuses


def test_a_browser_that_signed_in_before_is_not_locked_out_by_others_guesses(limited_app):
    ann = signed_in(limited_app)
    assert post(ann, "/staff/logout").status_code == 302  # the device cookie stays
    assert guess_from_elsewhere(limited_app, "ann@example.com", 6)[-2:] == [429, 429]

    assert sign_in(ann).status_code == 302 and is_signed_in(ann)
    assert ann.get_cookie(DEVICE_COOKIE, path="/staff/login") is not None
    new_browser = limited_app.test_client()
    assert sign_in(new_browser).status_code == 429


def test_a_device_cookie_helps_only_its_own_account_and_cannot_be_forged(limited_app):
    ann = signed_in(limited_app)
    assert guess_from_elsewhere(limited_app, "bob@example.com", 6)[-1] == 429
    # Ann's browser, but Bob's account: the shared, exhausted bucket.
    assert sign_in(ann, "bob@example.com").status_code == 429
    # A device cookie for Bob signed with another key.
    forged = URLSafeTimedSerializer("not the secret key", salt="widget-staff-device").dumps(
        [2, "x" * 22]
    )
    browser = limited_app.test_client()
    browser.set_cookie(DEVICE_COOKIE, forged, path="/staff/login")
    assert sign_in(browser, "bob@example.com").status_code == 429


def test_a_device_cookie_has_its_own_guess_limit(limited_app):
    ann = signed_in(limited_app)
    assert post(ann, "/staff/logout").status_code == 302
    statuses = [sign_in(ann, password="wrong password!").status_code for _ in range(5)]
    # The sign-in that gave the cookie counted in the shared bucket, not in the device's.
    assert statuses == [401, 401, 401, 401, 401]
    assert sign_in(ann).status_code == 429
    # Meanwhile the shared bucket is untouched by these guesses.
    assert sign_in(limited_app.test_client()).status_code == 302
