package k8s

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// TestComposeFile loads docker-compose.yml the way `docker compose config` does (the Compose
// specification's loader validates it against the specification's JSON schema, interpolates
// variables and resolves depends_on), since no Docker engine or compose plugin is available
// here, then checks what issue 8 asks of it.
func TestComposeFile(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root), cli.WithName("tributary"),
		// Only what the file defaults itself: the test must not depend on the caller's environment.
		cli.WithEnv([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	p, err := cli.ProjectFromOptions(context.Background(), opts)
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	svc := func(name string) types.ServiceConfig {
		t.Helper()
		s, ok := p.Services[name]
		if !ok {
			t.Fatalf("no service %q (have %v)", name, p.ServiceNames())
		}
		return s
	}
	if img := svc("neo4j").Image; img != "neo4j:5.26-community" {
		t.Errorf("neo4j image %q", img)
	}
	if img := svc("redis").Image; !strings.HasPrefix(img, "redis:7") {
		t.Errorf("redis image %q", img)
	}
	for name, cmd := range map[string]string{"api": "serve", "worker": "worker"} {
		s := svc(name)
		if !slices.Contains(s.Command, cmd) {
			t.Errorf("%s command %v, want %s", name, s.Command, cmd)
		}
		if s.Build == nil || s.Build.Dockerfile != "deploy/Dockerfile" {
			t.Errorf("%s does not build deploy/Dockerfile: %+v", name, s.Build)
		}
		for _, dep := range []string{"neo4j", "redis", "redis-cache"} {
			d, ok := s.DependsOn[dep]
			if !ok || d.Condition != types.ServiceConditionHealthy {
				t.Errorf("%s depends_on %s: %+v, want condition service_healthy", name, dep, d)
			}
		}
		if pw := s.Environment["TRIBUTARY_NEO4J_PASSWORD"]; pw == nil || *pw == "" {
			t.Errorf("%s gets no Neo4j password", name)
		}
		// The job queue and the cache on separate Redis servers: the queue must never evict,
		// the cache should.
		for env, want := range map[string]string{"TRIBUTARY_REDIS_ADDR": "redis:6379", "TRIBUTARY_CACHE_REDIS_ADDR": "redis-cache:6379"} {
			if a := s.Environment[env]; a == nil || *a != want {
				got := "unset"
				if a != nil {
					got = *a
				}
				t.Errorf("%s %s %s, want %s", name, env, got, want)
			}
		}
	}
	if img := svc("redis-cache").Image; !strings.HasPrefix(img, "redis:7") {
		t.Errorf("redis-cache image %q", img)
	}
	for name, policy := range map[string]string{"redis": "noeviction", "redis-cache": "allkeys-lru"} {
		cmd := svc(name).Command
		if i := slices.Index(cmd, "--maxmemory-policy"); i < 0 || i+1 >= len(cmd) || cmd[i+1] != policy {
			t.Errorf("%s command %v, want --maxmemory-policy %s", name, cmd, policy)
		}
	}
	// The job Redis persists every write (append-only file, fsynced every second) on a volume;
	// the cache persists nothing.
	for name, want := range map[string]map[string]string{
		"redis":       {"--appendonly": "yes", "--appendfsync": "everysec"},
		"redis-cache": {"--appendonly": "no", "--save": ""},
	} {
		cmd := svc(name).Command
		for flag, v := range want {
			if i := slices.Index(cmd, flag); i < 0 || i+1 >= len(cmd) || cmd[i+1] != v {
				t.Errorf("%s command %v, want %s %q", name, cmd, flag, v)
			}
		}
	}
	if vols := svc("redis").Volumes; !slices.ContainsFunc(vols, func(v types.ServiceVolumeConfig) bool {
		return v.Type == types.VolumeTypeVolume && v.Target == "/data"
	}) {
		t.Errorf("redis volumes %+v: want a named volume on /data (where the append-only file lives)", vols)
	}
	if cmd := svc("redis-cache").Command; !slices.Contains(cmd, "--maxmemory") {
		t.Errorf("redis-cache command %v sets no --maxmemory (allkeys-lru evicts only past it)", cmd)
	}
	for _, name := range []string{"neo4j", "redis", "redis-cache", "api"} {
		if hc := svc(name).HealthCheck; hc == nil || hc.Disable || len(hc.Test) == 0 {
			t.Errorf("%s has no healthcheck", name)
		}
	}
	// The password default is the same for the server and the clients.
	auth := svc("neo4j").Environment["NEO4J_AUTH"]
	if auth == nil || *auth != "neo4j/"+*svc("api").Environment["TRIBUTARY_NEO4J_PASSWORD"] {
		t.Errorf("NEO4J_AUTH %v does not match the api's password", auth)
	}
}

// TestComposeLoaderRejectsInvalidFiles shows the loader above is a real schema check: a
// misspelt key, a depends_on naming no service and a malformed duration all fail.
func TestComposeLoaderRejectsInvalidFiles(t *testing.T) {
	for name, body := range map[string]string{
		"misspelt key":       "services:\n  api:\n    image: x\n    helthcheck:\n      test: [\"CMD\", \"true\"]\n",
		"unknown depends_on": "services:\n  api:\n    image: x\n    depends_on:\n      db:\n        condition: service_healthy\n",
		"malformed duration": "services:\n  api:\n    image: x\n    healthcheck:\n      interval: often\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "compose.yml")
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			opts, err := cli.NewProjectOptions([]string{path}, cli.WithWorkingDirectory(dir), cli.WithName("t"), cli.WithEnv([]string{}))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cli.ProjectFromOptions(context.Background(), opts); err == nil {
				t.Errorf("loaded an invalid compose file:\n%s", body)
			}
		})
	}
}
