#!/usr/bin/env bash
# API load test with wrk against a running `tributary serve` and a graph written by loadgraph.
#
#   go run ./bench/load/loadgraph -db TLOAD_X -views 10000 -out /tmp/load   # write the graph
#   bench/load/run.sh http://127.0.0.1:18089 http://127.0.0.1:18090 /tmp/load 20   # measure
#   go run ./bench/load/loadgraph -db TLOAD_X -delete                         # clean up
#
# Two servers, both with auth and anonymous rate limits off (TRIBUTARY_AUTH=off
# TRIBUTARY_RATE_LIMIT_ANON=off) and TRIBUTARY_LOG_LEVEL=warn: the first with Redis, the
# second with TRIBUTARY_REDIS_ADDR pointing at a closed port (Redis down: every request goes
# to Neo4j without touching Redis). On the first server the cached scenarios ask a small
# warmed working set (every request a hit) and the uncached ones walk a shuffled list of
# every column after bumping the cache generation (every request a miss: Redis lookup,
# Neo4j traversal, Redis store). Each scenario prints wrk's RESULT line and the cache hits
# and misses it caused. REDIS_CLI (default "redis-cli") reaches the first server's Redis.
set -euo pipefail
cached=${1:?base URL of the server with Redis}
uncached=${2:?base URL of the server without Redis}
lists=${3:?folder with columns.txt views.txt words.txt}
secs=${4:-20}
threads=${THREADS:-2}
conns=${CONNS:-32}
here=$(cd "$(dirname "$0")" && pwd)

# CPU accounting: CACHED_PIDS (the first server, its redis-server and Neo4j's java) and
# UNCACHED_PIDS (the second server and Neo4j's java), space-separated, are read from /proc before and after
# each run, and wrk's own CPU time from its rusage, so each scenario also prints the CPU
# milliseconds one request costs. On a shared machine that, not the wall-clock rate, says
# what 2 dedicated cores would do: 2000 / (server + wrk CPU ms per request). Neo4j's CPU
# includes whatever else uses it meanwhile.
cached_pids=${CACHED_PIDS:-}
uncached_pids=${UNCACHED_PIDS:-}
tck=$(getconf CLK_TCK)
cpu_ticks() {
  local t=0 p
  for p in "$@"; do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$t"
}

cut -d. -f3 "$lists/views.txt" | tr 'A-Z' 'a-z' > "$lists/names.txt"

cache_counts() {
  curl -s "$1/metrics" | awk '/^tributary_cache_hits_total/ {h+=$2} /^tributary_cache_misses_total/ {m+=$2} END {printf "%d %d\n", h, m}'
}

redis_cli=${REDIS_CLI:-redis-cli}
shuf --random-source=<(yes) "$lists/columns.txt" > "$lists/columns.shuf.txt"
shuf --random-source=<(yes) "$lists/views.txt" > "$lists/views.shuf.txt"
shuf --random-source=<(yes) "$lists/names.txt" > "$lists/names.shuf.txt"

scenario() { # name base prefix list pool [seconds] (pool >0: warmed working set, 0: random, -1: walk, all misses)
  local name=$1 base=$2 prefix=$3 list=$4 pool=$5 dur=${6:-$secs} pids
  if [ "$base" = "$cached" ]; then pids=$cached_pids; else pids=$uncached_pids; fi
  if [ "$pool" -gt 0 ]; then # warm the working set
    head -n "$pool" "$list" | while read -r item; do curl -s -o /dev/null "$base$prefix$item"; done
  fi
  if [ "$pool" -lt 0 ]; then # a new cache generation: nothing cached yet
    $redis_cli INCR tributary:graph:generation > /dev/null
  fi
  read -r h0 m0 < <(cache_counts "$base")
  local out c0 c1 wcpu reqs
  # shellcheck disable=SC2086
  c0=$(cpu_ticks $pids)
  out=$( { /usr/bin/time -f 'WRKCPU %U %S' wrk -t"$threads" -c"$conns" -d"${dur}s" --latency -s "$here/targets.lua" "$base" -- "$prefix" "$list" "$pool"; } 2>&1 | grep -E '^(RESULT|WRKCPU)')
  # shellcheck disable=SC2086
  c1=$(cpu_ticks $pids)
  read -r h1 m1 < <(cache_counts "$base")
  wcpu=$(echo "$out" | awk '/^WRKCPU/ {print ($2 + $3) * 1000}')
  reqs=$(echo "$out" | sed -n 's/.*reqs=\([0-9]*\).*/\1/p')
  if [ "$pool" -lt 0 ] && [ "$reqs" -ge "$(grep -c . "$list")" ]; then
    echo "$name: the list ran out before ${dur}s (threads stop when it does): req/s understated; use a shorter run" >&2
  fi
  echo "$name $(echo "$out" | grep '^RESULT') cache_hits=$((h1 - h0)) cache_misses=$((m1 - m0))" \
    "$(awk -v s="$(( (c1 - c0) * 1000 / tck ))" -v w="$wcpu" -v r="$reqs" 'BEGIN {printf "server_cpu_ms_per_req=%.3f wrk_cpu_ms_per_req=%.3f", s / r, w / r}')"
}

scenario upstream_d10_cached      "$cached"   "/api/v1/lineage/columns?direction=upstream&depth=10&column=" "$lists/columns.txt"      50
scenario upstream_d10_uncached    "$cached"   "/api/v1/lineage/columns?direction=upstream&depth=10&column=" "$lists/columns.shuf.txt" -1
scenario upstream_d10_redis_down  "$uncached" "/api/v1/lineage/columns?direction=upstream&depth=10&column=" "$lists/columns.txt"      0
scenario search_cached            "$cached"   "/api/v1/lineage/search?q="                                    "$lists/words.txt"        20
scenario search_uncached          "$cached"   "/api/v1/lineage/search?q="                                    "$lists/names.shuf.txt"   -1 3
scenario view_cached              "$cached"   "/api/v1/lineage/views/"                                       "$lists/views.txt"        50
scenario view_uncached            "$cached"   "/api/v1/lineage/views/"                                       "$lists/views.shuf.txt"   -1 3
# Latency with little queueing: four connections, then one at a time.
threads=2 conns=4
scenario upstream_d10_uncached_c4   "$cached"   "/api/v1/lineage/columns?direction=upstream&depth=10&column=" "$lists/columns.shuf.txt" -1
threads=1 conns=1
scenario upstream_d10_uncached_c1   "$cached"   "/api/v1/lineage/columns?direction=upstream&depth=10&column=" "$lists/columns.shuf.txt" -1
scenario upstream_d10_redis_down_c1 "$uncached" "/api/v1/lineage/columns?direction=upstream&depth=10&column=" "$lists/columns.txt"      0
scenario upstream_d10_cached_c1     "$cached"   "/api/v1/lineage/columns?direction=upstream&depth=10&column=" "$lists/columns.txt"      50
