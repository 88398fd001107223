// Package k8s holds Tributary's Kubernetes manifests (the YAML files in this folder, applied
// with kubectl apply -k) and the tests that validate them offline: every object decodes
// strictly into its Kubernetes API type (an unknown or misspelt field fails), and the checks
// a reviewer would make hold (probes, resources, non-root, images, references between objects).
// The same tests load docker-compose.yml with the Compose specification's loader.
package k8s
