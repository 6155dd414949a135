#!/usr/bin/env bash
# The README's main-job command (`npm start`): set-up, then the platform on the embedded
# defaults. Ctrl-C stops it and the services it started. Arguments go to the main job.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bash infra/scripts/setup.sh
exec node --import tsx infra/main/platform.main.ts "$@"
