SELECT t1.a, t2.b, t3.c
         FROM table1 t1, table2 t2, table3 t3