#!/usr/bin/env python3
"""The sqlglot side of bench/compare.sh.

Reads the input set written by bench/cmd/compareinputs, computes the column
lineage of every output column of every view with sqlglot's public lineage API
(dialect "snowflake"), times it, and writes a results file in the format of
bench/compare (package compare, type Results).

Three ways of calling sqlglot are measured, each over every view:

  per-column   sqlglot.lineage.lineage(column, query, schema, dialect=...) once
               per output column, the way a service computes the lineage of
               each column of a view; every call qualifies the query and builds
               its scopes again. The output column names come from one
               qualify() of the query (included in the time).
  scope-once   qualify() and build_scope() once per view, then lineage(column,
               qualified, schema, scope=scope, copy=False) per column.
  all-columns  lineage(None, query, schema, dialect=...): sqlglot's own
               all-columns mode (one qualify, a node cache shared by the
               columns).

The time of a view covers parsing its CREATE VIEW, the lineage calls and
collecting the leaf source columns; building the MappingSchema from the catalog
is done once per set, outside the timings. A view counts as failed for a variant
when sqlglot raises on it; the report excludes views that failed in any variant
from every tool's timing.

Only sqlglot's public API is called; no lineage logic lives here beyond walking
the returned Node graph to its leaves.
"""

import argparse
import gc
import json
import platform
import sys
import time

import sqlglot
from sqlglot import exp
from sqlglot.lineage import lineage
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import build_scope
from sqlglot.schema import MappingSchema

DIALECT = "snowflake"


def compiled() -> bool:
    """Whether sqlglot's mypyc-compiled modules (the sqlglotc package) are loaded."""
    import sqlglot.parser as parser_module

    return (getattr(parser_module, "__file__", "") or "").endswith(".so")


def build_schema(s: dict) -> MappingSchema:
    """The set's catalog as a sqlglot MappingSchema (catalog -> db -> table -> column -> type)."""
    nested: dict = {}
    types = s.get("types") or {}
    for key, cols in s["catalog"].items():
        parts = split_name(key)
        if len(parts) != 3:
            raise SystemExit(f"catalog key {key!r}: want DB.SCHEMA.TABLE")
        tys = types.get(key) or []
        table = nested.setdefault(parts[0], {}).setdefault(parts[1], {}).setdefault(parts[2], {})
        for i, col in enumerate(cols):
            table[col] = tys[i] if i < len(tys) and tys[i] else "VARCHAR"
    return MappingSchema(nested, dialect=DIALECT)


def split_name(name: str) -> list:
    """Split a dotted SQL name, keeping "quoted" parts (with their quotes) whole."""
    parts, cur, quoted = [], [], False
    for ch in name:
        if ch == '"':
            quoted = not quoted
        if ch == "." and not quoted:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def norm(s: str) -> str:
    return s.replace('"', "").upper()


def view_query(sql: str):
    """The query of a CREATE VIEW (or a bare query), and the view's column list if it has one."""
    stmts = [s for s in sqlglot.parse(sql, dialect=DIALECT) if s is not None]
    if len(stmts) != 1:
        raise ValueError(f"want one statement, got {len(stmts)}")
    stmt = stmts[0]
    names = None
    if isinstance(stmt, exp.Create):
        if isinstance(stmt.this, exp.Schema):
            names = [c.name for c in stmt.this.expressions]
        stmt = stmt.expression
    if not isinstance(stmt, exp.Query):
        raise ValueError(f"not a query: {type(stmt).__name__}")
    return stmt, names


def select_column(sel: exp.Expr) -> exp.Column:
    """A column expression naming an output column of a qualified select, quoting kept."""
    ident = sel.args.get("alias") if isinstance(sel, exp.Alias) else sel.args.get("this")
    if not isinstance(ident, exp.Identifier):
        ident = exp.to_identifier(sel.alias_or_name)
    return exp.column(ident.copy())


def leaf_sources(node, seen: set) -> tuple:
    """The upper-cased DB.SCHEMA.TABLE.COLUMN leaves under node, and how many leaves sqlglot left unresolved."""
    found, unresolved = set(), 0
    stack = [node]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if n.downstream:
            stack.extend(n.downstream)
            continue
        src = n.source
        if n is node:
            continue  # a column with no upstream at all (a constant)
        if n.name.endswith("*") or isinstance(src, exp.Placeholder):
            unresolved += 1  # an unexpanded star, or a column sqlglot could not place
        elif isinstance(src, exp.Table) and src.name:
            col = exp.to_column(n.name).name if '"' in n.name else n.name.rsplit(".", 1)[-1]
            parts = [p for p in (src.catalog, src.db, src.name) if p]
            found.add(norm(".".join(parts + [col])))
        # else: a branch or subquery column with no column under it (a constant)
    return found, unresolved


def run_per_column(query, schema, qualify_kw):
    q = qualify(query.copy(), dialect=DIALECT, schema=schema, **qualify_kw)
    out = []
    for sel in q.selects:
        node = lineage(select_column(sel), query, schema, dialect=DIALECT, **qualify_kw)
        out.append((sel.alias_or_name, node))
    return out


def run_scope_once(query, schema, qualify_kw):
    q = qualify(query.copy(), dialect=DIALECT, schema=schema, **qualify_kw)
    scope = build_scope(q)
    out = []
    for sel in q.selects:
        node = lineage(select_column(sel), q, schema, dialect=DIALECT, scope=scope, copy=False)
        out.append((sel.alias_or_name, node))
    return out


def run_all_columns(query, schema, qualify_kw):
    return list(lineage(None, query, schema, dialect=DIALECT, **qualify_kw).items())


VARIANTS = [
    ("per-column", "lineage(column, sql, schema) for each output column", run_per_column),
    ("scope-once", "qualify + build_scope once per view, lineage(column, scope=...) per column", run_scope_once),
    ("all-columns", "lineage(None, sql, schema): every column in one call (shared node cache)", run_all_columns),
]


def analyse(view: dict, schema, qualify_kw, fn) -> dict:
    """One timed analysis of a view; returns the view result (columns recorded)."""
    c0 = time.process_time()
    t0 = time.perf_counter()
    query, names = view_query(view["sql"])
    cols = fn(query, schema, qualify_kw)
    columns, pairs, unresolved = [], 0, 0
    for i, (name, node) in enumerate(cols):
        found, unres = leaf_sources(node, set())
        pairs += len(found)
        unresolved += unres
        out_name = names[i] if names and len(names) == len(cols) else name
        columns.append({"name": norm(out_name), "sources": sorted(found)})
    dt = time.perf_counter() - t0
    dc = time.process_time() - c0
    return {"seconds": dt, "cpu_seconds": dc, "columns": columns, "n_columns": len(columns), "pairs": pairs, "unresolved": unresolved}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--in", dest="inp", required=True, help="inputs JSON from bench/cmd/compareinputs")
    ap.add_argument("--out", required=True, help="results JSON to write")
    ap.add_argument("--reps", type=int, default=1, help="timed runs over each set per variant")
    ap.add_argument("--variants", default=",".join(v[0] for v in VARIANTS), help="comma-separated variants")
    ap.add_argument("--record", default="per-column", help="variant whose columns and sources are recorded")
    args = ap.parse_args()

    with open(args.inp) as f:
        inputs = json.load(f)
    wanted = args.variants.split(",")
    results = {
        "tool": "sqlglot",
        "version": sqlglot.__version__,
        "runtime": f"{platform.python_implementation()} {platform.python_version()}",
        "compiled": compiled(),
        "variants": [],
    }
    schemas = {s["name"]: build_schema(s) for s in inputs["sets"]}
    for vname, label, fn in VARIANTS:
        if vname not in wanted:
            continue
        variant = {"name": vname, "label": label, "reps": args.reps, "sets": []}
        for s in inputs["sets"]:
            schema = schemas[s["name"]]
            qualify_kw = {}
            if s.get("default_database"):
                qualify_kw["catalog"] = s["default_database"]
            if s.get("default_schema"):
                qualify_kw["db"] = s["default_schema"]
            # Warm-up: dialect tables, caches.
            for v in s["views"][:3]:
                try:
                    analyse(v, schema, qualify_kw, fn)
                except Exception:
                    pass
            views = []
            t_set = time.perf_counter()
            for v in s["views"]:
                r = {"name": v["name"], "ok": True, "seconds": 0.0, "cpu_seconds": 0.0}
                for rep in range(args.reps):
                    try:
                        a = analyse(v, schema, qualify_kw, fn)
                    except Exception as e:  # sqlglot raises many error types; all count as a failure
                        r = {"name": v["name"], "ok": False, "error": f"{type(e).__name__}: {e}"[:300], "seconds": 0.0, "cpu_seconds": 0.0}
                        break
                    r["seconds"] += a["seconds"] / args.reps
                    r["cpu_seconds"] += a["cpu_seconds"] / args.reps
                    if rep == 0:
                        r.update(n_columns=a["n_columns"], pairs=a["pairs"], unresolved=a["unresolved"])
                        if vname == args.record:
                            r["columns"] = a["columns"]
                views.append(r)
            gc.collect()
            failed = sum(1 for r in views if not r["ok"])
            print(
                f"sqlglot {sqlglot.__version__}{' (compiled)' if results['compiled'] else ''} {vname:12s} "
                f"{s['name']:9s} {len(views) - failed}/{len(views)} views in {time.perf_counter() - t_set:.1f}s",
                file=sys.stderr,
            )
            variant["sets"].append({"name": s["name"], "views": views})
        results["variants"].append(variant)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
