-- options: default-database=PROD default-schema=CORE
-- Defaults complete 1- and 2-part names; db..t means the PUBLIC schema;
-- columns may be qualified by schema.table or db.schema.table.
SELECT t.id, core.t.name, prod.core.t.code, s.v, p.w
FROM t, other.s, archive..p
