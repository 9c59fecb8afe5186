#!/usr/bin/env bash
# Validates the deployment files offline: deploy/compose.yaml against the
# Compose specification's JSON schema; the Kubernetes base rendered with
# `kubectl kustomize` and checked by kubernetes-validate (strict); the
# Prometheus alert rules with `promtool check rules`; the Grafana dashboard
# as JSON; the README's settings table against the @Option declarations.
# Part of scripts/test.sh.
#
#   scripts/check-deploy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build-venv
if ! "$venv/bin/python" -c 'import jsonschema, yaml, kubernetes_validate' 2>/dev/null; then
  echo "check-deploy: installing jsonschema, pyyaml and kubernetes-validate into $venv" >&2
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q jsonschema pyyaml kubernetes-validate
fi
# The Compose specification's schema, as the docker-compose package ships it.
schema=$venv/compose_spec.json
if [ ! -f "$schema" ]; then
  rm -rf "$venv/compose-wheel"
  "$venv/bin/pip" download -q --no-deps docker-compose==1.29.2 -d "$venv/compose-wheel"
  "$venv/bin/python" - "$venv/compose-wheel" "$schema" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(wheel) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("compose/config/compose_spec.json"))
PY
fi
"$venv/bin/python" - "$schema" deploy/compose.yaml <<'PY'
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
document = yaml.safe_load(open(sys.argv[2]))
errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(document), key=lambda e: list(e.path))
for error in errors:
    print(f"check-deploy: {sys.argv[2]}: {'/'.join(map(str, error.path))}: {error.message}", file=sys.stderr)
if errors:
    sys.exit(1)
for name, service in document["services"].items():
    if name != "pki":
        assert service.get("read_only") and service.get("user") == "10001:10001" and service.get("cap_drop") == ["ALL"], name
print(f"check-deploy: {sys.argv[2]} is valid Compose ({len(document['services'])} services)")
PY

rendered=$(mktemp)
trap 'rm -f "$rendered"' EXIT
kubectl kustomize deploy/k8s/base >"$rendered"
"$venv/bin/kubernetes-validate" --strict --quiet "$rendered"
"$venv/bin/python" - "$rendered" <<'PY'
import sys, yaml
documents = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kinds = {}
for d in documents:
    kinds.setdefault(d["kind"], []).append(d["metadata"]["name"])
assert sorted(kinds["StatefulSet"]) == ["campaign-service", "petition-service", "supporter-service"], kinds
assert kinds["Deployment"] == ["gateway"] and kinds["PodDisruptionBudget"] == ["gateway"], kinds
for d in documents:
    if d["kind"] not in ("StatefulSet", "Deployment"):
        continue
    pod = d["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    for c in pod["containers"]:
        sc = c["securityContext"]
        assert sc["readOnlyRootFilesystem"] is True and sc["capabilities"]["drop"] == ["ALL"], d["metadata"]["name"]
        assert c["readinessProbe"] and c["livenessProbe"] and c["resources"]["limits"], d["metadata"]["name"]
    if d["kind"] == "StatefulSet":
        assert d["spec"]["replicas"] == 1
        assert d["spec"]["volumeClaimTemplates"][0]["spec"]["accessModes"] == ["ReadWriteOnce"]
print(f"check-deploy: deploy/k8s/base renders {len(documents)} valid objects")
PY

if command -v promtool >/dev/null; then
  promtool check rules deploy/prometheus/alerts.yaml >/dev/null
  echo "check-deploy: deploy/prometheus/alerts.yaml passes promtool check rules"
else
  echo "check-deploy: promtool is not installed (apt-get install prometheus)" >&2
  exit 1
fi
"$venv/bin/python" -c 'import json,sys; json.load(open(sys.argv[1]))' deploy/grafana/groundswell-dashboard.json
# The README's settings table is generated from the @Option declarations.
python3 scripts/settings-table.py --check
