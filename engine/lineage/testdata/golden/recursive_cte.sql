-- options: default-database=DB default-schema=HR
-- A recursive CTE with a column list: the anchor and the recursive branch
-- both feed each column; the self-reference adds nothing new.
CREATE VIEW org_chart AS
WITH RECURSIVE managers (indent, employee_id, manager_id, employee_title) AS (
  SELECT '' AS indent, employee_id, manager_id, title AS employee_title
  FROM employees
  WHERE title = 'President'
  UNION ALL
  SELECT indent || '--- ', e.employee_id, e.manager_id, e.title
  FROM employees e JOIN managers m ON e.manager_id = m.employee_id
)
SELECT indent || employee_title AS title, employee_id, manager_id
FROM managers
;
-- The recursive branch swaps the columns: A and B each end up with both
-- sources (reached in the second round of the fixpoint).
WITH RECURSIVE r (a, b) AS (
  SELECT employee_id, manager_id FROM employees
  UNION ALL
  SELECT b, a FROM r WHERE a IS NOT NULL
)
SELECT a, b FROM r
