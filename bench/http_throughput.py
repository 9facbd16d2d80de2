"""HTTP throughput and latency of `POST /api/v1/ask` under gunicorn, against trivial endpoints.

    .venv/bin/python bench/http_throughput.py [--duration 5] [--repeat 5] [--connections 50,200]

Needs `wrk` (Debian: `apt-get install wrk`) and, for the rate-limited runs, `redis-server`.
Starts `widget-api serve` on 127.0.0.1 with one worker per core (`nproc`) and the default
threads, the shipped sample FAQ and a fresh database in a temporary folder, and drives it with
wrk over loopback, wrk using as many threads as there are cores, on the same machine.

Baselines, measured in the same run:
- `GET /api/v1/widget-config` on the same server: a JSON answer built from settings alone (no
  database, no request body, no matcher) that goes through the same middleware as ask (request
  log, CORS and security headers). The ratio ask / widget-config, the issue's target, is the
  cost of the ask work itself: parsing the question, matching it, and what ask writes.
- `GET /ping` of a bare Flask app (one route, nothing else) under the same gunicorn options
  (`serving.gunicorn_options`): the floor of Flask under gunicorn here, for context only.

How it is measured: both servers run side by side, and every endpoint gets a warm-up run first
(after every worker has loaded the FAQ). Then `--repeat` repetitions: in each, every endpoint
at every concurrency, the endpoints in an order that rotates from one repetition to the next,
so slow drifts and other people's bursts of work fall on all of them alike. Figures are the
medians over the repetitions; ratios are taken between two runs of the same repetition. Each
run also reports where the machine's CPU went: the server's CPU time per request, how evenly
its workers shared the work, and how much CPU other processes took meanwhile (the machine is
2 cores, shared). A run is made again (`--retries` times at most, each attempt listed) when
other work took more than OTHER_CPU_LIMIT cores, or when it was lopsided: wrk keeps its
connections open and each stays with the worker that accepted it, and now and then one worker
accepts nearly all of them and serves alone on one core, which halves that run's figure.

The ask stream: every phrasing of the sample FAQ (both languages) with perturbations (typos,
a dropped word, lower case, no punctuation), plus out-of-scope questions; 4,000 request bodies
made here with a fixed seed, no two alike in a row, cycled by wrk's Lua script (each wrk
thread starting elsewhere in the list). Some bodies carry no "lang", as when the widget does
not know the visitor's language. What the matcher decides for the stream is computed
in-process first and printed, since a question not answered at once is also written to the
gaps log (one row, committed before the reply). A third ask endpoint sends only the stream's
bodies that are answered at once ("answered only"), which write nothing: the same server and
matcher without the gaps-log writes, to show what those cost.

Rate limits are off (`WIDGET_RATELIMIT_ENABLED=false`) for the comparison; they are then
measured on (one run each), with counters in a private Redis (several workers need shared
counters), twice: with the shipped limits, which one client (wrk) exhausts within a second,
so nearly every request is a refusal (429); and with the ask limit raised out of reach, so
every request is served and pays for the check. Prints figures and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _support import (
    CpuMeter,
    Server,
    cpu_count,
    gunicorn,
    need_program,
    print_load,
    print_machine,
    redis_server,
)

from widget_api.faq.library import FaqSnapshot, build_snapshot
from widget_api.faq.model import Thresholds
from widget_api.paths import sample_faq_dir
from widget_api.server.serving import DEFAULT_THREADS, ServeOptions, WidgetApplication

STREAM_LENGTH = 4000
OUT_OF_SCOPE_SHARE = 0.15
NO_LANG_SHARE = 0.2
WARM_UP_SECONDS = 3
ORIGIN = "http://127.0.0.1:5001"  # an allowed origin by default, so CORS headers are sent too
TARGET_RATIO = 0.70
TARGET_P99_MS = 50.0
# Cores' worth of CPU taken by other processes during a run above which the run is marked.
OTHER_CPU_LIMIT = 0.10
# A run in which the busiest worker did more than this many times its even share of the work
# is lopsided: one worker got most of wrk's connections and served them on one core.
LOPSIDED = 1.5
CONFIG = "GET widget-config"
ASK = "POST ask"
ANSWERED = "POST ask (answered only)"
BARE = "GET /ping (bare Flask)"
RATIOS = (
    (ASK, CONFIG, "ask / widget-config"),
    (ANSWERED, CONFIG, "ask (answered only) / widget-config"),
    (ASK, BARE, "ask / bare Flask"),
    (CONFIG, BARE, "widget-config / bare Flask"),
)

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
        "(question_log), one commit each, before the reply"
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


def run_wrk(
    url: str, script: Path, connections: int, seconds: int, server: Server | None = None
) -> dict:
    """One wrk run; with `server`, also its logged statuses and where the CPU time went."""
    log = server.log if server and server.log.exists() else None
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
    meter = CpuMeter(server) if server else None
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    cpu = meter.stop() if meter else None
    line = next((s for s in done.stdout.splitlines() if s.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    result = json.loads(line.removeprefix("WRKJSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = result["connect"] + result["read"] + result["write"] + result["timeout"]
    result["statuses"] = status_counts(log, offset) if log else Counter()
    result["cpu"] = cpu
    return result


def fmt_statuses(statuses: Counter) -> str:
    return " ".join(f"{code}:{n}" for code, n in sorted(statuses.items())) or "-"


def disturbed(result: dict) -> bool:
    """Whether other processes took more than OTHER_CPU_LIMIT cores during the run."""
    cpu = result["cpu"]
    return bool(cpu) and cpu["other"] / cpu["wall"] > OTHER_CPU_LIMIT


def busiest_share(result: dict) -> float:
    """The busiest worker's share of the workers' CPU time during the run."""
    workers = result["cpu"]["workers"] if result["cpu"] else []
    return max(workers) / sum(workers) if sum(workers) else 0.0


def lopsided(result: dict) -> bool:
    """Whether one worker did far more than its even share (it got most of the connections)."""
    workers = len(result["cpu"]["workers"]) if result["cpu"] else 0
    return workers > 1 and busiest_share(result) > LOPSIDED / workers


def cpu_per_request(result: dict) -> float:
    """The server's CPU time per answered request, in µs (its processes only, not wrk's)."""
    return result["cpu"]["server"] / max(result["requests"], 1) * 1e6


def fmt_cpu(result: dict) -> str:
    """The server's CPU per request, the busiest worker's share of the workers' CPU time, and
    the cores other processes took meanwhile."""
    cpu = result["cpu"]
    if not cpu:
        return ""
    flags = ("!" if lopsided(result) else " ") + ("*" if disturbed(result) else " ")
    return (
        f"{cpu_per_request(result):>6.0f} {busiest_share(result):>5.0%}{flags[0]} "
        f"{cpu['other'] / cpu['wall']:>6.2f}{flags[1]}"
    )


def row(name: str, connections: int, r: dict) -> str:
    return (
        f"{name:<24} {connections:>5} {r['rps']:>7.0f} {r['p50'] / 1000:>7.1f} "
        f"{r['p99'] / 1000:>7.1f} {r['max'] / 1000:>7.1f} {r['errors']:>6} {fmt_cpu(r)}"
        f"  {fmt_statuses(r['statuses'])}"
    )


HEADER = (
    f"{'endpoint':<24} {'conns':>5} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
    f"{'sock.e':>6} {'µs/req':>6} {'worker':>6} {'other':>6}  statuses logged by the service"
)
CPU_NOTE = """\
µs/req: the server's CPU time per request (its processes', not wrk's).
worker: the busiest worker's share of the workers' CPU time (50% is even with 2 workers). wrk
  keeps its connections open and each stays with the worker that accepted it; when one worker
  got most of them it serves on one core (!, more than {lopsided:.1f} times an even share).
other: cores other processes took during the run (loopback interrupts too, a few hundredths);
  above {limit:.2f} (*) the run was disturbed.
A lopsided or disturbed run is made again (a disturbed one after a pause), up to --retries
times; the attempts made again are listed with '-' and are not counted."""


def undisturbed_run(name: str, target: tuple, connections: int, seconds: int, retries: int) -> dict:
    """A wrk run, made again while other work disturbed it (after a pause) or one worker got
    most of the connections, `retries` times at most; the attempts made again are printed and
    dropped."""
    url, lua, server = target
    result = run_wrk(url, lua, connections, seconds, server)
    for _ in range(retries):
        if not (disturbed(result) or lopsided(result)):
            break
        why = "disturbed" if disturbed(result) else "lopsided"
        print(f"  - {row(name, connections, result)}  ({why}: again)", flush=True)
        if disturbed(result):
            time.sleep(seconds)
        result = run_wrk(url, lua, connections, seconds, server)
    return result


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float], scale: float = 1.0, digits: int = 0) -> str:
    """`median (min-max)` of the values times `scale`."""
    low, mid, high = (v * scale for v in (min(values), median(values), max(values)))
    return f"{mid:.{digits}f} ({low:.{digits}f}-{high:.{digits}f})"


def summary(runs: dict[tuple[str, int], list[dict]], connections: list[int]) -> None:
    """Medians over the repetitions, and ratios of runs made next to each other."""
    kept = [r for results in runs.values() for r in results]
    print(
        f"medians of {len(next(iter(runs.values())))} runs each (min-max); "
        f"of the {len(kept)} runs counted, {sum(map(disturbed, kept))} were disturbed (*) and "
        f"{sum(map(lopsided, kept))} lopsided (!)"
    )
    print(
        f"{'endpoint':<24} {'conns':>5} {'req/s':>18} {'p50 ms':>18} {'p99 ms':>20} {'µs/req':>16}"
    )
    for (name, c), results in sorted(runs.items(), key=lambda item: (item[0][1], item[0][0])):
        print(
            f"{name:<24} {c:>5} {spread([r['rps'] for r in results]):>18} "
            f"{spread([r['p50'] for r in results], 1e-3, 1):>18} "
            f"{spread([r['p99'] for r in results], 1e-3, 1):>20} "
            f"{spread([cpu_per_request(r) for r in results]):>16}"
        )
    print()
    print("ratios of requests/s, each from two runs of the same repetition: median (min-max)")
    for c in connections:
        parts = []
        for top, bottom, label in RATIOS:
            parts.append(f"{label} = {spread(paired_ratios(runs, top, bottom, c), 1, 2)}")
        print(f"  {c:>3} connections: " + "   ".join(parts[:2]))
        print("                    " + "   ".join(parts[2:]))
        costs = [median([cpu_per_request(r) for r in runs[(n, c)]]) for n in (ASK, CONFIG)]
        print(
            f"                    server CPU per request: ask {costs[0]:.0f} µs, widget-config "
            f"{costs[1]:.0f} µs (ratio {costs[1] / costs[0]:.2f})"
        )


def paired_ratios(runs: dict, top: str, bottom: str, c: int) -> list[float]:
    return [a["rps"] / b["rps"] for a, b in zip(runs[(top, c)], runs[(bottom, c)], strict=True)]


def targets(runs: dict[tuple[str, int], list[dict]], connections: list[int]) -> None:
    """The issue's targets, judged on the medians; how many single repetitions met each."""
    print("targets (on the medians; in brackets, how many of the repetitions met it):")
    for c in connections:
        ratios = paired_ratios(runs, ASK, CONFIG, c)
        ratio = median(ratios)
        met = sum(r >= TARGET_RATIO for r in ratios)
        verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
        print(
            f"  ask >= {TARGET_RATIO:.0%} of widget-config's throughput at {c} connections: "
            f"{ratio:.0%}, {verdict} ({met} of {len(ratios)})"
        )
    if 50 in connections:
        p99s = [r["p99"] / 1000 for r in runs[(ASK, 50)]]
        met = sum(p < TARGET_P99_MS for p in p99s)
        verdict = "met" if median(p99s) < TARGET_P99_MS else "NOT met"
        print(
            f"  ask p99 < {TARGET_P99_MS:.0f} ms at 50 connections: {median(p99s):.1f} ms, "
            f"{verdict} ({met} of {len(p99s)})"
        )
    asks = sum(r["requests"] for c in connections for r in runs[(ASK, c)])
    print(f"  ({asks} ask requests in the measured runs)")


# --- the bare Flask baseline server (this file, run with --bare-flask-server) ----------------


def bare_flask_server(bind: str, workers: int, threads: int) -> None:
    """One trivial JSON route under gunicorn with exactly the options `widget-api serve` uses."""
    from flask import Flask, jsonify

    class Bare(WidgetApplication):
        """`widget-api serve`'s gunicorn application with a one-route app in its place."""

        def load(self):
            app = Flask("bare")

            @app.get("/ping")
            def ping():
                return jsonify(ok=True)

            print("bare worker ready", file=sys.stderr, flush=True)
            return app

    Bare(ServeOptions(bind, workers, threads)).run()


# --- the benchmark ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--repeat", type=int, default=5, help="runs per endpoint and concurrency")
    parser.add_argument(
        "--retries",
        type=int,
        default=3,
        help="runs again of a run that was disturbed or lopsided",
    )
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
        f"servers: widget-api serve and the bare Flask app, each --workers {args.workers} "
        f"--threads {args.threads} (gthread), 127.0.0.1; wrk -t{cpu_count()} --timeout 10s; "
        f"{args.repeat} repetitions of {seconds} s runs, endpoints in a rotating order within "
        f"each; {WARM_UP_SECONDS} s warm-up per endpoint first"
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
        runs: dict[tuple[str, int], list[dict]] = {}
        print("rate limits OFF")
        with (
            gunicorn(args.workers, args.threads, env=off) as server,
            gunicorn(
                args.workers,
                args.threads,
                command=bare_command(args),
                ready_text="bare worker ready",
                probe_path="/ping",
            ) as bare,
        ):
            targets_ = {
                CONFIG: (server.url + "/api/v1/widget-config?lang=en", get_lua, server),
                ASK: (server.url + "/api/v1/ask", ask_lua, server),
                ANSWERED: (server.url + "/api/v1/ask", answered_lua, server),
                BARE: (bare.url + "/ping", get_lua, bare),
            }
            for url, lua, _ in targets_.values():
                run_wrk(url, lua, connections[0], WARM_UP_SECONDS)
            print(CPU_NOTE.format(limit=OTHER_CPU_LIMIT, lopsided=LOPSIDED))
            print(f"{'run':>3} {HEADER}")
            names = list(targets_)
            for repetition in range(args.repeat):
                order = names[repetition % len(names) :] + names[: repetition % len(names)]
                for c in connections:
                    for name in order:
                        url, lua, host = targets_[name]
                        result = undisturbed_run(name, (url, lua, host), c, seconds, args.retries)
                        runs.setdefault((name, c), []).append(result)
                        print(f"{repetition + 1:>3} {row(name, c, result)}", flush=True)
            with closing(sqlite3.connect(server.database)) as db:
                (logged,) = db.execute("SELECT count(*) FROM question_log").fetchone()
            print(f"  gaps-log rows written during the runs (incl. warm-up): {logged}")
        print()
        summary(runs, connections)
        print()
        targets(runs, connections)

        if args.no_limits_on:
            return
        print()
        with redis_server() as redis:
            if redis is None:
                print(
                    "rate limits ON: skipped, redis-server is not installed "
                    "(`apt-get install redis-server`); several workers need shared counters"
                )
                return
            limited = {
                "WIDGET_RATELIMIT_ENABLED": "true",
                "WIDGET_RATELIMIT_STORAGE_URI": redis.url,
            }
            for title, extra in (
                ("rate limits ON, shipped limits (one client: nearly all refused)", {}),
                (
                    "rate limits ON, ask limit raised out of reach (all served, all checked)",
                    {"WIDGET_RATELIMIT_ASK": "1000000000 per minute"},
                ),
            ):
                print(f"{title}; counters in Redis; one run each")
                print(f"    {HEADER}")
                with gunicorn(args.workers, args.threads, env={**limited, **extra}) as server:
                    server.companions.append(redis.pid)
                    ask_url = server.url + "/api/v1/ask"
                    run_wrk(ask_url, ask_lua, connections[0], WARM_UP_SECONDS)
                    for c in connections:
                        result = undisturbed_run(
                            ASK, (ask_url, ask_lua, server), c, seconds, args.retries
                        )
                        off_rps = median([r["rps"] for r in runs[(ASK, c)]])
                        print(
                            f"    {row(ASK, c, result)}"
                            f"   ({result['rps'] / off_rps:.2f}x the median ask with limits off)",
                            flush=True,
                        )
                print()


def bare_command(args: argparse.Namespace) -> list[str]:
    """This file as the bare Flask server, with the same workers and threads."""
    return [
        sys.executable,
        str(Path(__file__).resolve()),
        "--bare-flask-server",
        "127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
    ]


if __name__ == "__main__":
    main()
    print()
    print_load("at the end")
