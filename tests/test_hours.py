"""Service hours: open now, the next opening, closed days, and the sentence the widget shows."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from widget_api.visitor.service_hours import HoursError, ServiceHours, availability

BERLIN = ZoneInfo("Europe/Berlin")


def hours(spec="mon-fri 09:00-17:00; sat 10:00-14:00", closed=("2026-12-24",)):
    return ServiceHours.parse(spec, list(closed), "Europe/Berlin")


def test_open_and_closed_moments():
    week = hours()
    assert week.open_at(datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN))  # Monday 9:00
    assert not week.open_at(datetime(2026, 11, 30, 17, 0, tzinfo=BERLIN))
    assert week.open_at(datetime(2026, 11, 28, 13, 59, tzinfo=BERLIN))  # Saturday
    assert not week.open_at(datetime(2026, 11, 29, 12, 0, tzinfo=BERLIN))  # Sunday
    assert not week.open_at(datetime(2026, 12, 24, 12, 0, tzinfo=BERLIN))  # closed day


def test_next_opening_skips_closed_days_and_weekends():
    week = hours()
    assert week.next_opening(datetime(2026, 12, 23, 18, 0, tzinfo=BERLIN)) == datetime(
        2026, 12, 25, 9, 0, tzinfo=BERLIN
    )
    assert week.next_opening(datetime(2026, 11, 28, 15, 0, tzinfo=BERLIN)) == datetime(
        2026, 11, 30, 9, 0, tzinfo=BERLIN
    )


def test_availability_says_when_in_both_languages():
    week = hours()
    saturday_evening = datetime(2026, 11, 28, 18, 0, tzinfo=BERLIN)
    en = availability(week, saturday_evening, "en")
    assert en["open_now"] is False
    assert en["next_open"] == "2026-11-30T09:00:00+01:00"
    assert "Monday to Friday 9:00–17:00" in en["text"]
    assert "Monday, 30 November at 9:00" in en["text"]
    de = availability(week, saturday_evening, "de")
    assert "Montag bis Freitag 9:00–17:00" in de["text"]
    assert "Montag, 30.11. um 9:00 Uhr" in de["text"]
    friday_evening = datetime(2026, 11, 26, 18, 0, tzinfo=BERLIN)
    assert "tomorrow at 9:00" in availability(week, friday_evening, "en")["text"]
    monday_morning = datetime(2026, 11, 30, 10, 0, tzinfo=BERLIN)
    assert availability(week, monday_morning, "de")["open_now"] is True


@pytest.mark.parametrize(
    ("spec", "closed", "zone", "message"),
    [
        ("mon-fri 9-17", [], "Europe/Berlin", "cannot read service hours"),
        ("xyz 09:00-17:00", [], "Europe/Berlin", "cannot read service hours"),
        ("mon 17:00-09:00", [], "Europe/Berlin", "end before they start"),
        ("mon 25:00-26:00", [], "Europe/Berlin", "impossible time"),
        ("mon 09:00-17:00", ["24.12.2026"], "Europe/Berlin", "cannot read closed day"),
        ("mon 09:00-17:00", [], "Mars/Olympus", "unknown time zone"),
    ],
)
def test_bad_hours_are_refused(spec, closed, zone, message):
    with pytest.raises(HoursError, match=message):
        ServiceHours.parse(spec, closed, zone)
