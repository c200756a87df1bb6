#!/usr/bin/env bash
# Builds the example site and printed reports from the shipped content/ into site/
# (installs everything it needs first).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/jixiao build "$@"
