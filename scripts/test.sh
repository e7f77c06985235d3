#!/usr/bin/env bash
# `npm test`: installs what is missing, then runs the whole suite (unit and integration, with
# real InfluxDB, broker, HTTP and SMTP servers). Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
exec npx vitest run "$@"
