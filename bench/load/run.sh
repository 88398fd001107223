#!/usr/bin/env bash
# API load test with wrk against a running `tributary serve` and a graph written by loadgraph.
#
#   go run ./bench/load/loadgraph -db TLOAD_X -views 10000 -out /tmp/load   # write the graph
#   bench/load/run.sh http://127.0.0.1:18089 http://127.0.0.1:18090 /tmp/load 20   # measure
#   go run ./bench/load/loadgraph -db TLOAD_X -delete                         # clean up
#
# Two servers, both with auth and anonymous rate limits off (TRIBUTARY_AUTH=off
# TRIBUTARY_RATE_LIMIT_ANON=off) and TRIBUTARY_LOG_LEVEL=warn: the first with Redis (cached
# scenarios: a small warmed working set, every request a hit), the second with
# TRIBUTARY_REDIS_ADDR pointing at a closed port (uncached scenarios: every request goes to
# Neo4j). Each scenario prints wrk's RESULT line and the cache hits and misses it caused.
set -euo pipefail
cached=${1:?base URL of the server with Redis}
uncached=${2:?base URL of the server without Redis}
lists=${3:?folder with columns.txt views.txt words.txt}
secs=${4:-20}
threads=${THREADS:-2}
conns=${CONNS:-32}
here=$(cd "$(dirname "$0")" && pwd)

# CPU accounting: CACHED_PIDS (the cached server and redis-server) and UNCACHED_PIDS (the
# uncached server and Neo4j's java), space-separated, are read from /proc before and after
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

scenario() { # name base prefix list pool
  local name=$1 base=$2 prefix=$3 list=$4 pool=$5 pids
  if [ "$base" = "$cached" ]; then pids=$cached_pids; else pids=$uncached_pids; fi
  if [ "$pool" -gt 0 ]; then # warm the working set
    head -n "$pool" "$list" | while read -r item; do curl -s -o /dev/null "$base$prefix$item"; done
  fi
  read -r h0 m0 < <(cache_counts "$base")
  local out c0 c1 wcpu reqs
  # shellcheck disable=SC2086
  c0=$(cpu_ticks $pids)
  out=$( { /usr/bin/time -f 'WRKCPU %U %S' wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s "$here/targets.lua" "$base" -- "$prefix" "$list" "$pool"; } 2>&1 | grep -E '^(RESULT|WRKCPU)')
  # shellcheck disable=SC2086
  c1=$(cpu_ticks $pids)
  read -r h1 m1 < <(cache_counts "$base")
  wcpu=$(echo "$out" | awk '/^WRKCPU/ {print ($2 + $3) * 1000}')
  reqs=$(echo "$out" | sed -n 's/.*reqs=\([0-9]*\).*/\1/p')
  echo "$name $(echo "$out" | grep '^RESULT') cache_hits=$((h1 - h0)) cache_misses=$((m1 - m0))" \
    "$(awk -v s="$(( (c1 - c0) * 1000 / tck ))" -v w="$wcpu" -v r="$reqs" 'BEGIN {printf "server_cpu_ms_per_req=%.3f wrk_cpu_ms_per_req=%.3f", s / r, w / r}')"
}

scenario upstream_d10_cached   "$cached"   "/api/v1/lineage/columns?direction=upstream&depth=10&column=" "$lists/columns.txt" 50
scenario upstream_d10_uncached "$uncached" "/api/v1/lineage/columns?direction=upstream&depth=10&column=" "$lists/columns.txt" 0
scenario search_cached         "$cached"   "/api/v1/lineage/search?q="                                    "$lists/words.txt"   20
scenario search_uncached       "$uncached" "/api/v1/lineage/search?q="                                    "$lists/names.txt"   0
scenario view_cached           "$cached"   "/api/v1/lineage/views/"                                       "$lists/views.txt"   50
scenario view_uncached         "$uncached" "/api/v1/lineage/views/"                                       "$lists/views.txt"   0
# Latency without queueing: one connection at a time.
threads=1 conns=1
scenario upstream_d10_uncached_c1 "$uncached" "/api/v1/lineage/columns?direction=upstream&depth=10&column=" "$lists/columns.txt" 0
scenario upstream_d10_cached_c1   "$cached"   "/api/v1/lineage/columns?direction=upstream&depth=10&column=" "$lists/columns.txt" 50
