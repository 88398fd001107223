-- options: default-database=DB default-schema=SALES
-- UNPIVOT: the IN columns fold into the value column (each an IDENTITY
-- source); the name column holds the column names, which come from no column.
SELECT * FROM monthly_sales
  UNPIVOT (sales FOR month IN (jan, feb, mar, apr))
ORDER BY empid
