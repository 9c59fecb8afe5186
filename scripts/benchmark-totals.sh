#!/usr/bin/env bash
# The live-totals benchmark (docs/performance.md): builds release binaries,
# seeds 10,000 campaigns over 100,000 petitions (1,000,000 signatures) straight
# into fresh SQLite files, starts the four services, and measures through the
# gateway over TLS: one campaign's totals, a page of 100, the grand total
# (p50/p99), the delay from a commit to a WatchCampaignTotals update, and the
# gateway's memory.
#
#   scripts/benchmark-totals.sh [--campaigns N] [--petitions N] [--signatures-per-petition N]
#
# Ports 7480-7484 on 127.0.0.1; all state in a temporary folder, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> building release binaries (about 10 minutes the first time)"
for product in gateway petition-service supporter-service campaign-service totals-benchmark; do
  swift build -c release --product "$product" >/dev/null
done
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d /tmp/groundswell-bench-XXXXXX)
pids=()
cleanup() {
  local status=$?
  if [ "$status" != 0 ]; then
    for log in "$work"/*.log; do echo "--- end of $log"; tail -n 5 "$log"; done >&2
  fi
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

deploy/certs/make-dev-pki.sh "$work/certs" 2>/dev/null
echo "==> seeding"
"$bin/totals-benchmark" seed --data "$work" "$@"

declare -A ports=([gateway]=7480 [petition-service]=7481 [supporter-service]=7482 [campaign-service]=7483)
export GROUNDSWELL_TLS_CA=$work/certs/ca.crt
export GROUNDSWELL_PETITION_SERVICE=127.0.0.1:7481 GROUNDSWELL_SUPPORTER_SERVICE=127.0.0.1:7482
export GROUNDSWELL_CAMPAIGN_SERVICE=127.0.0.1:7483 GROUNDSWELL_ADMIN_LISTEN=127.0.0.1:7484
echo "==> starting the services (logs in $work/*.log)"
for service in supporter-service petition-service campaign-service gateway; do
  GROUNDSWELL_LISTEN=127.0.0.1:${ports[$service]} GROUNDSWELL_DATA_DIR=$work/$service \
  GROUNDSWELL_TLS_CERT=$work/certs/$service.crt GROUNDSWELL_TLS_KEY=$work/certs/$service.key \
  GROUNDSWELL_LOG_LEVEL=warning \
    "$bin/$service" >"$work/$service.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/${ports[$service]}") 2>/dev/null && break; sleep 0.1; done
done
gateway_pid=${pids[3]}
# Unlimited: a quota would measure the quota, not the gateway.
key=$("$bin/gateway" keys create --data-dir "$work/gateway" --operator --unlimited --label benchmark)
sleep 1 # the running gateway sees new keys within a second

echo "==> measuring (machine: $(nproc) cores; client and servers share them)"
campaigns=10000
for ((i = 1; i <= $#; i++)); do [ "${!i}" = --campaigns ] && { j=$((i + 1)); campaigns=${!j}; }; done
"$bin/totals-benchmark" measure --gateway 127.0.0.1:7480 --ca-file "$work/certs/ca.crt" --api-key "$key" \
  --admin 127.0.0.1:7484 --gateway-pid "$gateway_pid" --campaigns "$campaigns"
