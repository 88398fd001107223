// Package redistest starts private redis-server processes for tests that need a Redis to die
// (fault tests) or to be configured unlike the shared one. Never kill the shared servers.
//
//	r := redistest.Start(t)   // a free loopback port, no persistence, killed when t ends
//	rdb := r.Client(t)
//	r.Kill()                  // SIGKILL: what it held is lost
//	r.Restart()               // empty, on the same port
package redistest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server of the test's own.
type Server struct {
	// Addr is host:port.
	Addr string
	tb   testing.TB
	dir  string
	cmd  *exec.Cmd
}

// Start starts redis-server on a free loopback port, without persistence, and kills it when
// tb ends. It fails the test when redis-server is not installed.
func Start(tb testing.TB) *Server {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), tb: tb, dir: tb.TempDir()}
	s.Restart()
	tb.Cleanup(s.Kill)
	return s
}

// Restart starts the server (again, empty) on its port and waits until it answers.
func (s *Server) Restart() {
	s.tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		s.tb.Fatalf("redis-server not installed (make up installs it): %v", err)
	}
	_, port, _ := net.SplitHostPort(s.Addr)
	s.cmd = exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", s.dir)
	if err := s.cmd.Start(); err != nil {
		s.tb.Fatalf("start redis-server: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); c.Ping(context.Background()).Err() != nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			s.tb.Fatalf("private redis-server on %s did not answer", s.Addr)
		}
	}
}

// Kill ends the server with SIGKILL and waits for it; it does nothing when it is not running.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}

// Client returns a client of the server, closed when tb ends.
func (s *Server) Client(tb testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	tb.Cleanup(func() { c.Close() })
	return c
}

// Shared connects to the job Redis of `make up` (TRIBUTARY_REDIS_ADDR, default
// 127.0.0.1:6379), fails tb when it does not answer, and closes the client when tb ends. Tests
// share it with each other: write only under key prefixes and queue names of their own.
func Shared(tb testing.TB) *redis.Client {
	tb.Helper()
	addr := os.Getenv("TRIBUTARY_REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	tb.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		tb.Fatalf("redis at %s is not reachable (run `make up`): %v", addr, err)
	}
	return rdb
}
