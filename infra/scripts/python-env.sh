#!/usr/bin/env bash
# A Python virtualenv with Confluent's own client (confluent-kafka: SchemaRegistryClient,
# AvroSerializer, AvroDeserializer), used only by tests that prove Backbeat's registry and
# topics against clients that no one here wrote, and with implicit (ALS, and the numpy and scipy
# it runs on), used only by `npm run bench -- recs` as the matrix-factorisation model the
# co-listening recommendations are compared with. Reused when present (stamp holds the spec).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${BACKBEAT_CACHE_DIR:-.cache}
case "$cache" in /*) ;; *) cache="$root/$cache" ;; esac
venv="$cache/pyenv"
spec="confluent-kafka[avro,schemaregistry]==2.13.0 implicit==0.7.3 numpy==2.4.6 scipy==1.17.1"
if [ -f "$venv/.complete" ] && [ "$(cat "$venv/.complete")" = "$spec" ]; then
  exit 0
fi
command -v python3 >/dev/null || { echo "backbeat: python3 is required for the third-party client tests and the recs benchmark" >&2; exit 1; }
echo "[python] creating $venv with $spec" >&2
rm -rf "$venv"
python3 -m venv "$venv" >&2 || {
  echo "backbeat: python3 -m venv failed; on Debian install python3-venv (apt-get install -y python3-venv)" >&2
  exit 1
}
read -ra reqs <<<"$spec" # a list of requirements (read does not expand the [extras] as globs)
"$venv/bin/pip" install --quiet --disable-pip-version-check "${reqs[@]}" >&2
echo "$spec" > "$venv/.complete"
