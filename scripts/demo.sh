#!/bin/sh
# Install the service into .venv and start it with the sample FAQ and the demo shop page.
set -eu
cd "$(dirname "$0")/.."
sh scripts/venv.sh
exec .venv/bin/widget-api demo "$@"
