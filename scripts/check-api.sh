#!/usr/bin/env bash
# The API guards, run by the test command:
#   1. `buf lint` with the committed buf.yaml;
#   2. `buf breaking` against the last released API, proto/released/groundswell-api.binpb
#      (a buf image): a removed or renumbered field, a changed type, a removed
#      RPC or service fails;
#   3. the guard itself: a copy of proto/ with a field or an RPC removed must fail it;
#   4. docs/api.md is what scripts/generate-api-docs.py makes of proto/.
#
#   scripts/check-api.sh            check
#   scripts/check-api.sh --release  record proto/ as the released API (do this when
#                                   a release ships; review and commit the image)
#
# buf and the docs generator come from PyPI (buf-bin, protobuf): set BUF and
# PYTHON, or let it use the test venv (.build-venv) that scripts/test.sh makes.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build-venv
buf=$(realpath "$(command -v "${BUF:-$venv/bin/buf}")")
python=${PYTHON:-$venv/bin/python}
released=proto/released/groundswell-api.binpb

if [ "${1:-}" = --release ]; then
  "$buf" build --exclude-source-info -o "$released"
  echo "check-api: recorded proto/ as the released API in $released" >&2
  exit 0
fi

"$buf" lint
echo "check-api: buf lint passed" >&2
"$buf" breaking --against "$released"
echo "check-api: buf breaking passed against $released" >&2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Two changes each of which must fail it: SignPetitionRequest's first field
# removed, and the ClosePetition RPC removed.
for change in field rpc; do
  rm -rf "$work/proto" && cp -r proto buf.yaml "$work/"
  python3 - "$work/proto/groundswell/petition/v1/petition_service.proto" "$change" <<'PY'
import re, sys
path, change = sys.argv[1], sys.argv[2]
text = open(path).read()
if change == "field":
    start = text.index("message SignPetitionRequest {")
    found = re.compile(r"\n  [a-zA-Z0-9_.]+ [a-z_]+ = \d+;").search(text, start)
else:
    found = re.compile(r"\n  rpc ClosePetition\(.*?\n  \}", re.S).search(text)
open(path, "w").write(text[:found.start()] + text[found.end():])
PY
  if (cd "$work" && "$buf" breaking --against "$OLDPWD/$released" >"$work/breaking.txt" 2>&1); then
    echo "check-api: buf breaking did not notice a removed $change" >&2
    exit 1
  fi
  grep -q -E "SignPetitionRequest|ClosePetition" "$work/breaking.txt" || { cat "$work/breaking.txt" >&2; exit 1; }
  echo "check-api: a removed $change fails buf breaking, as it should" >&2
done

"$python" scripts/generate-api-docs.py --check
