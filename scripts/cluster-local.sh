#!/usr/bin/env bash
# Starts a local Beacon cluster on one machine: N nodes (default 3) on ports 6001.. sharing the
# local Redis and PostgreSQL. Ctrl-C stops them (gracefully: their members leave at once).
#
#   scripts/cluster-local.sh                  # 3 nodes on 6001, 6002, 6003
#   NODES=2 BASE_PORT=7001 scripts/cluster-local.sh
#
# Environment: NODES, BASE_PORT, REDIS_URL (redis://127.0.0.1:6379/0), DB_URL
# (jdbc:postgresql://127.0.0.1:5432/test), DB_USER (postgres), DB_PASSWORD, DB_SCHEMA
# (beacon_local), KEY_PREFIX (beacon-local:), JAR (beacon-server/target/beacon.jar).
# Put a load balancer in front (docs/cluster/nginx.conf or docs/cluster/haproxy.cfg) to reach
# them on one address.
set -euo pipefail
cd "$(dirname "$0")/.."

NODES=${NODES:-3}
BASE_PORT=${BASE_PORT:-6001}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
DB_URL=${DB_URL:-jdbc:postgresql://127.0.0.1:5432/test}
DB_USER=${DB_USER:-postgres}
DB_SCHEMA=${DB_SCHEMA:-beacon_local}
KEY_PREFIX=${KEY_PREFIX:-beacon-local:}
JAR=${JAR:-beacon-server/target/beacon.jar}
LOGS=${LOGS:-./beacon-cluster}

if [ ! -f "$JAR" ]; then
  echo "building $JAR"
  mvn -B -q -DskipTests package
fi
mkdir -p "$LOGS"

pids=()
stop() {
  echo "stopping ${#pids[@]} nodes"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait
}
trap stop INT TERM

start_node() {
  local i=$1 port=$((BASE_PORT + $1))
  BEACON_PORT=$port BEACON_DATA_DIR="$LOGS/node$i-data" \
  BEACON_DB_URL="$DB_URL" BEACON_DB_USER="$DB_USER" BEACON_DB_PASSWORD="${DB_PASSWORD:-}" \
  BEACON_DB_SCHEMA="$DB_SCHEMA" \
  BEACON_CLUSTER_REDIS_URL="$REDIS_URL" BEACON_CLUSTER_NODE_ID="node$i" \
  BEACON_CLUSTER_KEY_PREFIX="$KEY_PREFIX" \
    java -jar "$JAR" >"$LOGS/node$i.log" 2>&1 &
  pids+=($!)
  echo "node$i: http://127.0.0.1:$port  (log $LOGS/node$i.log)"
}

wait_ready() {
  local port=$1
  for _ in $(seq 1 120); do
    if curl -fs "http://127.0.0.1:$port/ready" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "node on $port did not become ready; see its log" >&2
  return 1
}

# the first node migrates the schema; the others start once it is ready
start_node 0
wait_ready "$BASE_PORT"
for i in $(seq 1 $((NODES - 1))); do start_node "$i"; done
for i in $(seq 1 $((NODES - 1))); do wait_ready $((BASE_PORT + i)); done
echo "cluster of $NODES nodes ready (Redis $REDIS_URL, key prefix $KEY_PREFIX, schema $DB_SCHEMA); Ctrl-C stops it"
wait
