package snowflake

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// EnvSecretsEndpoint overrides the Secrets Manager endpoint (LocalStack, tests).
const EnvSecretsEndpoint = "TRIBUTARY_SECRETS_ENDPOINT"

// SecretsClient is the Secrets Manager call the provider makes; *secretsmanager.Client has it.
type SecretsClient interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// NewSecretsManagerClient builds a client from the AWS configuration chain; endpoint, when
// set, replaces the AWS endpoint.
func NewSecretsManagerClient(ctx context.Context, endpoint string, opts ...func(*config.LoadOptions) error) (*secretsmanager.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("aws config: %w", err)
	}
	return secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}

// SecretsProvider reads secrets from Secrets Manager once and keeps them until Refresh: the
// Snowflake credentials are fetched at start and again when Snowflake rejects them (the
// secret was rotated).
type SecretsProvider struct {
	client SecretsClient
	log    *slog.Logger
	// MaxAge, when positive, makes Fetch read a secret again once its cached value is older:
	// callers that cannot report an auth failure (a task retried by asynq opens its source
	// with Fetch) still pick up a rotation within MaxAge.
	MaxAge time.Duration
	mu     sync.Mutex
	cache  map[string]secretValue
}

type secretValue struct {
	value     []byte
	version   string
	fetchedAt time.Time
}

// NewSecretsProvider returns a provider reading through client.
func NewSecretsProvider(client SecretsClient, log *slog.Logger) *SecretsProvider {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &SecretsProvider{client: client, log: log, cache: map[string]secretValue{}}
}

// Fetch returns the secret's value, from the cache when it was read before. Its signature
// is ingest.FetchSecret's.
func (p *SecretsProvider) Fetch(ctx context.Context, id string) ([]byte, error) {
	p.mu.Lock()
	v, ok := p.cache[id]
	p.mu.Unlock()
	if ok && (p.MaxAge <= 0 || time.Since(v.fetchedAt) < p.MaxAge) {
		return v.value, nil
	}
	return p.Refresh(ctx, id)
}

// Invalidate drops the cached value of id: the next Fetch reads Secrets Manager. Call it when
// Snowflake refuses the credentials (IsAuthFailure).
func (p *SecretsProvider) Invalidate(id string) {
	p.mu.Lock()
	delete(p.cache, id)
	p.mu.Unlock()
}

// Refresh reads the secret's current value from Secrets Manager and caches it.
func (p *SecretsProvider) Refresh(ctx context.Context, id string) ([]byte, error) {
	out, err := p.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		return nil, fmt.Errorf("get secret %s: %w", id, err)
	}
	var value []byte
	switch {
	case out.SecretString != nil:
		value = []byte(*out.SecretString)
	case out.SecretBinary != nil:
		value = out.SecretBinary
	default:
		return nil, fmt.Errorf("get secret %s: no value", id)
	}
	v := secretValue{value: value, version: aws.ToString(out.VersionId), fetchedAt: time.Now()}
	p.mu.Lock()
	p.cache[id] = v
	p.mu.Unlock()
	p.log.InfoContext(ctx, "secret fetched", "secret_id", id, "version", v.version)
	return value, nil
}

// Snowflake error numbers that mean the credentials were refused.
var snowflakeAuthCodes = map[int]bool{
	390100: true, // incorrect username or password
	390144: true, // JWT token is invalid (key pair)
	390302: true, // OAuth: invalid token (older code)
	390303: true, // invalid OAuth access token
	390318: true, // OAuth access token expired
}

// IsAuthFailure reports whether err is Snowflake refusing the credentials.
func IsAuthFailure(err error) bool {
	code, ok := ErrorCode(err)
	return ok && snowflakeAuthCodes[code]
}
