// Package redistest starts private redis-server processes for tests that must change a
// server's configuration or kill it, which they must never do to the shared servers of
// `make up`.
//
//	srv := redistest.Start(t) // a free loopback port, no persistence, stopped when t ends
//	srv.Kill(t)               // the job Redis dies...
//	srv.Restart(t)            // ...and comes back, empty, on the same port
package redistest

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server of the test's own.
type Server struct {
	Addr   string
	Client *redis.Client // connected to Addr; closed when the test ends
	bin    string
	cmd    *exec.Cmd
}

// Start runs redis-server on a free loopback port, without persistence, and stops it when tb
// ends. It fails tb when redis-server is not installed (make up installs it).
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Fatalf("redistest: redis-server not installed (make up installs it): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{Addr: l.Addr().String(), bin: bin}
	l.Close()
	s.Client = redis.NewClient(&redis.Options{Addr: s.Addr})
	tb.Cleanup(func() {
		s.Client.Close()
		s.stop()
	})
	s.run(tb)
	return s
}

// Kill stops the server with SIGKILL and waits for it to exit.
func (s *Server) Kill(tb testing.TB) {
	tb.Helper()
	if s.cmd == nil {
		tb.Fatalf("redistest: %s is not running", s.Addr)
	}
	s.stop()
}

// Restart starts a killed server again on the same port; it comes back empty.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	if s.cmd != nil {
		tb.Fatalf("redistest: %s is still running", s.Addr)
	}
	s.run(tb)
}

func (s *Server) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill() // already gone: nothing to stop
	_ = s.cmd.Wait()         // the exit status of a killed process is an error by design
	s.cmd = nil
}

func (s *Server) run(tb testing.TB) {
	tb.Helper()
	_, port, _ := net.SplitHostPort(s.Addr)
	if _, err := strconv.Atoi(port); err != nil {
		tb.Fatalf("redistest: address %s", s.Addr)
	}
	cmd := exec.Command(s.bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		tb.Fatalf("redistest: start redis-server: %v", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for s.Client.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			tb.Fatalf("redistest: redis-server on %s did not answer", s.Addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
