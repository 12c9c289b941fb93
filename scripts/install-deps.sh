#!/usr/bin/env bash
# Installs what faasight needs on a Debian machine, skipping what is there.
#   scripts/install-deps.sh          run the product: ClickHouse, the wasm target, wasm-bindgen
#   scripts/install-deps.sh --test   also what the tests need: chromium + chromedriver, Python chDB and
#                                    the OpenTelemetry SDK
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
apt_updated=0
apt_install() {
  if [ $apt_updated -eq 0 ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if ! command -v clickhouse-server >/dev/null 2>&1 && [ ! -x /usr/sbin/clickhouse-server ]; then
  echo "install-deps: installing clickhouse-server (Debian package)"
  apt_install clickhouse-server clickhouse-client
fi

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  echo "install-deps: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  echo "install-deps: installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
  # Without --locked: one of the CLI's locked dependencies is not on every
  # registry mirror; the fallback resolver picks versions that build here.
  CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback \
    cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if [ $want_test -eq 1 ]; then
  if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
    echo "install-deps: installing chromium and chromium-driver"
    apt_install chromium chromium-driver
  fi
  if ! python3 -c 'import chdb' >/dev/null 2>&1; then
    echo "install-deps: installing chdb (Python)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore chdb
  fi
  if ! python3 -c 'import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http, opentelemetry.exporter.otlp.proto.grpc' >/dev/null 2>&1; then
    echo "install-deps: installing the OpenTelemetry Python SDK and OTLP exporters"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
      opentelemetry-sdk opentelemetry-exporter-otlp-proto-http opentelemetry-exporter-otlp-proto-grpc
  fi
fi
