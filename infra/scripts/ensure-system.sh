#!/usr/bin/env bash
# Makes sure the system packages Backbeat's local stack needs are present:
#   Java 17+ (Kafka), Maven (resolves Kafka's jars), redis-server, ffmpeg, a C++ toolchain and
#   libzstd-dev (node-rdkafka compiles librdkafka during npm ci), and with --test docker-compose
#   (validates docker-compose.yml without an engine) and chromium (browser tests).
# As root, missing ones are installed with apt-get. Otherwise it stops with one message naming
# them and the command that installs them.
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

missing=()
have() { command -v "$1" >/dev/null 2>&1; }

java_major() {
  java -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
}
if ! have java || [ "$(java_major)" -lt 17 ] 2>/dev/null; then missing+=(openjdk-17-jre-headless); fi
have mvn || missing+=(maven)
have redis-server || missing+=(redis-server)
have ffmpeg || missing+=(ffmpeg)
have make || missing+=(make)
have g++ || missing+=(g++)
have python3 || missing+=(python3)
[ -f /usr/include/zstd.h ] || missing+=(libzstd-dev)
if [ $want_test = 1 ]; then
  have docker-compose || missing+=(docker-compose)
  # The SDK's browser test (CORS from another origin) drives Debian's Chromium.
  have chromium || missing+=(chromium)
fi

[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
  echo "backbeat: missing system packages: ${missing[*]}" >&2
  echo "backbeat: install them as root with: sudo sh -c '$cmd'" >&2
  exit 1
fi
echo "[system] installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
