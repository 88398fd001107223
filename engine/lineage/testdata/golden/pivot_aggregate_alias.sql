-- options: default-database=DB default-schema=SALES
-- PIVOT with an alias on the aggregate: Snowflake appends an underscore and
-- the alias (normalised: unquoted is upper-cased) to every pivot column
-- name, whether that name is the literal ('2023_Q1', quotes included) or the
-- value's own alias (Q1).
SELECT * FROM quarterly_sales
  PIVOT (SUM(amount) AS total FOR quarter IN ('2023_Q1', '2023_Q2'));
SELECT empid, "Q1_Avg", "Q2_Avg" FROM quarterly_sales
  PIVOT (AVG(amount) "Avg" FOR quarter IN ('2023_Q1' AS q1, '2023_Q2' AS "Q2"));
SELECT empid, q1_total FROM quarterly_sales
  PIVOT (SUM(amount) total FOR quarter IN ('2023_Q1' AS q1, '2023_Q2' AS q2))
