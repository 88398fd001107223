package doctest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMarkdownBlocksAndCurls(t *testing.T) {
	src := strings.Join([]string{
		"# Title",
		"",
		"```sh",
		"curl -s 'localhost:8080/api/v1/lineage/search?q=lifetime'   # a comment",
		"curl -s -XPOST '127.0.0.1:8080/api/v1/lineage/analyze' -H 'content-type: application/json' \\",
		`     -d '{"sql":"select 1"}'`,
		"```",
		"",
		"<!-- expect: 404 -->",
		"```sh",
		`$ curl -H "X-API-Key: $KEY" "https://tributary.example.com/api/v1/lineage/views/X"`,
		"```",
		"<!-- expect: external -->",
		"```",
		`TOKEN=$(curl -s -X POST "$DOMAIN/oauth2/token" -d grant_type=client_credentials | jq -r .access_token)`,
		"```",
	}, "\n")
	blocks, err := MarkdownBlocks("x.md", src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range blocks {
		curls, err := Curls(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range curls {
			got = append(got, strings.Join([]string{b.String(), b.Expect, c.Method, c.URL.Host, c.URL.RequestURI(),
				c.Header.Get("Content-Type") + "|" + c.Header.Get("X-API-Key"), c.Body}, " "))
		}
	}
	want := []string{
		"x.md:3  GET localhost:8080 /api/v1/lineage/search?q=lifetime | ",
		`x.md:3  POST 127.0.0.1:8080 /api/v1/lineage/analyze application/json| {"sql":"select 1"}`,
		"x.md:10 404 GET tributary.example.com /api/v1/lineage/views/X |$KEY ",
		"x.md:14 external POST $DOMAIN /oauth2/token application/x-www-form-urlencoded| grant_type=client_credentials",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("curls (-want +got):\n%s", d)
	}
}

func TestMarkdownBlocksErrors(t *testing.T) {
	for _, src := range []string{
		"```sh\ncurl x\n",                     // not closed
		"<!-- expect: often -->\n```\nx\n```", // bad annotation
	} {
		if _, err := MarkdownBlocks("x.md", src); err == nil {
			t.Errorf("%q: no error", src)
		}
	}
	for _, cmd := range []string{
		"curl --upload-file x localhost:8080/", // a flag the harness does not know
		"curl -d @body.json localhost:8080/",   // a file the example does not have
		"curl -s",                              // no URL
		"curl 'localhost:8080/",                // unclosed quote
	} {
		if _, err := ParseCurl(cmd); err == nil {
			t.Errorf("%q: no error", cmd)
		}
	}
}

func TestSavedQueriesAndGuide(t *testing.T) {
	stmts, params, err := SavedQueries("// header\n//   :param id => 'A.B.C.D'\n\n// Tributary: one\nMATCH (n)\nRETURN n;\n\n// Tributary: two\nRETURN 1;\n")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]Statement{{"one", "MATCH (n)\nRETURN n"}, {"two", "RETURN 1"}}, stmts); d != "" {
		t.Errorf("statements (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]Param{{"id", "'A.B.C.D'"}}, params); d != "" {
		t.Errorf("params (-want +got):\n%s", d)
	}
	if _, _, err := SavedQueries("RETURN 1;\n"); err == nil {
		t.Error("a statement without a name: no error")
	}
	blocks := GuideBlocks(`<pre class="runnable">:param x => 'a'</pre> <pre>no</pre> <pre class="runnable">MATCH (a)-[:R]-&gt;(b) RETURN a</pre>`)
	if d := cmp.Diff([]string{":param x => 'a'", "MATCH (a)-[:R]->(b) RETURN a"}, blocks); d != "" {
		t.Errorf("guide blocks (-want +got):\n%s", d)
	}
}
