"""What the widget accepts from its embedding page and its visitor, in headless Chromium.

A shop page without a Content-Security-Policy (as most are) embeds the widget with a hostile
`data-color`; a third server on 127.0.0.1 stands for the outside URL it names and counts every
request that reaches it (issue #11, point 16). The handoff form refuses an e-mail field that
holds more than one address before anything is sent, by the rule widget-config hands it
(point 6).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from flask import Flask, request
from markupsafe import escape

from tests.conftest import make_app
from tests.test_widget_browser import TIMEOUT
from widget_api.server.demo import RunningServer, serve_in_thread

pytestmark = pytest.mark.browser


@dataclass
class Servers:
    """A shop page, the service (which allows the shop's origin) and an outside tracker."""

    shop: RunningServer
    api: RunningServer
    tracker: RunningServer
    tracked: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    tracked: list[str] = []
    tracker_app = Flask("tracker")

    @tracker_app.route("/<path:name>")
    def track(name: str):
        tracked.append(name)
        return "", 204

    api_url = f"http://127.0.0.1:{_free_port()}"
    shop_app = Flask("shop")

    @shop_app.get("/")
    def shop_page() -> str:
        color = escape(request.args.get("color", ""))
        return (
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Shop</title></head>"
            f'<body><h1>Shop</h1><script src="{api_url}/widget.js" data-lang="en" '
            f'data-color="{color}" async></script></body></html>'
        )

    shop = serve_in_thread(shop_app)
    app = make_app(tmp_path_factory.mktemp("input"), ALLOWED_ORIGINS=[shop.url])
    api = serve_in_thread(app, port=int(api_url.rsplit(":", 1)[1]))
    tracker = serve_in_thread(tracker_app)
    yield Servers(shop, api, tracker, tracked)
    for server in (shop, api, tracker):
        server.stop()


@pytest.fixture
def page(browser, servers):
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    page.requests = []
    page.warnings = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("console", lambda m: m.type == "warning" and page.warnings.append(m.text))
    yield page
    context.close()


def open_with_color(page, servers: Servers, color: str) -> None:
    """Load the shop with this data-color; return once the theme is applied (greeting there)."""
    page.goto(f"{servers.shop.url}/?" + urlencode({"color": color}))
    page.locator(".sw-greeting").wait_for(state="attached")


@pytest.mark.parametrize(
    "template",
    [
        "var(--x,url({url}))",
        "var(--x, image-set(url({url}) 1x))",
        "var(--nothing) url({url})",
        "env(no-such-thing, url({url}))",
        "rgb(1 2 3) var(--x,url({url}))",
    ],
)
def test_a_colour_that_could_load_something_is_ignored(page, servers, template):
    color = template.format(url=f"{servers.tracker.url}/pixel.png")
    open_with_color(page, servers, color)
    launcher = page.locator("#sw-launcher")
    assert launcher.evaluate("el => getComputedStyle(el).backgroundImage") == "none"
    accent = page.evaluate(
        "() => getComputedStyle(document.querySelector('support-widget'))"
        ".getPropertyValue('--sw-accent')"
    )
    assert "url" not in accent
    page.wait_for_load_state("networkidle")
    strangers = [u for u in page.requests if not u.startswith((servers.shop.url, servers.api.url))]
    assert strangers == [] and servers.tracked == []
    assert any("ignoring invalid colour" in warning for warning in page.warnings)


@pytest.mark.parametrize(
    ("color", "rgb"),
    [
        ("#f80", "rgb(255, 136, 0)"),
        ("#ff8800", "rgb(255, 136, 0)"),
        ("#ff880080", "rgba(255, 136, 0, 0.5)"),
        ("RebeccaPurple", "rgb(102, 51, 153)"),
        ("rgb(10 20 30)", "rgb(10, 20, 30)"),
        ("rgba(10, 20, 30, 0.5)", "rgba(10, 20, 30, 0.5)"),
        ("hsl(120deg 100% 25%)", "rgb(0, 128, 0)"),
    ],
)
def test_plain_colours_still_theme_the_widget(page, servers, color, rgb):
    open_with_color(page, servers, color)
    launcher = page.locator("#sw-launcher")
    assert launcher.evaluate("el => getComputedStyle(el).backgroundColor") == rgb
    assert not any("colour" in warning for warning in page.warnings)


def test_the_handoff_form_refuses_a_list_of_addresses_before_sending(page, servers):
    open_with_color(page, servers, "")
    page.locator("#sw-launcher").click()
    page.locator("#sw-handoff").click()
    page.locator("#sw-hq").fill("Can I rent a canoe from you?")
    page.locator("#sw-hemail").fill("visitor@example.org,root,postmaster")
    page.locator("#sw-hconsent").check()
    page.locator("#sw-hsend").click()
    assert page.locator("#sw-herr").inner_text() == "Please check your e-mail address."
    assert not [u for u in page.requests if u.endswith("/api/v1/handoffs")]

    # One address goes through, and the server (the authority) takes it.
    page.locator("#sw-hemail").fill("visitor@example.org")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/handoffs")) as answer:
        page.locator("#sw-hsend").click()
    assert answer.value.status == 201


def test_the_widget_takes_its_limits_from_widget_config(page, servers):
    """Field lengths come from widget-config's `limits`, not from numbers in widget.js (issue
    #13, point 3): served smaller than the server's, they are what the form allows."""

    def smaller_limits(route):
        config = route.fetch().json()
        config["limits"].update(name_length=7, email_length=30, question_length=40)
        route.fulfill(json=config)

    page.route("**/api/v1/widget-config*", smaller_limits)
    open_with_color(page, servers, "")
    page.locator("#sw-launcher").click()
    assert page.locator("#sw-count").inner_text() == "0 of 40 characters"
    page.locator("#sw-handoff").click()
    assert page.locator("#sw-hname").evaluate("el => el.maxLength") == 7
    assert page.locator("#sw-hemail").evaluate("el => el.maxLength") == 30


def test_without_widget_config_nothing_is_invented_and_nothing_consented(page, servers):
    """widget-config did not load: no greeting of the widget's own, and the handoff form offers
    no consent to a notice the visitor was not shown; it says why it cannot be sent."""
    page.route("**/api/v1/widget-config*", lambda route: route.abort())
    with page.expect_console_message(lambda m: "support-widget:" in m.text):
        page.goto(f"{servers.shop.url}/")
    page.locator("#sw-launcher").click()
    assert page.locator(".sw-greeting").count() == 0
    page.locator("#sw-handoff").click()
    notice = page.locator("#sw-notice")
    assert notice.inner_text().startswith("Sending is not possible now: the privacy notice")
    for hidden in ("#sw-hq", "#sw-hname", "#sw-hemail", "#sw-hconsent", "#sw-hsend", "#sw-full"):
        assert page.locator(hidden).is_hidden(), hidden
    assert page.locator(".sw-cancel").evaluate("el => el === el.getRootNode().activeElement")
    page.keyboard.press("Enter")  # the focused Cancel: back to the chat, nothing sent
    assert page.locator("#sw-input").is_visible()
    assert not [u for u in page.requests if u.endswith("/api/v1/handoffs")]
