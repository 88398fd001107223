-- options: default-database=DB default-schema=S
-- Without a catalog, an unqualified column over a join cannot be bound: a
-- warning with its position, attributed to every candidate (never silently).
SELECT id, a.name, label FROM a JOIN b ON a.k = b.k;
-- A single-table FROM binds unqualified columns to that table as a fact.
SELECT id, name FROM a
