SELECT t2.a, t2.c as d
         FROM (SELECT t2.a, t2.b as c FROM table2 t2) t2