-- options: default-database=ANALYTICS default-schema=RAW
-- QUALIFY filters on a window over the rows; the window's columns are FILTER inputs.
CREATE VIEW latest_orders AS
SELECT o.customer_id, o.order_id, o.amount
FROM orders o
QUALIFY ROW_NUMBER() OVER (PARTITION BY o.customer_id ORDER BY o.order_ts DESC) = 1
