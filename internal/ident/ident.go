// Package ident writes and reads Snowflake identifiers. It is pure string handling, shared by
// the lineage engine (which may import nothing with I/O) and the graph model.
package ident

import (
	"fmt"
	"strings"
)

// IsUnquoted reports whether s is a valid unquoted Snowflake identifier: a letter or
// underscore, then letters, digits, underscores or dollar signs (ASCII only).
func IsUnquoted(s string) bool {
	if s == "" {
		return false
	}
	for k := 0; k < len(s); k++ {
		c := s[k]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '_':
		case (c >= '0' && c <= '9') || c == '$':
			if k == 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// IsBare reports whether s can be written without quotes and still resolve to itself: a valid
// unquoted identifier already in upper case.
func IsBare(s string) bool { return IsUnquoted(s) && strings.ToUpper(s) == s }

// Quote writes one resolved identifier the way Snowflake reads it back: bare when IsBare,
// otherwise in double quotes with inner quotes doubled.
func Quote(s string) string {
	if IsBare(s) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// Mode says how Split reads unquoted parts.
type Mode int

const (
	// Strict: an unquoted part must be a valid unquoted identifier (names from users and ids).
	Strict Mode = iota
	// Lenient: an unquoted part is trimmed of spaces and taken as it is, upper-cased (catalog
	// keys written by hand).
	Lenient
)

// Split splits a dotted name written in SQL identifier syntax into resolved parts: unquoted
// parts are upper-cased, "quoted" parts are kept exactly ("" inside quotes is a quote).
// Errors give the byte offset of the problem.
func Split(s string, mode Mode) ([]string, error) {
	var parts []string
	i := 0
	for {
		if i >= len(s) {
			return nil, fmt.Errorf("empty identifier at offset %d", i)
		}
		var part string
		if s[i] == '"' {
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(s) {
				if s[j] == '"' {
					if j+1 < len(s) && s[j+1] == '"' {
						b.WriteByte('"')
						j += 2
						continue
					}
					closed = true
					j++
					break
				}
				b.WriteByte(s[j])
				j++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated quoted identifier at offset %d", i)
			}
			if b.Len() == 0 {
				return nil, fmt.Errorf("empty quoted identifier at offset %d", i)
			}
			part = b.String()
			i = j
		} else {
			j := i
			for j < len(s) && s[j] != '.' {
				j++
			}
			raw := s[i:j]
			if mode == Lenient {
				raw = strings.TrimSpace(raw)
			}
			if raw == "" {
				return nil, fmt.Errorf("empty identifier at offset %d", i)
			}
			if mode == Strict && !IsUnquoted(raw) {
				return nil, fmt.Errorf("invalid unquoted identifier %q at offset %d (quote it)", raw, i)
			}
			part = strings.ToUpper(raw)
			i = j
		}
		parts = append(parts, part)
		if i == len(s) {
			return parts, nil
		}
		if s[i] != '.' {
			return nil, fmt.Errorf("expected '.' at offset %d, found %q", i, s[i])
		}
		i++
	}
}
