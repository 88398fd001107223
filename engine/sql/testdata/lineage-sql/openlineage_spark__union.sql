SELECT a, b, 'table1' as source
FROM t1
UNION ALL
SELECT a, c, 'table2' as source
FROM t2