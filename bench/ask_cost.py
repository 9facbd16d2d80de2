"""What one request costs in-process: ask against widget-config and a bare Flask app, no server.

    .venv/bin/python bench/ask_cost.py [--passes 5] [--profile ask|widget-config]

Calls each app's WSGI callable directly, in one thread, with prebuilt requests (the Origin
header of the HTTP benchmark, so CORS headers are added too): no gunicorn, no sockets, no wrk,
so what is left is the app's own work. The ask requests are bench/http_throughput.py's stream
of 4,000 bodies. Prints the best of `--passes` passes over the stream, per request, for:
bare Flask, widget-config, ask (whole stream and answered only), ask with every match computed
beforehand (what asking costs besides matching), and the matcher alone. The app uses a fresh
database in a temporary folder, rate limits off, its request log written to memory.
`--profile` prints cProfile's top functions for one endpoint instead. Asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from http_throughput import ORIGIN, question_stream

from widget_api.faq.model import Thresholds
from widget_api.faq.render import remove_control_characters


def request(method: str, path: str, body: dict | None = None, query: str = "") -> dict:
    """A WSGI environ, its body kept as bytes so it can be read again for every call."""
    from werkzeug.test import EnvironBuilder

    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    environ = EnvironBuilder(
        method=method,
        path=path,
        data=data,
        query_string=query,
        headers={"Origin": ORIGIN, "Accept": "application/json"},
        content_type="application/json" if body is not None else None,
    ).get_environ()
    environ["bench.body"] = data or b""
    return environ


def call(app: Callable, environ: dict) -> None:
    environ = {**environ, "wsgi.input": io.BytesIO(environ["bench.body"])}
    chunks = app(environ, lambda status, headers, exc_info=None: None)
    b"".join(chunks)
    getattr(chunks, "close", lambda: None)()


def best(work: Callable, items: list, passes: int) -> float:
    """The fastest pass over `items`, in µs per item (after a warm-up of 300 items)."""
    for item in items[:300]:
        work(item)
    fastest = float("inf")
    for _ in range(passes):
        started = time.perf_counter()
        for item in items:
            work(item)
        fastest = min(fastest, (time.perf_counter() - started) / len(items))
    return fastest * 1e6


def widget_app():
    from widget_api import create_app

    os.environ["WIDGET_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="widget-bench-")
    os.environ["WIDGET_RATELIMIT_ENABLED"] = "false"
    app = create_app()
    requests_log = logging.getLogger("widget_api")
    requests_log.handlers = [logging.StreamHandler(io.StringIO())]
    requests_log.propagate = False
    return app


def bare_app():
    from flask import Flask, jsonify

    app = Flask("bare")
    app.get("/ping")(lambda: jsonify(ok=True))
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--profile", choices=("ask", "widget-config"))
    args = parser.parse_args()
    stream, snapshot = question_stream()
    thresholds = Thresholds()
    bodies = [{k: v for k, v in b.items() if not k.startswith("_")} for b in stream]
    answered = [
        b
        for b in bodies
        if snapshot.index.match(b["question"], b.get("lang"), thresholds).outcome == "answer"
    ]
    asks = [request("POST", "/api/v1/ask", body) for body in bodies]
    config = [request("GET", "/api/v1/widget-config", query="lang=en")] * len(asks)
    app = widget_app()

    if args.profile:
        items = asks if args.profile == "ask" else config
        best(lambda e: call(app, e), items, 1)
        profile = cProfile.Profile()
        profile.runcall(lambda: [call(app, e) for e in items])
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        return

    bare = bare_app()
    figures = {
        "bare Flask /ping": best(lambda e: call(bare, e), [request("GET", "/ping")] * 2000, 5),
        "widget-config": best(lambda e: call(app, e), config, args.passes),
        "ask, whole stream": best(lambda e: call(app, e), asks, args.passes),
        "ask, answered only (writes nothing)": best(
            lambda e: call(app, e),
            [request("POST", "/api/v1/ask", body) for body in answered],
            args.passes,
        ),
        "the matcher alone, whole stream": best(
            lambda b: snapshot.index.match(b["question"], b.get("lang"), thresholds),
            bodies,
            args.passes,
        ),
    }
    # Every match computed beforehand (keyed as the view asks: the cleaned question).
    known = {}
    for body in bodies:
        question = remove_control_characters(body["question"]).strip()
        known[(question, body.get("lang"))] = snapshot.index.match(
            question, body.get("lang"), thresholds
        )

    class KnownMatches:
        def match(self, question, lang=None, thresholds=thresholds):
            return known[(question, lang)]

    serving = app.extensions["faq_library"].current()
    object.__setattr__(serving, "index", KnownMatches())
    figures["ask, every match computed beforehand"] = best(
        lambda e: call(app, e), asks, args.passes
    )
    print(f"in-process, one thread, best of {args.passes} passes, per request:")
    for name, micros in figures.items():
        print(f"  {name:<40} {micros:>6.0f} µs")


if __name__ == "__main__":
    main()
