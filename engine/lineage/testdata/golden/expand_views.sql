-- options: default-database=DB default-schema=S expand-views
-- Several statements: each view is a catalog entry for the later ones (so
-- v2's * expands from v1), and with expand-views every statement's lineage
-- is followed through those views down to base columns.
CREATE VIEW v1 AS SELECT id, amount * 2 AS doubled, region FROM base WHERE region <> 'X';
CREATE VIEW v2 AS SELECT * EXCLUDE (region) FROM v1;
SELECT id, SUM(doubled) AS total FROM v2 GROUP BY id
