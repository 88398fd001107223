package sql

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestZZOne(t *testing.T) {
	f := os.Getenv("ONE")
	if f == "" {
		t.Skip()
	}
	b, _ := os.ReadFile(f)
	lines := strings.Split(string(b), "\n")
	s, _ := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "string("), ")"))
	for i := 0; i < 5; i++ {
		st := time.Now()
		ParseScript(s)
		a := time.Since(st)
		st = time.Now()
		ParseExpr(s)
		fmt.Println(a, time.Since(st))
	}
}
