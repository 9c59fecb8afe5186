#!/usr/bin/env bash
# Makes a development PKI: a CA and one certificate per service, each with the
# SANs DNS:<service>, DNS:localhost and IP:127.0.0.1, and the service name as
# its common name (the identity the services authorize callers by).
#
#   deploy/certs/make-dev-pki.sh [DIR [NAME...]]     default DIR: deploy/certs/dev
#
# Extra NAMEs get a certificate of the same shape with that common name (the
# tests use one, `monitoring`, to show that the services admit only the
# identities each method declares).
#
# Keeps an existing CA and certificates; delete DIR to start over. The CA key
# never leaves DIR. For production, issue the same shape from your own CA.
set -euo pipefail
dir=${1:-"$(dirname "$0")/dev"}
services=(gateway petition-service supporter-service campaign-service "${@:2}")
mkdir -p "$dir"
cd "$dir"

if [ ! -f ca.crt ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/O=Groundswell dev/CN=Groundswell dev CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout ca.key -out ca.crt 2>/dev/null
  echo "make-dev-pki: created the CA in $dir" >&2
fi

for service in "${services[@]}"; do
  [ -f "$service.crt" ] && continue
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/O=Groundswell dev/CN=$service" -keyout "$service.key" -out "$service.csr" 2>/dev/null
  openssl x509 -req -in "$service.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 \
    -extfile <(printf 'subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n' "$service") \
    -out "$service.crt" 2>/dev/null
  rm -f "$service.csr"
  echo "make-dev-pki: issued $service.crt" >&2
done
chmod 600 ./*.key
