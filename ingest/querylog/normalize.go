package querylog

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalize returns the canonical form of a statement used for its
// identity: comments removed, string and numeric literals replaced by ?,
// unquoted words upper-cased (Snowflake resolves unquoted identifiers and
// keywords case-insensitively), and the tokens joined by single spaces, so
// that whitespace and layout do not matter. Quoted identifiers are kept
// exactly. Positional references such as $1 are kept: they are not
// literals. The result is for comparing and hashing, not for parsing.
func Normalize(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	emit := func(tok string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(tok)
	}
	emitUpper := func(word string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		for k := 0; k < len(word); k++ {
			c := word[k]
			if c >= utf8.RuneSelf {
				b.WriteString(strings.ToUpper(word[k:]))
				return
			}
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteByte(c)
		}
	}
	s := text
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-', c == '/' && i+1 < len(s) && s[i+1] == '/':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				i = len(s)
			} else {
				i += 2 + end + 2
			}
		case c == '\'':
			i = skipString(s, i)
			emit("?")
		case c == '$' && i+1 < len(s) && s[i+1] == '$':
			end := strings.Index(s[i+2:], "$$")
			if end < 0 {
				i = len(s)
			} else {
				i += 2 + end + 2
			}
			emit("?")
		case c == '$' && i+1 < len(s) && isDigit(s[i+1]):
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			emit(s[i:j])
			i = j
		case c == '"':
			j := i + 1
			for j < len(s) {
				if s[j] == '"' {
					if j+1 < len(s) && s[j+1] == '"' {
						j += 2
						continue
					}
					j++
					break
				}
				j++
			}
			emit(s[i:j])
			i = j
		case isDigit(c) || (c == '.' && i+1 < len(s) && isDigit(s[i+1])):
			i = skipNumber(s, i)
			emit("?")
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if isWordStart(r) {
				j := i + size
				for j < len(s) {
					r2, n := utf8.DecodeRuneInString(s[j:])
					if !isWordPart(r2) {
						break
					}
					j += n
				}
				emitUpper(s[i:j])
				i = j
				continue
			}
			emit(s[i : i+size])
			i += size
		}
	}
	return b.String()
}

// skipString returns the index after the single-quoted string at i (doubled
// quotes and backslash escapes inside); an unterminated string runs to the end.
func skipString(s string, i int) int {
	j := i + 1
	for j < len(s) {
		switch s[j] {
		case '\\':
			j += 2
			continue
		case '\'':
			if j+1 < len(s) && s[j+1] == '\'' {
				j += 2
				continue
			}
			return j + 1
		}
		j++
	}
	return len(s)
}

// skipNumber returns the index after the numeric literal at i: digits, a
// fraction and an exponent.
func skipNumber(s string, i int) int {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			j = k
		}
	}
	// Word characters glued to a number (1abc) belong to the same token.
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		if !isWordPart(r) {
			break
		}
		j += n
	}
	return j
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

func isWordPart(r rune) bool {
	return r == '_' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// Hash is the identity of a statement: the hex SHA-256 (first 16 bytes) of
// its normalised text and the session's default database and schema, which
// decide what its unqualified names mean.
func Hash(normalized, database, schema string) string {
	h := sha256.New()
	h.Write([]byte(normalized))
	h.Write([]byte{0})
	h.Write([]byte(database))
	h.Write([]byte{0})
	h.Write([]byte(schema))
	return hex.EncodeToString(h.Sum(nil)[:16])
}
