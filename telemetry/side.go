package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// SideServer is a small, unauthenticated HTTP listener for operational endpoints next to the
// main work on TRIBUTARY_METRICS_ADDR: the worker's /metrics and /health/* (WorkerHandler),
// serve's /metrics (MetricsHandler).
type SideServer struct {
	srv  *http.Server
	l    net.Listener
	done chan error
}

// StartSideServer listens on addr and serves h in the background until Shutdown.
func StartSideServer(addr string, h http.Handler, logger *slog.Logger) (*SideServer, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s := &SideServer{
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second,
			ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)},
		l:    l,
		done: make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(l) }()
	logger.Info("operational endpoints listening", "addr", l.Addr().String(), "auth", "none")
	return s, nil
}

// Addr is the address listened on (with the port chosen when addr had port 0).
func (s *SideServer) Addr() string { return s.l.Addr().String() }

// Shutdown stops accepting connections and waits for in-flight requests until ctx ends.
func (s *SideServer) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("shut down %s: %w", s.Addr(), err)
	}
	return nil
}
