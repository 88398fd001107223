SELECT d as e FROM (
            SELECT c as d FROM (
                SELECT b as c FROM (
                    SELECT a as b FROM table1 t
                )
            )
         )