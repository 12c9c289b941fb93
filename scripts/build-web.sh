#!/usr/bin/env bash
# Builds the browser bundle (the web crate with `hydrate`, as WebAssembly)
# into target/site/pkg, where `faasight up` serves it from.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --lib -p faasight-web --target wasm32-unknown-unknown \
  --profile wasm-release --no-default-features --features hydrate
mkdir -p target/site/pkg
# --out-name must match faasight_web::OUTPUT_NAME. The name section (function names for
# debuggers) is 60 % of the bundle: browsers do not need it.
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
  --out-dir target/site/pkg --out-name faasight \
  "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/wasm-release/faasight_web.wasm"
