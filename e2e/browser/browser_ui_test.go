//go:build browser

package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/tributary-lineage/tributary/cypher/browser"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/internal/chromiumtest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// TestBrowserDrawsStyledUpstream drives Neo4j Browser in headless Chromium: it connects to the
// local Neo4j, applies the Tributary style sheet with :style, draws the upstream of a demo
// column, and checks the drawing in the page: one SVG node per column, table and view, each
// filled with its label's colour, and DERIVES_FROM arrows captioned with their subtypes and origins.
// It saves a screenshot to a temporary folder, and to docs/img/browser-lineage.png when
// TRIBUTARY_UPDATE_SCREENSHOT=1.
func TestBrowserDrawsStyledUpstream(t *testing.T) {
	store := newStore(t)
	demo := NewDemo(graphtest.Database(t, store, "BT_"))
	want := demo.Upstream(demo.Target, 5)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := demo.Load(ctx, store); err != nil {
		t.Fatal(err)
	}

	bctx := chromiumtest.New(t, 3*time.Minute)

	url := graphtest.Env("TRIBUTARY_BROWSER_URL", "http://127.0.0.1:7474/browser/")
	step := func(name string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(bctx, actions...); err != nil {
			shot(t, bctx, name)
			t.Fatalf("%s: %v", name, err)
		}
	}
	step("open "+url, chromedp.Navigate(url), chromedp.WaitVisible(`[data-testid="boltaddress"]`, chromedp.ByQuery))
	// Browser re-renders the connect form while its own first connection attempts (without
	// credentials) settle, which can drop keystrokes or a click: each try fills the form,
	// reads the fields back before clicking, and counts as connected only when Browser says
	// so ("You are connected as user ..."); a failed try logs what the page shows.
	user, password := graphtest.Env("TRIBUTARY_NEO4J_USER", "neo4j"), graphtest.Env("TRIBUTARY_NEO4J_PASSWORD", "tributary-local")
	connected := false
	for try := 1; try <= 5 && !connected; try++ {
		tctx, cancelTry := context.WithTimeout(bctx, 20*time.Second)
		var typed []string
		err := chromedp.Run(tctx,
			chromedp.WaitVisible(`[data-testid="connect"]`, chromedp.ByQuery),
			chromedp.Clear(`[data-testid="username"]`, chromedp.ByQuery),
			chromedp.SendKeys(`[data-testid="username"]`, user, chromedp.ByQuery),
			chromedp.Clear(`[data-testid="password"]`, chromedp.ByQuery),
			chromedp.SendKeys(`[data-testid="password"]`, password, chromedp.ByQuery),
			chromedp.Sleep(300*time.Millisecond),
			chromedp.Evaluate(`['username', 'password'].map(id => (document.querySelector('[data-testid="' + id + '"]') || {}).value || '')`, &typed),
		)
		if err == nil && (len(typed) != 2 || typed[0] != user || typed[1] != password) {
			err = fmt.Errorf("the form holds user %q and a password of %d characters after typing", typed[0], len(typed[1]))
		}
		if err == nil {
			err = chromedp.Run(tctx,
				chromedp.Click(`[data-testid="connect"]`, chromedp.ByQuery),
				chromedp.Poll(`document.body.innerText.includes('You are connected as user')`, nil, chromedp.WithPollingInterval(200*time.Millisecond)),
			)
		}
		cancelTry()
		if err == nil {
			connected = true
			break
		}
		var page string
		_ = chromedp.Run(bctx, chromedp.Evaluate(`document.body.innerText.slice(0, 600)`, &page))
		t.Logf("connect, try %d: %v; the page shows:\n%s", try, err, page)
		// Neo4j locks a user for a few seconds after repeated failed logins.
		time.Sleep(2 * time.Second)
	}
	if !connected {
		shot(t, bctx, "connect")
		t.Fatal("connect: Browser did not connect in 5 tries")
	}
	// run types a command into the editor (as one insertion, so the editor adds no closing
	// brackets) and runs it.
	run := func(name, command string) {
		t.Helper()
		step(name,
			chromedp.Click(`[data-testid="activeEditor"] .monaco-editor textarea`, chromedp.ByQuery),
			input.InsertText(command),
			chromedp.Click(`[data-testid="editor-Run"]`, chromedp.ByQuery),
		)
	}
	// :style takes the style sheet on one line; the frame it opens shows the style in use.
	run("style", ":style "+strings.Join(strings.Fields(browser.Style), " "))
	step("style applied", chromedp.WaitVisible(`//*[@data-testid="frameCommand"][starts-with(normalize-space(.), ":style node")]`, chromedp.BySearch))
	// The guide, fetched by Browser from a local server (Browser's allowlist holds localhost).
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	guideSrv := &http.Server{Handler: Handler(fmt.Sprintf("http://localhost:%d", l.Addr().(*net.TCPAddr).Port)), ReadHeaderTimeout: 5 * time.Second}
	go guideSrv.Serve(l)
	t.Cleanup(func() { guideSrv.Close() })
	guideURL := fmt.Sprintf("http://localhost:%d/guide.html", l.Addr().(*net.TCPAddr).Port)
	run("play", ":play "+guideURL)
	step("guide shown", chromedp.WaitVisible(`[data-testid="carousel"]`, chromedp.ByQuery))
	// One pagination dot per <slide>: Browser split the guide into its slides.
	var slides int
	step("read guide", chromedp.Evaluate(`document.querySelectorAll('[data-testid="carousel"] li[aria-label]').length`, &slides))
	if want := strings.Count(browser.Guide, "<slide "); slides != want {
		t.Errorf("guide shows %d slides, want %d", slides, want)
	}
	// :param evaluates its value on the server; wait until the frame shows the evaluated
	// parameter (the command's own text also holds the id, so that alone proves nothing).
	run("param", ":param id => '"+demo.Target.String()+"'")
	step("param set", chromedp.Poll(fmt.Sprintf(`/"id":\s*"%s"/.test(document.body.innerText)`, regexp.QuoteMeta(demo.Target.String())), nil,
		chromedp.WithPollingTimeout(30*time.Second)))
	run("clear", ":clear")
	// Cleared once the frames run so far are gone (a late ":play start" frame may remain).
	step("cleared", chromedp.Poll(`!Array.from(document.querySelectorAll('[data-testid="frameCommand"]')).some(e => /:(param|play http|style)/.test(e.textContent))`, nil,
		chromedp.WithPollingTimeout(30*time.Second)))
	run("query", browser.UpstreamWithOwners)

	// The drawing is complete when every node is in the SVG; poll the page until the count
	// stops growing at the expected size, or time out.
	var got rendered
	deadline := time.Now().Add(60 * time.Second)
	for {
		var js string
		step("read frame", chromedp.Evaluate(readFrame, &js))
		got = rendered{}
		if err := json.Unmarshal([]byte(js), &got); err != nil {
			t.Fatalf("decode frame: %v", err)
		}
		if len(got.Nodes) >= want.Nodes() || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if got.Frames == 0 {
		var frames string
		_ = chromedp.Run(bctx, chromedp.Evaluate(`Array.from(document.querySelectorAll('[data-testid="frame"]')).map(f => f.innerText.slice(0, 400)).join('\n----\n')`, &frames))
		shot(t, bctx, "no-graph")
		t.Fatalf("no frame drew a graph within 60s; the frames say:\n%s", frames)
	}
	if got.Frames == 0 {
		var frames string
		_ = chromedp.Run(bctx, chromedp.Evaluate(`Array.from(document.querySelectorAll('[data-testid="frame"]')).map(f => f.innerText.slice(0, 400)).join('\n----\n')`, &frames))
		shot(t, bctx, "no-graph")
		t.Fatalf("no frame drew a graph within 60s; the frames show:\n%s", frames)
	}
	// Let the force layout settle before the screenshot.
	time.Sleep(2 * time.Second)
	var png []byte
	step("screenshot", chromedp.Screenshot(`[data-tributary-graph]`, &png, chromedp.ByQuery))
	saveScreenshot(t, "browser-lineage.png", png)

	if got.Frames != 1 {
		t.Errorf("frames drawing a graph after :clear and one query = %d, want 1", got.Frames)
	}
	if len(got.Nodes) != want.Nodes() {
		shot(t, bctx, "nodes")
		t.Fatalf("rendered %d nodes, want %d (%d columns, %d tables, %d views): %+v",
			len(got.Nodes), want.Nodes(), len(want.Columns), len(want.Tables), len(want.Views), got.Nodes)
	}
	fills := map[string]int{}
	for _, n := range got.Nodes {
		fills[strings.ToUpper(n.Fill)]++
	}
	wantFills := map[string]int{}
	wantFills[styleColor(t, "Column")] += len(want.Columns)
	wantFills[styleColor(t, "Table")] += len(want.Tables)
	wantFills[styleColor(t, "View")] += len(want.Views)
	if diff := cmp.Diff(wantFills, fills); diff != "" {
		t.Errorf("node fills by colour (-style sheet +rendered):\n%s", diff)
	}
	// Each DERIVES_FROM arrow is captioned "<subtype> <origin>": the demo's edges come from
	// view definitions.
	var subtypes []string
	for _, e := range want.Edges {
		subtypes = append(subtypes, string(e.Subtype)+" "+string(graph.OriginView))
	}
	var captions []string
	for _, c := range got.Rels {
		if c != "" {
			captions = append(captions, c)
		}
	}
	if missing, extra := matchCaptions(subtypes, captions); len(missing)+len(extra) > 0 {
		t.Errorf("relationship captions: subtypes not drawn %v, captions not among the subtypes %v (drawn: %v)", missing, extra, captions)
	}
	// HAS_COLUMN arrows are drawn uncaptioned: one per column.
	if n := len(got.Rels) - len(captions); n != len(want.Columns) {
		t.Errorf("uncaptioned (HAS_COLUMN) relationships = %d, want %d", n, len(want.Columns))
	}

	// Lineage across tables: the saved query draws a report column's upstream through a dbt
	// model's table and a table an INSERT from query history writes, with the statement node
	// that writes it, each arrow captioned with its subtype and origin.
	chain := writeTableChain(ctx, t, store, graphtest.Database(t, store, "BT_"))
	run("param across tables", ":param id => '"+chain.root().String()+"'")
	step("param across tables set", chromedp.Poll(fmt.Sprintf(`/"id":\s*"%s"/.test(document.body.innerText)`, regexp.QuoteMeta(chain.root().String())), nil,
		chromedp.WithPollingTimeout(30*time.Second)))
	run("clear across tables", ":clear")
	step("cleared across tables", chromedp.Poll(`document.querySelectorAll('g.layer.nodes').length === 0 && !Array.from(document.querySelectorAll('[data-testid="frameCommand"]')).some(e => /:param/.test(e.textContent))`, nil,
		chromedp.WithPollingTimeout(30*time.Second)))
	const across = "upstream of column $id across tables built by dbt models and query-history statements (depth 10), with the datasets and the statements that write them"
	run("query across tables", savedQueries(t)[across])
	// 4 columns, the 4 datasets owning them and the statement writing the query-built table.
	const wantNodes = 9
	deadline = time.Now().Add(60 * time.Second)
	for {
		var js string
		step("read across-tables frame", chromedp.Evaluate(readFrame, &js))
		got = rendered{}
		if err := json.Unmarshal([]byte(js), &got); err != nil {
			t.Fatalf("decode frame: %v", err)
		}
		if len(got.Nodes) >= wantNodes || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	step("screenshot across tables", chromedp.Screenshot(`[data-tributary-graph]`, &png, chromedp.ByQuery))
	saveScreenshot(t, "browser-across-tables.png", png)
	if got.Frames != 1 || len(got.Nodes) != wantNodes {
		shot(t, bctx, "across-tables")
		t.Fatalf("across tables: %d frames, %d nodes, want 1 frame of %d nodes: %+v", got.Frames, len(got.Nodes), wantNodes, got.Nodes)
	}
	fills = map[string]int{}
	for _, n := range got.Nodes {
		fills[strings.ToUpper(n.Fill)]++
	}
	if fills[styleColor(t, "Statement")] != 1 || fills[styleColor(t, "Column")] != 4 {
		t.Errorf("across tables: node fills %v, want one statement (%s) and 4 columns (%s)", fills, styleColor(t, "Statement"), styleColor(t, "Column"))
	}
	captions = nil
	for _, c := range got.Rels {
		if c != "" {
			captions = append(captions, c)
		}
	}
	wantCaptions := []string{"IDENTITY view", "AGGREGATION dbt", "IDENTITY query_history"}
	if missing, extra := matchCaptions(wantCaptions, captions); len(missing)+len(extra) > 0 {
		t.Errorf("across tables: captions not drawn %v, captions not wanted %v (drawn: %v)", missing, extra, captions)
	}
}

// saveScreenshot writes png to a temporary folder of t, and to docs/img/name when
// TRIBUTARY_UPDATE_SCREENSHOT=1.
func saveScreenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(t.TempDir(), name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("TRIBUTARY_UPDATE_SCREENSHOT") == "1" {
		dst := filepath.Join("..", "..", "docs", "img", name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot written to %s", dst)
	}
}
