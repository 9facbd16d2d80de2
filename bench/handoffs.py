"""Durable handoffs per second: the raw store in-process, then over HTTP with 1 and 4 workers.

    .venv/bin/python bench/handoffs.py [--duration 10] [--clients 64] [--workers 1,4]

Every handoff is one `BEGIN IMMEDIATE` ... `COMMIT` under `synchronous=FULL` in WAL mode (the
project's pragmas, store/sqlite.py), so a handoff answered 201 is on the disk: the rate is
bound by how fast this machine's disk syncs a commit, and by one writer at a time.

Baseline, in the same run: `conversations.create_handoff` called in a loop in this process on
one connection to a fresh database (no HTTP, no JSON, no other writer): the raw store rate.
Then `widget-api serve --workers N` (default threads, rate limits off, a fresh database each)
on 127.0.0.1 is sent `POST /api/v1/handoffs` by many client threads of this process, each on
its own keep-alive connection, for a fixed time. Bodies are what the widget sends: a question
from the sample FAQ, a short transcript, a random Idempotency-Key, and for some a name and an
e-mail address with consent. After each run the rows are counted: every 201 must be a stored
conversation. Prints figures and the ratio to the raw store rate; asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _support import gunicorn, print_load, print_machine

from widget_api.faq.library import build_snapshot
from widget_api.paths import sample_faq_dir
from widget_api.server.serving import DEFAULT_THREADS
from widget_api.store import app_db, conversations, migrations


def sample_bodies(count: int, seed: int = 17) -> list[dict]:
    """Handoff bodies as the widget sends them, from the sample FAQ's phrasings and answers."""
    rng = random.Random(seed)
    snapshot, errors = build_snapshot(sample_faq_dir())
    if snapshot is None:
        sys.exit(f"the sample FAQ does not load: {errors}")
    entries = list(snapshot.entries.values())
    bodies = []
    for number in range(count):
        entry = rng.choice(entries)
        asked = rng.choice(entry.phrasings)
        body = {
            "question": f"{asked} (order {10000 + number})",
            "lang": entry.lang,
            "transcript": [
                {"from": "visitor", "text": asked},
                {"from": "bot", "text": entry.answer[:2000]},
            ],
        }
        if rng.random() < 0.3:
            body.update(name="Kari Nordmann", email=f"kari{number}@example.com", consent=True)
        bodies.append(body)
    return bodies


def as_handoff(body: dict) -> conversations.Handoff:
    return conversations.Handoff(
        question=body["question"],
        lang=body["lang"],
        name=body.get("name"),
        email=body.get("email"),
        consent=body.get("consent", False),
        transcript=tuple((m["from"], m["text"]) for m in body["transcript"]),
    )


def percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


def raw_store_rate(bodies: list[dict], seconds: float) -> dict:
    """create_handoff in a loop, one connection, for `seconds`."""
    with tempfile.TemporaryDirectory(prefix="widget-bench-store-") as folder:
        path = Path(folder) / "widget.sqlite3"
        migrations.init_database(path)
        database = app_db.connect(path)
        try:
            millis = []
            started = time.perf_counter()
            deadline = started + seconds
            number = 0
            while time.perf_counter() < deadline:
                body = bodies[number % len(bodies)]
                begin = time.perf_counter()
                conversations.create_handoff(
                    database, as_handoff(body), "1", idempotency_key=str(uuid.uuid4())
                )
                millis.append((time.perf_counter() - begin) * 1000)
                number += 1
            elapsed = time.perf_counter() - started
            (stored,) = database.execute("SELECT count(*) FROM conversations").fetchone()
            (sync,) = database.execute("PRAGMA synchronous").fetchone()
        finally:
            database.close()
    millis.sort()
    return {
        "count": number,
        "stored": stored,
        "rate": number / elapsed,
        "p50": statistics.median(millis),
        "p99": percentile(millis, 0.99),
        "synchronous": sync,
    }


def http_rate(url: str, bodies: list[dict], clients: int, seconds: float) -> dict:
    """`clients` threads POSTing handoffs for `seconds`; statuses, latencies, rate."""
    parts = urlsplit(url)
    statuses: Counter = Counter()
    millis: list[float] = []
    created: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(number: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        mine_status: Counter = Counter()
        mine_millis: list[float] = []
        mine_created: list[str] = []
        sent = number
        start.wait()
        while time.perf_counter() < deadline[0]:
            payload = json.dumps(bodies[sent % len(bodies)], ensure_ascii=False).encode()
            sent += clients
            headers = {
                "Content-Type": "application/json",
                "Idempotency-Key": str(uuid.uuid4()),
            }
            begin = time.perf_counter()
            try:
                connection.request("POST", "/api/v1/handoffs", payload, headers)
                response = connection.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException) as error:
                mine_status[f"error {type(error).__name__}"] += 1
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                continue
            mine_millis.append((time.perf_counter() - begin) * 1000)
            mine_status[response.status] += 1
            if response.status == 201:
                mine_created.append(json.loads(answer)["conversation_id"])
        connection.close()
        with lock:
            statuses.update(mine_status)
            millis.extend(mine_millis)
            created.extend(mine_created)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    millis.sort()
    return {
        "statuses": statuses,
        "created": created,
        "rate": len(created) / elapsed,
        "p50": statistics.median(millis) if millis else float("nan"),
        "p99": percentile(millis, 0.99) if millis else float("nan"),
    }


def count_conversations(path: Path) -> int:
    with closing(sqlite3.connect(path)) as check:
        return check.execute("SELECT count(*) FROM conversations").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--clients", type=int, default=64, help="client threads over HTTP")
    parser.add_argument("--workers", default="1,4", help="gunicorn worker counts to measure")
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    args = parser.parse_args()
    print_machine()
    bodies = sample_bodies(5000)
    seconds = args.duration

    raw = raw_store_rate(bodies, seconds)
    sync = {2: "FULL", 3: "EXTRA"}.get(raw["synchronous"], raw["synchronous"])
    print(
        f"raw store (create_handoff in-process, 1 connection, synchronous={sync}, WAL), "
        f"{seconds:.0f} s:"
    )
    print(
        f"  {raw['rate']:.1f} handoffs/s, p50 {raw['p50']:.2f} ms, p99 {raw['p99']:.2f} ms "
        f"per handoff; {raw['count']} created, {raw['stored']} stored"
    )
    print()
    print(
        f"HTTP POST /api/v1/handoffs, {args.clients} client threads (keep-alive), "
        f"{seconds:.0f} s per run, threads per worker {args.threads}, rate limits off"
    )
    print(
        f"{'workers':>7} {'handoffs/s':>10} {'x raw':>6} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'201s':>6} {'stored':>6} {'dupes':>5}  statuses"
    )
    for workers in (int(w) for w in args.workers.split(",")):
        env = {"WIDGET_RATELIMIT_ENABLED": "false"}
        with gunicorn(workers, args.threads, env=env) as server:
            http_rate(server.url, bodies, min(args.clients, 8), 1.0)  # warm-up
            before = count_conversations(server.database)
            result = http_rate(server.url, bodies, args.clients, seconds)
            with closing(sqlite3.connect(server.database)) as check:
                (after,) = check.execute("SELECT count(*) FROM conversations").fetchone()
                ids = set(result["created"])
                found = sum(
                    check.execute(
                        "SELECT count(*) FROM conversations WHERE id = ?", [cid]
                    ).fetchone()[0]
                    for cid in ids
                )
        stored = after - before
        dupes = len(result["created"]) - len(ids)
        statuses = " ".join(f"{k}:{v}" for k, v in sorted(result["statuses"].items(), key=str))
        print(
            f"{workers:>7} {result['rate']:>10.1f} {result['rate'] / raw['rate']:>6.2f} "
            f"{result['p50']:>8.1f} {result['p99']:>8.1f} {len(result['created']):>6} "
            f"{stored:>6} {dupes:>5}  {statuses}",
            flush=True,
        )
        if found != len(ids) or stored != len(result["created"]):
            print(f"  !! {len(ids) - found} answered 201 but not stored; rows added {stored}")


if __name__ == "__main__":
    main()
    print()
    print_load("at the end")
