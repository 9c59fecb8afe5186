#!/usr/bin/env bash
# The test command: checks the generated code against proto/ (when protoc is
# installed), builds everything, and runs every test — model unit tests and
# the end-to-end suite that starts the four services on loopback with real
# TLS and mutual TLS, including a Python grpcio partner client.
#
#   scripts/test.sh [extra `swift test` arguments, e.g. --filter SignPath]
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v protoc >/dev/null; then
  scripts/generate-protos.sh --check
else
  echo "test.sh: protoc not installed; skipping the generated-code check (apt-get install protobuf-compiler)" >&2
fi

# A Python with grpcio for the interop test, in an ignored folder.
venv=.build-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import grpc, grpc_tools, google.rpc.status_pb2' 2>/dev/null; then
  echo "test.sh: installing grpcio, grpcio-tools and googleapis-common-protos into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q grpcio grpcio-tools googleapis-common-protos
fi
export GROUNDSWELL_TEST_PYTHON=$PWD/$venv/bin/python

swift build --build-tests
swift test --skip-build "$@"
