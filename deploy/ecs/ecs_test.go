// Package ecs holds the ECS task definitions; its test checks them offline.
package ecs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// The subset of the RegisterTaskDefinition input these files use; decoding rejects any other
// field, so a misspelt key fails here instead of in `aws ecs register-task-definition`.
type taskDefinition struct {
	Family                  string   `json:"family"`
	NetworkMode             string   `json:"networkMode"`
	RequiresCompatibilities []string `json:"requiresCompatibilities"`
	CPU                     string   `json:"cpu"`
	Memory                  string   `json:"memory"`
	RuntimePlatform         struct {
		CPUArchitecture       string `json:"cpuArchitecture"`
		OperatingSystemFamily string `json:"operatingSystemFamily"`
	} `json:"runtimePlatform"`
	ExecutionRoleArn     string      `json:"executionRoleArn"`
	TaskRoleArn          string      `json:"taskRoleArn"`
	ContainerDefinitions []container `json:"containerDefinitions"`
	Volumes              []volume    `json:"volumes"`
}

type volume struct {
	Name                   string `json:"name"`
	EFSVolumeConfiguration *struct {
		FileSystemID        string `json:"fileSystemId"`
		TransitEncryption   string `json:"transitEncryption"`
		AuthorizationConfig struct {
			AccessPointID string `json:"accessPointId"`
			IAM           string `json:"iam"`
		} `json:"authorizationConfig"`
	} `json:"efsVolumeConfiguration"`
}

type mountPoint struct {
	SourceVolume  string `json:"sourceVolume"`
	ContainerPath string `json:"containerPath"`
	ReadOnly      bool   `json:"readOnly"`
}

type keyValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type secret struct {
	Name      string `json:"name"`
	ValueFrom string `json:"valueFrom"`
}

type container struct {
	Name                   string     `json:"name"`
	Image                  string     `json:"image"`
	Essential              bool       `json:"essential"`
	Command                []string   `json:"command"`
	User                   string     `json:"user"`
	ReadonlyRootFilesystem bool       `json:"readonlyRootFilesystem"`
	Environment            []keyValue `json:"environment"`
	Secrets                []secret   `json:"secrets"`
	PortMappings           []struct {
		Name          string `json:"name"`
		ContainerPort int    `json:"containerPort"`
		Protocol      string `json:"protocol"`
		AppProtocol   string `json:"appProtocol"`
	} `json:"portMappings"`
	HealthCheck *struct {
		Command     []string `json:"command"`
		Interval    int      `json:"interval"`
		Timeout     int      `json:"timeout"`
		Retries     int      `json:"retries"`
		StartPeriod int      `json:"startPeriod"`
	} `json:"healthCheck"`
	StopTimeout int `json:"stopTimeout"`
	DependsOn   []struct {
		ContainerName string `json:"containerName"`
		Condition     string `json:"condition"`
	} `json:"dependsOn"`
	MountPoints      []mountPoint `json:"mountPoints"`
	LogConfiguration struct {
		LogDriver string            `json:"logDriver"`
		Options   map[string]string `json:"options"`
	} `json:"logConfiguration"`
}

func load(t *testing.T, path string) taskDefinition {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var td taskDefinition
	if err := dec.Decode(&td); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return td
}

func TestTaskDefinitions(t *testing.T) {
	for _, c := range []struct {
		file, family, container, command, healthURL string
	}{
		{"task-definition-api.json", "tributary-api", "api", "serve", ""},
		{"task-definition-worker.json", "tributary-worker", "worker", "worker", "http://127.0.0.1:9090/health/live"},
	} {
		t.Run(c.family, func(t *testing.T) {
			td := load(t, c.file)
			if td.Family != c.family || td.NetworkMode != "awsvpc" || !slices.Contains(td.RequiresCompatibilities, "FARGATE") {
				t.Errorf("family %q, network %q, compatibilities %v", td.Family, td.NetworkMode, td.RequiresCompatibilities)
			}
			i := slices.IndexFunc(td.ContainerDefinitions, func(x container) bool { return x.Name == c.container })
			if i < 0 {
				t.Fatalf("no container %q", c.container)
			}
			ct := td.ContainerDefinitions[i]
			if !ct.Essential || len(ct.Command) == 0 || ct.Command[0] != c.command {
				t.Errorf("essential %v, command %v", ct.Essential, ct.Command)
			}
			if ct.User == "" || strings.HasPrefix(ct.User, "0") || strings.HasPrefix(ct.User, "root") || !ct.ReadonlyRootFilesystem {
				t.Errorf("user %q, read-only root %v: want a non-root uid and a read-only root", ct.User, ct.ReadonlyRootFilesystem)
			}
			if !strings.Contains(ct.Image, ":") || strings.HasSuffix(ct.Image, ":latest") {
				t.Errorf("image %q: want a pinned tag", ct.Image)
			}
			env := map[string]string{}
			for _, e := range ct.Environment {
				if _, dup := env[e.Name]; dup {
					t.Errorf("environment %s set twice", e.Name)
				}
				env[e.Name] = e.Value
				if strings.Contains(e.Name, "PASSWORD") || strings.Contains(e.Name, "TOKEN") || strings.Contains(e.Name, "PRIVATE_KEY") {
					t.Errorf("%s is in environment; secrets go in secrets[] from Secrets Manager", e.Name)
				}
			}
			for _, s := range ct.Secrets {
				if !strings.HasPrefix(s.ValueFrom, "arn:aws:secretsmanager:") {
					t.Errorf("secret %s from %q, want a Secrets Manager ARN", s.Name, s.ValueFrom)
				}
			}
			if !slices.ContainsFunc(ct.Secrets, func(s secret) bool { return s.Name == "TRIBUTARY_NEO4J_PASSWORD" }) {
				t.Error("no TRIBUTARY_NEO4J_PASSWORD secret")
			}
			ports := map[int]bool{}
			for _, p := range ct.PortMappings {
				ports[p.ContainerPort] = true
			}
			for _, key := range []string{"TRIBUTARY_HTTP_ADDR", "TRIBUTARY_METRICS_ADDR"} {
				addr, ok := env[key]
				if !ok {
					continue
				}
				var port int
				if _, err := fmt.Sscanf(addr[strings.LastIndex(addr, ":")+1:], "%d", &port); err != nil || !ports[port] {
					t.Errorf("%s=%s is not a mapped port (%v)", key, addr, ports)
				}
			}
			if env["OTEL_SERVICE_NAME"] != c.family || !strings.HasPrefix(env["OTEL_EXPORTER_OTLP_ENDPOINT"], "http://localhost:4318") {
				t.Errorf("OTEL settings: service %q, endpoint %q", env["OTEL_SERVICE_NAME"], env["OTEL_EXPORTER_OTLP_ENDPOINT"])
			}
			hc := ct.HealthCheck
			if hc == nil || len(hc.Command) < 3 || hc.Command[0] != "CMD" || hc.Command[1] != "/tributary" || hc.Command[2] != "healthcheck" {
				t.Fatalf("health check %+v: want CMD /tributary healthcheck (no shell in the image)", hc)
			}
			if c.healthURL != "" && !slices.Contains(hc.Command, c.healthURL) {
				t.Errorf("health check %v does not probe %s", hc.Command, c.healthURL)
			}
			shutdown, err := time.ParseDuration(env["TRIBUTARY_SHUTDOWN_TIMEOUT"])
			if err != nil || time.Duration(ct.StopTimeout)*time.Second <= shutdown {
				t.Errorf("stopTimeout %ds must exceed TRIBUTARY_SHUTDOWN_TIMEOUT %q", ct.StopTimeout, env["TRIBUTARY_SHUTDOWN_TIMEOUT"])
			}
			if ct.LogConfiguration.LogDriver != "awslogs" || ct.LogConfiguration.Options["awslogs-group"] == "" {
				t.Errorf("logs: %+v", ct.LogConfiguration)
			}
			vols := map[string]bool{}
			for _, v := range td.Volumes {
				vols[v.Name] = true
			}
			for _, m := range ct.MountPoints {
				if !vols[m.SourceVolume] {
					t.Errorf("mount of undefined volume %q", m.SourceVolume)
				}
			}
			names := map[string]bool{}
			for _, x := range td.ContainerDefinitions {
				names[x.Name] = true
			}
			for _, d := range ct.DependsOn {
				if !names[d.ContainerName] {
					t.Errorf("dependsOn unknown container %q", d.ContainerName)
				}
			}
		})
	}
}

// jobRedisAddr is where the api and the worker find the job Redis: the tributary-redis
// service's Service Connect client alias (port name redis).
const jobRedisAddr = "redis.tributary.internal:6379"

// TestJobRedisPersists: the job Redis (queued tasks, job records, API keys) runs from
// task-definition-redis.json with an append-only file fsynced every second on an EFS volume,
// and noeviction; the api and the worker use it, the cache stays on its own Redis.
func TestJobRedisPersists(t *testing.T) {
	td := load(t, "task-definition-redis.json")
	if len(td.ContainerDefinitions) != 1 {
		t.Fatalf("%d containers, want redis only", len(td.ContainerDefinitions))
	}
	ct := td.ContainerDefinitions[0]
	args := map[string]string{}
	for i := 1; i+1 < len(ct.Command); i += 2 {
		args[ct.Command[i]] = ct.Command[i+1]
	}
	if len(ct.Command) == 0 || ct.Command[0] != "redis-server" {
		t.Fatalf("command %v, want redis-server", ct.Command)
	}
	for flag, v := range map[string]string{"--appendonly": "yes", "--appendfsync": "everysec", "--maxmemory-policy": "noeviction"} {
		if args[flag] != v {
			t.Errorf("command %v: want %s %s", ct.Command, flag, v)
		}
	}
	dir := args["--dir"]
	i := slices.IndexFunc(ct.MountPoints, func(m mountPoint) bool {
		return m.ContainerPath == dir && !m.ReadOnly
	})
	if dir == "" || i < 0 {
		t.Fatalf("the append-only file's --dir %q is not a writable mount: %+v", dir, ct.MountPoints)
	}
	v := slices.IndexFunc(td.Volumes, func(v volume) bool {
		return v.Name == ct.MountPoints[i].SourceVolume
	})
	if v < 0 || td.Volumes[v].EFSVolumeConfiguration == nil || td.Volumes[v].EFSVolumeConfiguration.TransitEncryption != "ENABLED" {
		t.Errorf("volume of %s: want an EFS volume with transit encryption (a Fargate task's own storage dies with it)", dir)
	}
	if len(ct.PortMappings) != 1 || ct.PortMappings[0].Name != "redis" || ct.PortMappings[0].ContainerPort != 6379 {
		t.Errorf("port mappings %+v, want redis on 6379", ct.PortMappings)
	}
	for _, f := range []string{"task-definition-api.json", "task-definition-worker.json"} {
		env := map[string]string{}
		for _, e := range load(t, f).ContainerDefinitions[0].Environment {
			env[e.Name] = e.Value
		}
		if env["TRIBUTARY_REDIS_ADDR"] != jobRedisAddr || env["TRIBUTARY_CACHE_REDIS_ADDR"] == "" || env["TRIBUTARY_CACHE_REDIS_ADDR"] == jobRedisAddr {
			t.Errorf("%s: TRIBUTARY_REDIS_ADDR %q (want %s), TRIBUTARY_CACHE_REDIS_ADDR %q (want another Redis)",
				f, env["TRIBUTARY_REDIS_ADDR"], jobRedisAddr, env["TRIBUTARY_CACHE_REDIS_ADDR"])
		}
	}
}
