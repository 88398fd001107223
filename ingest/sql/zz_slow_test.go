package sql

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestZZSlow(t *testing.T) {
	dir := os.Getenv("FUZZDIR")
	if dir == "" {
		t.Skip()
	}
	files, _ := filepath.Glob(dir + "/*")
	type r struct {
		d time.Duration
		f string
		n int
	}
	var worst r
	for _, f := range files {
		b, _ := os.ReadFile(f)
		lines := strings.Split(string(b), "\n")
		if len(lines) < 2 {
			continue
		}
		v := strings.TrimSuffix(strings.TrimPrefix(lines[1], "string("), ")")
		s, err := strconv.Unquote(v)
		if err != nil {
			continue
		}
		st := time.Now()
		ParseScript(s)
		ParseExpr(s)
		if d := time.Since(st); d > worst.d {
			worst = r{d, f, len(s)}
		}
	}
	fmt.Println(worst)
}
