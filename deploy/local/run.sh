#!/usr/bin/env bash
# Runs the whole Groundswell stack on this machine with demo data.
#
#   deploy/local/run.sh            build, start the four services, seed demo data,
#                                  print totals; Ctrl-C stops all four cleanly
#   deploy/local/run.sh --detach   the same, but return and leave them running
#   deploy/local/run.sh --stop     stop a detached stack
#
# State lives in .groundswell/ (databases, logs, pids, demo.env); a second run
# reuses it. Delete .groundswell/ to start from scratch.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
state=$root/.groundswell
services=(supporter-service petition-service campaign-service gateway)
declare -A ports=([gateway]=7400 [petition-service]=7401 [supporter-service]=7402 [campaign-service]=7403)

stop_stack() {
  local any=0
  for service in gateway campaign-service petition-service supporter-service; do
    local pidfile=$state/pids/$service.pid
    [ -f "$pidfile" ] || continue
    local pid; pid=$(cat "$pidfile")
    # A Ctrl-C in the terminal reaches the services too; either way each
    # gets SIGTERM (a graceful shutdown) and up to 10 s before SIGKILL.
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    echo "stopped $service"
    any=1
    rm -f "$pidfile"
  done
  [ "$any" = 1 ] || echo "no Groundswell services were running"
}

mode=foreground
case "${1:-}" in
  --detach) mode=detach ;;
  --stop) stop_stack; exit 0 ;;
  "") ;;
  *) echo "usage: deploy/local/run.sh [--detach | --stop]" >&2; exit 2 ;;
esac

for service in "${services[@]}"; do
  if [ -f "$state/pids/$service.pid" ] && kill -0 "$(cat "$state/pids/$service.pid")" 2>/dev/null; then
    echo "run.sh: the stack is already running; stop it with: deploy/local/run.sh --stop" >&2
    exit 1
  fi
done

echo "==> building (the first build takes about 6 minutes)"
swift build --product gateway >/dev/null
for product in petition-service supporter-service campaign-service groundswell; do swift build --product "$product" >/dev/null; done
bin=$(swift build --show-bin-path)

echo "==> development certificates"
deploy/certs/make-dev-pki.sh
certs=$root/deploy/certs/dev

mkdir -p "$state/logs" "$state/pids"
export GROUNDSWELL_TLS_CA=$certs/ca.crt
export GROUNDSWELL_PETITION_SERVICE=127.0.0.1:${ports[petition-service]}
export GROUNDSWELL_SUPPORTER_SERVICE=127.0.0.1:${ports[supporter-service]}
export GROUNDSWELL_CAMPAIGN_SERVICE=127.0.0.1:${ports[campaign-service]}

wait_for_port() { # service
  local service=$1 port=${ports[$1]} pid; pid=$(cat "$state/pids/$1.pid")
  for _ in $(seq 1 150); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "run.sh: $service exited; the end of its log ($state/logs/$service.log):" >&2
      tail -n 5 "$state/logs/$service.log" >&2
      stop_stack >/dev/null
      exit 1
    fi
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "run.sh: $service did not listen on port $port within 15 s; see $state/logs/$service.log" >&2
  stop_stack >/dev/null
  exit 1
}

echo "==> starting the services (logs in .groundswell/logs/)"
for service in "${services[@]}"; do
  GROUNDSWELL_LISTEN=127.0.0.1:${ports[$service]} GROUNDSWELL_ADMIN_LISTEN=127.0.0.1:$((ports[$service] + 10)) \
  GROUNDSWELL_DATA_DIR=$state/$service \
  GROUNDSWELL_TLS_CERT=$certs/$service.crt GROUNDSWELL_TLS_KEY=$certs/$service.key \
    SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=yes,interactive=no,color=no} \
    nohup "$bin/$service" >>"$state/logs/$service.log" 2>&1 &
  echo $! >"$state/pids/$service.pid"
  wait_for_port "$service"
  echo "    $service on 127.0.0.1:${ports[$service]}"
done

if [ ! -f "$state/demo.env" ]; then
  echo "==> demo keys and data"
  keys() { "$bin/gateway" keys create --data-dir "$state/gateway" "$@"; }
  # The seed signs hundreds of times at full speed: its keys get room for it.
  operator_key=$(keys --operator --unlimited --label "demo operator")
  harbor_key=$(keys --organization organizations/harbor-light --calls-per-second 500 --burst 2000 --label "demo partner")
  opengate_key=$(keys --organization organizations/open-gate-network --calls-per-second 500 --burst 2000 --label "demo partner")
  sleep 1 # the running gateway sees new keys within a second
  "$bin/groundswell" demo seed --gateway "127.0.0.1:${ports[gateway]}" --ca-file "$certs/ca.crt" \
    --api-key "$operator_key" \
    --partner-key "organizations/harbor-light=$harbor_key" \
    --partner-key "organizations/open-gate-network=$opengate_key"
  umask 077
  cat >"$state/demo.env" <<ENV
# Written by deploy/local/run.sh: source it to talk to the local gateway.
export GROUNDSWELL_GATEWAY=127.0.0.1:${ports[gateway]}
export GROUNDSWELL_CA_FILE=$certs/ca.crt
# A partner key of organizations/harbor-light.
export GROUNDSWELL_API_KEY=$harbor_key
# A partner key of organizations/open-gate-network, and an operator key.
export GROUNDSWELL_PARTNER_KEY_OPEN_GATE=$opengate_key
export GROUNDSWELL_OPERATOR_KEY=$operator_key
ENV
fi

# shellcheck disable=SC1091
source "$state/demo.env"
echo
# The gateway answers totals once its live view has loaded both feeds.
for _ in $(seq 1 50); do "$bin/groundswell" totals >/dev/null 2>&1 && break; sleep 0.2; done
sleep 0.5 # let the last seeded signatures reach the view
"$bin/groundswell" totals
first_petition=$("$bin/groundswell" petitions list --organization organizations/harbor-light --limit 1 | awk 'NR==2 {print $1}')
cli=.build/debug/groundswell
cat <<NEXT

Groundswell is running. Try, in another terminal:
  source .groundswell/demo.env
  $cli petitions list
  $cli sign $first_petition --email you@example.org --given-name Sam
  $cli totals
  $cli dashboard                     # live, in the terminal

The live dashboard:  http://127.0.0.1:7410/dashboard
Prometheus metrics:  http://127.0.0.1:7410/metrics
NEXT

if [ "$mode" = detach ]; then
  echo "  deploy/local/run.sh --stop      # stops the stack"
  exit 0
fi
echo
echo "Press Ctrl-C to stop all four services."
trap 'echo; stop_stack; exit 0' INT TERM
while true; do
  for service in "${services[@]}"; do
    if ! kill -0 "$(cat "$state/pids/$service.pid")" 2>/dev/null; then
      echo "run.sh: $service stopped unexpectedly; see $state/logs/$service.log" >&2
      stop_stack
      exit 1
    fi
  done
  sleep 1
done
