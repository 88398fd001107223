-- options: default-database=DB default-schema=S
-- With a catalog: a column two tables have is ambiguous (Snowflake rejects
-- it); a column one table has binds to it.
SELECT id, name, extra FROM a JOIN b ON a.id = b.id
