"""Rate limits count an IPv6 client by its network (a /64 by default), not by its address.

One home connection gets a whole /64 and may take a new address for every request; counting
full addresses would give it 2^64 tries at every limit, the staff sign-in's included.
"""

from __future__ import annotations

import pytest

from tests.conftest import make_app
from tests.test_handoff_api import QUESTION
from tests.test_staff import login_limited_app, sign_in
from tests.test_visitor_api import error_of
from widget_api.server.security import client_network
from widget_api.settings import SettingsError

# Six addresses of one /64, each different in its last 64 bits.
SAME_64 = [f"2001:db8:aa:bb:{n:x}:{n * 7:x}:{n * 13:x}:{n + 1:x}" for n in range(6)]


def ask_from(client, address: str):
    client.environ_base["REMOTE_ADDR"] = address
    return client.post("/api/v1/ask", json={"question": "Do you ship abroad?", "lang": "en"})


def test_addresses_of_one_64_share_a_limit(tmp_path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_ASK="3 per minute")
    client = app.test_client()
    statuses = [ask_from(client, address).status_code for address in SAME_64]
    assert statuses == [200, 200, 200, 429, 429, 429]
    # Another /64 of the same /48 is another connection, with its own count.
    assert ask_from(client, "2001:db8:aa:cc::1").status_code == 200


def test_an_ipv4_mapped_address_counts_as_its_ipv4_address(tmp_path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_HANDOFF="1 per minute")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert client.post("/api/v1/handoffs", json=QUESTION).status_code == 201
    client.environ_base["REMOTE_ADDR"] = "::ffff:192.0.2.7"
    assert error_of(client.post("/api/v1/handoffs", json=QUESTION))[0] == 429


def test_the_prefix_is_a_setting(tmp_path):
    app = make_app(
        tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_ASK="1 per minute", RATELIMIT_IPV6_PREFIX=128
    )
    client = app.test_client()
    assert [ask_from(client, address).status_code for address in SAME_64[:3]] == [200] * 3
    wide = make_app(
        tmp_path / "wide",
        RATELIMIT_ENABLED=True,
        RATELIMIT_ASK="1 per minute",
        RATELIMIT_IPV6_PREFIX=48,
    )
    client = wide.test_client()
    statuses = [ask_from(client, a).status_code for a in ("2001:db8:aa:1::1", "2001:db8:aa:2::1")]
    assert statuses == [200, 429]


def test_staff_sign_in_per_address_limit_counts_the_64(tmp_path):
    app = login_limited_app(tmp_path, per_account="1000 per minute", per_address="3 per minute")
    statuses = []
    for number, address in enumerate(SAME_64):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        statuses.append(sign_in(client, f"user{number}@example.com").status_code)
    assert statuses == [401, 401, 401, 429, 429, 429]


@pytest.mark.parametrize("value", [0, 31, 129, -64, "64", True])
def test_a_prefix_out_of_range_is_refused_at_start(tmp_path, value):
    with pytest.raises(SettingsError, match="RATELIMIT_IPV6_PREFIX"):
        make_app(tmp_path, RATELIMIT_IPV6_PREFIX=value)


def test_a_prefix_from_the_environment_is_checked_too(tmp_path, monkeypatch):
    monkeypatch.setenv("WIDGET_RATELIMIT_IPV6_PREFIX", "sixty-four")
    with pytest.raises(SettingsError, match="WIDGET_RATELIMIT_IPV6_PREFIX"):
        make_app(tmp_path)
    monkeypatch.setenv("WIDGET_RATELIMIT_IPV6_PREFIX", "200")
    with pytest.raises(SettingsError, match="from 32 to 128"):
        make_app(tmp_path)


def test_client_network_shapes():
    assert client_network("2001:db8:aa:bb:1:2:3:4", 64) == "2001:db8:aa:bb::/64"
    assert client_network("2001:DB8:AA:BB::5%eth0", 64) == "2001:db8:aa:bb::/64"
    assert client_network("::ffff:198.51.100.9", 64) == "198.51.100.9"
    assert client_network("198.51.100.9", 64) == "198.51.100.9"
    assert client_network("unknown", 64) == "unknown"
    assert client_network("not:an:address", 64) == "not:an:address"
