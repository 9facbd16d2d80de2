"""Rate limits, CORS for the visitor API, and the security headers on every response.

Rate-limit keys are a keyed hash of the client address, with the key rotating daily, so the
limiter's storage (memory or a Redis dump) never holds an address. An IPv6 client counts by
its network (a /64 by default), since one connection is given a whole network of addresses.
CORS is answered only for the operator's allowed origins and only under /api/v1/.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Request, Response, current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_limiter import Limiter
from werkzeug.datastructures import Headers
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wsgi import LimitedStream

API_PREFIX = "/api/v1/"
CORS_ALLOWED_HEADERS = "Content-Type, Authorization, Idempotency-Key"
CORS_ALLOWED_METHODS = "GET, POST, DELETE, OPTIONS"
CORS_MAX_AGE = "600"
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
P = ParamSpec("P")
R = TypeVar("R")


def client_network(address: str, ipv6_prefix: int) -> str:
    """What a limit counts as one client: an IPv4 address, or the IPv6 network it is in.

    A home or mobile connection gets a whole IPv6 /64 (or more) and may use a new address
    from it for every request, so counting full IPv6 addresses would give one client 2^64
    tries. An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) counts as its IPv4 address. A
    value that is no address (a Unix socket, "unknown") is counted as it is.
    """
    if ":" not in address:  # IPv4, or no address at all: the common case, without parsing
        return address
    try:
        ip = ipaddress.IPv6Address(address.split("%", 1)[0])  # without a zone (`%eth0`)
    except ValueError:
        return address
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network((ip, ipv6_prefix), strict=False))


def client_key() -> str:
    """A keyed hash of the client's address or IPv6 network that changes daily.

    Never the address itself. Every limit by client, the staff sign-in's per-address limit
    included, counts by this key.
    """
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    secret = current_app.config["SECRET_KEY"].encode()
    key = hmac.new(secret, day.encode(), hashlib.sha256).digest()
    client = client_network(
        request.remote_addr or "unknown", current_app.config["RATELIMIT_IPV6_PREFIX"]
    )
    return hmac.new(key, client.encode(), hashlib.sha256).hexdigest()[:32]


# No X-RateLimit headers: flask-limiter would ask the limit storage for them on every request
# (two more Redis round trips each); a refusal gets its Retry-After from visitor/errors.py.
limiter = Limiter(key_func=client_key, headers_enabled=False)


def rate_limited(setting: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """The limit named by the setting `setting` on a view, checked only when limits are on.

    flask-limiter's own decorator works through its filters for every request even when
    limiting is off (`RATELIMIT_ENABLED=false`); this skips it whole then.
    """

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        limited = limiter.limit(lambda: current_app.config[setting])(view)

        @wraps(view)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            if current_app.config["RATELIMIT_ENABLED"]:
                return limited(*args, **kwargs)
            return view(*args, **kwargs)

        return checked

    return decorate


# The CORS answer for an allowed origin, after Access-Control-Allow-Origin and Vary.
CORS_HEADERS = (
    ("Access-Control-Allow-Methods", CORS_ALLOWED_METHODS),
    ("Access-Control-Allow-Headers", CORS_ALLOWED_HEADERS),
    ("Access-Control-Expose-Headers", "Retry-After"),
    ("Access-Control-Max-Age", CORS_MAX_AGE),
)
# On every response unless it set its own (staff pages set their own policy); everything else
# (API, errors, 404s) may load nothing.
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Content-Security-Policy", DEFAULT_CSP),
)
API_HEADERS = (("Cache-Control", "no-store"),)


def _header_names(headers: Headers) -> set[str]:
    """The names present, lower case: one pass, instead of a search of the list per header."""
    return {name.lower() for name, _value in headers.items()}


def _cors_headers(headers: Headers, origin: str, present: set[str]) -> None:
    """Allow `origin`; any CORS header already there is replaced."""
    headers.add("Access-Control-Allow-Origin", origin)
    headers.add("Vary", "Origin")
    for name, value in CORS_HEADERS:
        if name.lower() in present:
            headers.set(name, value)
        else:
            headers.add(name, value)


def preflight() -> Response | None:
    """Answer a CORS preflight for the visitor API before routing and rate limiting."""
    if request.method != "OPTIONS" or not request.path.startswith(API_PREFIX):
        return None
    response = current_app.make_response(("", 204))
    origin = request.headers.get("Origin", "")
    if origin in current_app.config["ALLOWED_ORIGINS"]:
        _cors_headers(response.headers, origin, _header_names(response.headers))
    return response


def add_headers(response: Response) -> Response:
    """CORS for allowed origins on the API; security headers on every response.

    Runs for every response, so the header list is read once and only missing headers are
    appended (werkzeug's `setdefault` and `set` each search the whole list).
    """
    headers = response.headers
    present = _header_names(headers)
    api = request.path.startswith(API_PREFIX)
    if api and "access-control-allow-origin" not in present:
        origin = request.headers.get("Origin", "")
        if origin in current_app.config["ALLOWED_ORIGINS"]:
            _cors_headers(headers, origin, present)
    for name, value in (*SECURITY_HEADERS, *API_HEADERS) if api else SECURITY_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    if "location" in present:
        _keep_location_relative(headers)
    return response


def _keep_location_relative(headers: Headers) -> None:
    """Drop scheme and host from a redirect to this service itself.

    werkzeug builds the redirect from `/staff` to `/staff/` (and any absolute `url_for`)
    from the request's Host header, which the client chose: a link built from a request
    header. A relative Location reaches the same page on whatever address the visitor used.
    """
    location = urlsplit(headers["Location"])
    if location.netloc and location.netloc == request.host:
        headers["Location"] = urlunsplit(
            ("", "", location.path or "/", location.query, location.fragment)
        )


class CookieSession(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without building its signer for a request with no cookie.

    Flask opens the session of every request, and builds the cookie signer before it looks for
    a cookie; visitors never have one (only staff sign in), so the API paid for a signer it
    never used. Without a cookie the session is a new empty one, as before.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


class BodyLimitedRequest(Request):
    """A request whose body over `max_content_length` is refused with 413, chunked or not.

    A body without Content-Length (chunked) cannot be refused up front; werkzeug reads it only
    up to the limit but then hands over what it read as if it were all, so an oversize JSON
    body was answered 400 (cut off, invalid) and a form was parsed from its first part.
    Reaching the limit now means 413 (a streamed body of exactly the limit counts as too large).
    """

    def get_data(self, *args, **kwargs):
        data = super().get_data(*args, **kwargs)
        self._refuse_cut_off_body()
        return data

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self._refuse_cut_off_body()

    def _refuse_cut_off_body(self) -> None:
        stream = self.stream
        cut_off = isinstance(stream, LimitedStream) and stream.is_exhausted
        if self.content_length is None and cut_off:
            raise RequestEntityTooLarge()


def trust_proxies(app: Flask) -> None:
    """Take the client address and scheme from `PROXY_COUNT` proxies' headers, if any.

    Only when the operator says how many proxies there are: otherwise any client could send
    its own `X-Forwarded-For` and be a new client, for the rate limits, with every request.
    The host is not taken from headers (the proxy passes `Host`; `STAFF_URL` fixes links).
    """
    count = app.config["PROXY_COUNT"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def init_app(app: Flask) -> None:
    """Attach the limiter, the preflight answer and the response headers."""
    trust_proxies(app)
    app.request_class = BodyLimitedRequest
    app.session_interface = CookieSession()
    # When Redis cannot be reached, count in this process's memory until it is back, rather
    # than failing every visitor's request (limits are then per worker for that time).
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
    # Registered first so a preflight is answered before anything else looks at the request.
    app.before_request_funcs.setdefault(None, []).insert(0, preflight)
    app.after_request(add_headers)
