package lineage_test

import (
	"fmt"

	"github.com/tributary-lineage/tributary/engine/lineage"
)

func ExampleAnalyzeSQL() {
	cat, err := lineage.ParseCatalogJSON([]byte(`{"RAW.ORDERS": ["id", "customer_id", "amount", "status"]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	res := lineage.AnalyzeSQL(`
		CREATE VIEW mart.customer_totals AS
		SELECT customer_id, SUM(amount) AS total
		FROM raw.orders
		WHERE status = 'PAID'
		GROUP BY customer_id`,
		lineage.Options{Catalog: cat, DefaultDatabase: "DB"})
	st := res.Statements[0]
	fmt.Println(st.Kind, *st.Target)
	for _, c := range st.Columns {
		for _, s := range c.Sources {
			fmt.Printf("%s <- %s %s/%s\n", c.Name, s.Column, s.Type, s.Subtype)
		}
	}
	for _, in := range st.Indirect {
		fmt.Printf("statement <- %s %s\n", in.Column, in.Subtype)
	}
	// Output:
	// CREATE_VIEW DB.MART.CUSTOMER_TOTALS
	// CUSTOMER_ID <- DB.RAW.ORDERS.CUSTOMER_ID DIRECT/IDENTITY
	// TOTAL <- DB.RAW.ORDERS.AMOUNT DIRECT/AGGREGATION
	// statement <- DB.RAW.ORDERS.CUSTOMER_ID GROUP_BY
	// statement <- DB.RAW.ORDERS.STATUS FILTER
}
