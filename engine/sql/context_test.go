package sql

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestParseScriptContextLimit: more statements than the limit are refused before any is parsed;
// at the limit the result equals ParseScript's.
func TestParseScriptContextLimit(t *testing.T) {
	src := strings.Repeat("select 1;\n", 10) + "-- a comment; not a statement\n'a;b'"
	_, err := ParseScriptContext(context.Background(), src, 10)
	var tooMany *TooManyStatementsError
	if !errors.As(err, &tooMany) || tooMany.Count != 11 || tooMany.Limit != 10 {
		t.Fatalf("err = %v, want 11 statements over the limit of 10", err)
	}
	got, err := ParseScriptContext(context.Background(), src, 11)
	if err != nil {
		t.Fatal(err)
	}
	if want := ParseScript(src); len(got) != len(want) || got[10].Text != want[10].Text {
		t.Errorf("got %d statements, ParseScript %d", len(got), len(want))
	}
}

// TestParseScriptContextStops: an ended context stops parsing between statements.
func TestParseScriptContextStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := ParseScriptContext(ctx, "select 1; select 2", 0)
	if !errors.Is(err, context.Canceled) || res != nil {
		t.Errorf("res %v err %v, want context.Canceled and nothing", res, err)
	}
}
