package snowflaketest

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// PublicKeyFingerprint is Snowflake's fingerprint of an RSA public key:
// "SHA256:" + base64(sha256(DER of the PKIX public key)).
func PublicKeyFingerprint(pub *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("marshal public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return "SHA256:" + base64.StdEncoding.EncodeToString(sum[:]), nil
}

// verifyJWT checks a key-pair login token the way Snowflake does: RS256
// signature by the user's registered key, subject "ACCOUNT.USER", issuer
// "ACCOUNT.USER.SHA256:<fingerprint>" and a live expiry. It returns the user
// name.
func (s *Server) verifyJWT(token string) (string, error) {
	if token == "" {
		return "", errors.New("no token")
	}
	var user User
	claims := jwt.MapClaims{}
	parsed, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		sub, err := t.Claims.GetSubject()
		if err != nil {
			return nil, fmt.Errorf("subject: %w", err)
		}
		account, name, ok := strings.Cut(sub, ".")
		if !ok {
			return nil, fmt.Errorf("subject %q is not ACCOUNT.USER", sub)
		}
		if !strings.EqualFold(account, s.account) {
			return nil, fmt.Errorf("subject account %q, want %q", account, strings.ToUpper(s.account))
		}
		u, found := s.users[strings.ToUpper(name)]
		if !found || u.PublicKey == nil {
			return nil, fmt.Errorf("user %q has no registered public key", name)
		}
		user = u
		return u.PublicKey, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		return "", err
	}
	if !parsed.Valid {
		return "", errors.New("token is not valid")
	}
	fp, err := PublicKeyFingerprint(user.PublicKey)
	if err != nil {
		return "", err
	}
	iss, err := claims.GetIssuer()
	if err != nil {
		return "", fmt.Errorf("issuer: %w", err)
	}
	wantIss := strings.ToUpper(s.account) + "." + strings.ToUpper(user.Name) + "." + fp
	if iss != wantIss {
		return "", fmt.Errorf("issuer %q, want %q", iss, wantIss)
	}
	return user.Name, nil
}
