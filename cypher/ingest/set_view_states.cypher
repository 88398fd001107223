// Records where each view in $views came from and what its analysis depended on.
UNWIND $views AS row
MATCH (v:View {id: row.id})
SET v.source = row.source,
    v.sourceVersion = row.version,
    v.columnDeps = row.deps
RETURN count(v) AS written
