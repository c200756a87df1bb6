#!/usr/bin/env bash
# Builds the example output from the shipped content/ (installs what it needs first).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/jixiao validate content
mkdir -p site
.venv/bin/jixiao score --format json content > site/evaluations.json
.venv/bin/jixiao score --format csv content > site/evaluations.csv
echo "已生成 site/evaluations.json 与 site/evaluations.csv"
