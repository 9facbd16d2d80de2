"""Concurrency at full size: many clients create handoffs and follow-up messages at once.

    .venv/bin/python bench/concurrency.py [--clients 200] [--handoffs 10000] [--follow-ups 2]
                                          [--workers 4] [--threads 4]

The full-size run of tests/test_concurrency.py's concurrency test (the load is
tests/live_service.py's `handoff_load`): `widget-api serve --workers 4` (rate limits off) on a
fresh database in a temporary folder; `--clients` threads of this process, each on its own
keep-alive connection, started together, create `--handoffs` handoffs between them (each with
a two-message transcript and an Idempotency-Key) and `--follow-ups` visitor messages to each.
Every write is a `synchronous=FULL` commit. Prints throughput and latency, then counts the
rows: exactly that many, none twice, nothing half-stored, no 5xx. Exits 1 otherwise.
The client threads share this machine's cores with the service: the figures are for both.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _support import print_load, print_machine

from tests.live_service import Service, check_handoffs, describe_latencies, handoff_load


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--handoffs", type=int, default=10_000)
    parser.add_argument("--follow-ups", type=int, default=2, help="messages per handoff")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    options = parser.parse_args()
    print_machine()
    messages = options.handoffs * options.follow_ups
    print(
        f"{options.clients} clients: {options.handoffs} handoffs + {messages} messages; "
        f"widget-api serve --workers {options.workers} --threads {options.threads}"
    )
    with tempfile.TemporaryDirectory(prefix="widget-load-") as folder:
        with Service(Path(folder), workers=options.workers, threads=options.threads) as service:
            service.wait_ready()
            report = handoff_load(
                service.port, options.clients, options.handoffs, options.follow_ups
            )
        print_load("after the load")
        problems = check_handoffs(service.database, report.acked, follow_ups=options.follow_ups)
        errors = service.log_lines_with("[ERROR]")
    seconds = report.seconds
    server_errors = sum(n for status, n in report.statuses.items() if status >= 500)
    print()
    print(f"requests:    {report.requests} in {seconds:.1f} s = {report.requests / seconds:.0f}/s")
    print(f"handoffs:    {len(report.acked)} stored, {len(report.acked) / seconds:.0f}/s")
    print(f"messages:    {messages}, {messages / seconds:.0f}/s")
    print(f"latency:     {describe_latencies(report.latencies)} (200 clients queueing)")
    print(f"statuses:    {dict(report.statuses)}; 5xx: {server_errors}")
    print(f"no answer:   {len(report.failures)}; keep-alive reconnects: {report.stale_retries}")
    print(f"row check:   {'ok' if not problems else problems[:10]}")
    print(f"error log:   {len(errors)} lines")
    ok = not problems and not report.failures and not server_errors and not errors
    ok = ok and report.statuses.get(201) == options.handoffs * (1 + options.follow_ups)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
