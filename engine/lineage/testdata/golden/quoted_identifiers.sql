-- options: default-database=DB default-schema=S
-- Quoted identifiers keep their case and characters; unquoted ones are
-- upper-cased. Output names that need quotes are printed quoted.
SELECT "Order Id", "a.b" AS "Dotted.Name", mixedcase AS lower_alias, "MIXEDCASE" AS same_column
FROM "Sales Data"
