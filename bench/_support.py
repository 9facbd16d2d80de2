"""Shared by the benchmarks in bench/ (HTTP, handoffs, widget): the machine, servers, tools.

Not a benchmark itself. Every server is started on 127.0.0.1 only, in a temporary instance
folder, and stopped (SIGTERM to the process this module started) when the `with` block ends.
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.live_service import processes_with

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60.0


def cpu_count() -> int:
    """The cores this process may run on (what `nproc` prints)."""
    return len(os.sched_getaffinity(0))


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def print_machine() -> None:
    """One block naming the machine, so a table is never read without it."""
    print(f"machine: nproc={cpu_count()}, CPU: {cpu_model()}")
    print(
        f"         Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{platform.system()} {platform.release()}"
    )
    print_load("at start")
    print()


def print_load(when: str) -> None:
    """The load average: other work on the machine skews every figure, so it is shown."""
    one, five, _ = os.getloadavg()
    print(f"load average {when}: {one:.2f} (1 min), {five:.2f} (5 min) on {cpu_count()} cores")


def _busy_ticks() -> int:
    """Clock ticks all cores spent on anything but idling since boot (`/proc/stat`)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is inside user already)
    return sum(fields[:8]) - fields[3] - fields[4]


def _process_ticks(pid: int) -> int:
    """User and system clock ticks of one process, all its threads; 0 once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _children_seconds() -> float:
    """CPU seconds of this process's waited-for children (wrk, once it has exited)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def need_program(name: str, package: str) -> str:
    """The program's path, or exit saying which Debian package to install."""
    path = shutil.which(name)
    if path is None:
        sys.exit(f"{name} is not installed: run `apt-get install {package}` (as root), then again.")
    return path


def widget_api_command() -> list[str]:
    """`widget-api` from the same environment as this Python."""
    script = Path(sys.executable).parent / "widget-api"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from widget_api.cli import main; main()"]


def wait_http(url: str, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                response.read()
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout:.0f} s") from None
            time.sleep(0.1)


class Server:
    """A running `widget-api serve` (or another command) and where its log goes."""

    def __init__(self, process: subprocess.Popen, url: str, log: Path, instance: Path):
        self.process = process
        self.url = url
        self.log = log
        self.instance = instance
        # Other processes that serve with it (Redis for the rate limits), counted as its CPU.
        self.companions: list[int] = []

    @property
    def database(self) -> Path:
        return self.instance / "widget.sqlite3"

    def worker_pids(self) -> list[int]:
        """The gunicorn master's children (its workers), read from /proc."""
        return sorted(processes_with("ppid", self.process.pid))


class CpuMeter:
    """Where the machine's CPU time went during one measured run.

    The server's processes are read from /proc, the load generator (a child that has been
    waited for) from this process's rusage, and the rest is everything else on the machine:
    other people's work, which takes cores away from the measurement. Loopback networking
    done in interrupt context also lands in "other" (a few per cent of one core).
    """

    def __init__(self, server: Server) -> None:
        self._master = server.process.pid
        self._tick = os.sysconf("SC_CLK_TCK")
        self._start = time.monotonic()
        self._busy = _busy_ticks()
        self._workers = server.worker_pids()
        pids = [self._master, *self._workers, *server.companions]
        self._per_pid = {pid: _process_ticks(pid) for pid in pids}
        self._children = _children_seconds()

    def stop(self) -> dict:
        """Seconds: `wall`, CPU of the `server`, the `load` generator and `other` processes;
        `workers`: each worker's CPU seconds."""
        wall = time.monotonic() - self._start
        used = {pid: (_process_ticks(pid) - t) / self._tick for pid, t in self._per_pid.items()}
        busy = (_busy_ticks() - self._busy) / self._tick
        load = _children_seconds() - self._children
        server = sum(used.values())
        return {
            "wall": wall,
            "server": server,
            "load": load,
            "other": max(0.0, busy - server - load),
            "workers": [used[pid] for pid in self._workers],
        }


@contextmanager
def gunicorn(
    workers: int,
    threads: int,
    env: Mapping[str, str] | None = None,
    command: list[str] | None = None,
    ready_lines: int | None = None,
    ready_text: str = "ready",
    probe_path: str = "/api/v1/widget-config",
) -> Iterator[Server]:
    """`widget-api serve --workers N --threads T --bind 127.0.0.1:<free port>`.

    Waits until every worker has logged `ready_text` (each builds its own app after the fork),
    so no measurement starts while a worker is still loading the FAQ.
    """
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="widget-bench-") as folder:
        instance = Path(folder) / "instance"
        instance.mkdir()
        log = Path(folder) / "server.log"
        full_env = {
            **os.environ,
            "WIDGET_INSTANCE_PATH": str(instance),
            "WIDGET_DATABASE": str(instance / "widget.sqlite3"),
            **(env or {}),
        }
        args = command or [
            *widget_api_command(),
            "serve",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
        ]
        args = [arg.replace("{port}", str(port)) for arg in args]
        with log.open("wb") as out:
            process = subprocess.Popen(
                args, env=full_env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO
            )
        server = Server(process, f"http://127.0.0.1:{port}", log, instance)
        try:
            expected = workers if ready_lines is None else ready_lines
            deadline = time.monotonic() + START_TIMEOUT
            while log.read_text(errors="replace").count(ready_text) < expected:
                if process.poll() is not None:
                    raise RuntimeError(f"server exited at start:\n{log.read_text()[-3000:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server not ready in time:\n{log.read_text()[-3000:]}")
                time.sleep(0.1)
            wait_http(server.url + probe_path)
            yield server
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@dataclass(frozen=True)
class Redis:
    url: str
    pid: int


@contextmanager
def redis_server() -> Iterator[Redis | None]:
    """A private, non-persistent redis-server on a free loopback port; None if not installed."""
    program = shutil.which("redis-server")
    if program is None:
        yield None
        return
    port = free_port()
    process = subprocess.Popen(
        [program, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield Redis(f"redis://127.0.0.1:{port}/0", process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)
