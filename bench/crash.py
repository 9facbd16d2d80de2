"""Crash safety at full size: hundreds of SIGKILL cycles while clients create handoffs.

    .venv/bin/python bench/crash.py [--cycles 300] [--writers 8] [--workers 2] [--seed 1]

The full-size run of tests/test_faults.py's crash test (the scenario is
tests/live_service.py's `crash_run`): `widget-api serve` on a fresh database in a temporary
folder; writer threads create handoffs, each with a unique marker and an Idempotency-Key, and
send one that got no answer again with the same key until it is answered; the master and all
workers are killed with one SIGKILL to the process group at a random moment (now and then
while the workers are still starting), and the service is started again on the same file.
After every restart `PRAGMA integrity_check` and every handoff answered 201 so far are
checked; at the end the whole database. Prints the counts; exits 1 if anything was lost,
duplicated, half-stored or corrupt.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _support import print_load, print_machine

from tests.live_service import crash_run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--writers", type=int, default=8, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-uptime", type=float, default=1.0, help="seconds before a kill")
    options = parser.parse_args()
    print_machine()
    print(
        f"{options.cycles} kill cycles, {options.writers} writers, "
        f"{options.workers} workers x 4 threads, seed {options.seed}"
    )

    def progress(cycle: int, acked: int, counts: dict) -> None:
        if cycle % 25 == 0:
            print(f"  after kill {cycle}: {acked} handoffs answered 201, all present", flush=True)

    with tempfile.TemporaryDirectory(prefix="widget-crash-") as folder:
        report = crash_run(
            Path(folder),
            cycles=options.cycles,
            writers=options.writers,
            workers=options.workers,
            seed=options.seed,
            max_uptime=options.max_uptime,
            progress=progress,
        )
    counts = report.counts
    print()
    print(f"kills (SIGKILL to master and workers):   {report.cycles}")
    print(f"  of them while workers were starting:   {report.kills_before_ready}")
    print(f"handoffs answered 201:                   {report.acked}")
    print(f"requests cut off by a kill (no answer):  {counts['unanswered']}")
    print(f"handoffs answered only after a retry:    {counts['answered_after_retry']}")
    print(f"  stored before the kill, found by key:  {counts['replayed_after_retry']}")
    print(f"answered handoffs sent again on purpose: {counts['resent_after_201']}")
    print(f"503 answers:                             {counts['503']}")
    print(f"unexpected answers:                      {len(report.unexpected)}")
    print(f"problems (missing, duplicated, partial, integrity): {len(report.problems)}")
    for problem in (report.unexpected + report.problems)[:20]:
        print(f"  {problem}")
    print(f"time: {report.seconds:.0f} s ({report.seconds / report.cycles:.2f} s per cycle)")
    print_load("at end")
    return 1 if report.unexpected or report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
