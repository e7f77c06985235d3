#!/usr/bin/env bash
# Installs what the gateway, its demo and its tests need on a fresh Debian 12 machine:
# npm packages (from package-lock.json), Debian's InfluxDB 1.x (for the local database),
# Debian's PostgreSQL 15 and RabbitMQ 3.10 (cluster mode's state and broker tiers, and their
# tests), and for the console's
# browser tests Debian's chromium and a Thai font (fonts-thai-tlwg).
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_npm=0
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ]; then need_npm=1
elif [ package-lock.json -nt node_modules/.package-lock.json ]; then need_npm=1
fi
if [ "$need_npm" = 1 ]; then
  echo "ensure-deps: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi

if ! command -v influxd >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "ensure-deps: installing Debian's influxdb package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq influxdb >/dev/null
    # the package starts a system service on some setups; the project runs its own instance
    (systemctl disable --now influxdb 2>/dev/null || service influxdb stop 2>/dev/null || true) >/dev/null 2>&1
  else
    echo "ensure-deps: InfluxDB (influxd) is not installed and this user is not root." >&2
    echo "  Install it once as root:  sudo apt-get install -y influxdb" >&2
    echo "  or point the gateway at an existing InfluxDB with AEDGW_INFLUX_URL." >&2
    exit 1
  fi
fi

# cluster mode's state tier: its tests start their own PostgreSQL 15 (scripts/lib/postgres.ts)
if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "ensure-deps: installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
    # the package creates and starts a cluster of its own; the project runs throwaway instances
    (systemctl disable --now postgresql 2>/dev/null || service postgresql stop 2>/dev/null || true) >/dev/null 2>&1
  else
    echo "ensure-deps: PostgreSQL 15 is not installed and this user is not root; the state-tier tests will be skipped." >&2
    echo "  Install it once as root:  sudo apt-get install -y postgresql" >&2
  fi
fi

# cluster mode's broker tier: its tests start a three-node RabbitMQ 3.10 of their own
# (scripts/cluster/rabbitmq.ts), with the MQTT and HTTP-auth plugins that ship in the package
if ! command -v rabbitmq-server >/dev/null 2>&1 && [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "ensure-deps: installing Debian's rabbitmq-server package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq rabbitmq-server >/dev/null
    # the package starts a node of its own on 5672; the project runs its own nodes
    (systemctl disable --now rabbitmq-server 2>/dev/null || service rabbitmq-server stop 2>/dev/null || true) >/dev/null 2>&1
  else
    echo "ensure-deps: RabbitMQ is not installed and this user is not root; the cluster tests will fail." >&2
    echo "  Install it once as root:  sudo apt-get install -y rabbitmq-server" >&2
  fi
fi

# the console's end-to-end tests drive Debian's chromium (playwright's own download cannot be used)
# and check that Thai renders, which needs a Thai font
missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
if ! fc-list 2>/dev/null | grep -qi tlwg; then missing+=(fonts-thai-tlwg); fi
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "ensure-deps: installing Debian's ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "ensure-deps: ${missing[*]} not installed and this user is not root; the console browser tests will fail." >&2
    echo "  Install once as root:  sudo apt-get install -y ${missing[*]}" >&2
  fi
fi
