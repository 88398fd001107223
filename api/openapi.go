package api

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/tributary-lineage/tributary/api/docsui"
)

// OpenAPIDocument is the OpenAPI 3.1 description of every route (a test checks that it lists
// exactly the routes the server registers).
//
//go:embed openapi/openapi.json
var OpenAPIDocument []byte

func (s *Server) openAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, OpenAPIDocument)
}

// docs serves Swagger UI (api/docsui) on OpenAPIDocument. Its policy replaces the security
// headers' frame-ancestors-only one: the page runs scripts, all from this server.
func (s *Server) docs(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderContentSecurityPolicy, docsui.ContentSecurityPolicy)
	return c.HTMLBlob(http.StatusOK, docsui.Index)
}

// docsAsset serves the page's scripts, style sheet and icon.
func (s *Server) docsAsset(c echo.Context) error {
	body, contentType, ok := docsui.Asset(c.Param("asset"))
	if !ok {
		return notFound("no docs asset %q", c.Param("asset"))
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentSecurityPolicy, docsui.ContentSecurityPolicy)
	h.Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, contentType, body)
}
