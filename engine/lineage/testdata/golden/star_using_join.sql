-- options: default-database=DB default-schema=S
-- SELECT * over USING/NATURAL joins: the join columns come first, once
-- (USING: in the order listed; NATURAL: in the left table's order), then
-- the other columns of the left side, then those of the right side; nested
-- joins apply the rule to their own output. An INNER/LEFT join column is the
-- left side's, a RIGHT join's the right side's, a FULL join's both.
-- Expected: F3, F2, F1, F4, F5
SELECT * FROM t1 JOIN t2 USING (f3, f2);
-- Expected: F2, F3, F1, F4, F5 (F2 and F3 from both tables)
SELECT * FROM t1 NATURAL FULL JOIN t2;
-- Expected: ID, X, Y, Z
SELECT * FROM a JOIN b USING (id) JOIN c USING (id);
-- Expected: ID, X, W, Y (the left side is the ON join of A and D)
SELECT * FROM a JOIN d ON d.w = a.x JOIN b USING (id);
-- Expected: ID (from B), Y
SELECT * EXCLUDE (x) FROM a RIGHT JOIN b USING (id);
-- Expected: Y, ID (a qualified star lists its own table's columns in order)
SELECT b.* FROM a JOIN b USING (id)
