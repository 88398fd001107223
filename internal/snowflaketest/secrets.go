package snowflaketest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// SecretsManager is a fake AWS Secrets Manager: it answers GetSecretValue (JSON 1.1 protocol,
// SigV4-signed requests only) for the secrets Put into it, and counts the calls. Point the
// SDK at URL (TRIBUTARY_SECRETS_ENDPOINT) with any static credentials.
type SecretsManager struct {
	srv     *httptest.Server
	mu      sync.Mutex
	secrets map[string]string
	version int
	calls   int
}

// NewSecretsManager starts a fake Secrets Manager, closed when tb ends.
func NewSecretsManager(tb testing.TB) *SecretsManager {
	tb.Helper()
	f := &SecretsManager{secrets: map[string]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	tb.Cleanup(f.srv.Close)
	return f
}

// URL is the endpoint of the fake.
func (f *SecretsManager) URL() string { return f.srv.URL }

// Put sets secret id's string (a new version of it).
func (f *SecretsManager) Put(id, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets[id] = value
	f.version++
}

// Calls is the number of GetSecretValue calls answered so far.
func (f *SecretsManager) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *SecretsManager) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" {
		http.Error(w, "unsupported", http.StatusBadRequest)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		http.Error(w, "unsigned request", http.StatusForbidden)
		return
	}
	var in struct{ SecretId string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	value, ok := f.secrets[in.SecretId]
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"__type": "ResourceNotFoundException",
			"message": "Secrets Manager can't find the specified secret."})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{
		"ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:" + in.SecretId, "Name": in.SecretId,
		"SecretString": value, "VersionId": "v" + strconv.Itoa(f.version), "CreatedDate": float64(time.Now().Unix()),
	})
}
