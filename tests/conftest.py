"""Fixtures: the real app on a real SQLite file in a temp folder, a live server, a browser."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from typing import NoReturn

import pytest
from click.testing import CliRunner, Result

from widget_api import create_app
from widget_api.cli import main
from widget_api.paths import sample_faq_dir
from widget_api.server.demo import create_demo_app, serve_in_thread

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def skip_unless_ci(reason: str, in_ci: str) -> NoReturn:
    """Skip a test this machine cannot run, but fail it under CI (the `CI` variable set).

    CI runs as root with every package scripts/test.sh installs, so there a test that cannot
    run is a broken setup, and a skip would hide that the test never ran.
    """
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: {in_ci}")
    pytest.skip(reason)


def need_system(what: str, present: bool) -> None:
    """Skip with a reason when a system package is missing, but fail in CI (CI installs it)."""
    if not present:
        skip_unless_ci(
            f"{what} is not installed (run scripts/test.sh as root to install it)",
            "scripts/test.sh should have installed it in CI",
        )


def shared_path(*parts: str) -> Path:
    """A file under ../shared (evaluation and security corpora); skip when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        skip_unless_ci(f"{path} is not here (a user's clone has no ../shared)", "CI has ../shared")
    return path


def make_app(tmp_path: Path, **config):
    """The real app with its database and instance folder in tmp_path."""
    settings = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE": str(tmp_path / "widget.sqlite3"),
        "RATELIMIT_ENABLED": False,
        "FAQ_RELOAD_SECONDS": 0,
        "ALLOWED_ORIGINS": ["https://shop.example.com"],
    }
    settings.update(config)
    return create_app(settings)


class ManualClock:
    """A clock that moves only when the test says so, for components that take `clock=`.

    "Later than the interval" is then a fact the test sets, not a race with the machine.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


class Cli:
    """`widget-api` run in-process on one instance folder, as an operator's shell would.

    Its settings come from `WIDGET_*` variables set only for the call (the instance folder,
    and any given with `env=`), so no test leaks them into another.
    """

    def __init__(self, instance: Path) -> None:
        self.instance = instance
        self.database = instance / "widget.sqlite3"  # where the commands keep it by default
        self.runner = CliRunner()

    def __call__(
        self,
        *args: str | Path,
        input: str | None = None,
        env: dict[str, str] | None = None,
        database: Path | None = None,
        check: bool = False,
    ) -> Result:
        """Run one command, on another database file if given; with `check`, fail the test
        unless it exits with 0."""
        environ = {"WIDGET_INSTANCE_PATH": str(self.instance), **(env or {})}
        if database is not None:
            environ["WIDGET_DATABASE"] = str(database)
        result = self.runner.invoke(main, [str(arg) for arg in args], input=input, env=environ)
        if check:
            assert result.exit_code == 0, result.output
        return result


@pytest.fixture
def cli(tmp_path) -> Cli:
    """The command line on tmp_path/instance, the `app` fixture's instance folder.

    That app keeps its database outside the folder: `database=app.config["DATABASE"]` shares it.
    """
    return Cli(tmp_path / "instance")


@pytest.fixture
def faq_copy(tmp_path) -> Path:
    """A writable copy of the sample FAQ, for tests that edit files."""
    target = tmp_path / "faq"
    shutil.copytree(sample_faq_dir(), target)
    return target


class LiveServer:
    """The service and the demo shop page, each on its own 127.0.0.1 port (two origins)."""

    def __init__(self, tmp_path: Path, **config) -> None:
        # The shop page needs the API's URL and the API needs the shop's origin: pick the
        # API's port first, start the shop, then the API with the shop's origin allowed.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            api_port = probe.getsockname()[1]
        self.api_url = f"http://127.0.0.1:{api_port}"
        self.shop = serve_in_thread(create_demo_app(f"{self.api_url}/widget.js"))
        self.demo_url = self.shop.url
        self.app = make_app(tmp_path, ALLOWED_ORIGINS=[self.demo_url], **config)
        self.api = serve_in_thread(self.app, port=api_port)

    def stop(self) -> None:
        self.api.stop()
        self.shop.stop()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("live"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    need_system("Debian's chromium (/usr/bin/chromium)", CHROMIUM.exists())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
