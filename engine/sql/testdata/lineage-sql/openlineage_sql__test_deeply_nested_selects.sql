SELECT a FROM (
            SELECT a FROM (
                SELECT a FROM (
                    SELECT a FROM t
                )
            )
         )