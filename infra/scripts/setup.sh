#!/usr/bin/env bash
# One-time set-up shared by the README's two commands: system packages, npm dependencies
# (node-rdkafka compiles librdkafka here, about 2 minutes on 2 cores) and Kafka's jars.
# Each step is skipped when already done.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "backbeat: Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

bash infra/scripts/ensure-system.sh "$@"

# Install the locked dependencies when node_modules is missing or older than the lockfile.
# `npm install` rather than `npm ci`: chdb lists optional per-platform packages that the registry
# does not serve (darwin, linux-arm64), which `npm ci` treats as a lockfile mismatch. With the
# lockfile present `npm install` installs exactly its versions.
stamp=node_modules/.backbeat-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ] || [ ! -d node_modules/node-rdkafka/build/Release ]; then
  echo "[setup] npm install (first run compiles node-rdkafka, about 2 minutes)" >&2
  start=$(date +%s)
  npm install --no-audit --no-fund --loglevel=error >&2
  touch "$stamp"
  echo "[setup] npm install done in $(( $(date +%s) - start )) s" >&2
fi

bash infra/kafka/fetch-jars.sh

# The test suite also checks Backbeat against third-party Python clients (confluent-kafka).
if [ "${1:-}" = "--test" ]; then
  bash infra/scripts/python-env.sh
fi
