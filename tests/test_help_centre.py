"""The public help centre, /help, through the real app: addresses, content, caching, safety."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import make_app
from tests.test_faq_files import write
from widget_api.help_centre.pages import counterparts, entry_path
from widget_api.settings import SettingsError

EN = """---
lang: en
tags: shipping
---

## How long does shipping take?
id: shipping-time
alt: delivery time
tags: delivery-time

Orders leave within **2 days**. See [costs](https://shop.example.com/costs).

## What does shipping cost?
id: shipping/costs.v2
alt: postage

Free from 50 euros.

## Is there a <script>alert(1)</script> trick?
id: odd/../id
alt: dot segments in an id

No<script>alert(2)</script> tricks <img src=x onerror=alert(3)>here.
"""

EN_UNTAGGED = """---
lang: en
---

## Do you sell gift cards?
id: gift-cards

Yes.
"""

DE = """---
lang: de
tags: versand
---

## Wie lange dauert der Versand?
id: versanddauer
counterpart: shipping-time
alt: Lieferzeit

Zwei Tage.

## Was kostet der Versand?
id: versandkosten
alt: Porto
tags: delivery-time

Ab 50 Euro nichts.

## Gibt es Gutscheine?
id: gutscheine
alt: Geschenkkarte

Ja.
"""


@pytest.fixture
def faq(tmp_path) -> Path:
    folder = tmp_path / "faq"
    write(folder, "en/a.md", EN)
    write(folder, "en/b.md", EN_UNTAGGED)
    write(folder, "de/a.md", DE)
    return folder


@pytest.fixture
def app(tmp_path, faq):
    return make_app(tmp_path, FAQ_DIR=str(faq))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.mark.parametrize(
    ("accept", "lang"),
    [
        ("de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7", "de"),
        ("en;q=0.5, de;q=0.8", "de"),
        ("de;q=0, en", "en"),
        ("de-CH", "de"),
        ("fr, de;q=0.1", "de"),
        ("fr", "en"),  # DEFAULT_LANG
        ("*", "en"),
        ("", "en"),
        ("de;q=abc, en;q=0.2", "en"),
    ],
)
def test_help_sends_the_visitor_to_their_language(client, accept, lang):
    response = client.get("/help/", headers={"Accept-Language": accept} if accept else {})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/help/{lang}/"  # relative: no Host in it
    assert "Accept-Language" in response.headers["Vary"]


def test_default_language_decides_when_the_visitor_says_nothing(tmp_path, faq):
    client = make_app(tmp_path, FAQ_DIR=str(faq), DEFAULT_LANG="de").test_client()
    assert client.get("/help/").headers["Location"] == "/help/de/"
    assert client.get("/help/", headers={"Accept-Language": "fr"}).headers["Location"] == (
        "/help/de/"
    )


def test_the_list_has_every_entry_of_its_language_once_grouped_by_tag(client):
    page = client.get("/help/en/").text
    assert '<html lang="en">' in page
    assert re.findall(r'<h2 id="group-\d+">([^<]*)</h2>', page) == ["Shipping", "More questions"]
    links = re.findall(r'<li><a href="([^"]+)">', page)
    assert links == [
        "/help/en/shipping-time",
        "/help/en/shipping/costs.v2",
        "/help/en/odd%2F..%2Fid",
        "/help/en/gift-cards",
    ]
    assert "versanddauer" not in page
    assert '<a href="/help/de/" lang="de" hreflang="de">Auf Deutsch lesen</a>' in page
    assert 'href="#content">Skip to the content</a>' in page and 'id="content"' in page
    assert "Nordlicht Outdoor help centre" in page


def test_an_entry_page_shows_the_answer_exactly_as_the_widget_gets_it(app, client):
    entry = app.extensions["faq_library"].current().entries["shipping-time"]
    page = client.get("/help/en/shipping-time").text
    assert f'<div class="answer">{entry.html}</div>' in page
    asked = client.post("/api/v1/ask", json={"question": "How long does shipping take?"})
    assert asked.json["answer"]["html"] == entry.html
    assert "<h1>How long does shipping take?</h1>" in page


@pytest.mark.parametrize(
    ("entry_id", "address"),
    [
        ("shipping/costs.v2", "/help/en/shipping/costs.v2"),
        ("odd/../id", "/help/en/odd%2F..%2Fid"),
        ("gift-cards", "/help/en/gift-cards"),
    ],
)
def test_ids_with_dots_and_slashes_have_stable_addresses(client, entry_id, address):
    assert address == "/help/en/" + entry_path(entry_id)
    response = client.get(address)
    assert response.status_code == 200
    assert f'<link rel="canonical" href="{address}">' in response.text
    if "%2F" not in address:
        # The widget encodes the whole id; the server decodes it to the same entry.
        assert client.get("/help/en/" + entry_id.replace("/", "%2F")).status_code == 200


def test_unsafe_text_in_a_question_or_answer_stays_text(client):
    page = client.get("/help/en/odd%2F..%2Fid").text
    assert "<script>" not in page and "onerror" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_same_topic_in_the_other_language_by_counterpart_or_shared_tag(app, client):
    entries = app.extensions["faq_library"].current().entries
    # Named in the German file: linked from both sides.
    assert counterparts(entries["versanddauer"], entries)["en"].id == "shipping-time"
    assert counterparts(entries["shipping-time"], entries)["de"].id == "versanddauer"
    # No counterpart: the one English entry sharing the most tags ("delivery-time").
    assert counterparts(entries["versandkosten"], entries)["en"].id == "shipping-time"
    assert counterparts(entries["shipping/costs.v2"], entries) == {}
    assert counterparts(entries["gift-cards"], entries) == {}
    page = client.get("/help/de/versanddauer").text
    assert (
        '<a href="/help/en/shipping-time" lang="en" hreflang="en">This question in English</a>'
    ) in page
    page = client.get("/help/en/gift-cards").text
    assert '<a href="/help/de/" lang="de" hreflang="de">Auf Deutsch lesen</a>' in page


def test_shared_tags_link_only_when_one_entry_shares_the_most(tmp_path):
    from widget_api.faq.model import FaqEntry

    def entry(id_, lang, *tags):
        return FaqEntry(id=id_, question=id_, answer="a", lang=lang, tags=tags)

    en = entry("e", "en", "shipping", "delivery-time")
    one, two = entry("d1", "de", "versand", "delivery-time"), entry("d2", "de", "versand")
    assert counterparts(en, {e.id: e for e in (en, one, two)}) == {"de": one}
    tie = entry("d3", "de", "delivery-time")
    assert counterparts(en, {e.id: e for e in (en, one, two, tie)}) == {}


def test_addresses_without_their_slash_are_sent_on_without_the_host_header(client):
    for address, target in [("/help", "/help/"), ("/help/de", "/help/de/")]:
        response = client.get(address, headers={"Host": "evil.example"})
        assert (response.status_code, response.headers["Location"]) == (308, target)
    # An unknown language is sent on like any address without its slash, and is not there.
    assert client.get("/help/xx", follow_redirects=True).status_code == 404


def test_an_entry_under_the_other_language_is_sent_to_its_own(client):
    response = client.get("/help/de/shipping-time")
    assert response.status_code == 301
    assert response.headers["Location"] == "/help/en/shipping-time"


def test_search_shows_the_matches_or_a_friendly_nothing_found(client):
    page = client.get("/help/en/?q=how+long+does+delivery+take").text
    assert "Results for “how long does delivery take”" in page
    assert re.findall(r'<li lang="en"><a href="([^"]+)">', page)[0] == "/help/en/shipping-time"
    assert 'value="how long does delivery take"' in page  # the box keeps the words

    page = client.get("/help/de/?q=Kajak+mieten").text
    assert '<html lang="de">' in page
    assert "Zu „Kajak mieten“ haben wir nichts gefunden." in page
    assert '<a href="https://shop.example.com">Frag im Chat auf unserer Website</a>' in page
    assert 'href="mailto:support@example.com"' in page

    page = client.get("/help/en/?q=%3Cscript%3Ealert(1)%3C/script%3E").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page


def test_search_follows_the_language_of_the_words_typed(client, tmp_path):
    # As in the widget: German words on the English page find the German entries, marked
    # German, with a line saying why in the language of the search.
    page = client.get("/help/en/?q=Wie+lange+dauert+der+Versand").text
    assert '<html lang="en">' in page
    first = re.findall(r'<li lang="(\w+)"><a href="([^"]+)">', page)[0]
    assert first == ("de", "/help/de/versanddauer")
    assert (
        '<p lang="de">Deine Suche ist auf Deutsch, daher hier unsere deutschen Fragen.</p>' in page
    )
    # A single word may be a name both languages use: the page's language stays.
    assert '<li lang="de">' not in client.get("/help/en/?q=Versand").text
    english = client.get("/help/en/?q=how+long+does+delivery+take").text
    assert "Your search is in" not in english and '<li lang="en">' in english

    # With no entry in the page's language, every language is searched.
    folder = tmp_path / "english-only"
    write(folder, "en/a.md", EN)
    english_only = make_app(tmp_path, FAQ_DIR=str(folder)).test_client()
    page = english_only.get("/help/de/?q=how+long+does+shipping+take").text
    assert re.findall(r'<li lang="(\w+)"><a href="([^"]+)">', page)[0] == (
        "en",
        "/help/en/shipping-time",
    )


def test_pages_have_etags_from_the_faq_generation_and_answer_304(app, client, faq):
    addresses = ["/help/en/", "/help/en/shipping-time", "/help/de/?q=Versand", "/help/style.css"]
    tags = {}
    for address in addresses:
        first = client.get(address)
        assert first.status_code == 200 and first.headers["ETag"], address
        tags[address] = first.headers["ETag"]
        again = client.get(address, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == first.headers["ETag"]
    assert len(set(tags.values())) == len(addresses)  # one tag per address

    write(faq, "en/a.md", EN.replace("**2 days**", "**3 days**"))
    assert app.extensions["faq_library"].reload()
    changed = client.get("/help/en/shipping-time", headers={"If-None-Match": tags[addresses[1]]})
    assert changed.status_code == 200 and "<strong>3 days</strong>" in changed.text
    assert changed.headers["ETag"] != tags[addresses[1]]


def test_no_help_response_sets_a_cookie_or_loads_anything_from_elsewhere(tmp_path, faq):
    client = make_app(
        tmp_path, FAQ_DIR=str(faq), HELP_CENTRE_URL="https://support.example.com/help/"
    ).test_client()
    addresses = [
        "/help/",
        "/help/en/",
        "/help/de/versanddauer",
        "/help/en/?q=shipping",
        "/help/en/no-such-entry",
        "/help/xx/",
        "/help/style.css",
        "/help/sitemap.xml",
    ]
    for address in addresses:
        response = client.get(address)
        assert "Set-Cookie" not in response.headers, address
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'none'" in csp, address
        if response.mimetype == "text/html" and response.status_code == 200:
            # Nothing is loaded but our own stylesheet; scripts there are none.
            assert "<script" not in response.text and " src=" not in response.text
            assert re.findall(r'<link rel="stylesheet" href="([^"]+)"', response.text) == [
                "/help/style.css"
            ]
    etag = client.get("/help/en/").headers["ETag"]
    assert "Set-Cookie" not in client.get("/help/en/", headers={"If-None-Match": etag}).headers


def test_unknown_addresses_are_404_pages_in_the_help_centres_language(client):
    response = client.get("/help/de/no-such-entry")
    assert response.status_code == 404
    assert '<html lang="de">' in response.text
    assert "Diese Seite gibt es in unserem Hilfe-Center nicht." in response.text
    assert client.get("/help/xx/").status_code == 404
    assert client.get("/help/xx/shipping-time").status_code == 404


def test_the_sitemap_lists_every_page_from_the_setting_never_from_host(tmp_path, faq):
    client = make_app(
        tmp_path, FAQ_DIR=str(faq), HELP_CENTRE_URL="https://support.example.com/help"
    ).test_client()
    page = client.get("/help/en/shipping/costs.v2", headers={"Host": "evil.example"}).text
    canonical = "https://support.example.com/help/en/shipping/costs.v2"
    assert f'<link rel="canonical" href="{canonical}">' in page
    response = client.get("/help/sitemap.xml", headers={"Host": "evil.example"})
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert re.findall(r"<loc>([^<]+)</loc>", response.text) == [
        "https://support.example.com/help/de/",
        "https://support.example.com/help/en/",
        "https://support.example.com/help/de/versanddauer",
        "https://support.example.com/help/de/versandkosten",
        "https://support.example.com/help/de/gutscheine",
        "https://support.example.com/help/en/shipping-time",
        "https://support.example.com/help/en/shipping/costs.v2",
        "https://support.example.com/help/en/odd%2F..%2Fid",
        "https://support.example.com/help/en/gift-cards",
    ]
    assert "evil.example" not in response.text


def test_without_a_public_address_the_sitemap_says_why_and_pages_still_work(client):
    response = client.get("/help/sitemap.xml")
    assert response.status_code == 404
    assert "HELP_CENTRE_URL" in response.text
    assert client.get("/help/en/shipping-time").status_code == 200


@pytest.mark.parametrize(
    "value",
    [
        "support.example.com/help",
        "ftp://example.com/",
        "https://",
        "https://x.example/?a=1",
        "https://x.example/#top",
        "https://user@x.example/",
        "https://x.example/ help",
    ],
)
def test_a_help_centre_url_that_is_not_an_absolute_http_url_is_refused(tmp_path, value):
    with pytest.raises(SettingsError, match="HELP_CENTRE_URL"):
        make_app(tmp_path, HELP_CENTRE_URL=value)


def test_the_setting_turns_the_help_centre_and_the_widgets_link_off(tmp_path, faq):
    on = make_app(tmp_path / "on", FAQ_DIR=str(faq)).test_client()
    assert on.get("/api/v1/widget-config?lang=de").json["help"] == {
        "url": "/help/",
        "browse": "Alle Fragen ansehen",
        "page": "Als eigene Seite öffnen",
    }
    off = make_app(
        tmp_path / "off", FAQ_DIR=str(faq), HELP_CENTRE=False, HELP_CENTRE_URL="https://x.example/"
    ).test_client()
    for address in [
        "/help/",
        "/help/en/",
        "/help/en/shipping-time",
        "/help/sitemap.xml",
        "/help/style.css",
        "/help/en/?q=shipping",
    ]:
        response = off.get(address)
        assert response.status_code == 404, address
        assert "Set-Cookie" not in response.headers
    assert off.get("/api/v1/widget-config?lang=en").json["help"] is None


def test_searches_are_rate_limited_and_browsing_is_not(tmp_path, faq):
    client = make_app(
        tmp_path, FAQ_DIR=str(faq), RATELIMIT_ENABLED=True, RATELIMIT_HELP_SEARCH="2 per minute"
    ).test_client()
    assert client.get("/help/en/?q=shipping").status_code == 200
    assert client.get("/help/en/?q=postage").status_code == 200
    refused = client.get("/help/en/?q=gift")
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert "That was a lot of searches at once." in refused.text
    assert client.get("/help/en/").status_code == 200
    assert client.get("/help/en/gift-cards").status_code == 200
