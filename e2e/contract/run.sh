#!/usr/bin/env bash
# Contract test of /openapi.json: Schemathesis (from PyPI, pinned, in a throwaway venv) fuzzes a
# real `tributary serve` against the document for a bounded time and fails on any 5xx, any
# status or media type the document does not list, any body that does not match its schema,
# and any request accepted although the document forbids it or refused although it allows it.
#
#   e2e/contract/run.sh [--max-time SECONDS] [--fresh]
#
# The server runs on a free loopback port against the Neo4j and Redis of the environment
# (TRIBUTARY_NEO4J_URI, TRIBUTARY_REDIS_ADDR: what `make up` starts), with the demo warehouse
# (examples/warehouse) ingested, and answers a viewer API key: the reads are exercised, and
# every write (analyze persist=true) is refused with 403 as the document says. The
# operations that only write or start jobs (refresh, import, export) are left out.
# The venv lives in var/venv-schemathesis (git-ignored); the report in var/contract/.
# Prints "contract test: PASS" or "contract test: FAIL" last and exits non-zero on failure.
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5
max_time=120
fresh=0
while (($#)); do
	case $1 in
	--max-time) max_time=$2; shift 2 ;;
	--fresh) fresh=1; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "contract: unknown argument $1" >&2; exit 2 ;;
	esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
out=var/contract
venv=var/venv-schemathesis
mkdir -p "$out"
python=${PYTHON:-python3}
fail() { echo "contract: $*" >&2; echo "contract test: FAIL"; exit 1; }
command -v "$python" >/dev/null || fail "$python not found (set PYTHON)"

spec="schemathesis==$SCHEMATHESIS_VERSION"
if ((fresh)) || [[ ! -x $venv/bin/st ]] || [[ $(cat "$venv/.spec" 2>/dev/null) != "$spec" ]]; then
	echo "== installing $spec into $venv"
	rm -rf "$venv"
	"$python" -m venv "$venv" || fail "python venv failed (Debian: apt-get install python3-venv)"
	"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$spec" || fail "pip install $spec failed"
	echo "$spec" >"$venv/.spec"
fi

echo "== building tributary"
go build -o "$out/tributary" ./cmd/tributary || fail "go build failed"
bin=$out/tributary

# Keys, rate limits and queues of this run live under their own Redis prefix.
run_id=$(date +%s)-$$
export TRIBUTARY_AUTH_REDIS_PREFIX="tributary-contract:$run_id:"
export TRIBUTARY_RATE_LIMIT=off TRIBUTARY_RATE_LIMIT_ANON=off
port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export TRIBUTARY_HTTP_ADDR=127.0.0.1:$port

echo "== demo warehouse into the graph"
"$bin" migrate >"$out/migrate.log" 2>&1 || { cat "$out/migrate.log"; fail "migrate failed"; }
# As make demo-load does: the dbt project, the query history, the views, the reporting view,
# so the answers hold tables built by statements and every edge origin of the demo.
for source in dbt:examples/tables/dbt/target/manifest.json querylog:examples/tables/query_history.jsonl \
	dir:examples/warehouse dir:examples/tables/views; do
	defaults=()
	case $source in dir:*) defaults=(--default-database ANALYTICS) ;; esac
	TRIBUTARY_QUERY_LINEAGE_RETENTION=3650d "$bin" ingest --source "$source" "${defaults[@]}" --inline --wait \
		>>"$out/ingest.log" 2>&1 || { tail -n 20 "$out/ingest.log"; fail "ingest of the demo ($source) failed"; }
done
key=$("$bin" apikey create --name contract-test --role viewer 2>>"$out/apikey.log") || { cat "$out/apikey.log"; fail "apikey create failed"; }

"$bin" serve >"$out/serve.log" 2>&1 &
serve_pid=$!
cleanup() {
	kill "$serve_pid" 2>/dev/null || true
	wait "$serve_pid" 2>/dev/null || true
	"$bin" apikey list 2>/dev/null | awk 'NR > 1 && $2 == "contract-test" { print $1 }' | while read -r id; do
		"$bin" apikey revoke "$id" >/dev/null 2>&1 || true
	done
}
trap cleanup EXIT
for _ in $(seq 1 150); do
	"$bin" healthcheck >/dev/null 2>&1 && break
	kill -0 "$serve_pid" 2>/dev/null || { tail -n 20 "$out/serve.log"; fail "serve exited"; }
	sleep 0.1
done

export TRIBUTARY_CONTRACT_API_KEY=$key
echo "== schemathesis $SCHEMATHESIS_VERSION against http://$TRIBUTARY_HTTP_ADDR (at most ${max_time}s)"
status=0
"$venv/bin/st" --config-file e2e/contract/schemathesis.toml run "http://$TRIBUTARY_HTTP_ADDR/openapi.json" \
	--max-time "$max_time" \
	--exclude-operation-id refresh --exclude-operation-id dataExport \
	--exclude-operation-id dataExportJob --exclude-operation-id dataImport \
	--report junit --report-dir "$out" \
	--no-color >"$out/schemathesis.log" 2>&1 || status=$?
# The summary and any failure with its reproducing curl command.
sed -n '/FAILURES\|SUMMARY\|Failures\|Summary/,$p' "$out/schemathesis.log" | tail -n 200
if ((status != 0)); then
	grep -E '"level":"ERROR"' "$out/serve.log" | tail -n 20 || true
	echo "contract: full log in $out/schemathesis.log" >&2
	echo "contract test: FAIL"
	exit 1
fi
echo "contract test: PASS"
