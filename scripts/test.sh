#!/bin/sh
# Install the test dependencies (Debian's chromium, redis-server, nginx and openssl when run as
# root) and run the whole suite.
# Extra arguments go to pytest, e.g. `sh scripts/test.sh -m "not browser"`.
set -eu
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    if ! command -v chromium >/dev/null || ! command -v redis-server >/dev/null \
        || ! [ -x /usr/sbin/nginx ] || ! command -v openssl >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core \
            redis-server nginx openssl
    fi
else
    command -v chromium >/dev/null || echo "note: not root, chromium not installed: browser tests skip" >&2
    command -v redis-server >/dev/null || echo "note: not root, redis-server not installed: its tests skip" >&2
    [ -x /usr/sbin/nginx ] || echo "note: not root, nginx not installed: its tests skip" >&2
fi
sh scripts/venv.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
