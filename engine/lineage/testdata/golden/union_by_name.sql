-- options: default-database=DB default-schema=S
-- UNION ALL BY NAME matches columns by name; a column only one branch has
-- comes from that branch alone. Positional UNION matches by position and
-- takes the first branch's names; EXCEPT/MINUS rows come from the left
-- branch only, the right one filters them; INTERSECT values are in both.
SELECT id, name FROM a UNION ALL BY NAME SELECT name, id, extra FROM b;
SELECT id, name FROM a UNION SELECT name, id FROM b;
SELECT id FROM a MINUS SELECT id FROM b;
SELECT id FROM a INTERSECT SELECT id FROM b
