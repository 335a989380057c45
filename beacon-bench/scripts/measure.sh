#!/usr/bin/env bash
# The measurements behind docs/BENCHMARKS.md: every scenario, Beacon and the baseline started by
# the tool one after the other, each scenario waiting first until no other process on the machine
# is busy (other builds share these cores). Results land in bench-results/ (git-ignored).
#
#   beacon-bench/scripts/measure.sh            # everything (about 35 minutes on 2 cores)
#   beacon-bench/scripts/measure.sh fanout     # the scenarios whose name matches
set -uo pipefail
cd "$(dirname "$0")/../.."
JAR=beacon-bench/target/beacon-bench.jar
OUT=${OUT:-bench-results}
[ -f "$JAR" ] && [ -f beacon-server/target/beacon.jar ] || mvn -B -q -DskipTests package

# waits (up to 20 minutes) until no process but the known daemons uses more than 5% CPU
wait_quiet() {
  local start=$SECONDS
  while (( SECONDS - start < 1200 )); do
    local busy
    busy=$(ps -eo pcpu,args --no-headers | awk '$1 > 5.0' | grep -v -e beam.smp -e process_api | grep -c .)
    (( busy == 0 )) && { echo "quiet (load $(cut -d' ' -f1-3 /proc/loadavg))"; return 0; }
    sleep 5
  done
  echo "machine still busy after 20 minutes; measuring anyway (the JSON records other processes' CPU)"
}

run() {
  local name=$1; shift
  [[ -n "$FILTER" && "$name" != *"$FILTER"* ]] && return 0
  wait_quiet
  echo "== $name: java -jar $JAR $*"
  java -jar "$JAR" "$@" --out="$OUT" 2>&1 | tee "$OUT/$name.txt"
}

FILTER=${1:-}
mkdir -p "$OUT"
run fanout-1k   fanout --connections=1000  --payloads=64,1024 --publishers=http,client --warmup=5s --duration=5s --repeat=3
run fanout-10k  fanout --connections=10000 --payloads=64 --publishers=http,client --warmup=5s --duration=5s --repeat=3
run idle-19k    idle --connections=19000 --processes=2 --duration=20s
run rooms       rooms --rooms=100 --members=10 --rate=1000 --warmup=5s --duration=10s --repeat=3
run churn-500   churn --rooms=2 --members=500 --rate=500 --warmup=5s --duration=10s
run churn-1000  churn --rooms=2 --members=500 --rate=1000 --warmup=5s --duration=10s
run churn-2000  churn --rooms=2 --members=500 --rate=2000 --warmup=5s --duration=10s --repeat=3
run connect-10k connect --connections=10000 --targets=beacon,baseline --repeat=3
run live-10k    live --rooms=1000 --members=10 --rate=1000 --warmup=30s --duration=30s
run heartbeat   heartbeat --connections=64 --users=10000 --rate=20000 --warmup=20s --duration=10s --repeat=3
run messages    messages --rooms=100 --members=10 --rate=1000 --warmup=20s --duration=10s
run stream      stream --rooms=100 --members=10 --rate=5000 --warmup=20s --duration=10s
run cluster     cluster --connections=300 --duration=4s --warmup=2s --rooms=10 --members=10
# Beacon, the Netty baseline and uWebSockets.js in the same run (issue 17); needs `npm ci` in
# beacon-bench/uws first, and is left out when that was not done
if [ -d beacon-bench/uws/node_modules ]; then
  run uws-fanout-1k  fanout --connections=1000  --payloads=64 --publishers=client,http --warmup=5s --duration=5s --targets=beacon,baseline,uws
  run uws-fanout-10k fanout --connections=10000 --payloads=64 --publishers=client,http --warmup=5s --duration=5s --targets=beacon,baseline,uws
  run uws-idle-10k   idle --connections=10000 --duration=5s --targets=beacon,baseline,uws
else
  echo "uws-*: skipped (run 'npm ci' in beacon-bench/uws to measure uWebSockets.js too)"
fi
