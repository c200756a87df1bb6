#!/usr/bin/env bash
# Installs everything jixiao needs on a fresh Debian machine: system packages,
# then a virtual environment in .venv with the pinned Python dependencies.
# Safe to run again; it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# fonts-noto-cjk: CJK glyphs for PDF; libharfbuzz-subset0: fast font subsetting in WeasyPrint
# (without it CJK subsetting falls back to a path 35 times slower); poppler-utils and
# libreoffice-calc-nogui check the printed PDF and XLSX in tests; chromium runs the browser tests.
SYSTEM_PACKAGES=(python3-venv fonts-noto-cjk libharfbuzz-subset0 poppler-utils libreoffice-calc-nogui chromium)

missing=()
for package in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's Python is built with profile-guided and link-time optimisation and linked statically;
# a Python that a version manager such as pyenv builds with its default options is neither, and
# validates and scores about a fifth slower (benchmarks/validate_score.py, run side by side).
# PYTHON=... chooses another.
if [ -z "${PYTHON:-}" ] && /usr/bin/python3 -c 'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  PYTHON=/usr/bin/python3
fi
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# axe-core (npm) checks the pages' accessibility in the browser tests.
if [ ! -f .venv/npm/node_modules/axe-core/axe.min.js ] && command -v npm >/dev/null; then
  npm install --silent --no-audit --no-fund --prefix .venv/npm axe-core@4.14.1 >/dev/null
fi

stamp=.venv/.jixiao-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  touch "$stamp"
fi
