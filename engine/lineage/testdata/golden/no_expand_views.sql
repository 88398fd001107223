-- options: default-database=DB default-schema=S
-- Same input without expand-views: references stop at the earlier views.
CREATE VIEW v1 AS SELECT id, amount * 2 AS doubled, region FROM base WHERE region <> 'X';
CREATE VIEW v2 AS SELECT * EXCLUDE (region) FROM v1;
SELECT id, SUM(doubled) AS total FROM v2 GROUP BY id
