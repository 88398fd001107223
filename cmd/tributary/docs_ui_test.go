package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tributary-lineage/tributary/api"
	"github.com/tributary-lineage/tributary/internal/chromiumtest"
)

// openAPIOperation is what the examples test reads of an operation.
type openAPIOperation struct {
	Parameters  []openAPIParameter `json:"parameters"`
	RequestBody struct {
		Content map[string]struct {
			Example json.RawMessage `json:"example"`
		} `json:"content"`
	} `json:"requestBody"`
}

type openAPIParameter struct {
	Ref      string `json:"$ref"`
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
	Example  any    `json:"example"`
}

// runOpenAPIExamples sends every operation of the OpenAPI document with its examples (what
// Swagger UI's "Try it out" fills in) to the demo server: each answers 2xx with a non-empty
// result. The job of GET /api/v1/jobs/{id} is the one the refresh example enqueued; an export
// job needs S3, which the test server lacks, so GET /api/v1/data/export/{id} answers 404.
func (d *demo) runOpenAPIExamples(t *testing.T) {
	var doc struct {
		Paths      map[string]map[string]openAPIOperation `json:"paths"`
		Components struct {
			Parameters map[string]openAPIParameter `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(api.OpenAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	type call struct{ method, path string }
	var calls []call
	for path, ops := range doc.Paths {
		for method := range ops {
			calls = append(calls, call{strings.ToUpper(method), path})
		}
	}
	// The refresh enqueues the job the job lookup reads; the OpenLineage event records the run
	// the runs lookup reads.
	slices.SortFunc(calls, func(a, b call) int {
		rank := func(c call) int {
			if c.path == "/api/v1/jobs/{id}" || c.path == "/api/v1/lineage/runs" {
				return 1
			}
			return 0
		}
		if r := rank(a) - rank(b); r != 0 {
			return r
		}
		return strings.Compare(a.path+a.method, b.path+b.method)
	})
	jobID := ""
	for _, c := range calls {
		op := doc.Paths[c.path][strings.ToLower(c.method)]
		where := c.method + " " + c.path
		path, query := c.path, url.Values{}
		for _, p := range op.Parameters {
			if p.Ref != "" {
				p = doc.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
			}
			if p.Example == nil {
				if p.Required {
					t.Errorf("%s: required parameter %s has no example", where, p.Name)
				}
				continue
			}
			v := d.rename(fmt.Sprint(p.Example))
			if c.path == "/api/v1/jobs/{id}" && p.Name == "id" {
				v = jobID
			}
			switch p.In {
			case "path":
				path = strings.ReplaceAll(path, "{"+p.Name+"}", url.PathEscape(v))
			case "query":
				query.Set(p.Name, v)
			}
		}
		var body io.Reader
		contentType := ""
		if len(op.RequestBody.Content) > 0 {
			ex := op.RequestBody.Content["application/json"].Example
			if ex == nil {
				t.Errorf("%s: the request body has no application/json example", where)
				continue
			}
			body, contentType = strings.NewReader(d.rename(string(ex))), "application/json"
		}
		target := d.base + path
		if len(query) > 0 {
			target += "?" + query.Encode()
		}
		req, err := http.NewRequest(c.method, target, body)
		if err != nil {
			t.Fatal(err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := func(status int) bool { return status/100 == 2 }
		if c.path == "/api/v1/data/export/{id}" {
			want = func(status int) bool { return status == http.StatusNotFound }
		}
		if !want(resp.StatusCode) || (resp.StatusCode/100 == 2 && emptyResult(b)) {
			t.Errorf("%s with its examples (%s): %d\n%.600s", where, target, resp.StatusCode, b)
			continue
		}
		if c.path == "/api/v1/data/refresh" {
			var acc struct {
				JobID string `json:"job_id"`
			}
			if err := json.Unmarshal(b, &acc); err != nil || acc.JobID == "" {
				t.Fatalf("refresh answered no job_id: %s", b)
			}
			jobID = acc.JobID
		}
	}
	if len(calls) < 15 {
		t.Errorf("the OpenAPI document has %d operations, want every route (>= 15)", len(calls))
	}
}

// runSwaggerUI loads /docs in headless Chromium as a reader would: Swagger UI renders the
// document, "Authorize" offers the document's two security schemes, and "Try it out" on the
// view endpoint, with the example the document fills in (MARTS.CUSTOMER_LTV) and an API key
// entered under Authorize, shows the demo view's answer and a curl command carrying the key.
// No request leaves the server and the page's Content-Security-Policy blocks nothing.
func (d *demo) runSwaggerUI(t *testing.T) {
	ctx := chromiumtest.New(t, 2*time.Minute)
	var offsite []string
	var mu sync.Mutex
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && !strings.HasPrefix(e.Request.URL, d.base) &&
			!strings.HasPrefix(e.Request.URL, "data:") {
			mu.Lock()
			offsite = append(offsite, e.Request.URL)
			mu.Unlock()
		}
	})
	const key = "trb_0123456789abcdef_docs-test-key"
	op := `#operations-lineage-view`
	var status, answer, curl string
	var schemes []string
	var violations []string
	err := chromedp.Run(ctx,
		network.Enable(),
		chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := page.AddScriptToEvaluateOnNewDocument(`window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`).Do(ctx)
			return err
		}),
		chromedp.Navigate(d.base+"/docs"),
		chromedp.WaitVisible(op, chromedp.ByQuery),
		// Authorize: both schemes of the document, the API key typed into its field.
		chromedp.Click(`.auth-wrapper .authorize`, chromedp.ByQuery),
		chromedp.WaitVisible(`.modal-ux .auth-container`, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll(".modal-ux .auth-container h4")].map(h => h.textContent)`, &schemes),
		chromedp.SendKeys(`//div[contains(@class, "auth-container")][.//h4[contains(., "apiKey")]]//input`, key, chromedp.BySearch),
		chromedp.Click(`//div[contains(@class, "auth-container")][.//h4[contains(., "apiKey")]]//button[contains(@class, "authorize")]`, chromedp.BySearch),
		chromedp.Click(`.modal-ux .btn-done`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`.modal-ux`, chromedp.ByQuery),
		// Try it out: the operation opens with its example filled in; Execute runs it.
		chromedp.Click(op+` .opblock-summary-control`, chromedp.ByQuery),
		chromedp.WaitVisible(op+` .execute`, chromedp.ByQuery),
		chromedp.Click(op+` .execute`, chromedp.ByQuery),
		chromedp.WaitVisible(op+` .live-responses-table tbody .response-col_status`, chromedp.ByQuery),
		chromedp.Text(op+` .live-responses-table tbody .response-col_status`, &status, chromedp.ByQuery),
		chromedp.Text(op+` .live-responses-table .response-col_description pre`, &answer, chromedp.ByQuery),
		chromedp.Text(op+` .curl-command`, &curl, chromedp.ByQuery),
		chromedp.Evaluate(`window.__csp`, &violations),
	)
	if err != nil {
		var html string
		_ = chromedp.Run(ctx, chromedp.OuterHTML("body", &html, chromedp.ByQuery))
		t.Fatalf("Swagger UI at /docs: %v\npage: %.3000s", err, html)
	}
	if !slices.ContainsFunc(schemes, func(s string) bool { return strings.Contains(s, "bearerAuth") }) ||
		!slices.ContainsFunc(schemes, func(s string) bool { return strings.Contains(s, "apiKey") }) {
		t.Errorf("Authorize offers %q, want the document's bearerAuth and apiKey schemes", schemes)
	}
	want := `"id": "` + d.analytics + `.MARTS.CUSTOMER_LTV"`
	if strings.TrimSpace(status) != "200" || !strings.Contains(answer, want) || !strings.Contains(answer, `"LIFETIME_VALUE"`) {
		t.Errorf("Try it out on GET /api/v1/lineage/views/{view_name}: status %q, the page shows\n%.1000s\nwant the demo view (%s)", status, answer, want)
	}
	if !strings.Contains(curl, "X-API-Key: "+key) || !strings.Contains(curl, "/api/v1/lineage/views/MARTS.CUSTOMER_LTV") {
		t.Errorf("the request Swagger UI sent lacks the API key entered under Authorize or the example:\n%s", curl)
	}
	if len(violations) > 0 {
		t.Errorf("Content-Security-Policy violations on /docs: %q", violations)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(offsite) > 0 {
		t.Errorf("/docs loaded from elsewhere than the server: %q", offsite)
	}
}
