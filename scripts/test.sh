#!/bin/sh
# Run ruff and the whole suite in .venv. When run as root on Debian, first install the system
# packages that some tests need and that are missing (never upgrading one that is installed);
# the script says which and why before it does. Without root those tests skip.
# Extra arguments go to pytest, e.g. `sh scripts/test.sh -m "not browser"`.
set -eu
cd "$(dirname "$0")/.."
say() { echo "scripts/test.sh: $*" >&2; }
missing=""
reasons=""
need() { missing="$missing $1"; reasons="$reasons
  $1: $2"; }
command -v chromium >/dev/null \
    || need "chromium fonts-dejavu-core" "the browser tests (headless Chromium, one font)"
command -v redis-server >/dev/null \
    || need redis-server "the rate limits with Redis as the limiter's storage"
[ -x /usr/sbin/nginx ] \
    || need nginx "the shipped reverse-proxy site (docs/nginx-widget-api.conf) under test"
command -v openssl >/dev/null || need openssl "a throw-away certificate for that nginx test"
if [ -n "$missing" ]; then
    say "some tests need Debian packages that are missing:$reasons"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing them with apt-get (a package already installed is not upgraded)"
        apt-get update -qq
        # shellcheck disable=SC2086 # one word per package
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-upgrade $missing
    else
        say "not root, so not installing them: their tests skip"
    fi
fi
say "installing the project and its test dependencies into .venv (pip)"
sh scripts/venv.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
