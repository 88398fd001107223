// Starts Swagger UI on /openapi.json. A file of its own rather than an inline script, so the
// page's Content-Security-Policy can allow scripts from this server only.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // Every operation opens ready to run, with the demo's examples filled in.
    tryItOutEnabled: true,
    displayRequestDuration: true,
    // The bearer token or API key entered under "Authorize" lasts for the tab only.
    persistAuthorization: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
