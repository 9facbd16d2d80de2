"""The device cookie: a browser that signed in to an account before can still sign in to it
while someone elsewhere guesses its password.

This is OWASP's "device cookie" defence against lockout. Sign-in attempts are limited per
account (`RATELIMIT_LOGIN_ACCOUNT`), but attempts from a browser holding a valid device cookie
for the account typed are counted in a bucket of that cookie's own, under the same limit. So
guesses from anywhere else use up only the shared bucket, and the staff member's own browser
keeps signing in; a guesser with a stolen device cookie gets one more small budget, no more.

The cookie is signed with the secret key (it cannot be forged or moved to another account),
names the account id and a random nonce, is renewed at each sign-in, is sent only to the
sign-in page, and outlives sign-out: that is its purpose. It proves nothing by itself: the
password is always needed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..store.accounts import account_id_for_email
from ..store.app_db import get_db

DEVICE_COOKIE = "widget_staff_device"
SALT = "widget-staff-device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _keyed(kind: str, value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return f"{kind}:" + hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:32]


def _device() -> tuple[int, str] | None:
    """The (account id, nonce) of the request's device cookie, if it is genuine and current."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    max_age = current_app.config["STAFF_DEVICE_COOKIE_DAYS"] * 86400
    try:
        value = _serializer().loads(raw, max_age=max_age)
    except BadSignature:  # also a cookie past its age
        return None
    if not (isinstance(value, list) and len(value) == 2):
        return None
    account_id, nonce = value
    if not isinstance(account_id, int) or not isinstance(nonce, str):
        return None
    return account_id, nonce


def sign_in_limit_key() -> str:
    """Rate-limit key of a sign-in attempt: the device cookie's own, else the account's.

    Never the address itself: a keyed hash of what was typed, so the limiter's storage holds
    no address.
    """
    email = request.form.get("email", "").strip().lower()
    device = _device()
    if device is not None and device[0] == account_id_for_email(get_db(), email):
        return _keyed("device", device[1])
    return _keyed("account", email)


def remember_device(response: Response, account_id: int) -> None:
    """Give the browser that just signed in to `account_id` a new device cookie."""
    days = current_app.config["STAFF_DEVICE_COOKIE_DAYS"]
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps([account_id, secrets.token_urlsafe(16)]),
        max_age=days * 86400,
        path="/staff/login",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Strict",
    )
