package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// Token uses Cognito puts in the token_use claim.
const (
	TokenUseAccess = "access"
	TokenUseID     = "id"
)

// Defaults for JWTConfig.
const (
	DefaultSkew = 30 * time.Second
	MaxSkew     = 5 * time.Minute
	maxTokenLen = 16 << 10
)

// JWTConfig says which tokens are accepted.
type JWTConfig struct {
	// Issuer must equal the token's iss exactly (the pool's issuer).
	Issuer string
	// ClientIDs are the app clients whose tokens are accepted: client_id of
	// access tokens, aud of ID tokens. Must not be empty.
	ClientIDs []string
	// TokenUses are the accepted token_use values (default: access only).
	TokenUses []string
	// Skew is the clock tolerance for exp, nbf and iat.
	Skew  time.Duration
	Roles RoleMap
}

// Verifier checks Cognito JWTs: RS256 only, keys from the issuer's JWKS.
// Tokens that passed are remembered (by SHA-256) until they expire, for at
// most verifiedTTL and only while their kid is still in the key set, so a
// client sending the same token again costs a hash, not an RSA verification.
type Verifier struct {
	cfg  JWTConfig
	keys *KeySet
	now  func() time.Time

	mu       sync.Mutex
	verified map[[sha256.Size]byte]verifiedToken
}

type verifiedToken struct {
	p     Principal
	kid   string
	until time.Time
}

const (
	verifiedTTL = 5 * time.Minute
	maxVerified = 10000
)

// NewVerifier checks cfg and returns a verifier using keys.
func NewVerifier(cfg JWTConfig, keys *KeySet) (*Verifier, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("jwt verifier: issuer is empty")
	}
	if len(cfg.ClientIDs) == 0 {
		return nil, errors.New("jwt verifier: no allowed client ids")
	}
	if len(cfg.TokenUses) == 0 {
		cfg.TokenUses = []string{TokenUseAccess}
	}
	for _, u := range cfg.TokenUses {
		if u != TokenUseAccess && u != TokenUseID {
			return nil, fmt.Errorf("jwt verifier: token use %q is not access or id", u)
		}
	}
	if cfg.Skew < 0 || cfg.Skew > MaxSkew {
		return nil, fmt.Errorf("jwt verifier: skew %s is not within 0..%s", cfg.Skew, MaxSkew)
	}
	return &Verifier{cfg: cfg, keys: keys, now: time.Now, verified: map[[sha256.Size]byte]verifiedToken{}}, nil
}

// Reasons for refusing a request; they appear in the audit log and, with a
// fixed text, in the 401 response. None echoes the attacker's input.
const (
	ReasonMissingCredentials   = "missing_credentials"
	ReasonAmbiguousCredentials = "ambiguous_credentials"
	ReasonMalformedToken       = "malformed_token"
	ReasonAlgorithmNotAllowed  = "algorithm_not_allowed"
	ReasonUnknownKey           = "unknown_key"
	ReasonKeysUnavailable      = "keys_unavailable"
	ReasonBadSignature         = "bad_signature"
	ReasonExpired              = "token_expired"
	ReasonNotYetValid          = "token_not_yet_valid"
	ReasonIssuedInFuture       = "token_issued_in_future"
	ReasonWrongIssuer          = "wrong_issuer"
	ReasonMissingClaim         = "missing_claim"
	ReasonWrongTokenUse        = "wrong_token_use"
	ReasonClientNotAllowed     = "client_not_allowed"
	ReasonInvalidClaims        = "invalid_claims"
	ReasonBadAPIKey            = "bad_api_key"
	ReasonRevokedAPIKey        = "revoked_api_key"
	ReasonNoRole               = "no_role"
	ReasonInsufficientRole     = "insufficient_role"
	ReasonRateLimited          = "rate_limited"
)

var reasonText = map[string]string{
	ReasonMissingCredentials:   "credentials required: send Authorization: Bearer <token> or X-API-Key",
	ReasonAmbiguousCredentials: "send either a bearer token or an API key, not both",
	ReasonMalformedToken:       "the bearer token is not a well-formed JWT",
	ReasonAlgorithmNotAllowed:  "the token's signing algorithm is not accepted (RS256 only)",
	ReasonUnknownKey:           "the token is signed with an unknown key",
	ReasonKeysUnavailable:      "the issuer's signing keys could not be fetched",
	ReasonBadSignature:         "the token's signature is invalid",
	ReasonExpired:              "the token has expired",
	ReasonNotYetValid:          "the token is not valid yet",
	ReasonIssuedInFuture:       "the token's issue time is in the future",
	ReasonWrongIssuer:          "the token was not issued by the configured issuer",
	ReasonMissingClaim:         "the token lacks a required claim",
	ReasonWrongTokenUse:        "this kind of token (token_use) is not accepted",
	ReasonClientNotAllowed:     "the token's client is not allowed",
	ReasonInvalidClaims:        "the token's claims are invalid",
	ReasonBadAPIKey:            "the API key is not valid",
	ReasonRevokedAPIKey:        "the API key is not valid",
	ReasonNoRole:               "the principal has no role in Tributary",
	ReasonInsufficientRole:     "the principal's role does not allow this request",
	ReasonRateLimited:          "too many requests; retry later",
}

// Failure is why credentials were refused. Reason is one of the Reason*
// constants; Err is the internal cause (logged in the audit record, never
// sent to the client).
type Failure struct {
	Reason string
	Err    error
}

func (f *Failure) Error() string {
	if f.Err != nil {
		return f.Reason + ": " + f.Err.Error()
	}
	return f.Reason
}

func (f *Failure) Unwrap() error { return f.Err }

// Message is the fixed client-facing text for the reason.
func (f *Failure) Message() string {
	if m, ok := reasonText[f.Reason]; ok {
		return m
	}
	return "unauthorized"
}

func fail(reason string, err error) *Failure { return &Failure{Reason: reason, Err: err} }

// Principal is who made a request.
type Principal struct {
	// ID is stable and unique: "user:<sub>", "client:<client_id>",
	// "apikey:<key id>" or "anonymous".
	ID string
	// Name is for people reading logs: the Cognito username, the app client
	// id, or the API key's name.
	Name string
	Role Role
	// Method is how the principal authenticated: "jwt", "apikey" or "none".
	Method string
}

// Verify checks a compact JWT and returns its principal. Every refusal is a
// *Failure.
func (v *Verifier) Verify(ctx context.Context, token string) (Principal, error) {
	if token == "" || len(token) > maxTokenLen || strings.Count(token, ".") != 2 {
		return Principal{}, fail(ReasonMalformedToken, errors.New("not three dot-separated parts"))
	}
	sum := sha256.Sum256([]byte(token))
	if p, ok := v.remembered(sum); ok {
		return p, nil
	}
	p, kid, exp, err := v.verify(ctx, token)
	if err != nil {
		return Principal{}, err
	}
	until := v.now().Add(verifiedTTL)
	if exp.Before(until) {
		until = exp
	}
	v.remember(sum, verifiedToken{p: p, kid: kid, until: until})
	return p, nil
}

func (v *Verifier) remembered(sum [sha256.Size]byte) (Principal, bool) {
	v.mu.Lock()
	vt, ok := v.verified[sum]
	v.mu.Unlock()
	if !ok || !v.now().Before(vt.until) || !v.keys.Has(vt.kid) {
		return Principal{}, false
	}
	return vt.p, true
}

func (v *Verifier) remember(sum [sha256.Size]byte, vt verifiedToken) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.verified) >= maxVerified {
		// Drop expired entries; if none, drop an arbitrary tenth.
		now, dropped := v.now(), 0
		for k, e := range v.verified {
			if !now.Before(e.until) {
				delete(v.verified, k)
				dropped++
			}
		}
		for k := range v.verified {
			if dropped >= maxVerified/10 {
				break
			}
			delete(v.verified, k)
			dropped++
		}
	}
	v.verified[sum] = vt
}

// verify does the full check and returns the principal, the kid and the expiry.
func (v *Verifier) verify(ctx context.Context, token string) (Principal, string, time.Time, error) {
	p, kid, tok, err := v.verifyToken(ctx, token)
	if err != nil {
		return Principal{}, "", time.Time{}, err
	}
	return p, kid, tok.Expiration(), nil
}

func (v *Verifier) verifyToken(ctx context.Context, token string) (Principal, string, jwt.Token, error) {
	msg, err := jws.ParseString(token)
	if err != nil {
		// Parser errors may quote the input; the audit log gets a fixed text.
		return Principal{}, "", nil, fail(ReasonMalformedToken, errors.New("not a compact JWS"))
	}
	sigs := msg.Signatures()
	if len(sigs) != 1 {
		return Principal{}, "", nil, fail(ReasonMalformedToken, fmt.Errorf("%d signatures", len(sigs)))
	}
	hdr := sigs[0].ProtectedHeaders()
	// The algorithm is fixed here, before any key is looked up: alg=none,
	// HS256 keyed with the public key and every other algorithm stop now.
	if alg := hdr.Algorithm(); alg != jwa.RS256 {
		return Principal{}, "", nil, fail(ReasonAlgorithmNotAllowed, fmt.Errorf("alg %q", alg.String()))
	}
	if hdr.Critical() != nil {
		return Principal{}, "", nil, fail(ReasonMalformedToken, errors.New("crit header present"))
	}
	kid := hdr.KeyID()
	if kid == "" {
		return Principal{}, "", nil, fail(ReasonUnknownKey, errors.New("no kid"))
	}
	key, err := v.keys.Key(ctx, kid)
	if err != nil {
		if errors.Is(err, ErrUnknownKey) {
			return Principal{}, "", nil, fail(ReasonUnknownKey, err)
		}
		return Principal{}, "", nil, fail(ReasonKeysUnavailable, err)
	}
	tok, err := jwt.ParseString(token,
		jwt.WithKey(jwa.RS256, key),
		jwt.WithValidate(true),
		jwt.WithAcceptableSkew(v.cfg.Skew),
		jwt.WithClock(jwt.ClockFunc(v.now)),
		jwt.WithIssuer(v.cfg.Issuer),
		jwt.WithRequiredClaim(jwt.ExpirationKey),
		jwt.WithRequiredClaim(jwt.IssuedAtKey),
		jwt.WithRequiredClaim(jwt.SubjectKey),
		jwt.WithRequiredClaim("token_use"),
	)
	if err != nil {
		return Principal{}, "", nil, classify(err)
	}
	p, err := v.principal(tok)
	return p, kid, tok, err
}

func classify(err error) *Failure {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired()):
		return fail(ReasonExpired, err)
	case errors.Is(err, jwt.ErrTokenNotYetValid()):
		return fail(ReasonNotYetValid, err)
	case errors.Is(err, jwt.ErrInvalidIssuedAt()):
		return fail(ReasonIssuedInFuture, err)
	case errors.Is(err, jwt.ErrInvalidIssuer()):
		return fail(ReasonWrongIssuer, err)
	case errors.Is(err, jwt.ErrRequiredClaim()):
		return fail(ReasonMissingClaim, err)
	case jwt.IsValidationError(err):
		return fail(ReasonInvalidClaims, err)
	case strings.Contains(err.Error(), "could not verify message"):
		return fail(ReasonBadSignature, err)
	}
	// Other parse errors may quote the payload; keep a fixed text.
	return fail(ReasonMalformedToken, errors.New("claims could not be parsed"))
}

func (v *Verifier) principal(tok jwt.Token) (Principal, error) {
	// The principal is "user:<sub>": a null, empty or blank subject would name no one (and
	// every such token the same one).
	if strings.TrimSpace(tok.Subject()) == "" {
		return Principal{}, fail(ReasonMissingClaim, errors.New("sub is empty"))
	}
	use, _ := claimString(tok, "token_use")
	if !slices.Contains(v.cfg.TokenUses, use) {
		return Principal{}, fail(ReasonWrongTokenUse, fmt.Errorf("token_use %q", use))
	}
	var client string
	switch use {
	case TokenUseAccess:
		client, _ = claimString(tok, "client_id")
		if !slices.Contains(v.cfg.ClientIDs, client) {
			return Principal{}, fail(ReasonClientNotAllowed, fmt.Errorf("client_id %q", client))
		}
	case TokenUseID:
		// An ID token's aud is the app client id; accept only when every
		// audience is allowed (Cognito issues exactly one).
		aud := tok.Audience()
		if len(aud) == 0 {
			return Principal{}, fail(ReasonClientNotAllowed, errors.New("no aud"))
		}
		for _, a := range aud {
			if !slices.Contains(v.cfg.ClientIDs, a) {
				return Principal{}, fail(ReasonClientNotAllowed, fmt.Errorf("aud %q", a))
			}
		}
		client = aud[0]
	}
	groups, err := claimStrings(tok, "cognito:groups")
	if err != nil {
		return Principal{}, fail(ReasonInvalidClaims, err)
	}
	scope, _ := claimString(tok, "scope")
	p := Principal{
		ID:     "user:" + tok.Subject(),
		Role:   v.cfg.Roles.Role(groups, strings.Fields(scope)),
		Method: "jwt",
	}
	p.Name, _ = claimString(tok, "username")
	if p.Name == "" {
		p.Name, _ = claimString(tok, "cognito:username")
	}
	if p.Name == "" && tok.Subject() == client {
		// Client-credentials tokens: the subject is the app client itself.
		p.ID, p.Name = "client:"+client, client
	}
	return p, nil
}

func claimString(tok jwt.Token, name string) (string, bool) {
	v, ok := tok.Get(name)
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	return s, ok
}

func claimStrings(tok jwt.Token, name string) ([]string, error) {
	v, ok := tok.Get(name)
	if !ok {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("claim %s is %T, not a list", name, v)
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("claim %s holds a %T", name, e)
		}
		out = append(out, s)
	}
	return out, nil
}
