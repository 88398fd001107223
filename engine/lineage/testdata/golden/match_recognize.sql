-- options: default-database=DB default-schema=MKT
-- MATCH_RECOGNIZE, ONE ROW PER MATCH: the output is the PARTITION BY
-- columns and the MEASURES. Every measure is computed over the partition in
-- ORDER BY order (WINDOW inputs); DEFINE conditions select the rows (FILTER).
SELECT * FROM stock_price_history
  MATCH_RECOGNIZE (
    PARTITION BY company
    ORDER BY price_date
    MEASURES
      MATCH_NUMBER() AS match_number,
      FIRST(price_date) AS start_date,
      LAST(price_date) AS end_date,
      COUNT(*) AS rows_in_sequence,
      COUNT(row_with_price_decrease.*) AS num_decreases
    ONE ROW PER MATCH
    AFTER MATCH SKIP TO LAST row_with_price_increase
    PATTERN (row_before_decrease row_with_price_decrease+ row_with_price_increase+)
    DEFINE
      row_with_price_decrease AS price < LAG(price),
      row_with_price_increase AS price > LAG(price)
  )
ORDER BY company, match_number
