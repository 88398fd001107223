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

cut -d. -f3 "$lists/views.txt" | tr 'A-Z' 'a-z' > "$lists/names.txt"

cache_counts() {
  curl -s "$1/metrics" | awk '/^tributary_cache_hits_total/ {h+=$2} /^tributary_cache_misses_total/ {m+=$2} END {printf "%d %d\n", h, m}'
}

scenario() { # name base prefix list pool
  local name=$1 base=$2 prefix=$3 list=$4 pool=$5
  if [ "$pool" -gt 0 ]; then # warm the working set
    head -n "$pool" "$list" | while read -r item; do curl -s -o /dev/null "$base$prefix$item"; done
  fi
  read -r h0 m0 < <(cache_counts "$base")
  local out
  out=$(wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s "$here/targets.lua" "$base" -- "$prefix" "$list" "$pool" | grep '^RESULT')
  read -r h1 m1 < <(cache_counts "$base")
  echo "$name $out cache_hits=$((h1 - h0)) cache_misses=$((m1 - m0))"
}

scenario upstream_d10_cached   "$cached"   "/api/v1/lineage/columns?direction=upstream&depth=10&column=" "$lists/columns.txt" 50
scenario upstream_d10_uncached "$uncached" "/api/v1/lineage/columns?direction=upstream&depth=10&column=" "$lists/columns.txt" 0
scenario search_cached         "$cached"   "/api/v1/lineage/search?q="                                    "$lists/words.txt"   20
scenario search_uncached       "$uncached" "/api/v1/lineage/search?q="                                    "$lists/names.txt"   0
scenario view_cached           "$cached"   "/api/v1/lineage/views/"                                       "$lists/views.txt"   50
scenario view_uncached         "$uncached" "/api/v1/lineage/views/"                                       "$lists/views.txt"   0
