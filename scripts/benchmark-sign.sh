#!/usr/bin/env bash
# The sign-path benchmark (docs/performance.md): builds release binaries,
# starts the four services on fresh SQLite files (synchronous=FULL), creates
# an unlimited partner key, and drives the gateway over TLS with
# sign-benchmark: the health-check ceiling, SignPetition spread over many
# petitions and all on one, paced at 80 % of the peak, and ImportSignatures
# in batches; each with signatures/s, its share of the ceiling, latency
# percentiles, statuses, and each service's CPU per signature and peak RSS.
# Then the h2load cross-check: health and the repeat-sign path with
# pre-encoded bodies, successes counted from the gateway's /metrics.
#
#   scripts/benchmark-sign.sh [--services-bin DIR] [--perf] [--seed-signatures N] [sign-benchmark run options…]
#     --services-bin DIR   run the services from DIR (e.g. another commit's
#                          .build/release) instead of this tree's build
#     --perf               sample each service with `perf record -e cpu-clock`
#                          (Debian linux-perf) while sign-benchmark runs, and
#                          print each one's CPU by layer (scripts/perf-layers.py)
#                          and its top functions by self time
#     --seed-signatures N  before the services start, store N signatures (on
#                          10,000 other petitions, by N/2 supporters) straight
#                          into their databases: the phases then run with that
#                          much data stored (compare with a run without)
#   KEEP_BENCH_FILES=1     keep the temporary folder (databases, logs)
#   GROUNDSWELL_LOG_LEVEL  the services' log level (default info, as deployed:
#                          one request line per call on every hop)
#     e.g. --duration 20 --concurrency 128 --connections 4 --petitions 100 --duplicates 0.1
#
# Ports 7490-7498 on 127.0.0.1; all state in a temporary folder, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

services_bin=
profile=0
seed=0
while [ $# -gt 0 ]; do
  case "$1" in
    --services-bin) services_bin=$(readlink -f "$2"); shift 2 ;;
    --perf) profile=1; shift ;;
    --seed-signatures) seed=$2; shift 2 ;;
    *) break ;;
  esac
done

echo "==> building release binaries (10 to 25 minutes the first time)"
products=(sign-benchmark)
[ -n "$services_bin" ] || products+=(gateway petition-service supporter-service campaign-service)
for product in "${products[@]}"; do swift build -c release --product "$product" >/dev/null; done
bin=$(swift build -c release --show-bin-path)
services_bin=${services_bin:-$bin}

work=$(mktemp -d /tmp/groundswell-sign-bench-XXXXXX)
pids=()
cleanup() {
  local status=$?
  if [ "$status" != 0 ]; then
    for log in "$work"/*.log; do echo "--- end of $log"; tail -n 5 "$log"; done >&2
  fi
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${KEEP_BENCH_FILES:-}" ]; then echo "kept $work (databases and logs)"; else rm -rf "$work"; fi
}
trap cleanup EXIT

deploy/certs/make-dev-pki.sh "$work/certs" >/dev/null 2>&1
if [ "$seed" -gt 0 ]; then
  echo "==> seeding $seed signatures by $((seed / 2 > 0 ? seed / 2 : 1)) supporters"
  "$bin/sign-benchmark" seed --data "$work" --signatures "$seed" --supporters $((seed / 2 > 0 ? seed / 2 : 1)) --petitions 10000
  du -sh "$work/petition-service" "$work/supporter-service" | sed 's/^/  /'
  # The seed writes without fsync: flush it now, so the kernel writing
  # gigabytes back does not run during the measurement.
  sync
fi
declare -A ports=([gateway]=7490 [petition-service]=7491 [supporter-service]=7492 [campaign-service]=7493)
declare -A admin=([gateway]=7494 [petition-service]=7495 [supporter-service]=7496 [campaign-service]=7497)
export GROUNDSWELL_TLS_CA=$work/certs/ca.crt
export GROUNDSWELL_PETITION_SERVICE=127.0.0.1:7491 GROUNDSWELL_SUPPORTER_SERVICE=127.0.0.1:7492
export GROUNDSWELL_CAMPAIGN_SERVICE=127.0.0.1:7493
echo "==> starting the services from $services_bin (logs in $work/*.log)"
process_args=()
declare -A service_pids=()
for service in supporter-service petition-service campaign-service gateway; do
  GROUNDSWELL_LISTEN=127.0.0.1:${ports[$service]} GROUNDSWELL_ADMIN_LISTEN=127.0.0.1:${admin[$service]} \
  GROUNDSWELL_DATA_DIR=$work/$service \
  GROUNDSWELL_TLS_CERT=$work/certs/$service.crt GROUNDSWELL_TLS_KEY=$work/certs/$service.key \
  GROUNDSWELL_LOG_LEVEL=${GROUNDSWELL_LOG_LEVEL:-info} \
    "$services_bin/$service" >"$work/$service.log" 2>&1 &
  pids+=($!)
  process_args+=(--process "$service=$!")
  service_pids[$service]=$!
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/${ports[$service]}") 2>/dev/null && break; sleep 0.1; done
done
# Unlimited: a quota would measure the quota, not the path.
operator_key=$("$services_bin/gateway" keys create --data-dir "$work/gateway" --operator --unlimited --label benchmark)
partner_key=$("$services_bin/gateway" keys create --data-dir "$work/gateway" --organization organizations/bench --unlimited --label benchmark)
sleep 1 # the running gateway sees new keys within a second
ready_started=$(date +%s.%N)
for _ in $(seq 1 3000); do
  curl -fsS "http://127.0.0.1:${admin[gateway]}/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
if [ "$seed" -gt 0 ]; then
  # Whatever the services load at start (the gateway's live view) is loaded
  # now: report how long it took and what it holds.
  echo "  gateway ready after $(awk -v a="$ready_started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
  for service in gateway petition-service supporter-service; do
    echo "  $service RSS at start: $(awk '/VmRSS/ { printf "%.0f MB", $2 / 1024 }' "/proc/${service_pids[$service]}/status")"
  done
fi

echo "==> measuring"
perf_pids=()
if [ "$profile" = 1 ]; then
  for service in gateway petition-service supporter-service; do
    perf record -q -e cpu-clock -F 499 -g -p "${service_pids[$service]}" -o "$work/$service.perf" >/dev/null 2>&1 &
    perf_pids+=($!)
  done
fi
"$bin/sign-benchmark" run --gateway 127.0.0.1:7490 --ca-file "$work/certs/ca.crt" \
  --operator-key "$operator_key" --partner-key "$partner_key" "${process_args[@]}" \
  --petition-file "$work/petition.txt" "$@"
if [ "$profile" = 1 ]; then
  for pid in "${perf_pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${perf_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for service in gateway petition-service supporter-service; do
    echo
    echo "==> $service: CPU samples by layer (scripts/perf-layers.py), then the top functions by self time (perf, cpu-clock, whole run)"
    python3 scripts/perf-layers.py "$work/$service.perf" | tail -n +2 || true
    perf report -i "$work/$service.perf" --no-children --sort dso,symbol --stdio 2>/dev/null \
      | awk '/^ +[0-9]/ && n < 15 { print substr($0, 1, 160); n++ }' || true
  done
fi

if command -v h2load >/dev/null; then
  echo
  echo "==> h2load cross-check (4 connections, 32 streams each, 20,000 calls; pre-encoded bodies)"
  "$bin/sign-benchmark" h2load-body --kind health --out "$work/health.bin"
  "$bin/sign-benchmark" h2load-body --kind sign --petition "$(cat "$work/petition.txt")" --out "$work/sign.bin"
  ok() { # method: calls the gateway answered OK so far
    curl -fsS "http://127.0.0.1:${admin[gateway]}/metrics" \
      | awk -v m="$1" 'index($0, "grpc_server_handled_total{") == 1 && index($0, "grpc_method=\"" m "\"") && index($0, "grpc_code=\"OK\"") { s += $NF } END { printf "%d", s }'
  }
  h2() { # label path body [header…]
    local label=$1 path=$2 body=$3 method; shift 3
    method=${path#/}
    local before; before=$(ok "$method")
    local out; out=$(h2load -n 20000 -c 4 -m 32 -H 'content-type: application/grpc' -H 'te: trailers' "$@" \
      -d "$body" "https://127.0.0.1:7490$path" 2>&1)
    local after; after=$(ok "$method")
    local verified="answered OK by the gateway: $((after - before)) of 20000"
    # Health checks skip the server pipeline, so no metric counts them:
    # there h2load's own count of completed HTTP/2 exchanges is all there is.
    [ "$method" = grpc.health.v1.Health/Check ] && verified="h2load: $(echo "$out" | grep -E '^requests:' | sed 's/^requests: //')"
    echo "$label: $(echo "$out" | grep -E '^finished in' | sed 's/^finished in //'); $verified"
    echo "$out" | grep -E '^time for request:' | sed 's/^/  /'
  }
  h2 "health Check" /grpc.health.v1.Health/Check "$work/health.bin"
  h2 "SignPetition, the same signer again (answers from the first signature)" \
    /groundswell.petition.v1.PetitionService/SignPetition "$work/sign.bin" -H "authorization: Bearer $partner_key"
else
  echo "(h2load not installed: apt-get install nghttp2-client for the cross-check)"
fi
