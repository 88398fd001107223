-- options: default-database=DB default-schema=S
-- The chain of expressions from each source column to the output: through a
-- CTE, nested derived tables and the branches of a set operation.
CREATE VIEW customer_ltv AS
WITH c AS (
  SELECT COALESCE(customer_id, legacy_id) AS customer_id, amount * rate AS amount
  FROM orders
)
SELECT customer_id, ROUND(total, 2) AS ltv
FROM (
  SELECT customer_id, SUM(amount) AS total
  FROM (SELECT customer_id, amount - discount AS amount FROM c CROSS JOIN fees) AS net
  GROUP BY customer_id
) AS t;

CREATE VIEW all_amounts AS
SELECT UPPER(code) AS code, amount FROM orders
UNION ALL
SELECT LOWER(r.code), r.amount * -1 FROM refunds r;
