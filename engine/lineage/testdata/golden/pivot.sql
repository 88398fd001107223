-- options: default-database=DB default-schema=SALES
-- PIVOT: the columns not used by the aggregate or FOR pass through (and are
-- the implicit GROUP BY); each IN value becomes a column computed from the
-- aggregated column (AGGREGATION) and the pivot column (CONDITIONAL).
-- Without aliases Snowflake names the value columns by the literal, quotes
-- included ('2023_Q1').
SELECT * FROM quarterly_sales
  PIVOT (SUM(amount) FOR quarter IN ('2023_Q1', '2023_Q2'));
SELECT * FROM quarterly_sales
  PIVOT (SUM(amount) FOR quarter IN ('2023_Q1', '2023_Q2')) AS p (emp, q1, q2);
SELECT empid, q1 FROM quarterly_sales
  PIVOT (SUM(amount) FOR quarter IN ('2023_Q1' AS q1, '2023_Q2' AS q2))
