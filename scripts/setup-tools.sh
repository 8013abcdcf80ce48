#!/usr/bin/env bash
# Installs what the tests need beyond cargo into .ci/.tools/ (git-ignored, idempotent):
# a Python venv with the real Parquet readers the interop tests open our output with.
set -euo pipefail
cd "$(dirname "$0")/.."
T=.ci/.tools
mkdir -p "$T"
if [ ! -x "$T/venv/bin/python" ]; then
  python3 -m venv "$T/venv"
fi
stamp="$T/venv/.requirements.sha"
want=$(sha256sum .ci/requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$T/venv/bin/pip" install --quiet --disable-pip-version-check -r .ci/requirements.txt
  echo "$want" > "$stamp"
fi
"$T/venv/bin/python" -c 'import pyarrow, duckdb; print("readers: pyarrow", pyarrow.__version__, "duckdb", duckdb.__version__)'
