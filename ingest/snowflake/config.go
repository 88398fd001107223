package snowflake

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/snowflakedb/gosnowflake"
)

// AuthMethod selects how the source logs in to Snowflake.
type AuthMethod string

// Supported authentication methods.
const (
	AuthPassword AuthMethod = "password" // user + password
	AuthKeyPair  AuthMethod = "keypair"  // user + RSA private key (JWT)
	AuthOAuth    AuthMethod = "oauth"    // OAuth access token
	AuthPAT      AuthMethod = "pat"      // programmatic access token
)

// ListMethod selects how views are listed.
type ListMethod string

// Supported list methods.
const (
	// ListInformationSchema reads <DB>.INFORMATION_SCHEMA.VIEWS once per
	// database, falling back to one query per schema, then to SHOW VIEWS,
	// when Snowflake answers 090030 "too much data". It is the default
	// because it carries LAST_ALTERED.
	ListInformationSchema ListMethod = "information_schema"
	// ListShow pages SHOW VIEWS IN SCHEMA per schema. It needs no running
	// warehouse but reports no LAST_ALTERED (Created is used instead).
	ListShow ListMethod = "show"
)

// DefaultPageSize is the LIMIT of paged SHOW commands (Snowflake's maximum).
const DefaultPageSize = 10000

// Config configures a Snowflake source.
type Config struct {
	Account   string // account identifier, e.g. "myorg-myaccount"
	User      string
	Role      string
	Warehouse string

	Auth           AuthMethod
	Password       string // AuthPassword
	PrivateKeyPath string // AuthKeyPair: PEM file holding an unencrypted PKCS#8 or PKCS#1 RSA key
	PrivateKeyPEM  string // AuthKeyPair: the PEM text itself (e.g. from an env var or secret)
	Token          string // AuthOAuth, AuthPAT

	// Host, Port and Protocol override the endpoint derived from Account
	// (private link, tests). Zero values keep the driver defaults.
	Host     string
	Port     int
	Protocol string

	// Scope: glob patterns (* and ?), matched case-insensitively. Empty
	// Include means everything. Schema patterns are "SCHEMA" or "DB.SCHEMA".
	IncludeDatabases []string
	ExcludeDatabases []string
	IncludeSchemas   []string
	ExcludeSchemas   []string

	ListMethod ListMethod // default ListInformationSchema
	PageSize   int        // SHOW ... LIMIT; default DefaultPageSize

	LoginTimeout   time.Duration // default: the driver's
	RequestTimeout time.Duration // default: the driver's
}

// String describes the configuration with secrets masked.
func (c Config) String() string {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "***"
	}
	return fmt.Sprintf("snowflake{account=%s user=%s role=%s warehouse=%s auth=%s password=%s private_key_path=%s private_key_pem=%s token=%s host=%s port=%d protocol=%s include_databases=%v exclude_databases=%v include_schemas=%v exclude_schemas=%v list=%s page=%d}",
		c.Account, c.User, c.Role, c.Warehouse, c.auth(), mask(c.Password), c.PrivateKeyPath,
		mask(c.PrivateKeyPEM), mask(c.Token), c.Host, c.Port, c.Protocol,
		c.IncludeDatabases, c.ExcludeDatabases, c.IncludeSchemas, c.ExcludeSchemas, c.listMethod(), c.pageSize())
}

func (c Config) auth() AuthMethod {
	if c.Auth != "" {
		return c.Auth
	}
	switch {
	case c.PrivateKeyPath != "" || c.PrivateKeyPEM != "":
		return AuthKeyPair
	case c.Token != "":
		return AuthOAuth
	default:
		return AuthPassword
	}
}

func (c Config) listMethod() ListMethod {
	if c.ListMethod == "" {
		return ListInformationSchema
	}
	return c.ListMethod
}

func (c Config) pageSize() int {
	if c.PageSize == 0 {
		return DefaultPageSize
	}
	return c.PageSize
}

// validateScope checks the settings that do not concern the connection.
func (c Config) validateScope() error {
	var errs []error
	switch c.listMethod() {
	case ListInformationSchema, ListShow:
	default:
		errs = append(errs, fmt.Errorf("list method %q: want %q or %q", c.ListMethod, ListInformationSchema, ListShow))
	}
	if p := c.pageSize(); p < 1 || p > DefaultPageSize {
		errs = append(errs, fmt.Errorf("page size %d: want 1..%d", p, DefaultPageSize))
	}
	for _, list := range [][]string{c.IncludeDatabases, c.ExcludeDatabases, c.IncludeSchemas, c.ExcludeSchemas} {
		for _, p := range list {
			if strings.TrimSpace(p) == "" {
				errs = append(errs, errors.New("empty scope pattern"))
			}
		}
	}
	return errors.Join(errs...)
}

// Validate reports every missing or contradictory setting.
func (c Config) Validate() error {
	var errs []error
	if c.Account == "" {
		errs = append(errs, errors.New("account is required"))
	}
	if c.User == "" {
		errs = append(errs, errors.New("user is required"))
	}
	switch c.auth() {
	case AuthPassword:
		if c.Password == "" {
			errs = append(errs, errors.New("password auth: password is required"))
		}
	case AuthKeyPair:
		if (c.PrivateKeyPath == "") == (c.PrivateKeyPEM == "") {
			errs = append(errs, errors.New("keypair auth: set exactly one of private key path and private key PEM"))
		}
	case AuthOAuth, AuthPAT:
		if c.Token == "" {
			errs = append(errs, fmt.Errorf("%s auth: token is required", c.auth()))
		}
	default:
		errs = append(errs, fmt.Errorf("auth %q: want password, keypair, oauth or pat", c.Auth))
	}
	if err := c.validateScope(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// DriverConfig builds the gosnowflake configuration, reading and parsing the
// private key for key-pair auth.
func (c Config) DriverConfig() (gosnowflake.Config, error) {
	if err := c.Validate(); err != nil {
		return gosnowflake.Config{}, fmt.Errorf("snowflake config: %w", err)
	}
	dc := gosnowflake.Config{
		Account:        c.Account,
		User:           c.User,
		Role:           c.Role,
		Warehouse:      c.Warehouse,
		Host:           c.Host,
		Port:           c.Port,
		Protocol:       c.Protocol,
		LoginTimeout:   c.LoginTimeout,
		RequestTimeout: c.RequestTimeout,
		Application:    "tributary",
	}
	switch c.auth() {
	case AuthPassword:
		dc.Authenticator = gosnowflake.AuthTypeSnowflake
		dc.Password = c.Password
	case AuthKeyPair:
		pemText := []byte(c.PrivateKeyPEM)
		if c.PrivateKeyPath != "" {
			b, err := os.ReadFile(c.PrivateKeyPath)
			if err != nil {
				return gosnowflake.Config{}, fmt.Errorf("read private key: %w", err)
			}
			pemText = b
		}
		key, err := ParsePrivateKey(pemText)
		if err != nil {
			return gosnowflake.Config{}, err
		}
		dc.Authenticator = gosnowflake.AuthTypeJwt
		dc.PrivateKey = key
	case AuthOAuth:
		dc.Authenticator = gosnowflake.AuthTypeOAuth
		dc.Token = c.Token
	case AuthPAT:
		dc.Authenticator = gosnowflake.AuthTypePat
		dc.Token = c.Token
	}
	return dc, nil
}

// ParsePrivateKey parses an unencrypted RSA private key in PEM form
// (PKCS#8 "PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY").
func ParsePrivateKey(pemText []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemText)
	if block == nil {
		return nil, errors.New("parse private key: no PEM block found")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse private key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("parse private key: %T is not an RSA key; Snowflake key-pair auth needs RSA", k)
		}
		return rk, nil
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse private key: %w", err)
		}
		return k, nil
	case "ENCRYPTED PRIVATE KEY":
		return nil, errors.New("parse private key: encrypted keys are not supported; store the key decrypted (openssl pkcs8 -topk8 -nocrypt) in a secret")
	default:
		return nil, fmt.Errorf("parse private key: unexpected PEM block %q", block.Type)
	}
}

// Environment variables read by ConfigFromEnv.
const (
	EnvAccount          = "TRIBUTARY_SNOWFLAKE_ACCOUNT"
	EnvUser             = "TRIBUTARY_SNOWFLAKE_USER"
	EnvRole             = "TRIBUTARY_SNOWFLAKE_ROLE"
	EnvWarehouse        = "TRIBUTARY_SNOWFLAKE_WAREHOUSE"
	EnvAuth             = "TRIBUTARY_SNOWFLAKE_AUTH"
	EnvPassword         = "TRIBUTARY_SNOWFLAKE_PASSWORD"
	EnvPrivateKeyPath   = "TRIBUTARY_SNOWFLAKE_PRIVATE_KEY_PATH"
	EnvPrivateKey       = "TRIBUTARY_SNOWFLAKE_PRIVATE_KEY"
	EnvToken            = "TRIBUTARY_SNOWFLAKE_TOKEN"
	EnvHost             = "TRIBUTARY_SNOWFLAKE_HOST"
	EnvPort             = "TRIBUTARY_SNOWFLAKE_PORT"
	EnvProtocol         = "TRIBUTARY_SNOWFLAKE_PROTOCOL"
	EnvIncludeDatabases = "TRIBUTARY_SNOWFLAKE_INCLUDE_DATABASES"
	EnvExcludeDatabases = "TRIBUTARY_SNOWFLAKE_EXCLUDE_DATABASES"
	EnvIncludeSchemas   = "TRIBUTARY_SNOWFLAKE_INCLUDE_SCHEMAS"
	EnvExcludeSchemas   = "TRIBUTARY_SNOWFLAKE_EXCLUDE_SCHEMAS"
	EnvListMethod       = "TRIBUTARY_SNOWFLAKE_LIST_METHOD"
)

// ConfigFromEnv reads a Config through getenv (os.Getenv in main). Pattern
// lists are comma separated. The result is validated.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c, err := PartialConfigFromEnv(getenv)
	if err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("snowflake config from environment: %w", err)
	}
	return c, nil
}

// PartialConfigFromEnv reads what the environment sets without requiring a complete
// configuration: the base that a credentials secret (Config.WithSecret) completes.
func PartialConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Account:          getenv(EnvAccount),
		User:             getenv(EnvUser),
		Role:             getenv(EnvRole),
		Warehouse:        getenv(EnvWarehouse),
		Auth:             AuthMethod(strings.ToLower(getenv(EnvAuth))),
		Password:         getenv(EnvPassword),
		PrivateKeyPath:   getenv(EnvPrivateKeyPath),
		PrivateKeyPEM:    getenv(EnvPrivateKey),
		Token:            getenv(EnvToken),
		Host:             getenv(EnvHost),
		Protocol:         getenv(EnvProtocol),
		IncludeDatabases: splitList(getenv(EnvIncludeDatabases)),
		ExcludeDatabases: splitList(getenv(EnvExcludeDatabases)),
		IncludeSchemas:   splitList(getenv(EnvIncludeSchemas)),
		ExcludeSchemas:   splitList(getenv(EnvExcludeSchemas)),
		ListMethod:       ListMethod(strings.ToLower(getenv(EnvListMethod))),
	}
	if p := getenv(EnvPort); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Config{}, fmt.Errorf("%s=%q: not a port number", EnvPort, p)
		}
		c.Port = n
	}
	return c, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// secretFields is the JSON a credentials secret may hold (for example an AWS
// Secrets Manager secret named by TRIBUTARY_SNOWFLAKE_SECRET_ID). Keys are
// matched case-insensitively.
type secretFields struct {
	Account        string `json:"account"`
	User           string `json:"user"`
	Role           string `json:"role"`
	Warehouse      string `json:"warehouse"`
	Auth           string `json:"auth"`
	Password       string `json:"password"`
	PrivateKey     string `json:"private_key"`
	PrivateKeyPath string `json:"private_key_path"`
	Token          string `json:"token"`
}

// WithSecret returns c with the non-empty fields of a JSON secret applied on
// top (the secret wins). When the secret carries credentials of one kind,
// credentials of the other kinds from c are cleared so the secret decides
// the authentication method unless it names one. The result is validated.
func (c Config) WithSecret(secretJSON []byte) (Config, error) {
	var s secretFields
	if err := json.Unmarshal(secretJSON, &s); err != nil {
		return Config{}, fmt.Errorf("snowflake secret: %w", err)
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&c.Account, s.Account)
	set(&c.User, s.User)
	set(&c.Role, s.Role)
	set(&c.Warehouse, s.Warehouse)
	if s.Password != "" || s.PrivateKey != "" || s.PrivateKeyPath != "" || s.Token != "" {
		c.Password, c.PrivateKeyPEM, c.PrivateKeyPath, c.Token, c.Auth = s.Password, s.PrivateKey, s.PrivateKeyPath, s.Token, ""
	}
	if s.Auth != "" {
		c.Auth = AuthMethod(strings.ToLower(s.Auth))
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("snowflake config with secret: %w", err)
	}
	return c, nil
}
