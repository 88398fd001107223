-- options: default-database=DB default-schema=S
-- Statement-level inputs: DISTINCT and GROUP BY (by position, by alias, by
-- column) are GROUP_BY; HAVING is FILTER; ORDER BY (alias or position) SORT.
SELECT DISTINCT region, product FROM sales;
SELECT region AS r, UPPER(product) AS p, SUM(amount) AS total
FROM sales
GROUP BY 1, p
HAVING SUM(amount) > 10
ORDER BY total DESC, 2
