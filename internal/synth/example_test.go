package synth_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tributary-lineage/tributary/internal/synth"
)

// The wiring of `tributary gen --views N --columns M --depth D --seed S OUT_DIR`.
func Example() {
	opts := synth.Options{Views: 20, Columns: 10, Depth: 4, Seed: 42}
	if err := opts.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	w := synth.Generate(opts)
	out, err := os.MkdirTemp("", "synth-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(out)
	if err := synth.WriteDir(out, w.AllFiles()); err != nil {
		fmt.Println(err)
		return
	}
	s := w.Stats()
	fmt.Println(s.Views, "views,", s.Tables, "tables, layers", s.ViewsByLayer[1:])
	_, err = os.Stat(filepath.Join(out, synth.CatalogFile))
	fmt.Println("catalog written:", err == nil)
	// Output:
	// 20 views, 5 tables, layers [5 5 5 5]
	// catalog written: true
}
