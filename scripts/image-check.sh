#!/usr/bin/env bash
# Builds the four service images from deploy/docker/Dockerfile and runs the
# whole stack from them: no Docker engine needed.
#
#   scripts/image-check.sh
#
# The official swift builder image cannot be pulled here, so the release
# binaries are built on the host with the builder stage's own flags
# (`-c release --static-swift-stdlib`) and fed to the very runtime stage
# users get (`--build-arg BINARIES=prebuilt`), on a Debian bookworm base
# made with debootstrap. Then each service runs from its image (buildah run,
# chroot isolation, host network, as uid 10001 with /data and /certs
# mounted) on loopback ports 17400–17413; demo data is seeded and a
# signature is made through the gateway; every service must stop cleanly on
# SIGTERM. Takes minutes: the release build dominates (kept warm in
# .build-release).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/.build-image
services=(supporter-service petition-service campaign-service gateway)
declare -A ports=([gateway]=17400 [petition-service]=17401 [supporter-service]=17402 [campaign-service]=17403)

for tool in buildah debootstrap; do
  command -v "$tool" >/dev/null || { echo "image-check: $tool is not installed (apt-get install buildah debootstrap)" >&2; exit 1; }
done

echo "==> release binaries (swift build -c release --static-swift-stdlib)"
start=$(date +%s)
for product in gateway petition-service supporter-service campaign-service groundswell; do
  swift build -c release --static-swift-stdlib --scratch-path .build-release --product "$product" >/dev/null
done
bin=.build-release/release
echo "    built in $(( $(date +%s) - start )) s"
rm -rf "$work/context" && mkdir -p "$work/context/out"
for product in gateway petition-service supporter-service campaign-service groundswell; do
  cp "$bin/$product" "$work/context/out/"
  strip "$work/context/out/$product" # as the builder stage does
done
echo "    shared libraries the gateway needs: $(ldd "$bin/gateway" | awk '{print $1}' | tr '\n' ' ')"

base=localhost/groundswell-base:bookworm-min
if ! buildah inspect --type image "$base" >/dev/null 2>&1; then
  echo "==> a Debian bookworm base image (debootstrap --variant=minbase)"
  rm -rf "$work/rootfs"
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >/dev/null
  ctr=$(buildah from scratch)
  tar -C "$work/rootfs" -c . | tar -C "$(buildah mount "$ctr")" -x
  buildah umount "$ctr" >/dev/null
  buildah commit -q "$ctr" "$base" >/dev/null
  buildah rm "$ctr" >/dev/null
  rm -rf "$work/rootfs"
fi

echo "==> images"
for service in "${services[@]}"; do
  port=${ports[$service]}
  buildah bud --isolation chroot -q -f deploy/docker/Dockerfile \
    --build-arg BINARIES=prebuilt --build-arg RUNTIME_IMAGE="$base" --build-arg SERVICE="$service" \
    --build-arg PORT=$((port - 10000)) --build-arg ADMIN_PORT=$((port - 9990)) \
    -t "localhost/groundswell/$service" "$work/context" >/dev/null
  user=$(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "localhost/groundswell/$service")
  size=$(buildah images --format '{{.Size}}' "localhost/groundswell/$service" | head -1)
  echo "    localhost/groundswell/$service: user $user, $size"
  [ "$user" = "10001:10001" ] || { echo "image-check: $service's image does not run as 10001" >&2; exit 1; }
done

echo "==> the stack, from the images"
rm -rf "$work/run" && mkdir -p "$work/run/certs" "$work/run/logs"
deploy/certs/make-dev-pki.sh "$work/run/certs" >/dev/null
chown -R 10001:10001 "$work/run/certs"
containers=()
cleanup() {
  pkill -TERM -f '^/usr/local/bin/service' 2>/dev/null || true
  sleep 1
  for ctr in "${containers[@]}"; do buildah rm "$ctr" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
address() { echo "127.0.0.1:${ports[$1]}"; }
run_in() { # service args...: runs the image's binary as its user, with /data and /certs mounted
  local service=$1; shift
  mkdir -p "$work/run/data/$service" && chown 10001:10001 "$work/run/data/$service"
  local ctr; ctr=$(buildah from -q "localhost/groundswell/$service")
  containers+=("$ctr")
  buildah run --isolation chroot --user 10001:10001 \
    --volume "$work/run/data/$service:/data" --volume "$work/run/certs:/certs:ro" "$ctr" -- /usr/local/bin/service "$@"
}
operator_key=$(run_in gateway keys create --data-dir /data --operator --unlimited --label "image check operator")
partner_key=$(run_in gateway keys create --data-dir /data --organization organizations/harbor-light --unlimited --label "image check partner")
other_key=$(run_in gateway keys create --data-dir /data --organization organizations/open-gate-network --unlimited --label "image check partner")
declare -A pids
for service in "${services[@]}"; do
  port=${ports[$service]}
  case $service in
    gateway) peers=(--petition-service "$(address petition-service)" --supporter-service "$(address supporter-service)"
                    --campaign-service "$(address campaign-service)") ;;
    petition-service) peers=(--supporter-service "$(address supporter-service)") ;;
    supporter-service) peers=(--petition-service "$(address petition-service)") ;;
    campaign-service) peers=(--petition-service "$(address petition-service)" --supporter-service "$(address supporter-service)") ;;
  esac
  run_in "$service" --listen "127.0.0.1:$port" --admin-listen "127.0.0.1:$((port + 10))" "${peers[@]}" \
    >"$work/run/logs/$service.log" 2>&1 &
  pids[$service]=$!
done
export GROUNDSWELL_GATEWAY=$(address gateway) GROUNDSWELL_CA_FILE=$work/run/certs/ca.crt
cli() { "$bin/groundswell" "$@"; }
for _ in $(seq 1 150); do cli totals --api-key "$operator_key" >/dev/null 2>&1 && break; sleep 0.2; done
cli totals --api-key "$operator_key" >/dev/null || { echo "image-check: the gateway never answered; logs in $work/run/logs" >&2; tail -n 3 "$work/run/logs"/*.log >&2; exit 1; }
cli demo seed --api-key "$operator_key" \
  --partner-key "organizations/harbor-light=$partner_key" --partner-key "organizations/open-gate-network=$other_key" >/dev/null
petition=$(cli petitions list --api-key "$partner_key" --organization organizations/harbor-light --limit 1 | awk 'NR==2 {print $1}')
signed=$(cli sign "$petition" --api-key "$partner_key" --email image-check@example.org --given-name Sam)
echo "    $signed"
case "$signed" in *"signatures"*) ;; *) echo "image-check: signing through the gateway failed" >&2; exit 1 ;; esac
for service in "${services[@]}"; do
  metrics=$(curl -sf "http://127.0.0.1:$((ports[$service] + 10))/metrics") || { echo "image-check: no /metrics on $service" >&2; exit 1; }
  grep -q '^grpc_server_handled_total' <<<"$metrics" || { echo "image-check: $service's /metrics has no RPC counts" >&2; exit 1; }
done
echo "    /metrics answers on all four admin listeners"

for service in "${services[@]}"; do
  pid=$(pgrep -f "^/usr/local/bin/service --listen 127.0.0.1:${ports[$service]}" | head -1)
  echo "    $service: $(awk '/VmRSS/ {print $2 / 1024 " MiB resident"}' "/proc/$pid/status") after the seed"
done

echo "==> SIGTERM"
pkill -TERM -f '^/usr/local/bin/service' || true
status=0
for service in gateway campaign-service petition-service supporter-service; do
  if wait "${pids[$service]}"; then echo "    $service stopped cleanly"; else echo "image-check: $service exited $?" >&2; status=1; fi
done
grep -h '"level":"error"' "$work/run/logs"/*.log >&2 && status=1
buildah rmi --prune >/dev/null 2>&1 || true # the intermediate stages
[ $status = 0 ] && echo "image-check: passed"
exit $status
