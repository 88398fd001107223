-- options: default-database=DB default-schema=S
-- Column-level INDIRECT edges: CONDITIONAL for conditions of IFF, COALESCE,
-- DECODE, NVL2, NULLIF, CASE; WINDOW for PARTITION BY / ORDER BY.
SELECT
  IFF(status = 'X', amount, 0) AS a1,
  COALESCE(discount, 0) AS a2,
  DECODE(region, 'EU', eu_rate, 'US', us_rate, default_rate) AS a3,
  NVL2(discount, amount, 0) AS a4,
  NULLIF(amount, discount) AS a5,
  SUM(amount) OVER (PARTITION BY region ORDER BY order_ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running,
  LAG(amount) OVER (PARTITION BY region ORDER BY order_ts) AS prev_amount,
  CASE WHEN SUM(amount) OVER (PARTITION BY region) > 100 THEN 'big' ELSE 'small' END AS bucket
FROM orders
