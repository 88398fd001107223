package k8s

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestJobRedisPersists: redis/ (kubectl apply -k deploy/k8s/redis) runs the job Redis that
// TRIBUTARY_REDIS_ADDR names, with an append-only file fsynced every second on a persistent
// volume, and noeviction; its kustomization lists every manifest.
func TestJobRedisPersists(t *testing.T) {
	m := loadDir(t, "redis")
	data, err := os.ReadFile(filepath.Join("redis", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		t.Fatal(err)
	}
	got, want := slices.Sorted(slices.Values(k.Resources)), slices.Sorted(slices.Values(m.files))
	if !slices.Equal(got, want) {
		t.Errorf("redis kustomization resources %v, files %v", got, want)
	}

	var addr string
	for _, cm := range load(t).configMaps {
		if a, ok := cm.Data["TRIBUTARY_REDIS_ADDR"]; ok {
			addr = a
		}
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("TRIBUTARY_REDIS_ADDR %q: %v", addr, err)
	}
	if len(m.services) != 1 || len(m.statefulSets) != 1 {
		t.Fatalf("redis/: %d services, %d statefulsets; want one of each", len(m.services), len(m.statefulSets))
	}
	svc, sts := m.services[0], m.statefulSets[0]
	if want := svc.Name + "." + k.Namespace + ".svc.cluster.local"; host != want {
		t.Errorf("TRIBUTARY_REDIS_ADDR host %s, the job Redis Service is %s", host, want)
	}
	if len(svc.Spec.Ports) != 1 || port != "6379" || svc.Spec.Ports[0].Port != 6379 {
		t.Errorf("service ports %+v, TRIBUTARY_REDIS_ADDR port %s", svc.Spec.Ports, port)
	}
	if !labelsMatch(svc.Spec.Selector, sts.Spec.Template.Labels) || *sts.Spec.Replicas != 1 {
		t.Errorf("service selector %v, pod labels %v, replicas %d", svc.Spec.Selector, sts.Spec.Template.Labels, *sts.Spec.Replicas)
	}
	c := sts.Spec.Template.Spec.Containers[0]
	args := map[string]string{}
	for i := 0; i+1 < len(c.Args); i += 2 {
		args[c.Args[i]] = c.Args[i+1]
	}
	for flag, v := range map[string]string{"--appendonly": "yes", "--appendfsync": "everysec", "--maxmemory-policy": "noeviction"} {
		if args[flag] != v {
			t.Errorf("redis args %v: want %s %s", c.Args, flag, v)
		}
	}
	if _, ok := args["--maxmemory"]; !ok {
		t.Errorf("redis args %v set no --maxmemory (below the container's memory limit)", c.Args)
	}
	dir := args["--dir"]
	mounted := slices.ContainsFunc(c.VolumeMounts, func(vm corev1.VolumeMount) bool {
		return vm.MountPath == dir && slices.ContainsFunc(sts.Spec.VolumeClaimTemplates, func(p corev1.PersistentVolumeClaim) bool { return p.Name == vm.Name })
	})
	if dir == "" || !mounted {
		t.Errorf("the append-only file's --dir %q is not on a volume claim: mounts %+v", dir, c.VolumeMounts)
	}
}
