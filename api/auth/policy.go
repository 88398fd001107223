package auth

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// Access is what a route requires: nothing (Public) or at least Role.
type Access struct {
	Public bool
	Role   Role
	// Escalate, when set, may raise the role one request needs, from what
	// the request says before its body is read (query parameters): analyze
	// with persist=true needs editor where persist=false needs viewer.
	Escalate func(*http.Request) Role
	// Identify, on a Public route, verifies credentials when the request has any (a bad one
	// is refused as anywhere else) and serves a request without them as Anonymous, counted
	// against the anonymous rate limit. Handlers tell the two apart with Require.
	Identify bool
}

// Public is the access of routes anyone may call.
var Public = Access{Public: true}

// Need returns Access{Role: r}.
func Need(r Role) Access { return Access{Role: r} }

// Policy maps routes to the access they require. Keys are "METHOD /path"
// exactly as the route was registered in echo ("GET /api/v1/jobs/:id");
// prefixes end in "/" or are a whole path and cover that path and
// everything below it. A route in neither gets the fallback by method:
// GET and HEAD need viewer, DELETE needs admin, other methods need editor;
// OPTIONS is public (CORS preflight and Allow only). So a route added
// without a policy entry is never open.
type Policy struct {
	Routes   map[string]Access
	Prefixes map[string]Access // key "/health": "/health" and "/health/..."
}

// Access returns what the request on the echo route path (c.Path()) needs.
func (p Policy) Access(method, route string) Access {
	if a, ok := p.Routes[method+" "+route]; ok {
		return a
	}
	if method == http.MethodHead {
		if a, ok := p.Routes[http.MethodGet+" "+route]; ok {
			return a
		}
	}
	best, bestLen := Access{}, -1
	for prefix, a := range p.Prefixes {
		if (route == prefix || strings.HasPrefix(route, strings.TrimSuffix(prefix, "/")+"/")) && len(prefix) > bestLen {
			best, bestLen = a, len(prefix)
		}
	}
	if bestLen >= 0 {
		return best
	}
	switch method {
	case http.MethodGet, http.MethodHead:
		return Need(RoleViewer)
	case http.MethodOptions:
		return Public
	case http.MethodDelete:
		return Need(RoleAdmin)
	}
	return Need(RoleEditor)
}

// PolicyConfig chooses the access of the operational endpoints.
type PolicyConfig struct {
	Health  Access // /health and /health/*: Public by default
	Metrics Access // /metrics
	// Docs covers /openapi.json, /docs and its assets; they describe routes, not data.
	Docs Access
}

// DefaultPolicy is Tributary's route policy (issue 6): viewers read and
// search; editors also analyze with persist=true, import, refresh and
// export; admins also manage API keys and delete.
func DefaultPolicy(pc PolicyConfig) Policy {
	viewer, editor, admin := Need(RoleViewer), Need(RoleEditor), Need(RoleAdmin)
	analyze := Access{Role: RoleViewer, Escalate: func(r *http.Request) Role {
		if persistRequested(r) {
			return RoleEditor
		}
		return RoleViewer
	}}
	// /health/detailed shows dependency errors, versions and uptime to callers with a role
	// only; when health is public, anonymous callers get each dependency's status.
	detailed := pc.Health
	if detailed.Public {
		detailed.Identify = true
	}
	return Policy{
		Routes: map[string]Access{
			"GET /health/detailed": detailed,
			"GET /metrics":         pc.Metrics,
			"GET /openapi.json":    pc.Docs,
			"GET /docs":            pc.Docs,
			"GET /docs/:asset":     pc.Docs,

			"GET /api/v1/lineage/columns":             viewer,
			"GET /api/v1/lineage/views":               viewer,
			"GET /api/v1/lineage/views/:view_name":    viewer,
			"GET /api/v1/lineage/tables":              viewer,
			"GET /api/v1/lineage/datasets/:name":      viewer,
			"GET /api/v1/lineage/views/:name":         viewer,
			"GET /api/v1/lineage/search":              viewer,
			"GET /api/v1/lineage/impact":              viewer,
			"POST /api/v1/lineage/analyze":            analyze,
			"POST /api/v1/lineage":                    editor, // OpenLineage events write lineage
			"GET /api/v1/lineage/runs":                viewer,
			"GET /api/v1/jobs/:id":                    viewer,
			"POST /api/v1/data/refresh":               editor,
			"POST /api/v1/data/import":                editor,
			"POST /api/v1/data/export":                editor,
			"GET /api/v1/data/export/:id":             editor,
			"GET /api/v1/export":                      editor,
			"POST /api/v1/export":                     editor,
			"GET /api/v1/apikeys":                     admin,
			"POST /api/v1/apikeys":                    admin,
			"DELETE /api/v1/apikeys/:id":              admin,
			"DELETE /api/v1/lineage/views/:name":      admin,
			"DELETE /api/v1/lineage/views/:view_name": admin,
		},
		Prefixes: map[string]Access{
			"/health":         pc.Health,
			"/api/v1/export":  editor, // exports reveal whole graphs
			"/api/v1/exports": editor,
			"/api/v1/data":    editor,
			"/api/v1/apikeys": admin,
		},
	}
}

// persistRequested reports whether the query asks to write (persist=true/1).
func persistRequested(r *http.Request) bool {
	switch strings.ToLower(r.URL.Query().Get("persist")) {
	case "", "false", "0", "no":
		return false
	}
	// Anything else, malformed values included, is treated as a write.
	return true
}

// RouteAccess is one registered route and what it requires.
type RouteAccess struct {
	Method, Path string
	Access       Access
	Explicit     bool // named in Routes or Prefixes rather than by the fallback
}

// Describe lists echo's registered routes with their access under p, sorted
// by path and method. Tests use it to check that every non-public route
// refuses anonymous requests.
func (p Policy) Describe(routes []*echo.Route) []RouteAccess {
	out := make([]RouteAccess, 0, len(routes))
	for _, r := range routes {
		if r.Method == echo.RouteNotFound {
			continue
		}
		_, explicit := p.Routes[r.Method+" "+r.Path]
		if !explicit {
			for prefix := range p.Prefixes {
				if r.Path == prefix || strings.HasPrefix(r.Path, strings.TrimSuffix(prefix, "/")+"/") {
					explicit = true
				}
			}
		}
		out = append(out, RouteAccess{Method: r.Method, Path: r.Path, Access: p.Access(r.Method, r.Path), Explicit: explicit})
	}
	slices.SortFunc(out, func(a, b RouteAccess) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	return out
}
