#!/usr/bin/env bash
# `npm run demo`: installs what is missing, then runs InfluxDB, the gateway and a simulated
# Bangkok fleet on this machine (see scripts/demo.ts). Ctrl-C stops all of it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
# the maintenance console, built once (npm run build rebuilds it)
node --import tsx console/build.ts --if-missing
exec node --import tsx scripts/demo.ts "$@"
