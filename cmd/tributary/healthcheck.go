package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// runHealthcheck is for container HEALTHCHECKs in images without curl: it
// GETs /health/live on TRIBUTARY_HTTP_ADDR and exits 0 on 200, 1 otherwise.
// It reads only TRIBUTARY_HTTP_ADDR so that it cannot fail on unrelated settings.
func runHealthcheck(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "healthcheck", "GET http://<TRIBUTARY_HTTP_ADDR>/health/live; exit 0 on 200, 1 otherwise.")
	url := fs.String("url", "", "probe this URL instead (default from TRIBUTARY_HTTP_ADDR)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	target := *url
	if target == "" {
		addr := e.getenv(envHTTPAddr)
		if addr == "" {
			addr = defaultOf(envHTTPAddr)
		}
		u, err := liveURL(addr)
		if err != nil {
			fmt.Fprintf(e.stderr, "tributary healthcheck: %s: %v\n", envHTTPAddr, err)
			return exitUsage
		}
		target = u
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := probe(ctx, target); err != nil {
		fmt.Fprintf(e.stderr, "tributary healthcheck: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(e.stdout, "ok %s\n", target)
	return exitOK
}

// liveURL turns a listen address into the URL to probe; a wildcard host
// (":8080", "0.0.0.0:8080", "[::]:8080") is probed on loopback.
func liveURL(addr string) (string, error) {
	if err := validateHostPort(addr); err != nil {
		return "", err
	}
	host, port, _ := net.SplitHostPort(addr)
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/health/live", nil
}

func probe(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("build request for %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("get %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("get %s: status %d", url, resp.StatusCode)
	}
	return nil
}

func defaultOf(name string) string {
	for _, d := range envDefaults {
		if d.name == name {
			return d.def
		}
	}
	return ""
}
