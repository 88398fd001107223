// Package doctest finds the runnable examples of the documentation, so tests can run them
// against the demo warehouse: the curl commands and Cypher blocks of Markdown files, the saved
// queries of Neo4j Browser (cypher/browser/queries.cypher) and the runnable blocks of the
// Browser guide (cypher/browser/guide.html).
//
// Conventions the documentation follows (docs/api.md, "Examples are tests"):
//   - A Markdown code block labelled cypher holds one statement, or only Browser :param lines,
//     which set parameters for the blocks after it in the same file, as Browser does.
//   - A curl answers 2xx with a non-empty result unless the line before its code block is an
//     annotation: <!-- expect: 404 --> (the status every curl of the block must answer) or
//     <!-- expect: external --> (the block calls another service, e.g. Cognito, and is not run).
package doctest

import (
	"bufio"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Block is a fenced code block of a Markdown file.
type Block struct {
	File string
	Line int    // of the opening fence, 1-based
	Lang string // the fence's info string, e.g. sh, cypher, or empty
	Text string
	// Expect is the block's annotation: "" (2xx), a status code such as "404", or "external".
	Expect string
}

func (b Block) String() string { return fmt.Sprintf("%s:%d", b.File, b.Line) }

var expectRE = regexp.MustCompile(`^<!--\s*expect:\s*(\S+)\s*-->$`)

// MarkdownBlocks returns the fenced (```) code blocks of a Markdown file.
func MarkdownBlocks(file string, src string) ([]Block, error) {
	var out []Block
	var cur *Block
	var body []string
	prev := ""
	sc := bufio.NewScanner(strings.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			cur = &Block{File: file, Line: n, Lang: strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))}
			if m := expectRE.FindStringSubmatch(prev); m != nil {
				cur.Expect = m[1]
			}
			body = nil
		case cur != nil && trimmed == "```":
			cur.Text = strings.Join(body, "\n")
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body = append(body, line)
		}
		if trimmed != "" {
			prev = trimmed
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: code block is not closed", file, cur.Line)
	}
	for _, b := range out {
		if b.Expect != "" && b.Expect != "external" {
			if code, err := strconv.Atoi(b.Expect); err != nil || code < 100 || code > 599 {
				return nil, fmt.Errorf("%s: annotation expect: %q is neither a status code nor external", b, b.Expect)
			}
		}
	}
	return out, nil
}

// Curl is one curl command of a code block.
type Curl struct {
	Line   int // in the file
	Text   string
	Method string
	URL    *url.URL
	Header http.Header
	Body   string
}

// Curls returns the curl commands of a block: lines whose command (after an optional "$ "
// prompt or "VAR=$(") is curl, with their backslash continuations.
func Curls(b Block) ([]Curl, error) {
	var out []Curl
	lines := strings.Split(b.Text, "\n")
	for i := 0; i < len(lines); i++ {
		start := strings.Index(lines[i], "curl ")
		if start < 0 || !curlStartRE.MatchString(lines[i][:start]) {
			continue
		}
		cmd := lines[i][start:]
		first := i
		for strings.HasSuffix(strings.TrimRight(cmd, " "), `\`) && i+1 < len(lines) {
			cmd = strings.TrimSuffix(strings.TrimRight(cmd, " "), `\`) + " " + strings.TrimSpace(lines[i+1])
			i++
		}
		c, err := ParseCurl(cmd)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", b.File, b.Line+1+first, err)
		}
		c.Line = b.Line + 1 + first
		out = append(out, c)
	}
	return out, nil
}

var curlStartRE = regexp.MustCompile(`^\s*(\$\s+)?([A-Za-z_][A-Za-z0-9_]*=\$\()?$`)

// ParseCurl parses a curl command line: -X/--request, -H/--header, -d/--data/--data-raw/
// --data-binary and the flags that change nothing about the request (-s, -S, -f, -i, -v, -L).
// Anything else is an error, so a new flag is taught here rather than ignored.
func ParseCurl(cmd string) (Curl, error) {
	words, err := shellWords(cmd)
	if err != nil {
		return Curl{}, fmt.Errorf("%s: %w", cmd, err)
	}
	c := Curl{Text: cmd, Header: http.Header{}}
	var rawURL string
	for i := 1; i < len(words); i++ {
		w := words[i]
		next := func() (string, error) {
			if i+1 >= len(words) {
				return "", fmt.Errorf("curl %s needs a value", w)
			}
			i++
			return words[i], nil
		}
		switch {
		case w == "-X" || w == "--request":
			if c.Method, err = next(); err != nil {
				return Curl{}, err
			}
		case strings.HasPrefix(w, "-X") && len(w) > 2:
			c.Method = w[2:]
		case w == "-H" || w == "--header":
			h, err := next()
			if err != nil {
				return Curl{}, err
			}
			k, v, ok := strings.Cut(h, ":")
			if !ok {
				return Curl{}, fmt.Errorf("header %q has no colon", h)
			}
			c.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		case w == "-d" || w == "--data" || w == "--data-raw" || w == "--data-binary":
			d, err := next()
			if err != nil {
				return Curl{}, err
			}
			if strings.HasPrefix(d, "@") && w != "--data-raw" {
				return Curl{}, fmt.Errorf("body from a file (%s) cannot run as written", d)
			}
			if c.Body != "" {
				c.Body += "&"
			}
			c.Body += d
		case w == "-s" || w == "-S" || w == "-sS" || w == "-f" || w == "-fsS" || w == "-i" || w == "-v" || w == "-L" ||
			w == "--silent" || w == "--show-error" || w == "--fail" || w == "--location":
		case strings.HasPrefix(w, "-"):
			return Curl{}, fmt.Errorf("curl flag %s is not understood by the docs test (internal/doctest)", w)
		case rawURL != "":
			return Curl{}, fmt.Errorf("second URL %q", w)
		default:
			rawURL = w
		}
	}
	if rawURL == "" {
		return Curl{}, fmt.Errorf("%s: no URL", cmd)
	}
	if !strings.Contains(rawURL, "://") {
		rawURL = "http://" + rawURL
	}
	if c.URL, err = url.Parse(rawURL); err != nil {
		return Curl{}, fmt.Errorf("%s: %w", cmd, err)
	}
	if c.Method == "" {
		c.Method = http.MethodGet
		if c.Body != "" {
			c.Method = http.MethodPost
		}
	}
	if c.Body != "" && c.Header.Get("Content-Type") == "" {
		c.Header.Set("Content-Type", "application/x-www-form-urlencoded") // what curl -d sends
	}
	return c, nil
}

// shellWords splits a command as a POSIX shell would for the quoting examples use: single and
// double quotes, backslash escapes; a # starting a word begins a comment, and a | or ) outside
// quotes ends the command.
func shellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, w.String())
			w.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unclosed '")
			}
			w.WriteString(s[i+1 : i+1+j])
			inWord = true
			i += j + 1
		case ch == '"':
			inWord = true
			for i++; ; i++ {
				if i >= len(s) {
					return nil, fmt.Errorf(`unclosed "`)
				}
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte(`"\$`+"`", s[i+1]) >= 0 {
					i++
					w.WriteByte(s[i])
					continue
				}
				if s[i] == '"' {
					break
				}
				w.WriteByte(s[i])
			}
		case ch == '\\' && i+1 < len(s):
			i++
			w.WriteByte(s[i])
			inWord = true
		case ch == ' ' || ch == '\t':
			flush()
		case ch == '#' && !inWord:
			flush()
			return words, nil
		case ch == '|' || ch == ')' || ch == ';':
			flush()
			return words, nil
		default:
			w.WriteByte(ch)
			inWord = true
		}
	}
	flush()
	return words, nil
}

// Param is a Browser parameter command, `:param name => expression`.
type Param struct {
	Name, Expr string
}

var paramRE = regexp.MustCompile(`^:param\s+([A-Za-z_][A-Za-z0-9_]*)\s*=>\s*(.+?);?$`)

// ParseParam parses a `:param name => expression` line.
func ParseParam(line string) (Param, bool) {
	m := paramRE.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return Param{}, false
	}
	return Param{Name: m[1], Expr: m[2]}, true
}

// Statement is a saved query of queries.cypher.
type Statement struct {
	Name string // its "// Tributary: " line
	Text string // the statement without comments or the final ;
}

// SavedQueries splits a Browser favorites file (statements ending in ";\n", each after a
// "// Tributary: name" line) into its statements, and returns the :param lines of its header
// comment (the parameters the file tells analysts to set first).
func SavedQueries(src string) ([]Statement, []Param, error) {
	var out []Statement
	var params []Param
	for _, chunk := range strings.Split(src, ";\n") {
		var name string
		var body []string
		for _, line := range strings.Split(chunk, "\n") {
			switch {
			case strings.HasPrefix(line, "// Tributary: "):
				name = strings.TrimPrefix(line, "// Tributary: ")
			case strings.HasPrefix(line, "//"):
				if p, ok := ParseParam(strings.TrimSpace(strings.TrimPrefix(line, "//"))); ok {
					params = append(params, p)
				}
			case strings.TrimSpace(line) == "":
			default:
				body = append(body, line)
			}
		}
		if len(body) == 0 {
			continue
		}
		if name == "" {
			return nil, nil, fmt.Errorf("statement without a // Tributary: name line:\n%s", chunk)
		}
		out = append(out, Statement{Name: name, Text: strings.TrimSuffix(strings.TrimSpace(strings.Join(body, "\n")), ";")})
	}
	return out, params, nil
}

var runnableRE = regexp.MustCompile(`(?s)<pre class="runnable">(.*?)</pre>`)

// GuideBlocks returns the runnable blocks of a Browser guide in order, HTML-unescaped: Cypher
// statements and Browser commands (:param, :style, ...).
func GuideBlocks(guide string) []string {
	var out []string
	for _, m := range runnableRE.FindAllStringSubmatch(guide, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}
