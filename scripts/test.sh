#!/usr/bin/env bash
# Runs every test: unit tests, end-to-end tests against private ClickHouse
# servers, the chDB check of all SQL on a current ClickHouse engine, and the
# browser test in headless Chromium. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build-web.sh
export FAASIGHT_SITE_ROOT="$PWD/target/site"
# The Python the tests run their scripts with (chDB, the OpenTelemetry SDK).
export FAASIGHT_TEST_PYTHON="$PWD/.venv-test/bin/python"
# Every dashboards/*.toml must render (file:line for each that would not).
cargo run --quiet -- dashboards check
cargo test --workspace --no-fail-fast "$@"
