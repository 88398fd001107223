// Package docsui is the interactive API documentation served at /docs: Swagger UI, from the
// npm package swagger-ui-dist (the version in dist/VERSION, copied by fetch.sh), rendering
// /openapi.json. Every asset is embedded, so the page needs nothing but the server.
package docsui

import (
	"embed"
	"io/fs"
	"path"
	"strings"
)

//go:embed init.js dist
var files embed.FS

// Index is the page at /docs.
//
//go:embed index.html
var Index []byte

// Version is the swagger-ui-dist release the assets come from.
//
//go:embed dist/VERSION
var version string

// Version returns the swagger-ui-dist release the embedded assets come from.
func Version() string { return strings.TrimSpace(version) }

// ContentSecurityPolicy is the policy of the page and its assets: scripts, styles and
// requests to this server only. Swagger UI sets styles from its scripts and shows a few
// images as data: URLs; nothing loads from elsewhere and the page cannot be framed.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// Asset returns the file served at /docs/name and its content type; ok is false for a name
// that is not one of the page's assets.
func Asset(name string) (body []byte, contentType string, ok bool) {
	var p string
	switch {
	case name == "init.js":
		p = name
	case name != "" && !strings.ContainsAny(name, "/\\") && name != "VERSION":
		p = path.Join("dist", name)
	default:
		return nil, "", false
	}
	b, err := fs.ReadFile(files, p)
	if err != nil {
		return nil, "", false
	}
	return b, contentTypes[path.Ext(name)], true
}

var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".png": "image/png",
	".txt": "text/plain; charset=utf-8",
	"":     "text/plain; charset=utf-8", // LICENSE, NOTICE
}
