package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tributary-lineage/tributary/ingest/snowflake"
)

// EnvSnowflakeSecretID names an AWS Secrets Manager secret holding Snowflake credentials as
// JSON (see snowflake.Config.WithSecret); it is read when set.
const EnvSnowflakeSecretID = "TRIBUTARY_SNOWFLAKE_SECRET_ID"

// secretMaxAge bounds how long a Snowflake secret read from Secrets Manager is reused
// without a failed login: a rotation is picked up at the latest this long after it.
const secretMaxAge = 15 * time.Minute

// FetchSecret returns the value of a secret (AWS Secrets Manager in the binary).
type FetchSecret func(ctx context.Context, id string) ([]byte, error)

// Opener returns the OpenSource of the binary: dir: sources read the folder, dbt: sources the
// manifest (NewDBTSource), querylog: sources the query-history file (NewQueryLogSource);
// snowflake and snowflake-queries are configured from getenv (snowflake.ConfigFromEnv, plus
// the JSON secret named by TRIBUTARY_SNOWFLAKE_SECRET_ID, read with fetch, when set).
func Opener(getenv func(string) string, fetch FetchSecret, log *slog.Logger) OpenSource {
	return func(ctx context.Context, p RefreshPayload) (Source, func() error, error) {
		kind, arg, err := ParseSourceSpec(p.Source)
		if err != nil {
			return nil, nil, err
		}
		switch kind {
		case "dir":
			src, err := NewDirSource(arg, p.Dir)
			if err != nil {
				return nil, nil, err
			}
			return src, func() error { return nil }, nil
		case SourceQueryLog:
			src, err := NewQueryLogSource(arg)
			if err != nil {
				return nil, nil, err
			}
			return src, func() error { return nil }, nil
		case "dbt":
			src, err := NewDBTSource(arg)
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
		if kind == SourceSnowflakeQueries {
			return NewSnowflakeQuerySource(sf, cfg.Account), sf.Close, nil
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

// OpenerFromEnv returns how the worker and `ingest --inline` open sources. Without
// TRIBUTARY_SNOWFLAKE_SECRET_ID it is Opener reading the environment. With it, the Snowflake
// credentials come from that Secrets Manager secret (JSON with account, user, role, warehouse
// and a private key, token or password; the endpoint from TRIBUTARY_SECRETS_ENDPOINT when
// set), fetched at the first open and kept; when Snowflake rejects them at login the secret is
// read again once (it was rotated) before the open fails.
func OpenerFromEnv(ctx context.Context, getenv func(string) string, logger *slog.Logger) (OpenSource, error) {
	id := getenv(EnvSnowflakeSecretID)
	if id == "" {
		return Opener(getenv, nil, logger), nil
	}
	client, err := snowflake.NewSecretsManagerClient(ctx, getenv(snowflake.EnvSecretsEndpoint))
	if err != nil {
		return nil, fmt.Errorf("secrets manager for %s: %w", EnvSnowflakeSecretID, err)
	}
	secrets := snowflake.NewSecretsProvider(client, logger)
	secrets.MaxAge = secretMaxAge
	fallback := Opener(getenv, secrets.Fetch, logger)
	return func(ctx context.Context, p RefreshPayload) (Source, func() error, error) {
		kind, _, err := ParseSourceSpec(p.Source)
		if err != nil || (kind != "snowflake" && kind != SourceSnowflakeQueries) {
			return fallback(ctx, p)
		}
		sf, account, err := openSnowflake(ctx, getenv, secrets.Fetch, logger)
		if err != nil && snowflake.IsAuthFailure(err) {
			logger.WarnContext(ctx, "snowflake rejected the credentials from the secret; reading it again", "secret_id", id)
			secrets.Invalidate(id)
			sf, account, err = openSnowflake(ctx, getenv, secrets.Fetch, logger)
		}
		if err != nil {
			return nil, nil, err
		}
		if kind == SourceSnowflakeQueries {
			return NewSnowflakeQuerySource(sf, account), sf.Close, nil
		}
		return NewSnowflakeSource(sf, account), sf.Close, nil
	}, nil
}

// openSnowflake opens a Snowflake source with the configuration from the environment and
// the secret, and logs in once so that rejected credentials show up here.
func openSnowflake(ctx context.Context, getenv func(string) string, fetch FetchSecret, logger *slog.Logger) (*snowflake.Source, string, error) {
	cfg, err := SnowflakeConfig(ctx, getenv, fetch)
	if err != nil {
		return nil, "", err
	}
	sf, err := snowflake.Open(cfg, logger)
	if err != nil {
		return nil, "", err
	}
	if err := sf.Ping(ctx); err != nil {
		return nil, "", errors.Join(fmt.Errorf("open snowflake %s: %w", cfg.Account, err), sf.Close())
	}
	return sf, cfg.Account, nil
}
