"""The outbox after a kill: how long from the restart until waiting notifications are sent.

    .venv/bin/python bench/outbox.py [--handoffs 20] [--runs 5]

`widget-api serve` (2 workers) on a fresh database, with e-mail to staff configured but the
mail server down: each handoff's staff e-mail waits in the outbox for its retry (0.5 s,
doubling). The service is killed with one SIGKILL to the process group, an aiosmtpd sink is
started on the mail server's port, and the service is started again. Prints, per run, the
time from the restart (the `Popen`) until the sink holds every e-mail, and how many it got
(each once: the senders of both workers claim rows, so a count above the number of handoffs
would be a duplicate). A row being sent at the kill is taken over after its lease (3 s here).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _support import print_load, print_machine
from aiosmtpd.controller import Controller

from tests.live_service import Http, free_port, mailing_service


class Sink:
    """An SMTP server that counts what it is given and can be waited on."""

    def __init__(self) -> None:
        self.count = 0
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        with self.arrived:
            self.count += 1
            self.arrived.notify_all()
        return "250 Message accepted"


def one_run(root: Path, handoffs: int) -> tuple[float, int]:
    smtp_port = free_port()
    service = mailing_service(root, smtp_port)
    service.start()
    service.wait_ready()
    with contextlib.closing(Http(service.port)) as client:
        for n in range(handoffs):
            reply = client.request("POST", "/api/v1/handoffs", {"question": f"q {n}", "lang": "en"})
            assert reply.status == 201, reply.body
    service.kill()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        started = time.monotonic()
        service.start()
        with sink.arrived:
            sink.arrived.wait_for(lambda: sink.count >= handoffs, timeout=120)
        seconds = time.monotonic() - started
        service.stop()
    finally:
        controller.stop()
    return seconds, sink.count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--handoffs", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    print_machine()
    times = []
    for run in range(options.runs):
        with tempfile.TemporaryDirectory(prefix="widget-outbox-") as folder:
            seconds, received = one_run(Path(folder), options.handoffs)
        times.append(seconds)
        print(
            f"run {run + 1}: {received} of {options.handoffs} e-mails, "
            f"{seconds:.2f} s after the restart"
        )
    print()
    print(
        f"restart to last e-mail: median {statistics.median(times):.2f} s, "
        f"min {min(times):.2f} s, max {max(times):.2f} s"
    )
    print_load("at end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
