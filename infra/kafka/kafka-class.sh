#!/usr/bin/env bash
# Runs any class from the cached Kafka jars, e.g.
#   infra/kafka/kafka-class.sh org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:19092 --list
#   infra/kafka/kafka-class.sh org.apache.kafka.tools.ProducerPerformance --topic t --num-records 100000 ...
#   infra/kafka/kafka-class.sh org.apache.kafka.tools.ConsumerPerformance --bootstrap-server ... --topic t ...
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/infra/kafka/fetch-jars.sh"
cache=${BACKBEAT_CACHE_DIR:-.cache}
case "$cache" in /*) ;; *) cache="$root/$cache" ;; esac
exec java ${KAFKA_TOOL_OPTS:--Xmx512m} \
  -Dlog4j2.configurationFile="$root/infra/kafka/log4j2-tools.properties" \
  -cp "$cache/kafka/libs/*" "$@"
