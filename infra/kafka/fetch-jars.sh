#!/usr/bin/env bash
# Resolves Apache Kafka's jars (broker, CLI tools, ProducerPerformance/ConsumerPerformance)
# from Maven Central with Maven into $BACKBEAT_CACHE_DIR/kafka/libs. Reused when present and
# complete (a stamp file records the pom's hash); rebuilt when missing or when the pom changes.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${BACKBEAT_CACHE_DIR:-.cache}
case "$cache" in /*) ;; *) cache="$root/$cache" ;; esac
pom="$root/infra/kafka/pom.xml"
libs="$cache/kafka/libs"
stamp="$libs/.complete"
want=$(sha256sum "$pom" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "[kafka] resolving Kafka jars with Maven into $libs (first run only)" >&2
rm -rf "$libs"
mkdir -p "$libs" "$cache/m2"
start=$(date +%s)
mvn -B -q -Dstyle.color=never -f "$pom" -Dmaven.repo.local="$cache/m2" \
  dependency:copy-dependencies -DoutputDirectory="$libs" -DincludeScope=runtime >&2
echo "$want" > "$stamp"
echo "[kafka] $(ls "$libs"/*.jar | wc -l) jars ready in $(( $(date +%s) - start )) s" >&2
