package sql

// The lexer turns the whole source into a token slice in one pass. It works
// on bytes: identifiers are ASCII letters, digits, '_' and '$' plus any
// non-ASCII byte (so UTF-8 letters are kept whole); everything else is
// punctuation, literals or comments. Lexical errors become tError tokens so
// that one bad statement does not stop the others from being parsed.

type tokKind uint8

const (
	tEOF        tokKind = iota
	tError              // lexical error; text is the message
	tWord               // unquoted identifier or keyword
	tQIdent             // "quoted identifier"; text is the raw token
	tString             // '...' string; text is the raw token
	tDollarStr          // $$...$$ string; text is the raw token
	tHexStr             // X'...'; text is the raw token
	tNumber             // 12, 1.5, 1e10, .5
	tVar                // $name session variable; text includes '$'
	tPositional         // $1; text includes '$'
	tStage              // @stage/path; text includes '@'
	tPunct              // operators and punctuation; text is the operator
)

// token is kept small (32 bytes): the token slice is the parser's largest
// allocation.
type token struct {
	kind  tokKind
	class uint8  // for a tWord: classNone, classFromOnly or classReserved
	kwid  uint16 // keyword id of a tWord (0: not a keyword); message id of a tError
	line  int32
	col   int32
	off   int32
	text  string // the token's source text
}

// Word classes.
const (
	classNone     uint8 = iota
	classFromOnly       // reserved only as a table name or alias in FROM (see keyword)
	classReserved       // reserved by Snowflake
)

// reserved reports whether the token is a word that Snowflake reserves.
func (t *token) reserved() bool { return t.class == classReserved }

// kw returns the canonical upper-case keyword of a tWord, "" otherwise.
func (t *token) kw() string {
	if t.kind != tWord {
		return ""
	}
	return keywordNames[t.kwid]
}

func (t *token) pos() Pos {
	return Pos{Line: int(t.line), Col: int(t.col), Offset: int(t.off)}
}

// end returns the offset just past the token.
func (t *token) end() int { return int(t.off) + len(t.text) }

// lexErrors are the messages of tError tokens, indexed by kwid.
var lexErrors = [...]string{
	"unterminated /* comment",
	"unterminated binary literal",
	"unterminated string literal",
	"unterminated quoted identifier",
	"unterminated $$ string",
	"unexpected character",
	"input too large",
}

const (
	errComment = iota
	errBinary
	errString
	errQuoted
	errDollar
	errChar
	errTooLarge
)

// message returns the lexical error message of a tError token.
func (t *token) message() string { return lexErrors[t.kwid] }

type lexer struct {
	src       string
	i         int
	line      int
	lineStart int
	toks      []token
}

// maxInput is the largest input the lexer accepts (offsets are int32).
const maxInput = 1<<31 - 1

func lex(src string) []token {
	if len(src) > maxInput {
		return []token{{kind: tError, kwid: errTooLarge, line: 1, col: 1}, {kind: tEOF, line: 1, col: 1}}
	}
	lx := lexer{src: src, line: 1, toks: make([]token, 0, len(src)/4+8)}
	if len(src) >= 3 && src[:3] == "\xEF\xBB\xBF" { // UTF-8 byte order mark
		lx.i = 3
	}
	lx.run()
	return lx.toks
}

func (lx *lexer) pos(off int) Pos {
	return Pos{Line: lx.line, Col: off - lx.lineStart + 1, Offset: off}
}

func (lx *lexer) emit(kind tokKind, start int, p Pos) {
	lx.toks = append(lx.toks, token{kind: kind, text: lx.src[start:lx.i], line: int32(p.Line), col: int32(p.Col), off: int32(p.Offset)})
}

func (lx *lexer) emitError(msg uint16, p Pos) {
	lx.toks = append(lx.toks, token{kind: tError, kwid: msg, text: lx.src[p.Offset:lx.i], line: int32(p.Line), col: int32(p.Col), off: int32(p.Offset)})
}

// newline records a line break at offset off (the '\n' byte).
func (lx *lexer) newline(off int) {
	lx.line++
	lx.lineStart = off + 1
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '$'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (lx *lexer) run() {
	src := lx.src
	for {
		// skip blanks and comments
		for lx.i < len(src) {
			c := src[lx.i]
			switch {
			case c == '\n':
				lx.newline(lx.i)
				lx.i++
				continue
			case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
				lx.i++
				continue
			case c == '-' && lx.i+1 < len(src) && src[lx.i+1] == '-',
				c == '/' && lx.i+1 < len(src) && src[lx.i+1] == '/':
				for lx.i < len(src) && src[lx.i] != '\n' {
					lx.i++
				}
				continue
			case c == '/' && lx.i+1 < len(src) && src[lx.i+1] == '*':
				p := lx.pos(lx.i)
				lx.i += 2
				closed := false
				for lx.i < len(src) {
					if src[lx.i] == '*' && lx.i+1 < len(src) && src[lx.i+1] == '/' {
						lx.i += 2
						closed = true
						break
					}
					if src[lx.i] == '\n' {
						lx.newline(lx.i)
					}
					lx.i++
				}
				if !closed {
					lx.emitError(errComment, p)
				}
				continue
			}
			break
		}
		if lx.i >= len(src) {
			p := lx.pos(lx.i)
			lx.toks = append(lx.toks, token{kind: tEOF, line: int32(p.Line), col: int32(p.Col), off: int32(p.Offset)})
			return
		}
		start := lx.i
		p := lx.pos(start)
		c := src[lx.i]
		switch {
		case (c == 'x' || c == 'X') && lx.i+1 < len(src) && src[lx.i+1] == '\'':
			lx.i++
			if lx.quoted('\'', false) {
				lx.emit(tHexStr, start, p)
			} else {
				lx.emitError(errBinary, p)
			}
		case isIdentStart(c):
			for lx.i < len(src) && isIdentChar(src[lx.i]) {
				lx.i++
			}
			lx.emitWord(start, p)
		case isDigit(c) || c == '.' && lx.i+1 < len(src) && isDigit(src[lx.i+1]) && !lx.afterOperand():
			lx.number()
			lx.emit(tNumber, start, p)
		case c == '\'':
			if lx.quoted('\'', true) {
				lx.emit(tString, start, p)
			} else {
				lx.emitError(errString, p)
			}
		case c == '"':
			if lx.quoted('"', false) {
				lx.emit(tQIdent, start, p)
			} else {
				lx.emitError(errQuoted, p)
			}
		case c == '$':
			lx.dollar(start, p)
		case c == '@':
			lx.i++
			lx.stage()
			lx.emit(tStage, start, p)
		default:
			lx.punct(start, p)
		}
	}
}

// afterOperand reports whether the previous token ends an operand, in which
// case a following '.' is a qualifier dot, not the start of a number.
func (lx *lexer) afterOperand() bool {
	if len(lx.toks) == 0 {
		return false
	}
	t := lx.toks[len(lx.toks)-1]
	if t.end() != lx.i {
		return false // whitespace in between: ". 5" style is rare; treat ".5" as a number
	}
	switch t.kind {
	case tWord, tQIdent, tNumber, tPositional, tVar:
		return true
	case tPunct:
		return t.text == ")" || t.text == "]"
	}
	return false
}

// quoted scans a quoted token starting at lx.i (the opening quote q). A
// doubled quote is an escaped quote; backslash escapes apply when
// backslashes is set. It reports whether the closing quote was found.
func (lx *lexer) quoted(q byte, backslashes bool) bool {
	src := lx.src
	lx.i++
	for lx.i < len(src) {
		c := src[lx.i]
		switch {
		case c == q:
			if lx.i+1 < len(src) && src[lx.i+1] == q {
				lx.i += 2
				continue
			}
			lx.i++
			return true
		case c == '\\' && backslashes:
			lx.i++
			if lx.i < len(src) {
				if src[lx.i] == '\n' {
					lx.newline(lx.i)
				}
				lx.i++
			}
			continue
		case c == '\n':
			lx.newline(lx.i)
		}
		lx.i++
	}
	return false
}

func (lx *lexer) number() {
	src := lx.src
	for lx.i < len(src) && isDigit(src[lx.i]) {
		lx.i++
	}
	if lx.i < len(src) && src[lx.i] == '.' {
		lx.i++
		for lx.i < len(src) && isDigit(src[lx.i]) {
			lx.i++
		}
	}
	if lx.i < len(src) && (src[lx.i] == 'e' || src[lx.i] == 'E') {
		j := lx.i + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j < len(src) && isDigit(src[j]) {
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			lx.i = j
		}
	}
}

func (lx *lexer) dollar(start int, p Pos) {
	src := lx.src
	if lx.i+1 < len(src) && src[lx.i+1] == '$' {
		lx.i += 2
		for lx.i < len(src) {
			if src[lx.i] == '$' && lx.i+1 < len(src) && src[lx.i+1] == '$' {
				lx.i += 2
				lx.emit(tDollarStr, start, p)
				return
			}
			if src[lx.i] == '\n' {
				lx.newline(lx.i)
			}
			lx.i++
		}
		lx.emitError(errDollar, p)
		return
	}
	lx.i++
	if lx.i < len(src) && isDigit(src[lx.i]) {
		for lx.i < len(src) && isDigit(src[lx.i]) {
			lx.i++
		}
		lx.emit(tPositional, start, p)
		return
	}
	if lx.i < len(src) && isIdentStart(src[lx.i]) {
		for lx.i < len(src) && isIdentChar(src[lx.i]) {
			lx.i++
		}
		lx.emit(tVar, start, p)
		return
	}
	// A lone '$' (the end anchor of a MATCH_RECOGNIZE pattern).
	lx.emit(tPunct, start, p)
}

// stage scans a stage location after '@': a name with dots, '~' or '%', then
// an optional /path. It stops at blanks, parentheses, commas and semicolons.
func (lx *lexer) stage() {
	src := lx.src
	for lx.i < len(src) {
		c := src[lx.i]
		if c == '"' {
			if !lx.quoted('"', false) {
				return
			}
			continue
		}
		if c <= ' ' || c == '(' || c == ')' || c == ',' || c == ';' || c == '\'' {
			return
		}
		lx.i++
	}
}

func (lx *lexer) punct(start int, p Pos) {
	src := lx.src
	c := src[lx.i]
	two := ""
	if lx.i+1 < len(src) {
		two = src[lx.i : lx.i+2]
	}
	switch two {
	case "::", "=>", "->", "||", "<=", ">=", "<>", "!=", "==":
		lx.i += 2
		lx.emit(tPunct, start, p)
		return
	}
	switch c {
	case '(', ')', '[', ']', '{', '}', ',', ';', '.', ':', '+', '-', '*', '/', '%', '=', '<', '>', '?', '~', '^', '|', '&':
		lx.i++
		lx.emit(tPunct, start, p)
	default:
		lx.i++
		lx.emitError(errChar, p)
	}
}

func (lx *lexer) emitWord(start int, p Pos) {
	w := lx.src[start:lx.i]
	t := token{kind: tWord, text: w, line: int32(p.Line), col: int32(p.Col), off: int32(p.Offset)}
	if len(w) <= maxKeywordLen {
		var buf [maxKeywordLen]byte
		for j := 0; j < len(w); j++ {
			c := w[j]
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			buf[j] = c
		}
		if k, ok := keywords[string(buf[:len(w)])]; ok {
			t.kwid = k.id
			switch {
			case k.reserved:
				t.class = classReserved
			case k.fromOnly:
				t.class = classFromOnly
			}
		}
	}
	lx.toks = append(lx.toks, t)
}
