"""HTTP throughput and latency of `POST /api/v1/ask` under gunicorn, against trivial endpoints.

    .venv/bin/python bench/http_throughput.py [--duration 10] [--connections 50,200]

Needs `wrk` (Debian: `apt-get install wrk`) and, for the rate-limited runs, `redis-server`.
Starts `widget-api serve` on 127.0.0.1 with one worker per core (`nproc`) and the default
threads, the shipped sample FAQ and a fresh database in a temporary folder, and drives it with
wrk over loopback, wrk using as many threads as there are cores, on the same machine.

Baselines, measured in the same run:
- `GET /api/v1/widget-config` on the same server: a JSON answer built from settings alone (no
  database, no request body, no matcher) that goes through the same middleware as ask (request
  log, limiter hook, CORS and security headers). The ratio ask / widget-config, the issue's
  target, is the cost of the ask work itself: parsing the question, matching it, and what
  ask writes.
- `GET /ping` of a bare Flask app (one route, nothing else) under the same gunicorn options
  (`serving.gunicorn_options`): the floor of Flask under gunicorn here, for context only.

The ask stream: every phrasing of the sample FAQ (both languages) with perturbations (typos,
a dropped word, lower case, no punctuation), plus out-of-scope questions; 4,000 request bodies
made here with a fixed seed, no two alike in a row, cycled by wrk's Lua script (each wrk
thread starting elsewhere in the list). Some bodies carry no "lang", as when the widget does
not know the visitor's language. What the matcher decides for the stream is computed
in-process first and printed, since a question not answered at once is also written to the
gaps log (one synced commit). A third run at each concurrency sends only the stream's bodies
that are answered at once ("answered only"), which write nothing: the same server and matcher
without the gaps-log writes, to show what those cost.

Rate limits are off (`WIDGET_RATELIMIT_ENABLED=false`) for the comparison; they are then
measured on, with counters in a private Redis (several workers need shared counters), twice:
with the shipped limits, which one client (wrk) exhausts within a second, so nearly every
request is a refusal (429); and with the ask limit raised out of reach, so every request is
served and pays for the check. Prints figures and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _support import cpu_count, gunicorn, need_program, print_load, print_machine, redis_server

from widget_api.faq.library import FaqSnapshot, build_snapshot
from widget_api.faq.model import Thresholds
from widget_api.paths import sample_faq_dir
from widget_api.serving import DEFAULT_THREADS, ServeOptions, gunicorn_options

STREAM_LENGTH = 4000
OUT_OF_SCOPE_SHARE = 0.15
NO_LANG_SHARE = 0.2
WARM_UP_SECONDS = 3
ORIGIN = "http://127.0.0.1:5001"  # an allowed origin by default, so CORS headers are sent too
TARGET_RATIO = 0.70
TARGET_P99_MS = 50.0

OUT_OF_SCOPE = {
    "en": [
        "Do you sell bicycles?",
        "What will the weather be like in Tromsø tomorrow?",
        "Can you recommend a good hiking route in the Alps?",
        "Who won the football match yesterday?",
        "How do I pitch a tent in strong wind?",
        "Are you hiring?",
        "What is the capital of Norway?",
        "Can I bring my dog into the store?",
        "Do you offer guided tours?",
        "Is the Fjell 2 tent good for winter camping?",
        "What is your company's revenue?",
        "Can you fix my laptop?",
        "Tell me a joke",
        "Which stove burns best above 3000 metres?",
        "Do you have a loyalty app for iPhone?",
        "How many calories does hiking burn?",
        "Where can I park near your warehouse?",
        "Do you sponsor expeditions?",
        "Is there a student discount on kayaks?",
        "Can I rent skis from you?",
    ],
    "de": [
        "Verkauft ihr auch Fahrräder?",
        "Wie wird das Wetter morgen in Bergen?",
        "Könnt ihr mir eine Wanderroute im Harz empfehlen?",
        "Wer hat gestern das Spiel gewonnen?",
        "Wie baue ich ein Zelt bei Sturm auf?",
        "Sucht ihr neue Mitarbeiter?",
        "Darf ich meinen Hund mit in den Laden bringen?",
        "Bietet ihr geführte Touren an?",
        "Könnt ihr meinen Laptop reparieren?",
        "Erzähl mir einen Witz",
        "Welcher Kocher funktioniert am besten in großer Höhe?",
        "Gibt es eine App für Android?",
        "Wo kann ich in der Nähe eures Lagers parken?",
        "Kann ich bei euch Skier leihen?",
        "Wie viele Kalorien verbrennt man beim Wandern?",
    ],
}

WRK_REPORT = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,"max":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
end
"""

GET_SCRIPT = (
    f'wrk.method = "GET"\nwrk.headers["Origin"] = "{ORIGIN}"\n'
    'wrk.headers["Accept"] = "application/json"\n' + WRK_REPORT
)

ASK_SCRIPT_BODY = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Origin"] = "%ORIGIN%"
local requests_ = {}
local count = #bodies
local at = 0
local threads = 0

function setup(thread)
  -- Each wrk thread starts at another place in the list.
  thread:set("start", threads * 997)
  threads = threads + 1
end

function init(args)
  for k = 1, count do
    requests_[k] = wrk.format(nil, "/api/v1/ask", nil, bodies[k])
  end
  at = (start or 0) % count
end

function request()
  at = at % count + 1
  return requests_[at]
end
"""


# --- the question stream ---------------------------------------------------------------------

_NEIGHBOURS = "qwertzuiopasdfghjklyxcvbnm"


def typo(text: str, rng: random.Random) -> str:
    """One typo in one word of four letters or more: swap, drop, double or replace a letter."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if sum(c.isalpha() for c in w) >= 4]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word = words[i]
    pos = rng.randrange(1, len(word) - 1) if len(word) > 2 else 0
    kind = rng.choice(("swap", "drop", "double", "replace"))
    if kind == "swap":
        word = word[:pos] + word[pos + 1 : pos + 2] + word[pos] + word[pos + 2 :]
    elif kind == "drop":
        word = word[:pos] + word[pos + 1 :]
    elif kind == "double":
        word = word[:pos] + word[pos] + word[pos:]
    else:
        word = word[:pos] + rng.choice(_NEIGHBOURS) + word[pos + 1 :]
    words[i] = word
    return " ".join(words)


def drop_word(text: str, rng: random.Random) -> str:
    words = text.split()
    if len(words) < 3:
        return text
    del words[rng.randrange(len(words))]
    return " ".join(words)


def perturb(text: str, rng: random.Random) -> str:
    """As visitors type: sometimes as written, mostly with a typo or a word missing, or both."""
    roll = rng.random()
    if roll < 0.25:
        pass
    elif roll < 0.6:
        text = typo(text, rng)
    elif roll < 0.8:
        text = drop_word(text, rng)
    else:
        text = typo(drop_word(text, rng), rng)
    if rng.random() < 0.3:
        text = text.lower()
    if rng.random() < 0.3:
        text = re.sub(r"[?!.,]", "", text)
    return text.strip() or "help"


def question_stream(seed: int = 6) -> tuple[list[dict], FaqSnapshot]:
    """STREAM_LENGTH ask bodies, no two alike in a row (wrapping around included)."""
    rng = random.Random(seed)
    snapshot, errors = build_snapshot(sample_faq_dir())
    if snapshot is None:
        sys.exit(f"the sample FAQ does not load: {errors}")
    phrasings = [(p, e.lang, e.id) for e in snapshot.entries.values() for p in e.phrasings]
    off_topic = [(q, lang, None) for lang, items in OUT_OF_SCOPE.items() for q in items]
    stream: list[dict] = []
    while len(stream) < STREAM_LENGTH:
        pool = off_topic if rng.random() < OUT_OF_SCOPE_SHARE else phrasings
        text, lang, source = rng.choice(pool)
        body = {"question": perturb(text, rng)}
        if rng.random() >= NO_LANG_SHARE:
            body["lang"] = lang
        if stream and body == stream[-1]:
            continue
        if len(stream) == STREAM_LENGTH - 1 and body == stream[0]:
            continue
        body["_source"] = source
        stream.append(body)
    return stream, snapshot


def describe_stream(stream: list[dict], snapshot: FaqSnapshot) -> list[dict]:
    """Print what the stream is made of; return its bodies that the FAQ answers at once."""
    outcomes = [
        snapshot.index.match(body["question"], body.get("lang"), Thresholds()).outcome
        for body in stream
    ]
    counts = Counter(outcomes)
    n = len(stream)
    off = sum(body["_source"] is None for body in stream)
    no_lang = sum("lang" not in body for body in stream)
    distinct = len({json.dumps(b, sort_keys=True) for b in stream})
    phrasing_count = sum(len(e.phrasings) for e in snapshot.entries.values())
    print(
        f"ask stream: {n} bodies ({distinct} distinct) from {phrasing_count} phrasings of "
        f"{len(snapshot.entries)} sample-FAQ entries; {off / n:.0%} out of scope, "
        f"{no_lang / n:.0%} without lang"
    )
    shares = ", ".join(f"{k} {counts[k] / n:.0%}" for k in ("answer", "suggest", "handoff"))
    print(f"matcher's decisions for the stream (in-process, default thresholds): {shares}")
    print(
        f"  -> {(n - counts['answer']) / n:.0%} of asks also write a row to the gaps log "
        "(question_log), one synced commit each"
    )
    answered: list[dict] = []
    for body, outcome in zip(stream, outcomes, strict=True):
        if outcome == "answer" and (not answered or body != answered[-1]):
            answered.append(body)
    if len(answered) > 1 and answered[-1] == answered[0]:
        answered.pop()
    print(
        f"'answered only': the {len(answered)} bodies of the stream answered at once, which "
        "write nothing (a diagnostic: the same server without the gaps-log writes)"
    )
    print()
    return answered


def lua_string(text: str) -> str:
    """A Lua string literal for UTF-8 text (bytes above 127 pass through as they are)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped + '"'


def ask_script(stream: list[dict]) -> str:
    lines = ["local bodies = {"]
    for body in stream:
        wire = {k: v for k, v in body.items() if not k.startswith("_")}
        lines.append("  " + lua_string(json.dumps(wire, ensure_ascii=False)) + ",")
    lines.append("}")
    return "\n".join(lines) + ASK_SCRIPT_BODY.replace("%ORIGIN%", ORIGIN) + WRK_REPORT


# --- running wrk -----------------------------------------------------------------------------


def status_counts(log: Path, offset: int) -> Counter:
    """Statuses of the requests the service logged after `offset` (its one line per request)."""
    with log.open("rb") as lines:
        lines.seek(offset)
        text = lines.read().decode("utf-8", "replace")
    return Counter(re.findall(r"(?:GET|POST) /\S* (\d{3}) \d+ms$", text, re.MULTILINE))


def run_wrk(url: str, script: Path, connections: int, seconds: int, log: Path | None) -> dict:
    offset = log.stat().st_size if log else 0
    threads = min(cpu_count(), connections)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next((s for s in done.stdout.splitlines() if s.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    result = json.loads(line.removeprefix("WRKJSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = result["connect"] + result["read"] + result["write"] + result["timeout"]
    result["statuses"] = status_counts(log, offset) if log else Counter()
    return result


def fmt_statuses(statuses: Counter) -> str:
    return " ".join(f"{code}:{n}" for code, n in sorted(statuses.items())) or "-"


def row(name: str, connections: int, r: dict) -> str:
    return (
        f"{name:<24} {connections:>5} {r['rps']:>9.0f} {r['p50'] / 1000:>8.1f} "
        f"{r['p99'] / 1000:>8.1f} {r['max'] / 1000:>8.1f} {r['errors']:>6}  "
        f"{fmt_statuses(r['statuses'])}"
    )


HEADER = (
    f"{'endpoint':<24} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
    f"{'sock.e':>6}  statuses logged by the service"
)


# --- the bare Flask baseline server (this file, run with --bare-flask-server) ----------------


def bare_flask_server(bind: str, workers: int, threads: int) -> None:
    """One trivial JSON route under gunicorn with exactly the options `widget-api serve` uses."""
    from flask import Flask, jsonify
    from gunicorn.app.base import BaseApplication

    class Bare(BaseApplication):
        def __init__(self) -> None:
            self.options = gunicorn_options(ServeOptions(bind, workers, threads))
            super().__init__()

        def load_config(self) -> None:
            for name, value in self.options.items():
                if name in self.cfg.settings and value is not None:
                    self.cfg.set(name, value)

        def load(self):
            app = Flask("bare")

            @app.get("/ping")
            def ping():
                return jsonify(ok=True)

            print("bare worker ready", file=sys.stderr, flush=True)
            return app

    Bare().run()


# --- the benchmark ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", default="50,200")
    parser.add_argument("--workers", type=int, default=cpu_count())
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    parser.add_argument("--no-limits-on", action="store_true", help="skip the rate-limited runs")
    parser.add_argument("--bare-flask-server", metavar="BIND", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_flask_server:
        bare_flask_server(args.bare_flask_server, args.workers, args.threads)
        return
    need_program("wrk", "wrk")
    connections = [int(c) for c in args.connections.split(",")]
    seconds = args.duration

    print_machine()
    print(
        f"server: widget-api serve --workers {args.workers} --threads {args.threads} "
        f"(gthread), 127.0.0.1; wrk -t{cpu_count()} --timeout 10s, {seconds} s per run, "
        f"{WARM_UP_SECONDS} s warm-up per endpoint and server"
    )
    stream, snapshot = question_stream()
    answered = describe_stream(stream, snapshot)

    with tempfile.TemporaryDirectory(prefix="widget-bench-lua-") as folder:
        get_lua = Path(folder) / "get.lua"
        get_lua.write_text(GET_SCRIPT, encoding="utf-8")
        ask_lua = Path(folder) / "ask.lua"
        ask_lua.write_text(ask_script(stream), encoding="utf-8")
        answered_lua = Path(folder) / "answered.lua"
        answered_lua.write_text(ask_script(answered), encoding="utf-8")

        off = {"WIDGET_RATELIMIT_ENABLED": "false"}
        results: dict[tuple[str, int], dict] = {}
        print("rate limits OFF")
        print(HEADER)
        with gunicorn(args.workers, args.threads, env=off) as server:
            config_url = server.url + "/api/v1/widget-config?lang=en"
            ask_url = server.url + "/api/v1/ask"
            run_wrk(config_url, get_lua, connections[0], WARM_UP_SECONDS, None)
            run_wrk(ask_url, ask_lua, connections[0], WARM_UP_SECONDS, None)
            for c in connections:
                for name, url, lua in (
                    ("GET widget-config", config_url, get_lua),
                    ("POST ask", ask_url, ask_lua),
                    ("POST ask (answered only)", ask_url, answered_lua),
                ):
                    result = run_wrk(url, lua, c, seconds, server.log)
                    results[(name, c)] = result
                    print(row(name, c, result), flush=True)
            asks = sum(results[("POST ask", c)]["requests"] for c in connections)
            with closing(sqlite3.connect(server.database)) as db:
                (logged,) = db.execute("SELECT count(*) FROM question_log").fetchone()
            print(f"  gaps-log rows written during the runs (incl. warm-up): {logged}")

        bare_command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--bare-flask-server",
            "127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
        ]
        with gunicorn(
            args.workers,
            args.threads,
            command=bare_command,
            ready_text="bare worker ready",
            probe_path="/ping",
        ) as bare:
            ping_url = bare.url + "/ping"
            run_wrk(ping_url, get_lua, connections[0], WARM_UP_SECONDS, None)
            for c in connections:
                result = run_wrk(ping_url, get_lua, c, seconds, None)
                results[("GET /ping (bare Flask)", c)] = result
                print(row("GET /ping (bare Flask)", c, result), flush=True)

        print()
        print("ratios (requests/s):")
        for c in connections:
            ask = results[("POST ask", c)]["rps"]
            config = results[("GET widget-config", c)]["rps"]
            bare_rps = results[("GET /ping (bare Flask)", c)]["rps"]
            answered_rps = results[("POST ask (answered only)", c)]["rps"]
            print(
                f"  {c:>3} connections: ask / widget-config = {ask / config:.2f}   "
                f"ask (answered only) / widget-config = {answered_rps / config:.2f}   "
                f"ask / bare Flask = {ask / bare_rps:.2f}   "
                f"widget-config / bare Flask = {config / bare_rps:.2f}"
            )
        print()
        print("targets:")
        for c in connections:
            ratio = results[("POST ask", c)]["rps"] / results[("GET widget-config", c)]["rps"]
            verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
            print(
                f"  ask >= {TARGET_RATIO:.0%} of widget-config's throughput at {c} connections: "
                f"{ratio:.0%}, {verdict}"
            )
        if 50 in connections:
            p99 = results[("POST ask", 50)]["p99"] / 1000
            verdict = "met" if p99 < TARGET_P99_MS else "NOT met"
            print(f"  ask p99 < {TARGET_P99_MS:.0f} ms at 50 connections: {p99:.1f} ms, {verdict}")
        print(f"  ({asks} ask requests in the measured runs)")

        if args.no_limits_on:
            return
        print()
        with redis_server() as redis_url:
            if redis_url is None:
                print(
                    "rate limits ON: skipped, redis-server is not installed "
                    "(`apt-get install redis-server`); several workers need shared counters"
                )
                return
            limited = {
                "WIDGET_RATELIMIT_ENABLED": "true",
                "WIDGET_RATELIMIT_STORAGE_URI": redis_url,
            }
            for title, extra in (
                ("rate limits ON, shipped limits (one client: nearly all refused)", {}),
                (
                    "rate limits ON, ask limit raised out of reach (all served, all checked)",
                    {"WIDGET_RATELIMIT_ASK": "1000000000 per minute"},
                ),
            ):
                print(f"{title}; counters in Redis")
                print(HEADER)
                with gunicorn(args.workers, args.threads, env={**limited, **extra}) as server:
                    ask_url = server.url + "/api/v1/ask"
                    run_wrk(ask_url, ask_lua, connections[0], WARM_UP_SECONDS, None)
                    for c in connections:
                        result = run_wrk(ask_url, ask_lua, c, seconds, server.log)
                        off_rps = results[("POST ask", c)]["rps"]
                        print(
                            row("POST ask", c, result)
                            + f"   ({result['rps'] / off_rps:.2f}x ask with limits off)",
                            flush=True,
                        )
                print()


if __name__ == "__main__":
    main()
    print()
    print_load("at the end")
