SELECT CASE WHEN a > b THEN c ELSE a END as d
         FROM table1