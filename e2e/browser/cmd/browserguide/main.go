// Command browserguide serves Tributary's Neo4j Browser style sheet and guide on
// http://localhost:8097 (Browser fetches remote content only from localhost here) and prints how
// to use them. `make browser` runs it after starting the servers and loading the demo warehouse;
// it serves until Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tributary-lineage/tributary/e2e/browser"
)

func main() {
	addr := flag.String("addr", "localhost:8097", "address to serve on (host must be localhost for Browser's allowlist)")
	browserURL := flag.String("browser", "http://127.0.0.1:7474/browser/", "Neo4j Browser address to print")
	flag.Parse()
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *browserURL); err != nil {
		logger.Error("browserguide failed", "error", err.Error())
		os.Exit(1)
	}
}

func run(ctx context.Context, addr, browserURL string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	base := "http://" + addr
	srv := &http.Server{Handler: browser.Handler(base), ReadHeaderTimeout: 5 * time.Second}
	fmt.Printf(`
Neo4j Browser:  %s
  connect:      bolt://127.0.0.1:7687, user %s (password: TRIBUTARY_NEO4J_PASSWORD, local default tributary-local)
  style:        :style %s/tributary.grass
  guide:        :play %s/guide.html
  favorites:    drag %s/queries.cypher (or cypher/browser/queries.cypher) onto the Favorites drawer
Serving the style and guide until Ctrl-C.
`, browserURL, envOr("TRIBUTARY_NEO4J_USER", "neo4j"), base, base, base)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve %s: %w", addr, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
