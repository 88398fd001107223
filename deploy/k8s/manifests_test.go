package k8s

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"

	"github.com/tributary-lineage/tributary/ingest"
)

// scaledObject and triggerAuthentication are the fields of KEDA's v1alpha1 types these
// manifests use; strict decoding rejects any other field, so a typo fails here.
type scaledObject struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Metadata   map[string]any   `json:"metadata"`
	Spec       scaledObjectSpec `json:"spec"`
}

type scaledObjectSpec struct {
	ScaleTargetRef struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Name       string `json:"name"`
	} `json:"scaleTargetRef"`
	MinReplicaCount *int32 `json:"minReplicaCount"`
	MaxReplicaCount *int32 `json:"maxReplicaCount"`
	PollingInterval *int32 `json:"pollingInterval"`
	CooldownPeriod  *int32 `json:"cooldownPeriod"`
	Triggers        []struct {
		Type              string            `json:"type"`
		Metadata          map[string]string `json:"metadata"`
		AuthenticationRef *struct {
			Name string `json:"name"`
		} `json:"authenticationRef"`
	} `json:"triggers"`
}

type triggerAuthentication struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   map[string]any `json:"metadata"`
	Spec       struct {
		SecretTargetRef []struct {
			Parameter string `json:"parameter"`
			Name      string `json:"name"`
			Key       string `json:"key"`
		} `json:"secretTargetRef"`
	} `json:"spec"`
}

type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace"`
	Resources  []string `json:"resources"`
	Images     []struct {
		Name    string `json:"name"`
		NewTag  string `json:"newTag"`
		NewName string `json:"newName"`
	} `json:"images"`
}

// manifests is every object in the folder, decoded strictly into its type.
type manifests struct {
	files        []string
	namespaces   []corev1.Namespace
	accounts     []corev1.ServiceAccount
	configMaps   []corev1.ConfigMap
	secrets      []corev1.Secret
	services     []corev1.Service
	deployments  []appsv1.Deployment
	statefulSets []appsv1.StatefulSet
	hpas         []autoscalingv2.HorizontalPodAutoscaler
	pdbs         []policyv1.PodDisruptionBudget
	cronJobs     []batchv1.CronJob
	scaledObjs   []scaledObject
	triggerAuths []triggerAuthentication
}

func load(t *testing.T) manifests {
	t.Helper()
	return loadDir(t, ".")
}

// loadDir is load of the manifests in dir (files are named relative to dir).
func loadDir(t *testing.T, dir string) manifests {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifests
	for _, path := range files {
		f := filepath.Base(path)
		if f == "kustomization.yaml" {
			continue
		}
		m.files = append(m.files, f)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range bytes.Split(data, []byte("\n---\n")) {
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal(doc, &head); err != nil {
				t.Fatalf("%s document %d: %v", f, i+1, err)
			}
			if head.Kind == "" {
				t.Fatalf("%s document %d has no kind", f, i+1)
			}
			var target any
			switch head.APIVersion + " " + head.Kind {
			case "v1 Namespace":
				m.namespaces = append(m.namespaces, corev1.Namespace{})
				target = &m.namespaces[len(m.namespaces)-1]
			case "v1 ServiceAccount":
				m.accounts = append(m.accounts, corev1.ServiceAccount{})
				target = &m.accounts[len(m.accounts)-1]
			case "v1 ConfigMap":
				m.configMaps = append(m.configMaps, corev1.ConfigMap{})
				target = &m.configMaps[len(m.configMaps)-1]
			case "v1 Secret":
				m.secrets = append(m.secrets, corev1.Secret{})
				target = &m.secrets[len(m.secrets)-1]
			case "v1 Service":
				m.services = append(m.services, corev1.Service{})
				target = &m.services[len(m.services)-1]
			case "apps/v1 Deployment":
				m.deployments = append(m.deployments, appsv1.Deployment{})
				target = &m.deployments[len(m.deployments)-1]
			case "apps/v1 StatefulSet":
				m.statefulSets = append(m.statefulSets, appsv1.StatefulSet{})
				target = &m.statefulSets[len(m.statefulSets)-1]
			case "autoscaling/v2 HorizontalPodAutoscaler":
				m.hpas = append(m.hpas, autoscalingv2.HorizontalPodAutoscaler{})
				target = &m.hpas[len(m.hpas)-1]
			case "policy/v1 PodDisruptionBudget":
				m.pdbs = append(m.pdbs, policyv1.PodDisruptionBudget{})
				target = &m.pdbs[len(m.pdbs)-1]
			case "batch/v1 CronJob":
				m.cronJobs = append(m.cronJobs, batchv1.CronJob{})
				target = &m.cronJobs[len(m.cronJobs)-1]
			case "keda.sh/v1alpha1 ScaledObject":
				m.scaledObjs = append(m.scaledObjs, scaledObject{})
				target = &m.scaledObjs[len(m.scaledObjs)-1]
			case "keda.sh/v1alpha1 TriggerAuthentication":
				m.triggerAuths = append(m.triggerAuths, triggerAuthentication{})
				target = &m.triggerAuths[len(m.triggerAuths)-1]
			default:
				t.Fatalf("%s document %d: no schema for %s %s in this test; add one", f, i+1, head.APIVersion, head.Kind)
			}
			if err := yaml.UnmarshalStrict(doc, target); err != nil {
				t.Errorf("%s document %d (%s): %v", f, i+1, head.Kind, err)
			}
		}
	}
	return m
}

func TestKustomizationListsEveryManifest(t *testing.T) {
	data, err := os.ReadFile("kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		t.Fatal(err)
	}
	m := load(t)
	got := slices.Clone(k.Resources)
	slices.Sort(got)
	want := slices.Clone(m.files)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("kustomization resources %v, files %v", got, want)
	}
	if k.Namespace != "tributary" || len(m.namespaces) != 1 || m.namespaces[0].Name != k.Namespace {
		t.Errorf("namespace: kustomization %q, Namespace objects %d", k.Namespace, len(m.namespaces))
	}
}

func labelsMatch(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestDeployments(t *testing.T) {
	m := load(t)
	if len(m.deployments) != 2 {
		t.Fatalf("%d Deployments, want api and worker", len(m.deployments))
	}
	configMaps := map[string]corev1.ConfigMap{}
	for _, c := range m.configMaps {
		configMaps[c.Name] = c
	}
	secrets := map[string]bool{}
	for _, s := range m.secrets {
		secrets[s.Name] = true
	}
	accounts := map[string]bool{}
	for _, a := range m.accounts {
		accounts[a.Name] = true
	}
	for _, d := range m.deployments {
		t.Run(d.Name, func(t *testing.T) {
			pod := d.Spec.Template.Spec
			if d.Spec.Selector == nil || !labelsMatch(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
				t.Errorf("selector %v does not match template labels %v", d.Spec.Selector, d.Spec.Template.Labels)
			}
			if !accounts[pod.ServiceAccountName] {
				t.Errorf("service account %q is not defined", pod.ServiceAccountName)
			}
			if sc := pod.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot ||
				sc.RunAsUser == nil || *sc.RunAsUser == 0 || sc.SeccompProfile == nil {
				t.Errorf("pod securityContext must run as a non-root uid with a seccomp profile: %+v", sc)
			}
			if len(pod.Containers) != 1 {
				t.Fatalf("%d containers, want 1", len(pod.Containers))
			}
			c := pod.Containers[0]
			if c.Image == "" || strings.HasSuffix(c.Image, ":latest") || !strings.Contains(c.Image, ":") {
				t.Errorf("image %q: want a pinned tag", c.Image)
			}
			if sc := c.SecurityContext; sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.Capabilities == nil ||
				!slices.Contains(sc.Capabilities.Drop, "ALL") {
				t.Errorf("container securityContext must forbid escalation, mount / read-only and drop ALL: %+v", sc)
			}
			if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
				t.Errorf("resources need cpu and memory requests and a memory limit: %+v", c.Resources)
			}
			if c.Resources.Limits.Memory().Cmp(*c.Resources.Requests.Memory()) < 0 {
				t.Errorf("memory limit below request")
			}
			ports := map[string]int32{}
			for _, p := range c.Ports {
				ports[p.Name] = p.ContainerPort
			}
			probe := func(name string, p *corev1.Probe, path string) {
				t.Helper()
				if p == nil || p.HTTPGet == nil {
					t.Errorf("%s probe: want an httpGet on %s", name, path)
					return
				}
				if p.HTTPGet.Path != path {
					t.Errorf("%s probe path %q, want %q", name, p.HTTPGet.Path, path)
				}
				if _, ok := ports[p.HTTPGet.Port.String()]; !ok {
					t.Errorf("%s probe port %q is not a container port (%v)", name, p.HTTPGet.Port.String(), ports)
				}
			}
			probe("liveness", c.LivenessProbe, "/health/live")
			probe("readiness", c.ReadinessProbe, "/health/ready")
			probe("startup", c.StartupProbe, "/health/live")

			// Ports agree with the addresses the binary listens on.
			env := map[string]string{}
			for _, ef := range c.EnvFrom {
				switch {
				case ef.ConfigMapRef != nil:
					cm, ok := configMaps[ef.ConfigMapRef.Name]
					if !ok {
						t.Errorf("envFrom ConfigMap %q is not defined", ef.ConfigMapRef.Name)
					}
					for k, v := range cm.Data {
						env[k] = v
					}
				case ef.SecretRef != nil:
					if !secrets[ef.SecretRef.Name] {
						t.Errorf("envFrom Secret %q is not defined", ef.SecretRef.Name)
					}
				}
			}
			for _, e := range c.Env {
				env[e.Name] = e.Value
			}
			if !strings.HasSuffix(env["TRIBUTARY_METRICS_ADDR"], fmt.Sprintf(":%d", ports["metrics"])) {
				t.Errorf("TRIBUTARY_METRICS_ADDR %q does not match the metrics port %d", env["TRIBUTARY_METRICS_ADDR"], ports["metrics"])
			}
			if http, ok := ports["http"]; ok && !strings.HasSuffix(env["TRIBUTARY_HTTP_ADDR"], fmt.Sprintf(":%d", http)) {
				t.Errorf("TRIBUTARY_HTTP_ADDR %q does not match the http port %d", env["TRIBUTARY_HTTP_ADDR"], http)
			}
			if env["OTEL_SERVICE_NAME"] != d.Name {
				t.Errorf("OTEL_SERVICE_NAME %q, want %q", env["OTEL_SERVICE_NAME"], d.Name)
			}
			// The pod is given time to drain: grace period > shutdown timeout + preStop pause.
			shutdown, err := time.ParseDuration(env["TRIBUTARY_SHUTDOWN_TIMEOUT"])
			if err != nil {
				t.Fatalf("TRIBUTARY_SHUTDOWN_TIMEOUT: %v", err)
			}
			need := shutdown
			if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
				need += time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
			}
			if pod.TerminationGracePeriodSeconds == nil || time.Duration(*pod.TerminationGracePeriodSeconds)*time.Second <= need {
				t.Errorf("terminationGracePeriodSeconds %v must exceed %v", pod.TerminationGracePeriodSeconds, need)
			}
		})
	}
}

func TestScalingAndDisruptionReferenceDeployments(t *testing.T) {
	m := load(t)
	deps := map[string]appsv1.Deployment{}
	for _, d := range m.deployments {
		deps[d.Name] = d
	}
	api, worker := deps["tributary-api"], deps["tributary-worker"]
	if api.Name == "" || worker.Name == "" {
		t.Fatalf("want Deployments tributary-api and tributary-worker, have %v", slices.Collect(mapsKeys(deps)))
	}

	if len(m.hpas) != 1 {
		t.Fatalf("%d HPAs, want 1 (api on CPU)", len(m.hpas))
	}
	h := m.hpas[0]
	if ref := h.Spec.ScaleTargetRef; ref.Kind != "Deployment" || ref.Name != api.Name {
		t.Errorf("HPA targets %s %s, want the api Deployment", ref.Kind, ref.Name)
	}
	if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
		t.Errorf("HPA replicas min %v max %d: want min >= 2 (one per zone) and max >= min", h.Spec.MinReplicas, h.Spec.MaxReplicas)
	}
	cpu := false
	for _, mt := range h.Spec.Metrics {
		cpu = cpu || (mt.Type == autoscalingv2.ResourceMetricSourceType && mt.Resource != nil && mt.Resource.Name == corev1.ResourceCPU)
	}
	if !cpu {
		t.Error("HPA does not scale on CPU")
	}

	// Every PDB selects the pods of exactly one Deployment, and still lets a node drain.
	covered := map[string]bool{}
	for _, p := range m.pdbs {
		var hit []string
		for _, d := range m.deployments {
			if p.Spec.Selector != nil && labelsMatch(p.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
				hit = append(hit, d.Name)
			}
		}
		if len(hit) != 1 {
			t.Errorf("PDB %s selects %v, want one Deployment", p.Name, hit)
			continue
		}
		covered[hit[0]] = true
		if p.Spec.MinAvailable != nil && p.Spec.MinAvailable.IntValue() >= int(*h.Spec.MinReplicas) && hit[0] == api.Name {
			t.Errorf("PDB %s minAvailable %s blocks every drain at %d replicas", p.Name, p.Spec.MinAvailable, *h.Spec.MinReplicas)
		}
	}
	for name := range deps {
		if !covered[name] {
			t.Errorf("Deployment %s has no PodDisruptionBudget", name)
		}
	}

	// Services point at a Deployment's pods and a named port.
	for _, s := range m.services {
		d, ok := deps[s.Name]
		if !ok || !labelsMatch(s.Spec.Selector, d.Spec.Template.Labels) {
			t.Errorf("Service %s selects no Deployment", s.Name)
			continue
		}
		for _, p := range s.Spec.Ports {
			found := false
			for _, cp := range d.Spec.Template.Spec.Containers[0].Ports {
				found = found || cp.Name == p.TargetPort.String()
			}
			if !found {
				t.Errorf("Service %s targets port %q the pods do not declare", s.Name, p.TargetPort.String())
			}
		}
	}

	// The worker scales on the length of asynq's pending list of the queue it serves.
	if len(m.scaledObjs) != 1 {
		t.Fatalf("%d ScaledObjects, want 1 (worker on queue depth)", len(m.scaledObjs))
	}
	so := m.scaledObjs[0]
	if so.Spec.ScaleTargetRef.Name != worker.Name {
		t.Errorf("ScaledObject targets %q, want %q", so.Spec.ScaleTargetRef.Name, worker.Name)
	}
	args := worker.Spec.Template.Spec.Containers[0].Args
	queue := ingest.DefaultQueue
	if i := slices.Index(args, "--queue"); i >= 0 && i+1 < len(args) {
		queue = args[i+1]
	}
	if len(so.Spec.Triggers) != 1 || so.Spec.Triggers[0].Type != "redis" {
		t.Fatalf("ScaledObject triggers: %+v", so.Spec.Triggers)
	}
	trig := so.Spec.Triggers[0]
	if want := "asynq:{" + queue + "}:pending"; trig.Metadata["listName"] != want {
		t.Errorf("listName %q, want %q (asynq's pending list of queue %q)", trig.Metadata["listName"], want, queue)
	}
	cm := m.configMaps[0].Data
	if trig.Metadata["address"] != cm["TRIBUTARY_REDIS_ADDR"] {
		t.Errorf("trigger address %q differs from TRIBUTARY_REDIS_ADDR %q", trig.Metadata["address"], cm["TRIBUTARY_REDIS_ADDR"])
	}
	if trig.AuthenticationRef == nil || len(m.triggerAuths) != 1 || m.triggerAuths[0].Metadata["name"] != trig.AuthenticationRef.Name {
		t.Errorf("trigger authentication %+v is not defined", trig.AuthenticationRef)
	}
	for _, ref := range m.triggerAuths[0].Spec.SecretTargetRef {
		if _, ok := m.secrets[0].StringData[ref.Key]; !ok || ref.Name != m.secrets[0].Name {
			t.Errorf("TriggerAuthentication reads %s/%s, which the Secret layout lacks", ref.Name, ref.Key)
		}
	}
	if so.Spec.MinReplicaCount == nil || *so.Spec.MinReplicaCount < 1 || so.Spec.MaxReplicaCount == nil ||
		*so.Spec.MaxReplicaCount < *so.Spec.MinReplicaCount {
		t.Errorf("ScaledObject replicas %v..%v: want at least one worker (the scheduler runs in it)", so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount)
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestSecretLayoutHoldsNoRealValues: the Secret in git is a layout; its values are placeholders.
func TestSecretLayoutHoldsNoRealValues(t *testing.T) {
	m := load(t)
	if len(m.secrets) != 1 {
		t.Fatalf("%d Secrets", len(m.secrets))
	}
	for k, v := range m.secrets[0].StringData {
		if v != "" && v != "change-me" {
			t.Errorf("secret key %s holds %q; keep placeholders in git", k, v)
		}
	}
	for k := range m.configMaps[0].Data {
		if strings.Contains(k, "PASSWORD") || strings.Contains(k, "TOKEN") || strings.Contains(k, "PRIVATE_KEY") {
			t.Errorf("ConfigMap key %s belongs in the Secret", k)
		}
	}
}

// TestRefreshCronJob: the periodic refresh is enqueued by one CronJob (not by a scheduler in
// every worker replica), runs as non-root with resources, and no worker sets
// TRIBUTARY_REFRESH_CRON.
func TestRefreshCronJob(t *testing.T) {
	m := load(t)
	if len(m.cronJobs) != 1 {
		t.Fatalf("%d CronJobs, want 1", len(m.cronJobs))
	}
	cj := m.cronJobs[0]
	if cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("concurrencyPolicy %q, want Forbid", cj.Spec.ConcurrencyPolicy)
	}
	pod := cj.Spec.JobTemplate.Spec.Template.Spec
	if sc := pod.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		t.Errorf("pod securityContext: %+v", sc)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	if len(c.Args) < 3 || c.Args[0] != "ingest" || slices.Contains(c.Args, "--inline") || slices.Contains(c.Args, "--wait") {
		t.Errorf("args %v: want `ingest --source ...` that enqueues and exits", c.Args)
	}
	if sc := c.SecurityContext; sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("container securityContext: %+v", sc)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources: %+v", c.Resources)
	}
	for _, d := range m.deployments {
		for _, e := range d.Spec.Template.Spec.Containers[0].Env {
			if e.Name == "TRIBUTARY_REFRESH_CRON" {
				t.Errorf("%s sets TRIBUTARY_REFRESH_CRON: each replica would enqueue its own refresh", d.Name)
			}
		}
	}
	for k := range m.configMaps[0].Data {
		if k == "TRIBUTARY_REFRESH_CRON" {
			t.Error("the ConfigMap sets TRIBUTARY_REFRESH_CRON for every replica")
		}
	}
}
