package synth

import "fmt"

// Stats summarises a generated warehouse.
type Stats struct {
	Tables       int   // base tables
	TableColumns int   // columns of the base tables
	Views        int   // views
	ViewColumns  int   // output columns of the views
	Refs         int   // column reads recorded over all views
	ViewsByLayer []int // index 0 is unused (tables); 1..Depth count views
	SQLBytes     int   // total size of the view files
}

// Stats counts the warehouse's tables, views, columns and bytes.
func (w Warehouse) Stats() Stats {
	s := Stats{Tables: len(w.Tables), Views: len(w.Views), ViewsByLayer: make([]int, w.Options.Depth+1)}
	for _, t := range w.Tables {
		s.TableColumns += len(t.Columns)
	}
	for _, v := range w.Views {
		s.ViewColumns += len(v.Columns)
		s.Refs += len(v.Refs)
		if v.Layer < len(s.ViewsByLayer) {
			s.ViewsByLayer[v.Layer]++
		}
	}
	for _, f := range w.Files {
		s.SQLBytes += len(f.Content)
	}
	return s
}

// String renders the stats on one line, for the CLI.
func (s Stats) String() string {
	return fmt.Sprintf("%d views in %d layers (%d columns), %d base tables (%d columns), %d column reads, %.1f MB of SQL",
		s.Views, len(s.ViewsByLayer)-1, s.ViewColumns, s.Tables, s.TableColumns, s.Refs, float64(s.SQLBytes)/1e6)
}
