SELECT COUNT(*) FILTER (WHERE status = 'paid') AS paid_orders
         FROM orders