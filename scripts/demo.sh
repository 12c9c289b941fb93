#!/usr/bin/env bash
# Runs faasight with demo data: a private ClickHouse under ./.faasight, the
# collector on 127.0.0.1:4318 and the web UI on http://127.0.0.1:3000/.
# Extra arguments go to `faasight up`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "demo: building (the first build takes a few minutes)"
cargo build --quiet --release --bin faasight
scripts/build-web.sh
exec target/release/faasight up --demo --site-root target/site "$@"
