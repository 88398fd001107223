-- options: default-database=DB default-schema=DW
-- INSERT with a column list maps positionally to it; without one, to the
-- target's catalog columns; INSERT OVERWRITE is the same; a target missing
-- from the catalog takes the query's names (with a warning).
INSERT INTO fact_sales (sale_id, amount_usd) SELECT id, amount * rate FROM stg.sales;
INSERT INTO fact_sales SELECT id, amount FROM stg.sales;
INSERT OVERWRITE INTO fact_sales (sale_id) SELECT id FROM stg.sales;
INSERT INTO new_table SELECT id AS sale_id FROM stg.sales
