#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs the real Parquet readers the interop
# tests need (scripts/setup-tools.sh), then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
bash scripts/setup-tools.sh
# With the readers installed, an interop test that cannot find them fails instead of skipping.
export AZLOG_REQUIRE_INTEROP=1
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --workspace --all-targets --locked --no-fail-fast
else
  cargo test --workspace --all-targets --locked --no-fail-fast
fi
# nextest does not run doctests.
cargo test --workspace --doc --locked
