package api

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// OpenAPIDocument is the OpenAPI 3.1 description of every route (a test checks that it lists
// exactly the routes the server registers).
//
//go:embed openapi/openapi.json
var OpenAPIDocument []byte

// docsPage renders OpenAPIDocument in the browser with no external assets.
//
//go:embed openapi/docs.html
var docsPage []byte

func (s *Server) openAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, OpenAPIDocument)
}

func (s *Server) docs(c echo.Context) error {
	c.Response().Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
	return c.HTMLBlob(http.StatusOK, docsPage)
}
