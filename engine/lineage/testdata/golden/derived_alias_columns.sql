-- options: default-database=DB default-schema=S
-- Alias column lists rename a derived table's, a CTE's and a table's
-- columns positionally; references use the new names.
WITH totals (cust, total) AS (
  SELECT customer_id, SUM(amount) FROM orders GROUP BY customer_id
)
SELECT d.c, d.t, o2.x
FROM (SELECT cust, total FROM totals) AS d (c, t)
JOIN orders AS o2 (x, y, z) ON o2.x = d.c
