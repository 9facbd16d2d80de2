"""A time limit for one whole attempt to send, not only for each socket operation.

`smtplib` and `urllib` apply their timeout to every connect, send and read on its own, so a
server that answers slowly, line by line, can stretch one attempt to many times the timeout.
`CutOff` shuts down the attempt's connection once its time is up, which makes the blocked
read fail at once: an attempt ends within about its timeout, so a worker's graceful stop can
wait for the delivery in progress (outbox_sender) and the lease outlasts every attempt.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

POLL_SECONDS = 0.05


class CutOff:
    """`with CutOff(seconds) as cut: cut.watch(lambda: conn.sock); ...`

    At the deadline every watched socket is shut down, and from then on any socket that
    appears (a connect still under way), until the block ends. An error the block raises after
    that becomes TimeoutError, so the log says why the attempt ended.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._sockets: list[Callable[[], socket.socket | None]] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cut-off", daemon=True)

    def watch(self, get_socket: Callable[[], socket.socket | None]) -> None:
        """Shut down what `get_socket()` returns (None: no connection yet) at the deadline."""
        self._sockets.append(get_socket)

    def __enter__(self) -> CutOff:
        self._thread.start()
        return self

    def __exit__(self, _type, error, _traceback) -> None:
        self._done.set()
        self._thread.join()
        if self.fired and isinstance(error, Exception):
            raise TimeoutError(f"no answer within {self.seconds:g} s") from error

    def _run(self) -> None:
        if self._done.wait(self.seconds):
            return
        self.fired = True
        while True:
            for get_socket in self._sockets:
                sock = get_socket()
                if sock is not None:
                    with contextlib.suppress(OSError):  # closed already, or never connected
                        sock.shutdown(socket.SHUT_RDWR)
            if self._done.wait(POLL_SECONDS):
                return
