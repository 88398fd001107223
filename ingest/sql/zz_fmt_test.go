package sql

import (
	"fmt"
	"os"
	"testing"
)

func TestZZFmt(t *testing.T) {
	src := os.Getenv("SQL")
	if src == "" {
		t.Skip()
	}
	for _, r := range ParseScript(src) {
		if r.Err != nil {
			fmt.Println("ERR", r.Err)
			continue
		}
		fmt.Println(Format(r.Stmt))
	}
}
