-- options: default-database=DB default-schema=S
-- 12 CTEs, each joining the previous one to itself twice (three reads per
-- level): walked naively this is 3^12 paths; memoised per (scope, column)
-- each CTE is built once. Also the shared-CTE benchmark input.
CREATE VIEW shared_cte AS
WITH c0 AS (SELECT k, x, y FROM base),
c1 AS (SELECT a.k, a.x + b.x + c.x AS x, COALESCE(a.y, b.y, c.y) AS y FROM c0 a JOIN c0 b ON a.k = b.k JOIN c0 c ON c.k = b.k),
c2 AS (SELECT a.k, a.x + b.x + c.x AS x, COALESCE(a.y, b.y, c.y) AS y FROM c1 a JOIN c1 b ON a.k = b.k JOIN c1 c ON c.k = b.k),
c3 AS (SELECT a.k, a.x + b.x + c.x AS x, COALESCE(a.y, b.y, c.y) AS y FROM c2 a JOIN c2 b ON a.k = b.k JOIN c2 c ON c.k = b.k),
c4 AS (SELECT a.k, a.x + b.x + c.x AS x, COALESCE(a.y, b.y, c.y) AS y FROM c3 a JOIN c3 b ON a.k = b.k JOIN c3 c ON c.k = b.k),
c5 AS (SELECT a.k, a.x + b.x + c.x AS x, COALESCE(a.y, b.y, c.y) AS y FROM c4 a JOIN c4 b ON a.k = b.k JOIN c4 c ON c.k = b.k),
c6 AS (SELECT a.k, a.x + b.x + c.x AS x, COALESCE(a.y, b.y, c.y) AS y FROM c5 a JOIN c5 b ON a.k = b.k JOIN c5 c ON c.k = b.k),
c7 AS (SELECT a.k, a.x + b.x + c.x AS x, COALESCE(a.y, b.y, c.y) AS y FROM c6 a JOIN c6 b ON a.k = b.k JOIN c6 c ON c.k = b.k),
c8 AS (SELECT a.k, a.x + b.x + c.x AS x, COALESCE(a.y, b.y, c.y) AS y FROM c7 a JOIN c7 b ON a.k = b.k JOIN c7 c ON c.k = b.k),
c9 AS (SELECT a.k, a.x + b.x + c.x AS x, COALESCE(a.y, b.y, c.y) AS y FROM c8 a JOIN c8 b ON a.k = b.k JOIN c8 c ON c.k = b.k),
c10 AS (SELECT a.k, a.x + b.x + c.x AS x, COALESCE(a.y, b.y, c.y) AS y FROM c9 a JOIN c9 b ON a.k = b.k JOIN c9 c ON c.k = b.k),
c11 AS (SELECT a.k, a.x + b.x + c.x AS x, COALESCE(a.y, b.y, c.y) AS y FROM c10 a JOIN c10 b ON a.k = b.k JOIN c10 c ON c.k = b.k),
c12 AS (SELECT a.k, a.x + b.x + c.x AS x, COALESCE(a.y, b.y, c.y) AS y FROM c11 a JOIN c11 b ON a.k = b.k JOIN c11 c ON c.k = b.k)
SELECT k, x, y FROM c12
