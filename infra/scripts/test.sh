#!/usr/bin/env bash
# The README's test command (`npm test`): set-up, a private test stack (own data folder and
# ports, so a running dev stack is untouched), every test tier, and the stack stopped again
# whatever happens. Extra arguments go to run-tests.ts (tiers, --filter).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bash infra/scripts/setup.sh --test

export BACKBEAT_DATA_DIR=${BACKBEAT_TEST_DATA_DIR:-.data/test}
export KAFKA_PORT=${BACKBEAT_TEST_KAFKA_PORT:-29092}
export KAFKA_CONTROLLER_PORT=${BACKBEAT_TEST_KAFKA_CONTROLLER_PORT:-29093}
export REDIS_PORT=${BACKBEAT_TEST_REDIS_PORT:-26379}
export METRICS_PORT=${BACKBEAT_TEST_METRICS_PORT:-29464}
export SCHEMA_REGISTRY_PORT=${BACKBEAT_TEST_REGISTRY_PORT:-28081}
export CHDB_SERVER_PORT=${BACKBEAT_TEST_CHDB_PORT:-28123}
export GATEWAY_PORT=${BACKBEAT_TEST_GATEWAY_PORT:-28090}
export API_PORT=${BACKBEAT_TEST_API_PORT:-28080}
export LOG_LEVEL=${LOG_LEVEL:-warn}
unset KAFKA_BROKERS REDIS_URL CLICKHOUSE_URL CHDB_PATH SCHEMA_REGISTRY_URL

stack() { ./node_modules/.bin/tsx infra/stack/stack.cli.ts "$@"; }
cleanup() { stack down >/dev/null 2>&1 || true; }
trap cleanup EXIT INT TERM

# A fresh test stack every run: stop a leftover one, wipe its data.
stack down >/dev/null 2>&1 || true
rm -rf "$BACKBEAT_DATA_DIR"
stack up
./node_modules/.bin/tsx infra/scripts/run-tests.ts "$@"
