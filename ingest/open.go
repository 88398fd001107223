package ingest

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tributary-lineage/tributary/ingest/snowflake"
)

// EnvSnowflakeSecretID names an AWS Secrets Manager secret holding Snowflake credentials as
// JSON (see snowflake.Config.WithSecret); it is read when set.
const EnvSnowflakeSecretID = "TRIBUTARY_SNOWFLAKE_SECRET_ID"

// FetchSecret returns the value of a secret (AWS Secrets Manager in the binary).
type FetchSecret func(ctx context.Context, id string) ([]byte, error)

// Opener returns the OpenSource of the binary: dir: sources read the folder; snowflake is
// configured from getenv (snowflake.ConfigFromEnv, plus the JSON secret named by
// TRIBUTARY_SNOWFLAKE_SECRET_ID, read with fetch, when set).
func Opener(getenv func(string) string, fetch FetchSecret, log *slog.Logger) OpenSource {
	return func(ctx context.Context, p RefreshPayload) (Source, func() error, error) {
		kind, arg, err := ParseSourceSpec(p.Source)
		if err != nil {
			return nil, nil, err
		}
		if kind == "dir" {
			src, err := NewDirSource(arg, p.Dir)
			if err != nil {
				return nil, nil, err
			}
			return src, func() error { return nil }, nil
		}
		cfg, err := SnowflakeConfig(ctx, getenv, fetch)
		if err != nil {
			return nil, nil, err
		}
		sf, err := snowflake.Open(cfg, log)
		if err != nil {
			return nil, nil, err
		}
		return NewSnowflakeSource(sf, cfg.Account), sf.Close, nil
	}
}

// SnowflakeConfig reads the Snowflake configuration from the environment and, when
// TRIBUTARY_SNOWFLAKE_SECRET_ID is set, applies the JSON secret it names (read with fetch).
func SnowflakeConfig(ctx context.Context, getenv func(string) string, fetch FetchSecret) (snowflake.Config, error) {
	id := getenv(EnvSnowflakeSecretID)
	if id == "" {
		return snowflake.ConfigFromEnv(getenv)
	}
	if fetch == nil {
		return snowflake.Config{}, fmt.Errorf("%s=%s: this binary cannot read secrets", EnvSnowflakeSecretID, id)
	}
	secret, err := fetch(ctx, id)
	if err != nil {
		return snowflake.Config{}, fmt.Errorf("snowflake secret %s: %w", id, err)
	}
	// The environment may lack what the secret supplies: apply the secret before validating,
	// keeping what the environment does set (endpoint, scope patterns, listing method).
	base, err := snowflake.PartialConfigFromEnv(getenv)
	if err != nil {
		return snowflake.Config{}, err
	}
	cfg, err := base.WithSecret(secret)
	if err != nil {
		return snowflake.Config{}, fmt.Errorf("snowflake secret %s: %w", id, err)
	}
	if err := cfg.Validate(); err != nil {
		return snowflake.Config{}, fmt.Errorf("snowflake secret %s: %w", id, err)
	}
	return cfg, nil
}
