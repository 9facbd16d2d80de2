"""Concurrency and FAQ reload under load, against `widget-api serve` (gunicorn) on loopback.

Issue 6, item 13: 4 gunicorn workers, 200 concurrent clients create 2,000 handoffs and 4,000
follow-up messages: exactly that many rows, none twice, no 5xx. `bench/concurrency.py` runs
10,000 and 20,000 and prints the throughput.

Item 14: the FAQ files are rewritten over and over while 100 clients ask. No request fails,
every answer names its FAQ generation, and the answer's content belongs to that generation:
each rewrite puts a version token into every answer of a file, and the test knows, for every
state the folder was ever in, its generation (computed with the service's own loader) and the
version of each file in it. A generation the folder never had (files read half before and half
after a rewrite) or an answer whose token is not its generation's fails the test.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import threading
import time
from pathlib import Path

import pytest

from tests.live_service import Http, Service, check_handoffs, describe_latencies, handoff_load
from widget_api.faq.library import build_snapshot

pytestmark = pytest.mark.slow

CLIENTS = 200
HANDOFFS = 2000
FOLLOW_UPS = 2


def test_four_workers_and_200_clients_store_every_handoff_and_message_once(tmp_path):
    with Service(tmp_path, workers=4, threads=4) as service:
        service.wait_ready()
        report = handoff_load(service.port, CLIENTS, HANDOFFS, FOLLOW_UPS)
    figures = (
        f"{report.requests} requests in {report.seconds:.1f} s "
        f"({report.requests / report.seconds:.0f}/s; {describe_latencies(report.latencies)})"
    )
    print(figures)
    assert report.failures == [], f"{figures}: {report.failures[:10]}"
    assert dict(report.statuses) == {201: HANDOFFS * (1 + FOLLOW_UPS)}, figures
    assert len(report.acked) == HANDOFFS
    # Exactly these rows: each handoff once, with its transcript, question and follow-ups,
    # each follow-up once; the file passes the integrity checks.
    assert check_handoffs(service.database, report.acked, follow_ups=FOLLOW_UPS) == []
    assert not service.log_lines_with("[ERROR]"), service.log_tail()


# -- FAQ reload under load -----------------------------------------------------------------------

# Read by the service in this (sorted) order; rewritten by the test in the same order.
FAQ_FILES = {
    "en/a-shipping.md": [
        ("ship-norway", "How long does shipping to Norway take?", "delivery time to Norway"),
        ("ship-cost", "What does shipping cost?", "shipping fees"),
    ],
    "en/b-returns.md": [
        ("return-window", "How many days do I have to return an item?", "return period"),
        ("return-label", "Where do I get a return label?", "print a return label"),
    ],
    "en/c-payment.md": [
        ("pay-invoice", "Can I pay by invoice?", "invoice payment"),
        ("pay-card", "Which credit cards do you accept?", "credit card payment"),
    ],
}
FILE_OF = {entry[0]: name for name, entries in FAQ_FILES.items() for entry in entries}
QUESTIONS = [(entry[0], entry[1]) for entries in FAQ_FILES.values() for entry in entries]
TOKEN = re.compile(r"ver-(\d+)-([a-z-]+)")
ROUNDS = 60
ASKERS = 100
RELOAD_SECONDS = 0.05


def faq_text(name: str, version: int) -> str:
    """One file at one version: every answer carries the version and its own id."""
    parts = ["---\nlang: en\n---\n"]
    for entry_id, question, alternative in FAQ_FILES[name]:
        parts.append(
            f"\n## {question}\nid: {entry_id}\nalt: {alternative}\n\n"
            f"The answer to this, version ver-{version}-{entry_id}.\n"
        )
    return "".join(parts)


def write_folder(folder: Path, versions: tuple[int, ...]) -> None:
    for name, version in zip(FAQ_FILES, versions, strict=True):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(faq_text(name, version), encoding="utf-8")


def folder_states(rounds: int) -> list[tuple[int, ...]]:
    """Every state the folder passes through: in round r the files go to version r one by
    one, so (r, r-1, r-1), then (r, r, r-1), then (r, r, r)."""
    count = len(FAQ_FILES)
    states = [(0,) * count]
    for version in range(1, rounds + 1):
        for done in range(1, count + 1):
            states.append((version,) * done + (version - 1,) * (count - done))
    return states


def generations(staging: Path, states: list[tuple[int, ...]]) -> dict[str, tuple[int, ...]]:
    """generation -> file versions, by loading each state with the service's own loader."""
    found = {}
    for state in states:
        write_folder(staging, state)
        snapshot, errors = build_snapshot(staging)
        assert snapshot is not None, errors
        found[snapshot.generation] = state
    assert len(found) == len(states)
    return found


def rewrite(folder: Path, name: str, version: int) -> None:
    """Replace one file at once (write aside, rename), as `git checkout` or an editor's save
    that renames does: a reader sees the old file or the new one, never half of one."""
    path = folder / name
    spare = path.with_name(f".{path.name}.tmp")
    spare.write_text(faq_text(name, version), encoding="utf-8")
    os.replace(spare, path)


class Asker(threading.Thread):
    """Asks the FAQ's questions in random order until told to stop; keeps what came back."""

    def __init__(self, port: int, stop: threading.Event, seed: int) -> None:
        super().__init__(daemon=True)
        self.port, self.stop, self.rng = port, stop, random.Random(seed)
        self.answers: list[tuple[float, str, str, dict]] = []
        self.failures: list[str] = []
        self.answered = threading.Condition()

    def answered_after(self, moment: float, timeout: float) -> bool:
        """Wait until an answer came back after `moment` (time.monotonic); False on timeout."""
        with self.answered:
            return self.answered.wait_for(
                lambda: bool(self.answers) and self.answers[-1][0] > moment, timeout
            )

    def run(self) -> None:
        client = Http(self.port, timeout=30)
        try:
            while not self.stop.is_set():
                entry_id, question = self.rng.choice(QUESTIONS)
                try:
                    reply = client.request(
                        "POST", "/api/v1/ask", {"question": question, "lang": "en"}
                    )
                except (OSError, http.client.HTTPException) as error:
                    self.failures.append(f"{question}: {error!r}")
                    continue
                if reply.status != 200:
                    self.failures.append(f"{question}: {reply.status} {reply.body}")
                    continue
                with self.answered:
                    self.answers.append((time.monotonic(), entry_id, question, reply.body))
                    self.answered.notify_all()
        finally:
            client.close()


def test_faq_rewritten_under_load_every_answer_is_from_the_generation_it_names(tmp_path):
    states = folder_states(ROUNDS)
    by_generation = generations(tmp_path / "staging", states)
    final_generation = next(g for g, state in by_generation.items() if state == states[-1])
    folder = tmp_path / "faq"
    write_folder(folder, states[0])
    service = Service(
        tmp_path, workers=2, threads=4, FAQ_DIR=folder, FAQ_RELOAD_SECONDS=RELOAD_SECONDS
    )
    stop = threading.Event()
    askers = [Asker(service.port, stop, seed) for seed in range(ASKERS)]
    with service:
        service.wait_ready()
        for asker in askers:
            asker.start()
        # Every client is asking before the first rewrite.
        assert all(asker.answered_after(0.0, timeout=60) for asker in askers)
        for version in range(1, ROUNDS + 1):
            for name in FAQ_FILES:
                rewrite(folder, name, version)
                time.sleep(0.003)  # files of one change land one after another
            time.sleep(0.06)
        rewritten_at = time.monotonic()
        # Every client has been answered after the last rewrite's margin (checked below),
        # however slowly the machine runs them.
        assert all(asker.answered_after(rewritten_at + 1.0, timeout=60) for asker in askers)
        stop.set()
        for asker in askers:
            asker.join(timeout=60)
        assert not service.log_lines_with("[ERROR]"), service.log_tail()

    failures = [failure for asker in askers for failure in asker.failures]
    answers = [answer for asker in askers for answer in asker.answers]
    assert failures == [], failures[:10]
    problems = []
    for _, entry_id, question, body in answers:
        generation = body.get("faq_generation")
        state = by_generation.get(generation)
        if state is None:
            problems.append(f"{question!r}: generation {generation!r} of no state of the folder")
            continue
        answer = body["answer"] or {}
        if not body["answered"] or answer.get("id") != entry_id:
            problems.append(f"{question!r} answered with {answer.get('id')!r}")
            continue
        tokens = TOKEN.findall(answer["html"])
        expected = [(str(state[list(FAQ_FILES).index(FILE_OF[entry_id])]), entry_id)]
        if tokens != expected:
            problems.append(f"{entry_id} in generation {generation} {state}: {tokens}")
    assert problems == [], f"{len(problems)} of {len(answers)}: {problems[:10]}"
    seen = {body["faq_generation"] for _, _, _, body in answers}
    # The rewrites were picked up while the clients asked, and in the end the last one.
    assert len(seen) >= ROUNDS // 4, f"only {len(seen)} generations served"
    late = [body["faq_generation"] for at, _, _, body in answers if at > rewritten_at + 1.0]
    assert late and set(late) == {final_generation}, set(late)
    print(
        f"{len(answers)} answers, {len(seen)} generations served "
        f"of {len(by_generation)} folder states"
    )
