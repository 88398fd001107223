-- options: default-database=DB default-schema=S
-- With a catalog, a table missing from it is warned about; its columns are
-- taken as written; * over it cannot be expanded.
SELECT m.x, k.id FROM missing m JOIN known k ON k.id = m.k_id;
SELECT * FROM missing;
SELECT x FROM (SELECT * FROM missing) t
