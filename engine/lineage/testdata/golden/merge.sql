-- options: default-database=DB default-schema=DW
-- MERGE: UPDATE SET and INSERT columns get their lineage from the USING
-- source; ON is a JOIN input, WHEN ... AND conditions are FILTER inputs.
MERGE INTO dim_customer t
USING (SELECT id, name, email, updated_at FROM stg.customer) s
ON t.id = s.id
WHEN MATCHED AND s.updated_at > t.updated_at THEN
  UPDATE SET t.name = s.name, t.email = LOWER(s.email), t.updated_at = s.updated_at
WHEN MATCHED AND s.email IS NULL THEN DELETE
WHEN NOT MATCHED THEN
  INSERT (id, name, email, updated_at) VALUES (s.id, s.name, LOWER(s.email), s.updated_at)
