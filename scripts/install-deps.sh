#!/usr/bin/env bash
# Installs what faasight needs on a Debian machine, skipping what is there.
#   scripts/install-deps.sh          run the product: ClickHouse, the wasm target, wasm-bindgen
#   scripts/install-deps.sh --test   also what the tests need: chromium + chromedriver, poppler-utils, and Python chDB
#                                    and the OpenTelemetry SDK in the virtual environment .venv-test
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
  # pdftotext and pdftoppm check the cost report's PDF.
  if ! command -v pdftotext >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then
    echo "install-deps: installing poppler-utils"
    apt_install poppler-utils
  fi
  # Python test tools go into a virtual environment of the project's own
  # (.venv-test): Debian's python3 refuses `pip install` outside one
  # (PEP 668), and a user's system Python stays untouched.
  VENV=.venv-test
  if [ ! -x "$VENV/bin/python" ]; then
    if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
      echo "install-deps: installing python3-venv"
      apt_install python3-venv
    fi
    echo "install-deps: creating the Python test environment $VENV"
    python3 -m venv "$VENV"
  fi
  if ! "$VENV/bin/python" -c 'import chdb' >/dev/null 2>&1; then
    echo "install-deps: installing chdb (Python) into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check chdb
  fi
  if ! "$VENV/bin/python" -c 'import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http, opentelemetry.exporter.otlp.proto.grpc' >/dev/null 2>&1; then
    echo "install-deps: installing the OpenTelemetry Python SDK and OTLP exporters into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
      opentelemetry-sdk opentelemetry-exporter-otlp-proto-http opentelemetry-exporter-otlp-proto-grpc
  fi
fi
