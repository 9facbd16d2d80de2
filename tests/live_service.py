"""The real service as a subprocess, plain HTTP clients, and the crash and load scenarios.

Shared by tests/test_faults.py, tests/test_concurrency.py and bench/crash.py,
bench/concurrency.py (the bench scripts put the checkout on sys.path): the tests run them at
CI size and assert, the bench scripts at full size and print figures.

`widget-api serve` runs in a session of its own, so one SIGKILL to its process group takes
the gunicorn master and every worker at the same instant, as the kernel's OOM killer or a
`systemctl kill -s KILL` would. Clients are threads with keep-alive `http.client`
connections: no dependency beyond the standard library.
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WIDGET_API = Path(sys.executable).with_name("widget-api")
_PR_SET_CHILD_SUBREAPER = 36


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _become_subreaper() -> bool:
    """Adopt the workers a killed master leaves behind, so they can be reaped, not left zombies.

    Some containers' PID 1 reaps nobody; hundreds of crash cycles would pile up zombies there.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def processes_with(field: str, value: int) -> list[int]:
    """Pids of the processes whose parent (`field="ppid"`) or process group ("pgrp") is
    `value`, read from /proc."""
    position = {"ppid": 1, "pgrp": 2}[field]
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after the last ')'.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[position]) == value:
            members.append(int(entry))
    return members


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


class Http:
    """One keep-alive HTTP/1.1 connection to the service, opened again after any failure."""

    # gunicorn closes a keep-alive connection after 2 s idle; open a new one before that.
    IDLE_SECONDS = 1.5

    def __init__(self, port: int, timeout: float = 10.0) -> None:
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None
        self.used_at = 0.0
        self.stale_retries = 0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        retry_stale: bool = False,
    ) -> Reply:
        """Send one request; raises OSError or HTTPException when no answer came.

        `retry_stale`: when a reused connection turns out closed by the server before any
        answer (its keep-alive ran out), send once more on a new connection.
        """
        if self.conn is not None and time.monotonic() - self.used_at > self.IDLE_SECONDS:
            self.close()
        reused = self.conn is not None
        try:
            return self._send(method, path, body, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if not (reused and retry_stale):
                raise
        self.stale_retries += 1
        return self._send(method, path, body, headers)

    def _send(self, method: str, path: str, body: Any, headers: dict[str, str] | None) -> Reply:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        all_headers = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=all_headers)
            response = self.conn.getresponse()
            raw = response.read()
        except BaseException:
            self.close()
            raise
        self.used_at = time.monotonic()
        if response.will_close:
            self.close()
        text = raw.decode() if raw else ""
        parsed = json.loads(text) if text.startswith(("{", "[")) else text
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, parsed)


def service_env(root: Path, **settings: Any) -> dict[str, str]:
    """The environment for `widget-api serve`: instance and database under root, limits off.

    Rate limits are off (WIDGET_RATELIMIT_ENABLED=false) so that load and crash clients on one
    address are not limited; that is also what lets `serve` run several workers with memory://.
    """
    env = {name: value for name, value in os.environ.items() if not name.startswith("WIDGET_")}
    values = {
        "INSTANCE_PATH": root / "instance",
        "DATABASE": root / "widget.sqlite3",
        "RATELIMIT_ENABLED": "false",
        "FAQ_RELOAD_SECONDS": "0",
        **settings,
    }
    env.update({f"WIDGET_{name}": str(value) for name, value in values.items()})
    return env


class Service:
    """`widget-api serve` on a fixed 127.0.0.1 port, started again on the same database."""

    def __init__(
        self, root: Path, workers: int = 2, threads: int = 4, port: int | None = None, **settings
    ) -> None:
        self.root = root
        self.workers, self.threads = workers, threads
        self.port = port or free_port()
        self.env = service_env(root, **settings)
        self.database = Path(self.env["WIDGET_DATABASE"])
        self.log_path = root / "serve.log"
        self.process: subprocess.Popen | None = None
        self.reaps_workers = _become_subreaper()

    def start(self) -> None:
        args = ["--workers", str(self.workers), "--threads", str(self.threads)]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(WIDGET_API), "serve", *args, "--bind", f"127.0.0.1:{self.port}"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def healthy(self) -> bool:
        try:
            with contextlib.closing(Http(self.port, timeout=2)) as client:
                return client.request("GET", "/api/v1/health").status == 200
        except (OSError, http.client.HTTPException):
            return False

    def wait_ready(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.healthy():
                return
            if not self.running():
                raise AssertionError(f"widget-api serve exited:\n{self.log_tail()}")
            time.sleep(0.02)
        raise AssertionError(f"widget-api serve not ready in {seconds} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL to the whole process group: master and workers die at once, unwarned."""
        assert self.process is not None
        pgid = self.process.pid
        members = processes_with("pgrp", pgid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        self.process.wait()
        for pid in members:
            if pid != pgid:
                # Our child once the master is gone, if we could become a subreaper.
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
        self._wait_port_closed()

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM, gunicorn's graceful stop; SIGKILL if it does not end in time."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.process.returncode
        self._wait_port_closed()
        return code

    def _wait_port_closed(self, seconds: float = 10) -> None:
        """Until no killed worker holds the listening socket, so a restart can bind at once."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            except OSError:
                return
            time.sleep(0.02)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def log_lines_with(self, text: str) -> list[str]:
        try:
            return [line for line in self.log_path.read_text().splitlines() if text in line]
        except OSError:
            return []

    def __enter__(self) -> Service:
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        if self.running():
            self.stop()


def mailing_service(root: Path, smtp_port: int, **settings: Any) -> Service:
    """Two workers that mail each new handoff to the staff through a local SMTP server on
    `smtp_port`, retrying without end every half second, with short timeouts and a lease
    of 3 s: a delivery being sent when a worker is killed is taken over soon after."""
    return Service(
        root,
        workers=2,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp_port,
        SMTP_STARTTLS="false",
        SMTP_FROM="support@example.com",
        STAFF_NOTIFY_EMAIL="team@example.com",
        STAFF_URL="https://support.example.com/staff",
        MAIL_RETRIES=1000,
        NOTIFY_RETRY_DELAY_SECONDS=0.5,
        SMTP_TIMEOUT_SECONDS=1,
        WEBHOOK_TIMEOUT_SECONDS=1,
        NOTIFY_LEASE_SECONDS=3,
        **settings,
    )


def open_database(path: Path) -> sqlite3.Connection:
    """A plain connection from outside the service, as an operator's sqlite3 shell would open."""
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def integrity(path: Path) -> list[str]:
    """`PRAGMA integrity_check` and `foreign_key_check`: [] when both find nothing."""
    with contextlib.closing(open_database(path)) as conn:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
        problems += [f"foreign key: {row}" for row in conn.execute("PRAGMA foreign_key_check")]
    return problems


# -- Crash: SIGKILL while clients create handoffs, restart, and count. --------------------------

MARKER = re.compile(r"mark-[0-9a-f]{32}")
TRANSCRIPT_LENGTH = 2


def handoff_body(marker: str, padding: int = 0) -> dict[str, Any]:
    """A handoff stored as several rows: the conversation, two transcript messages that carry
    the marker too, `padding` more of 1,900 characters each (a bigger transaction), and the
    question as the visitor's message."""
    transcript = [
        {"from": "visitor", "text": f"parcel {marker}"},
        {"from": "bot", "text": "Sorry, I could not find an answer to that."},
    ]
    transcript += [{"from": "bot", "text": f"{n} " + "lorem ipsum " * 158} for n in range(padding)]
    return {
        "question": f"Where is my parcel? Reference {marker}",
        "lang": "en",
        "transcript": transcript,
    }


@dataclass
class Pending:
    marker: str
    key: str
    body: dict[str, Any]
    attempts: int = 0
    answered_at: float = 0.0  # time.monotonic() of its 201


@dataclass
class CrashLedger:
    """What clients were told: marker -> conversation id for every 201, and the surprises."""

    acked: dict[str, str] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> dict[str, str]:
        with self.lock:
            return dict(self.acked)


# Well inside the default replay window (300 s), however slowly a loaded machine restarts.
RESEND_WITHIN = 60.0


class HandoffWriter(threading.Thread):
    """Creates handoffs one after another. One without an answer (the service died, or had
    not come back yet) is sent again with the same body and Idempotency-Key until it is
    answered, as the widget does; now and then an answered one is sent again on purpose,
    which must name the same conversation."""

    def __init__(self, port: int, ledger: CrashLedger, stop_new: threading.Event, seed: int):
        super().__init__(daemon=True)
        self.port, self.ledger, self.stop_new = port, ledger, stop_new
        self.rng = random.Random(seed)
        self.mine: list[Pending] = []

    def run(self) -> None:
        client = Http(self.port, timeout=10)
        try:
            self._write(client)
        finally:
            client.close()

    def _write(self, client: Http) -> None:
        pending: Pending | None = None
        resend: Pending | None = None
        while True:
            if pending is None and resend is None:
                if self.stop_new.is_set():
                    break
                # Only a recent one: a retry is answered within HANDOFF_REPLAY_SECONDS only.
                recent = [p for p in self.mine if time.monotonic() - p.answered_at < RESEND_WITHIN]
                if recent and self.rng.random() < 0.05:
                    resend = self.rng.choice(recent)
                else:
                    marker = f"mark-{uuid.uuid4().hex}"
                    pending = Pending(marker, str(uuid.uuid4()), handoff_body(marker))
            current = pending or resend
            current.attempts += 1
            try:
                reply = client.request(
                    "POST", "/api/v1/handoffs", current.body, {"Idempotency-Key": current.key}
                )
            except (OSError, http.client.HTTPException):
                self._count("unanswered")
                time.sleep(0.02)
                continue
            if reply.status == 503:
                self._count("503")
                time.sleep(0.05)
                continue
            if reply.status != 201:
                self._surprise(f"{reply.status} {reply.body}")
                pending = resend = None
                continue
            conversation_id = reply.body["conversation_id"]
            replayed = reply.headers.get("idempotent-replayed") == "true"
            if current is resend:
                self._count("resent_after_201")
                with self.ledger.lock:
                    first = self.ledger.acked[current.marker]
                if conversation_id != first or not replayed:
                    self._surprise(f"resend of {current.marker} gave {conversation_id}")
                resend = None
                continue
            if replayed and current.attempts == 1:
                self._surprise(f"a new key was answered as a replay: {conversation_id}")
            with self.ledger.lock:
                self.ledger.acked[current.marker] = conversation_id
                self.ledger.counts["created"] += 1
                if current.attempts > 1:
                    self.ledger.counts["answered_after_retry"] += 1
                if replayed:
                    # Stored before the crash, its answer lost: the retry found it by its key.
                    self.ledger.counts["replayed_after_retry"] += 1
            current.answered_at = time.monotonic()
            self.mine.append(current)
            pending = None

    def _count(self, what: str) -> None:
        with self.ledger.lock:
            self.ledger.counts[what] += 1

    def _surprise(self, what: str) -> None:
        with self.ledger.lock:
            self.ledger.unexpected.append(what)


def missing_handoffs(path: Path, acked: dict[str, str]) -> list[str]:
    """Answered handoffs that the database does not hold (with their marker)."""
    with contextlib.closing(open_database(path)) as conn:
        stored = dict(conn.execute("SELECT id, question FROM conversations"))
    return [
        f"{marker} answered 201 as {cid} but missing"
        for marker, cid in acked.items()
        if marker not in stored.get(cid, "")
    ]


def check_handoffs(
    path: Path, acked: dict[str, str], follow_ups: int = 0, padding: int = 0
) -> list[str]:
    """Everything wrong with the stored handoffs, against what clients were answered.

    Every answered handoff is there under its id; no marker is stored twice, or stored without
    having been answered; every conversation has all its rows (transcript, question,
    follow-ups) and its one Idempotency-Key; the file passes the integrity checks.
    """
    problems = integrity(path)
    with contextlib.closing(open_database(path)) as conn:
        conversations = conn.execute("SELECT id, question FROM conversations").fetchall()
        rows = Counter(
            dict(
                conn.execute(
                    "SELECT conversation_id, COUNT(*) FROM messages GROUP BY conversation_id"
                ).fetchall()
            )
        )
        keys = Counter(
            row[0] for row in conn.execute("SELECT conversation_id FROM idempotency_keys")
        )
        follow_up_markers = Counter(
            MARKER.findall(text)[0] + text.split(" ")[1]
            for (text,) in conn.execute(
                "SELECT text FROM messages WHERE text LIKE 'follow-up %'"
            ).fetchall()
        )
    markers = Counter()
    by_marker = {}
    for conversation_id, question in conversations:
        found = MARKER.findall(question)
        if len(found) != 1:
            problems.append(f"conversation {conversation_id} has no marker: {question!r}")
            continue
        markers[found[0]] += 1
        by_marker[found[0]] = conversation_id
        expected_rows = TRANSCRIPT_LENGTH + padding + 1 + follow_ups
        if rows[conversation_id] != expected_rows:
            problems.append(
                f"conversation {conversation_id} has {rows[conversation_id]} messages, "
                f"not {expected_rows}"
            )
        if keys[conversation_id] != 1:
            problems.append(f"conversation {conversation_id} has {keys[conversation_id]} keys")
    problems += [f"{marker} stored {n} times" for marker, n in markers.items() if n > 1]
    problems += [
        f"{marker} stored as {by_marker[marker]} but never answered 201"
        for marker in markers
        if marker not in acked
    ]
    problems += [
        f"{marker} answered 201 as {cid} but stored as {by_marker.get(marker)}"
        for marker, cid in acked.items()
        if by_marker.get(marker) != cid
    ]
    problems += [f"follow-up {m} stored {n} times" for m, n in follow_up_markers.items() if n > 1]
    orphans = set(rows) - {cid for cid, _ in conversations}
    problems += [f"messages without a conversation: {sorted(orphans)[:5]}"] if orphans else []
    return problems


@dataclass
class CrashReport:
    cycles: int
    seconds: float
    counts: Counter
    unexpected: list[str]
    problems: list[str]
    acked: int
    kills_before_ready: int


def crash_run(
    root: Path,
    cycles: int,
    writers: int = 8,
    workers: int = 2,
    seed: int = 0,
    max_uptime: float = 1.0,
    progress=None,
) -> CrashReport:
    """Start, let writers run, SIGKILL at a random moment, start again; `cycles` times.

    After every restart the file passes the integrity checks and holds every handoff answered
    so far. At the end the writers finish what they had in flight against a last, cleanly
    stopped, service and the whole database is checked.
    """
    rng = random.Random(seed)
    service = Service(root, workers=workers, threads=4)
    ledger = CrashLedger()
    stop_new = threading.Event()
    problems: list[str] = []
    kills_before_ready = 0
    started = time.monotonic()
    service.start()
    service.wait_ready()
    threads = [
        HandoffWriter(service.port, ledger, stop_new, seed * 1000 + n) for n in range(writers)
    ]
    for thread in threads:
        thread.start()
    try:
        early = False
        for cycle in range(cycles):
            if early:
                # Now and then while the service is still starting (workers booting).
                time.sleep(rng.uniform(0.0, 0.5))
                kills_before_ready += not service.healthy()
            else:
                time.sleep(rng.uniform(0.05, max_uptime))
            service.kill()
            # Checked before the restart's workers write again: what was answered is there.
            acked = ledger.snapshot()
            service.start()
            found = integrity(service.database) + missing_handoffs(service.database, acked)
            problems += [f"after kill {cycle + 1}: {problem}" for problem in found]
            early = rng.random() < 0.15
            if not early:
                service.wait_ready()
            if progress:
                progress(cycle + 1, len(acked), dict(ledger.counts))
        service.wait_ready()
        stop_new.set()
        for thread in threads:
            thread.join(timeout=120)
        if any(thread.is_alive() for thread in threads):
            problems.append("writers did not finish their last handoffs")
    finally:
        stop_new.set()
        if service.running():
            service.stop()
    acked = ledger.snapshot()
    problems += check_handoffs(service.database, acked)
    return CrashReport(
        cycles=cycles,
        seconds=time.monotonic() - started,
        counts=ledger.counts,
        unexpected=ledger.unexpected,
        problems=problems,
        acked=len(acked),
        kills_before_ready=kills_before_ready,
    )


# -- Load: many clients create handoffs and follow-up messages at once. --------------------------


@dataclass
class LoadReport:
    seconds: float
    statuses: Counter
    failures: list[str]
    acked: dict[str, str]
    latencies: list[float]
    stale_retries: int

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def describe_latencies(values: list[float]) -> str:
    return (
        ", ".join(
            f"p{int(q * 100)} {_percentile(values, q) * 1000:.1f} ms" for q in (0.5, 0.9, 0.99)
        )
        + f", max {max(values, default=0) * 1000:.1f} ms"
    )


def handoff_load(port: int, clients: int, handoffs: int, follow_ups: int) -> LoadReport:
    """`clients` threads create `handoffs` handoffs between them, each with `follow_ups`
    visitor messages, all on keep-alive connections, started together."""
    statuses: Counter = Counter()
    failures: list[str] = []
    acked: dict[str, str] = {}
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    retries = []

    def client(number: int) -> None:
        http_client = Http(port, timeout=60)
        mine_statuses: Counter = Counter()
        mine_latencies: list[float] = []
        mine_acked: dict[str, str] = {}
        mine_failures: list[str] = []

        def timed(method, path, body, headers) -> Reply | None:
            began = time.perf_counter()
            try:
                reply = http_client.request(method, path, body, headers, retry_stale=True)
            except (OSError, http.client.HTTPException) as error:
                mine_failures.append(f"{method} {path}: {error!r}")
                return None
            mine_latencies.append(time.perf_counter() - began)
            mine_statuses[reply.status] += 1
            return reply

        barrier.wait()
        for _ in range(number, handoffs, clients):
            marker = f"mark-{uuid.uuid4().hex}"
            headers = {"Idempotency-Key": str(uuid.uuid4())}
            reply = timed("POST", "/api/v1/handoffs", handoff_body(marker), headers)
            if reply is None or reply.status != 201:
                if reply is not None:
                    mine_failures.append(f"handoff: {reply.status} {reply.body}")
                continue
            conversation_id = reply.body["conversation_id"]
            mine_acked[marker] = conversation_id
            auth = {"Authorization": f"Bearer {reply.body['token']}"}
            for n in range(follow_ups):
                reply = timed(
                    "POST",
                    f"/api/v1/conversations/{conversation_id}/messages",
                    {"text": f"follow-up {n} about {marker}"},
                    auth,
                )
                if reply is not None and reply.status != 201:
                    mine_failures.append(f"message: {reply.status} {reply.body}")
        http_client.close()
        with lock:
            statuses.update(mine_statuses)
            latencies.extend(mine_latencies)
            acked.update(mine_acked)
            failures.extend(mine_failures)
            retries.append(http_client.stale_retries)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    return LoadReport(seconds, statuses, failures, acked, latencies, sum(retries))
