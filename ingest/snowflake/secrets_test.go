package snowflake_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/tributary-lineage/tributary/ingest/snowflake"
	"github.com/tributary-lineage/tributary/internal/snowflaketest"
)

// fakeSecrets speaks Secrets Manager's GetSecretValue (JSON 1.1 protocol) for secrets it holds.
type fakeSecrets struct {
	srv     *httptest.Server
	mu      sync.Mutex
	secrets map[string]string
	version int
	calls   int
}

func newFakeSecrets(t *testing.T) *fakeSecrets {
	f := &fakeSecrets{secrets: map[string]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
			"SecretString": value, "VersionId": "v" + string(rune('0'+f.version)), "CreatedDate": float64(time.Now().Unix()),
		})
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSecrets) put(id, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets[id] = value
	f.version++
}

func (f *fakeSecrets) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// The credentials in Secrets Manager were rotated after the service read them: Snowflake
// refuses the cached password, the provider fetches the secret again and the retry logs in.
func TestSecretRotationIsPickedUp(t *testing.T) {
	ctx := context.Background()
	sf := snowflaketest.New(t, snowflaketest.WithUser(snowflaketest.User{Name: "INGEST", Password: "pw-2"}))
	secrets := newFakeSecrets(t)
	secretJSON := func(pw string) string {
		b, _ := json.Marshal(map[string]string{"account": sf.Account(), "user": "ingest", "role": "LINEAGE_READER",
			"warehouse": "META_WH", "password": pw})
		return string(b)
	}
	secrets.put("tributary/snowflake", secretJSON("pw-1"))
	client, err := snowflake.NewSecretsManagerClient(ctx, secrets.srv.URL,
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")),
		config.WithRegion("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	p := snowflake.NewSecretsProvider(client, nil)
	base := snowflake.Config{Host: "127.0.0.1", Port: sf.Port(), Protocol: "http", LoginTimeout: 5 * time.Second}

	// Fetched at start, then served from the cache.
	cfg, err := p.Snowflake(ctx, "tributary/snowflake", base)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Password != "pw-1" || cfg.Account != sf.Account() || cfg.Role != "LINEAGE_READER" {
		t.Fatalf("config from the secret: %s", cfg)
	}
	if _, err := p.Fetch(ctx, "tributary/snowflake"); err != nil || secrets.count() != 1 {
		t.Fatalf("second read went to Secrets Manager (%d calls, %v)", secrets.count(), err)
	}

	secrets.put("tributary/snowflake", secretJSON("pw-2")) // rotation
	var passwords []string
	ping := func(ctx context.Context, cfg snowflake.Config) error {
		passwords = append(passwords, cfg.Password)
		src, err := snowflake.Open(cfg, nil)
		if err != nil {
			return err
		}
		defer src.Close()
		return src.Ping(ctx)
	}
	if err := p.WithSnowflake(ctx, "tributary/snowflake", base, ping); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	if strings.Join(passwords, ",") != "pw-1,pw-2" || secrets.count() != 2 {
		t.Errorf("tried %q with %d Secrets Manager calls, want pw-1 then pw-2 after one re-fetch", passwords, secrets.count())
	}
	logins := sf.Logins()
	if len(logins) != 2 || logins[0].OK || !logins[1].OK {
		t.Errorf("logins %+v, want a refused one then an accepted one", logins)
	}

	// Other failures are not credential problems: no re-fetch.
	calls := secrets.count()
	sentinel := context.DeadlineExceeded
	if err := p.WithSnowflake(ctx, "tributary/snowflake", base, func(context.Context, snowflake.Config) error { return sentinel }); err != sentinel {
		t.Errorf("err = %v", err)
	}
	if secrets.count() != calls {
		t.Error("a non-auth failure fetched the secret again")
	}
	// Invalidate and MaxAge make Fetch read again.
	calls = secrets.count()
	p.Invalidate("tributary/snowflake")
	if _, err := p.Fetch(ctx, "tributary/snowflake"); err != nil || secrets.count() != calls+1 {
		t.Errorf("fetch after Invalidate: %v, %d calls", err, secrets.count()-calls)
	}
	p.MaxAge = time.Nanosecond
	if _, err := p.Fetch(ctx, "tributary/snowflake"); err != nil || secrets.count() != calls+2 {
		t.Errorf("fetch of an expired value: %v, %d calls", err, secrets.count()-calls)
	}
	if _, err := p.Fetch(ctx, "tributary/missing"); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("missing secret: %v", err)
	}
}
