"""Sends OpenLineage events to Tributary with the official client (openlineage-python).

    OPENLINEAGE_URL=http://127.0.0.1:8080 OPENLINEAGE_API_KEY=trb_... \
        python emit.py --database DB --external-namespace postgres://host:5432 --job-namespace NS

The client is configured the way Airflow's provider configures it: from OPENLINEAGE_URL and
OPENLINEAGE_API_KEY (sent as "Authorization: Bearer <key>"). Three jobs run, each a START and a
COMPLETE event:

1. DB.MART.TOTALS from DB.RAW.ORDERS, typed by a columnLineage facet (with schema facets);
2. DB.MART.PAID, described only by the SQL it ran (an SQLJobFacet, dialect snowflake);
3. DB.MART.CUSTOMERS from a Postgres table (a dataset outside Snowflake), columnLineage facet.

It prints one JSON object on stdout: the run id of each job. Any refused event raises.
"""

import argparse
import json
from datetime import datetime, timezone

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import column_lineage_dataset as cl
from openlineage.client.facet_v2 import schema_dataset, sql_job
from openlineage.client.uuid import generate_new_uuid

PRODUCER = "https://github.com/tributary-lineage/tributary/e2e/openlineage"


def now():
    return datetime.now(timezone.utc).isoformat()


def schema(*cols):
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in cols]
    )


def field(ns, name, col, typ, subtype, description=None, masking=False):
    return cl.InputField(
        namespace=ns,
        name=name,
        field=col,
        transformations=[cl.Transformation(type=typ, subtype=subtype, description=description, masking=masking)],
    )


def run_job(client, namespace, name, inputs, outputs, job_facets=None):
    run = Run(runId=str(generate_new_uuid()))
    job = Job(namespace=namespace, name=name, facets=job_facets or {})
    client.emit(RunEvent(eventType=RunState.START, eventTime=now(), run=run, job=job, producer=PRODUCER, inputs=inputs, outputs=outputs))
    client.emit(RunEvent(eventType=RunState.COMPLETE, eventTime=now(), run=run, job=job, producer=PRODUCER, inputs=inputs, outputs=outputs))
    return run.runId


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--database", required=True)
    p.add_argument("--external-namespace", required=True)
    p.add_argument("--job-namespace", required=True)
    p.add_argument("--snowflake-namespace", default="snowflake://acme-analytics")
    a = p.parse_args()
    sf, db, pg = a.snowflake_namespace, a.database, a.external_namespace
    client = OpenLineageClient()  # OPENLINEAGE_URL, OPENLINEAGE_API_KEY
    runs = {}

    orders = f"{db.lower()}.raw.orders"  # unquoted: Snowflake upper-cases it
    totals = f"{db}.MART.TOTALS"
    runs["totals"] = run_job(
        client, a.job_namespace, "shop.load_totals",
        [InputDataset(namespace=sf, name=orders, facets={"schema": schema(("id", "NUMBER"), ("customer_id", "NUMBER"), ("amount", "NUMBER(12,2)"), ("status", "TEXT"))})],
        [OutputDataset(namespace=sf, name=totals, facets={
            "schema": schema(("CUSTOMER_ID", "NUMBER"), ("TOTAL", "NUMBER(38,2)")),
            "columnLineage": cl.ColumnLineageDatasetFacet(
                fields={
                    "CUSTOMER_ID": cl.Fields(inputFields=[field(sf, orders, "customer_id", "DIRECT", "IDENTITY")]),
                    "TOTAL": cl.Fields(inputFields=[field(sf, orders, "amount", "DIRECT", "AGGREGATION", "SUM(amount)")]),
                },
                dataset=[field(sf, orders, "status", "INDIRECT", "FILTER"), field(sf, orders, "customer_id", "INDIRECT", "GROUP_BY")],
            ),
        })],
    )

    sql = (
        f"insert into {db}.mart.paid (order_id, amount_usd) "
        f"select id, amount * 1.1 from {db}.raw.orders where status = 'paid'"
    )
    runs["paid"] = run_job(
        client, a.job_namespace, "shop.load_paid",
        [InputDataset(namespace=sf, name=f"{db}.RAW.ORDERS")],
        [OutputDataset(namespace=sf, name=f"{db}.MART.PAID")],
        {"sql": sql_job.SQLJobFacet(query=sql, dialect="snowflake")},
    )

    customers = "shop.public.customers"
    runs["customers"] = run_job(
        client, a.job_namespace, "shop.copy_customers",
        [InputDataset(namespace=pg, name=customers, facets={"schema": schema(("id", "integer"), ("email", "text"))})],
        [OutputDataset(namespace=sf, name=f"{db}.MART.CUSTOMERS", facets={
            "columnLineage": cl.ColumnLineageDatasetFacet(fields={
                "ID": cl.Fields(inputFields=[field(pg, customers, "id", "DIRECT", "IDENTITY")]),
                "EMAIL_HASH": cl.Fields(inputFields=[field(pg, customers, "email", "DIRECT", "TRANSFORMATION", "SHA2(email)", masking=True)]),
            }),
        })],
    )
    print(json.dumps(runs))


if __name__ == "__main__":
    main()
