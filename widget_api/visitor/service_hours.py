"""Service hours: when a person answers, and saying so honestly in the visitor's language.

The bot answers at any hour; people answer in the weekly hours of the configured time zone,
except on closed days. Hours are written like `mon-fri 09:00-17:00; sat 10:00-14:00`. What the
widget shows (`availability`) and what a handoff promises (`expected_reply`) are worded here,
with the texts of the catalogue (widget_api/texts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..texts import day_name, month_name, text

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Within this long before closing, a reply "today" is no longer promised.
CLOSING_SOON = timedelta(hours=1)
_PART = re.compile(
    r"\A(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\Z"
)


class HoursError(ValueError):
    """The service hours or closed days cannot be read."""


def parse_time_zone(name: str) -> ZoneInfo:
    """The `TIMEZONE` setting's zone; raises HoursError for a name the system does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise HoursError(f"unknown time zone {name!r}") from None


def parse_weekly_hours(spec: str) -> dict[int, tuple[tuple[time, time], ...]]:
    """The `SERVICE_HOURS` setting as opening spans per weekday (0 = Monday).

    Raises HoursError naming the part that cannot be read, so the operator can find it.
    """
    weekly: dict[int, list[tuple[time, time]]] = {}
    for part in filter(None, (p.strip().lower() for p in spec.split(";"))):
        match = _PART.match(part)
        if not match or match["first"] not in DAYS or (match["last"] or "mon") not in DAYS:
            raise HoursError(
                f"cannot read service hours {part!r}: write e.g. 'mon-fri 09:00-17:00'"
            )
        try:
            start, end = (
                time.fromisoformat(match["start"].zfill(5)),
                time.fromisoformat(match["end"].zfill(5)),
            )
        except ValueError:
            raise HoursError(f"impossible time in service hours {part!r}") from None
        if end <= start:
            raise HoursError(f"service hours {part!r} end before they start")
        first = DAYS.index(match["first"])
        last = DAYS.index(match["last"] or match["first"])
        for day in range(first, (last if last >= first else last + 7) + 1):
            weekly.setdefault(day % 7, []).append((start, end))
    return {day: tuple(sorted(spans)) for day, spans in weekly.items()}


def parse_closed_days(days: list[str]) -> frozenset[date]:
    """The `CLOSED_DAYS` setting as dates; raises HoursError naming a day that is no date."""
    closed = set()
    for day in days:
        try:
            closed.add(date.fromisoformat(day))
        except ValueError:
            raise HoursError(f"cannot read closed day {day!r}: write e.g. '2026-12-24'") from None
    return frozenset(closed)


@dataclass(frozen=True)
class ServiceHours:
    """Weekly opening spans per weekday (0 = Monday), closed dates, and the time zone."""

    weekly: dict[int, tuple[tuple[time, time], ...]]
    closed_days: frozenset[date]
    zone: ZoneInfo

    @classmethod
    def parse(cls, spec: str, closed_days: list[str], timezone: str) -> ServiceHours:
        """Read the settings' text forms; raises HoursError naming the bad part."""
        zone = parse_time_zone(timezone)
        return cls(parse_weekly_hours(spec), parse_closed_days(closed_days), zone)

    def open_at(self, moment: datetime) -> bool:
        """Whether a person answers at this moment."""
        local = moment.astimezone(self.zone)
        if local.date() in self.closed_days:
            return False
        now = local.time()
        return any(start <= now < end for start, end in self.weekly.get(local.weekday(), ()))

    def next_opening(self, moment: datetime) -> datetime | None:
        """The next moment (after `moment`) at which people start answering; None if never."""
        local = moment.astimezone(self.zone)
        for offset in range(0, 370):
            day = local.date() + timedelta(days=offset)
            if day in self.closed_days:
                continue
            for start, _end in self.weekly.get(day.weekday(), ()):
                opening = datetime.combine(day, start, tzinfo=self.zone)
                if opening > local:
                    return opening
        return None

    def describe(self, lang: str) -> str:
        """The weekly hours in words, e.g. 'Monday to Friday 9:00–17:00'."""
        groups: list[tuple[int, int, tuple]] = []
        for day in range(7):
            spans = self.weekly.get(day)
            if not spans:
                continue
            if groups and groups[-1][2] == spans and groups[-1][1] == day - 1:
                groups[-1] = (groups[-1][0], day, spans)
            else:
                groups.append((day, day, spans))
        parts = []
        for first, last, spans in groups:
            days = day_name(lang, first)
            if first != last:
                days = text(lang, "hours.day_range", first=days, last=day_name(lang, last))
            times = ", ".join(f"{_clock(a)}–{_clock(b)}" for a, b in spans)
            parts.append(f"{days} {times}")
        return "; ".join(parts)


def _clock(value: time) -> str:
    return f"{value.hour}:{value.minute:02d}"


def when_text(opening: datetime, now: datetime, lang: str) -> str:
    """'today at 9:00', 'tomorrow at 9:00' or 'Monday, 30 November at 9:00', in the language."""
    local_now = now.astimezone(opening.tzinfo)
    days = (opening.date() - local_now.date()).days
    clock = _clock(opening.time())
    if days == 0:
        return text(lang, "hours.today_at", clock=clock)
    if days == 1:
        return text(lang, "hours.tomorrow_at", clock=clock)
    return text(
        lang,
        "hours.date_at",
        weekday=day_name(lang, opening.weekday()),
        day=opening.day,
        month=month_name(lang, opening.month),
        month_number=opening.month,
        clock=clock,
    )


def availability(hours: ServiceHours, now: datetime, lang: str) -> dict:
    """What the widget shows: open now or not, the next opening, and one honest sentence."""
    open_now = hours.open_at(now)
    opening = hours.next_opening(now)
    weekly = hours.describe(lang)
    sentences = [text(lang, "hours.weekly", weekly=weekly, zone=hours.zone.key)]
    if open_now:
        sentences.append(text(lang, "hours.open_now"))
    elif opening:
        sentences.append(text(lang, "hours.next_opening", when=when_text(opening, now, lang)))
    return {
        "open_now": open_now,
        "timezone": hours.zone.key,
        "next_open": opening.isoformat() if opening else None,
        "weekly": weekly,
        "text": " ".join(sentences),
    }


def expected_reply(hours: ServiceHours, now: datetime, lang: str) -> dict[str, Any]:
    """When a person will answer: by today's closing when open now, else the next opening.

    Shortly before closing, "today" would be a promise nobody can keep, so the answer names
    the closing time and the next opening instead.
    """
    if hours.open_at(now):
        local = now.astimezone(hours.zone)
        closing = next(
            datetime.combine(local.date(), end, tzinfo=hours.zone)
            for start, end in hours.weekly[local.weekday()]
            if start <= local.time() < end
        )
        if closing - local >= CLOSING_SOON:
            return {"text": text(lang, "reply.open"), "by": closing.isoformat()}
        opening = hours.next_opening(closing)
        if opening is not None:
            reply = text(
                lang,
                "reply.closing_soon",
                until=_clock(closing.time()),
                when=when_text(opening, now, lang),
            )
            return {"text": reply, "by": opening.isoformat()}
        return {"text": text(lang, "reply.open"), "by": closing.isoformat()}
    opening = hours.next_opening(now)
    if opening is None:
        return {"text": text(lang, "reply.never"), "by": None}
    reply = text(lang, "reply.closed", when=when_text(opening, now, lang))
    return {"text": reply, "by": opening.isoformat()}
