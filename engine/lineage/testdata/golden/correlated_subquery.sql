-- options: default-database=DB default-schema=S
-- A correlated scalar subquery contributes its selected column; its
-- correlation predicate is a FILTER input, not a source of the column. An
-- EXISTS column is decided by its subquery's conditions (CONDITIONAL).
SELECT c.id,
       (SELECT MAX(o.amount) FROM orders o WHERE o.customer_id = c.id) AS max_amount,
       EXISTS (SELECT 1 FROM returns r WHERE r.customer_id = c.id) AS has_returns
FROM customers c
WHERE c.id IN (SELECT customer_id FROM vip)
