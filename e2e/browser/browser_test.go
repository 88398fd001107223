package browser

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tributary-lineage/tributary/cypher/browser"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

func newStore(t *testing.T) *graph.Store {
	t.Helper()
	return graphtest.Store(t, graph.NewStore)
}

// shot saves a full-page screenshot for debugging when a step fails.
func shot(t *testing.T, ctx context.Context, name string) {
	var buf []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&buf, 100)); err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(os.TempDir(), "tributary-browser-"+name+".png")
	if err := os.WriteFile(p, buf, 0o644); err == nil {
		t.Logf("screenshot: %s", p)
	}
}

// styleColor reads the fill colour the style sheet gives a node label.
func styleColor(t *testing.T, label string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)node\.` + label + ` \{[^}]*?\bcolor: (#[0-9A-Fa-f]{6});`).FindStringSubmatch(browser.Style)
	if m == nil {
		t.Fatalf("style sheet has no colour for node.%s", label)
	}
	return strings.ToUpper(m[1])
}

// rendered is what the test reads from the result frame's SVG.
type rendered struct {
	Frames int
	Nodes  []struct{ Fill, Caption string }
	Rels   []string // relationship captions
}

// Browser may add its own ":play start" welcome frame after connecting, at any moment (it
// arrived after :clear in one CI run), so the frames counted and read are those drawing a
// graph; the one read is marked data-tributary-graph for the screenshot.
const readFrame = `(() => {
	const frames = Array.from(document.querySelectorAll('[data-testid="frame"]'))
		.filter(f => f.querySelector('g.layer.nodes'));
	if (frames.length === 0) return JSON.stringify({Frames: 0});
	const f = frames[0];
	f.setAttribute('data-tributary-graph', '1');
	const svg = f.querySelector('g.layer.nodes').ownerSVGElement;
	return JSON.stringify({
		Frames: frames.length,
		Nodes: Array.from(svg.querySelectorAll('g.layer.nodes g.node')).map(n => ({
			Fill: (n.querySelector('circle.b-outline') || {getAttribute: () => ''}).getAttribute('fill') || '',
			Caption: Array.from(n.querySelectorAll('text.caption')).map(t => t.textContent.trim()).join(' '),
		})),
		Rels: Array.from(svg.querySelectorAll('g.layer.relationships g.relationship text')).map(t => t.textContent.trim()),
	});
})()`

// matchCaptions pairs drawn captions with expected ones. Browser shortens a caption that does
// not fit its arrow to a prefix and "…", so a shortened caption matches an expected one it
// starts; exact matches are paired first.
func matchCaptions(want, got []string) (missing, extra []string) {
	left := slices.Clone(want)
	var short []string
	for _, g := range got {
		if i := slices.Index(left, g); i >= 0 {
			left = slices.Delete(left, i, i+1)
			continue
		}
		short = append(short, g)
	}
	for _, g := range short {
		prefix, ok := strings.CutSuffix(g, "…")
		i := slices.IndexFunc(left, func(w string) bool { return ok && strings.HasPrefix(w, prefix) })
		if i < 0 {
			extra = append(extra, g)
			continue
		}
		left = slices.Delete(left, i, i+1)
	}
	return left, extra
}
