#!/usr/bin/env bash
# Regenerates the demo's dbt manifest (examples/tables/dbt/target/manifest.json)
# with real dbt-core: a throwaway virtualenv gets pinned dbt-core + dbt-duckdb
# from PyPI, a local DuckDB file stands in for the warehouse (RAW.SHOP.ORDERS
# with the demo catalog's columns), `dbt run` builds the models and `dbt docs
# generate` writes manifest.json and catalog.json. Nothing generated is edited
# by hand. Needs python3.11 (or PYTHON=...).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3.11}"
work="${REGEN_WORK:-$(mktemp -d)}"
export DO_NOT_TRACK=1 DBT_SEND_ANONYMOUS_USAGE_STATS=false DBT_VERSION_CHECK=false

venv="$work/venv"
if [ ! -x "$venv/bin/dbt" ]; then
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check dbt-core==1.8.9 dbt-duckdb==1.8.4 duckdb==1.1.3
fi
proj="$work/outfitters"
rm -rf "$proj"
mkdir -p "$proj"
cp -r "$here/dbt_project.yml" "$here/profiles.yml" "$here/models" "$here/macros" "$proj/"
(
  cd "$proj"
  "$venv/bin/python" - <<'PY'
import duckdb
con = duckdb.connect("raw.duckdb")
con.execute("create schema if not exists shop")
con.execute("""create or replace table shop.orders (id bigint, customer_id bigint, status varchar,
  amount decimal(18,2), currency varchar(3), discount_amount decimal(18,2), shipping_amount decimal(18,2),
  tax_amount decimal(18,2), channel varchar, coupon_code varchar, shipping_address json,
  created_at timestamp, updated_at timestamp, _loaded_at timestamptz)""")
con.execute("""insert into shop.orders values
  (1, 1, 'SHIPPED', 120.00, 'eur', 10.00, 4.90, 22.80, 'web', null, null, '2026-11-30 10:00:00', '2026-11-30 10:00:00', now()),
  (2, 2, 'cancelled', 80.00, 'usd', null, 0, 0, 'app', null, null, '2026-11-30 11:00:00', '2026-11-30 11:00:00', now())""")
con.close()
PY
  "$venv/bin/dbt" --version
  "$venv/bin/dbt" run --profiles-dir . --project-dir .
  "$venv/bin/dbt" docs generate --profiles-dir . --project-dir .
)
mkdir -p "$here/target"
cp "$proj/target/manifest.json" "$proj/target/catalog.json" "$here/target/"
"$venv/bin/python" -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["metadata"]["dbt_schema_version"], m["metadata"]["dbt_version"])' "$here/target/manifest.json"
