#!/usr/bin/env bash
# Fails when a log holds what looks like an email address, or one of the
# test suites' signer names and postal codes (as whole words: a random
# request id may hold the digits of one); prints the first such lines
# (cut short). Used by scripts/test.sh on the services' debug log.
#
#   scripts/scan-log-for-personal-data.sh FILE
set -euo pipefail
file=${1:?usage: scan-log-for-personal-data.sh FILE}
[ -s "$file" ] || { echo "scan-log: $file is empty or missing: the services logged nothing to scan" >&2; exit 1; }
pattern='[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+|\bRivera\b|\bZebulonia\b|\bQuartermaine\b|\b06511\b|\b99501\b'
if grep -Eq "$pattern" "$file"; then
  echo "scan-log: $file holds personal data:" >&2
  grep -En "$pattern" "$file" | head -5 | cut -c1-200 >&2
  exit 1
fi
echo "scan-log: $(wc -l < "$file") log lines at debug level, no email, name or postal code of a signer"
