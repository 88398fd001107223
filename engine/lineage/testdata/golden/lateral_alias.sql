-- options: default-database=DB default-schema=S
-- Snowflake lets a select item use an earlier item's alias when no source
-- column has that name; with the catalog that is a fact. Over a table that is
-- not in the catalog it is an assumption, and a warning says so.
SELECT price * qty AS gross, gross - discount AS net, net AS net_again FROM lines;
SELECT price * qty AS gross, gross - discount AS net FROM other_lines
;
-- SUM(qty) AS qty proves the table has a QTY column (an item cannot read its
-- own alias), so the later qty is that column, not the alias: no guess.
SELECT SUM(qty) AS qty, MAX(qty * 2) AS dbl FROM more_lines HAVING SUM(qty) > 10
