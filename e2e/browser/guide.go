package browser

import (
	"net/http"
	"strings"

	"github.com/tributary-lineage/tributary/cypher/browser"
)

// GuideBase is the address the guide's runnable :style command names; Handler rewrites it to
// the address it is actually served on.
const GuideBase = "http://localhost:8097"

// Handler serves the style sheet (/tributary.grass), the guide (/guide.html) and the saved
// queries (/queries.cypher) to Neo4j Browser. Browser fetches them from its own origin
// (http://127.0.0.1:7474), so every answer allows any origin: they are public, read-only files.
// Browser only fetches from hosts on browser.remote_content_hostname_whitelist, which the local
// Neo4j sets to localhost, so base must be an http://localhost:PORT address.
func Handler(base string) http.Handler {
	guide := strings.ReplaceAll(browser.Guide, GuideBase, strings.TrimSuffix(base, "/"))
	files := map[string]struct{ body, contentType string }{
		"/tributary.grass": {browser.Style, "text/plain; charset=utf-8"},
		"/guide.html":      {guide, "text/html; charset=utf-8"},
		"/queries.cypher":  {browser.Queries, "text/plain; charset=utf-8"},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Headers", "*")
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD, OPTIONS")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", f.contentType)
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write([]byte(f.body)) // a failed write means the client went away
	})
}
