SELECT t1.a + b as c
         FROM table1 t1