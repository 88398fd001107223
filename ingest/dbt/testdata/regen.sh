#!/usr/bin/env bash
# Regenerates the dbt fixtures from the jaffle project with real dbt-core.
# For each manifest schema version it creates a throwaway virtualenv, installs
# pinned dbt-core + dbt-duckdb from PyPI, builds the project into a local DuckDB
# file (raw tables, seed, models) and runs `dbt docs generate`, then copies
# target/manifest.json and target/catalog.json to manifest-vN/.
# Nothing generated is edited by hand. Needs python3.11 (or PYTHON=...).
#
#   ingest/dbt/testdata/regen.sh            # all versions
#   ingest/dbt/testdata/regen.sh v12        # one
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3.11}"
work="${REGEN_WORK:-$(mktemp -d)}"
export DO_NOT_TRACK=1 DBT_SEND_ANONYMOUS_USAGE_STATS=false DBT_VERSION_CHECK=false

# manifest schema -> pinned packages (dbt-core 1.6 writes v10, 1.7 v11, 1.8+ v12)
pins() {
  case "$1" in
    v10) echo "dbt-core==1.6.19 dbt-duckdb==1.6.2 duckdb==0.10.3" ;;
    v11) echo "dbt-core==1.7.19 dbt-duckdb==1.7.5 duckdb==0.10.3" ;;
    v12) echo "dbt-core==1.8.9 dbt-duckdb==1.8.4 duckdb==1.1.3" ;;
    *) echo "unknown manifest version $1" >&2; exit 2 ;;
  esac
}

versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(v10 v11 v12)

for v in "${versions[@]}"; do
  venv="$work/venv-$v"
  if [ ! -x "$venv/bin/dbt" ]; then
    "$python" -m venv "$venv"
    # shellcheck disable=SC2046
    "$venv/bin/pip" install --quiet --disable-pip-version-check $(pins "$v")
  fi
  proj="$work/jaffle-$v"
  rm -rf "$proj"
  cp -r "$here/jaffle" "$proj"
  (
    cd "$proj"
    # The raw tables the sources point at, in their own database (raw.duckdb,
    # attached by profiles.yml), as an EL tool would have loaded them.
    "$venv/bin/python" - <<'PY'
import duckdb
con = duckdb.connect("raw.duckdb")
con.execute("create schema if not exists shop")
con.execute("create or replace table shop.orders (id integer, customer_id integer, ordered_at timestamp, status varchar)")
con.execute("create or replace table shop.customers (id integer, first_name varchar, last_name varchar, email varchar, country_code varchar)")
con.execute("create or replace table shop.payments (id integer, order_id integer, method varchar, amount_cents integer, succeeded boolean)")
con.execute("insert into shop.orders values (1, 1, '2024-01-01 10:00:00', 'shipped'), (2, 2, '2024-01-02 11:00:00', 'placed')")
con.execute("insert into shop.customers values (1, 'Ada', 'L', 'ada@example.com', 'de'), (2, 'Bo', 'K', 'bo@example.com', 'us')")
con.execute("insert into shop.payments values (1, 1, 'card', 1250, true), (2, 1, 'voucher', 500, true), (3, 2, 'card', 900, false)")
con.close()
PY
    dbt="$venv/bin/dbt"
    "$dbt" --version
    "$dbt" seed --profiles-dir . --project-dir .
    "$dbt" run --profiles-dir . --project-dir .
    # docs generate compiles every model again (the incremental model now
    # exists, so its is_incremental() block is in the compiled code) and reads
    # the catalog from DuckDB.
    "$dbt" docs generate --profiles-dir . --project-dir .
  )
  mkdir -p "$here/manifest-$v"
  cp "$proj/target/manifest.json" "$proj/target/catalog.json" "$here/manifest-$v/"
  "$venv/bin/python" -c 'import json,sys; m=json.load(open(sys.argv[1])); print(sys.argv[2], m["metadata"]["dbt_schema_version"], m["metadata"]["dbt_version"])' \
    "$here/manifest-$v/manifest.json" "$v"
done
