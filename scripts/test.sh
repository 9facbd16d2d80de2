#!/bin/sh
# Install the test dependencies (Debian's chromium when run as root) and run the whole suite.
# Extra arguments go to pytest, e.g. `sh scripts/test.sh -m "not browser"`.
set -eu
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    if ! command -v chromium >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core
    fi
else
    command -v chromium >/dev/null || echo "note: not root, chromium not installed: browser tests skip" >&2
fi
sh scripts/venv.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
