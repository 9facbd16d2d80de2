"""Every staff page and `widget-api faq gaps` at 10,000 gap rows, adversarial ones included.

    .venv/bin/python bench/gaps_page.py [EVAL_DIR] [--rows 10000] [--repeat 5]

Fills a fresh database (the real app, in a temporary instance folder) with `--rows` rows of
the question log, dated over the last 30 days:
  - 15% near-identical 500-character questions, as anyone can send (one long question with
    one word changed per copy); 1,500 of them made the pairwise grouping take 9-20 s;
  - 15% long questions of random words, each unlike the others (every one a group of its
    own, the most comparisons for the grouping);
  - the rest real visitors' questions that no FAQ entry answers (clinc150's and xsid_de's
    out-of-scope questions from EVAL_DIR, repeated).
Also 300 handoffs, so the inbox has pages. Then times each staff page through the app's test
client (median and max of `--repeat` requests, after one warm-up) and `widget-api faq gaps`
(text and --json) in this process, and compares the grouping with the pairwise grouping it
replaced (kept below as `pairwise_group_gaps`, as of efb7688) on the near-identical rows
alone and on a mixed sample: time, ratio and how alike the two groupings are (the share of
question pairs both put together or both apart). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from click.testing import CliRunner
from rapidfuzz import fuzz, process

from bench._support import print_load, print_machine
from widget_api import create_app
from widget_api.cli import main
from widget_api.faq.gaps import SAME_GAP, Gap, comparable, group_gaps
from widget_api.store import accounts
from widget_api.store.app_db import connect
from widget_api.store.conversations import Handoff, create_handoff

DEFAULT_EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"
PASSWORD = "bench password, long enough"
WORDS = (
    "order parcel return refund tent canoe rental store address invoice payment delivery "
    "warranty boots jacket size exchange voucher shipping customs weather backpack stove "
    "sleeping bag lantern compass rope kayak paddle helmet gloves socks map trail"
).split()


def pairwise_group_gaps(rows: Sequence[dict], threshold: float = SAME_GAP) -> list[Gap]:
    """The grouping as it was before the hardening issue: each question against every group,
    and the central member by comparing every pair of a group."""

    def central(texts: Sequence[str]) -> int:
        if len(texts) <= 2:
            return 0
        scores = [
            sum(s for _, s, _ in process.extract(t, texts, scorer=fuzz.token_set_ratio, limit=None))
            for t in texts
        ]
        return max(range(len(texts)), key=scores.__getitem__)

    gaps: list[Gap] = []
    keys: list[str] = []
    for row in rows:
        text = comparable(row["question"], row.get("lang"))
        if not text:
            continue
        match = (
            process.extractOne(text, keys, scorer=fuzz.token_set_ratio, score_cutoff=threshold)
            if keys
            else None
        )
        if match is None:
            gaps.append(Gap())
            keys.append(text)
            gaps[-1].questions.append(row)
        else:
            gaps[match[2]].questions.append(row)
    for gap in gaps:
        texts = [comparable(q["question"], q.get("lang")) for q in gap.questions]
        gap.suggested_question = gap.questions[central(texts)]["question"]
    return sorted(gaps, key=lambda gap: (-gap.size, gap.questions[0]["id"]))


def near_identical(count: int, rng: random.Random) -> list[str]:
    base = [rng.choice(WORDS) for _ in range(90)]
    questions = []
    for number in range(count):
        words = list(base)
        words[number % len(words)] = f"{rng.choice(WORDS)}{number}"
        questions.append(" ".join(words)[:500])
    return questions


def random_long(count: int, rng: random.Random) -> list[str]:
    return [
        " ".join(f"{rng.choice(WORDS)}{rng.randrange(10_000)}" for _ in range(70))[:500]
        for _ in range(count)
    ]


def real_questions(eval_dir: Path) -> list[tuple[str, str]]:
    found = []
    for name, lang in (("clinc150", "en"), ("xsid_de", "de")):
        path = eval_dir / name / "queries.jsonl"
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                item = json.loads(line)
                if item.get("expected") is None:
                    found.append((item["text"], lang))
    if not found:
        sys.exit(f"no out-of-scope questions under {eval_dir}")
    return found


def question_rows(total: int, eval_dir: Path, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    adversarial = int(total * 0.15)
    texts = [(q, "en") for q in near_identical(adversarial, rng)]
    texts += [(q, "en") for q in random_long(adversarial, rng)]
    real = real_questions(eval_dir)
    texts += [real[n % len(real)] for n in range(total - len(texts))]
    rng.shuffle(texts)
    now = datetime.now(UTC)
    return [
        {
            "question": question,
            "lang": lang,
            "outcome": rng.choice(("suggest", "handoff", "not_helpful")),
            "best_faq_id": None,
            "best_score": None,
            "created_at": (now - timedelta(minutes=4 * (total - n))).isoformat(
                timespec="milliseconds"
            ),
        }
        for n, (question, lang) in enumerate(texts)
    ]


def timed(call: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """Median and max wall time, and median CPU time of this process (other work on a shared
    machine stretches wall time; CPU time is what the request itself cost)."""
    call()  # warm-up
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(times), max(times), statistics.median(cpu)


def pair_agreement(rows: Sequence[dict], one: list[Gap], other: list[Gap]) -> float:
    """Share of question pairs that both groupings put together, or both apart (Rand index)."""

    def label(gaps: list[Gap]) -> dict[int, int]:
        return {id(q): number for number, gap in enumerate(gaps) for q in gap.questions}

    a, b = label(one), label(other)
    ids = [id(row) for row in rows if id(row) in a]
    same = sum((a[x] == a[y]) == (b[x] == b[y]) for x, y in combinations(ids, 2))
    return same / max(1, len(ids) * (len(ids) - 1) // 2)


def compare(name: str, rows: list[dict]) -> None:
    """CPU seconds of both groupings on the same rows, their ratio and agreement."""
    started = time.process_time()
    new = group_gaps(rows)
    new_s = time.process_time() - started
    started = time.process_time()
    old = pairwise_group_gaps(rows)
    old_s = time.process_time() - started
    print(
        f"{name:<34} {len(rows):>6} {old_s:>10.2f} {new_s:>8.3f} {old_s / new_s:>7.0f}x "
        f"{len(old):>7} {len(new):>7} {pair_agreement(rows, old, new):>9.4f}"
    )


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("eval_dir", nargs="?", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print_machine()
    rows = question_rows(args.rows, args.eval_dir)

    with tempfile.TemporaryDirectory(prefix="bench-gaps-") as folder:
        instance = Path(folder) / "instance"
        app = create_app(
            {
                "TESTING": True,
                "INSTANCE_PATH": str(instance),
                "RATELIMIT_ENABLED": False,
                "SECURE_COOKIES": False,
                "FAQ_RELOAD_SECONDS": 0,
            }
        )
        db = connect(app.config["DATABASE"])
        db["question_log"].insert_all(rows)
        for number in range(300):
            create_handoff(db, Handoff(f"Where is my order {number}?", "en"), "1")
        accounts.create_account(db, "admin@example.com", PASSWORD, "admin")
        some_id = db.execute("SELECT id FROM conversations LIMIT 1").fetchone()[0]
        db.close()

        client = app.test_client()
        login = client.get("/staff/login").get_data(as_text=True)
        token = login.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed_in = client.post(
            "/staff/login",
            data={"email": "admin@example.com", "password": PASSWORD, "csrf_token": token},
        )
        assert signed_in.status_code == 302, signed_in.status_code

        pages = [
            "/staff/queue?view=new",
            "/staff/queue?view=new&order=oldest",
            "/staff/queue?view=closed",
            f"/staff/conversations/{some_id}",
            "/staff/gaps?days=7",
            "/staff/gaps?days=30",
            "/staff/gaps?days=90",
            "/staff/stats?days=30",
            "/staff/try?q=where+is+my+parcel",
            "/staff/drafts",
            "/staff/audit",
        ]
        print(f"staff pages with {args.rows:,} gap rows (median and max of {args.repeat}):")
        print(f"{'page':<38} {'status':>6} {'KiB':>7} {'median s':>9} {'max s':>7} {'CPU s':>7}")
        for path in pages:
            response = client.get(path)
            median, worst, cpu = timed(lambda path=path: client.get(path), args.repeat)
            size = len(response.get_data()) / 1024
            shown = path if len(path) <= 38 else path[:35] + "..."
            print(
                f"{shown:<38} {response.status_code:>6} {size:>7.0f} {median:>9.3f} "
                f"{worst:>7.3f} {cpu:>7.3f}"
            )

        os.environ["WIDGET_INSTANCE_PATH"] = str(instance)
        runner = CliRunner()
        print()
        for command in (["faq", "gaps"], ["faq", "gaps", "--json"]):
            result = runner.invoke(main, command)
            assert result.exit_code == 0, result.output
            median, worst, cpu = timed(
                lambda command=command: runner.invoke(main, command), args.repeat
            )
            shown = "widget-api " + " ".join(command)
            size = len(result.output) / 1024
            print(
                f"{shown:<38} {'exit 0':>6} {size:>7.0f} {median:>9.3f} {worst:>7.3f} {cpu:>7.3f}"
            )

    print()
    print("grouping alone, CPU seconds, pairwise (before) against the word index (now):")
    print(
        f"{'rows':<34} {'count':>6} {'before s':>10} {'now s':>8} {'ratio':>8} "
        f"{'groups':>7} {'now':>7} {'agreement':>9}"
    )
    rng = random.Random(1)
    compare(
        "near-identical 500-char questions",
        [
            {"id": n, "question": q, "lang": "en", "outcome": "handoff"}
            for n, q in enumerate(near_identical(1500, rng))
        ],
    )
    sample = [dict(row, id=n) for n, row in enumerate(random.Random(2).sample(rows, 2000))]
    compare("mixed sample of the 10,000", sample)
    real = [
        {"id": n, "question": q, "lang": lang, "outcome": "handoff"}
        for n, (q, lang) in enumerate(real_questions(args.eval_dir))
    ]
    compare("real out-of-scope questions only", real)
    print_load("at end")


if __name__ == "__main__":
    main_bench()
