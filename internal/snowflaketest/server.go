// Package snowflaketest runs an in-process HTTP server that speaks enough of
// Snowflake's REST protocol for the real gosnowflake driver: login, query
// requests answered with JSON row sets, Snowflake error responses, session
// renewal, heartbeat, telemetry and session close.
//
// Queries are answered, in order, by handlers registered with Handle or
// HandleFunc, then by the fixture Warehouse (metadata queries against
// INFORMATION_SCHEMA and SHOW commands), and otherwise fail loudly: the driver
// receives a Snowflake error and the test is marked failed through t.Errorf.
//
// Typical use:
//
//	w := &snowflaketest.Warehouse{}
//	w.PutView("DB", "S", snowflaketest.View{Name: "V", Text: "CREATE VIEW V AS SELECT 1 AS X"})
//	srv := snowflaketest.New(t, snowflaketest.WithWarehouse(w))
//	db := srv.OpenDB(srv.Config()) // *sql.DB through the real driver
//	...
//	srv.Update(func(w *snowflaketest.Warehouse) { w.DropView("DB", "S", "V") })
//
// The fixture answers SHOW TERSE DATABASES, SHOW TERSE SCHEMAS IN DATABASE
// "DB", SHOW VIEWS IN SCHEMA "DB"."S" (each with LIMIT n [FROM 'name']) and
// SELECT <columns> FROM "DB".INFORMATION_SCHEMA.{VIEWS|COLUMNS} [WHERE col
// =|<> 'literal'|? [AND ...]] [ORDER BY cols]; see Warehouse.
//
// The wire format follows gosnowflake v1.19 (restful.go, auth.go, query.go,
// connection.go): bodies are JSON, the session token travels in the
// `Authorization: Snowflake Token="..."` header, and responses are gzip
// compressed when the client accepts it.
package snowflaketest

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/rsa"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snowflakedb/gosnowflake"
)

// Default identity of a server built without options.
const (
	DefaultAccount  = "testacct"
	DefaultUser     = "TESTER"
	DefaultPassword = "secret"
)

// CodeUnknownQuery is the Snowflake error code returned for a query that no
// handler and no fixture answers.
const CodeUnknownQuery = "099999"

// User is an account user and the credentials the server accepts for it.
// Empty credentials are not accepted for their authenticator.
type User struct {
	Name       string         // login name, compared case-insensitively
	Password   string         // AUTHENTICATOR=SNOWFLAKE
	PublicKey  *rsa.PublicKey // AUTHENTICATOR=SNOWFLAKE_JWT (key pair)
	OAuthToken string         // AUTHENTICATOR=OAUTH
	PAT        string         // AUTHENTICATOR=PROGRAMMATIC_ACCESS_TOKEN
}

// Option configures a Server.
type Option func(*Server)

// WithAccount sets the account name logins must present.
func WithAccount(account string) Option { return func(s *Server) { s.account = account } }

// WithUser adds a user. Without any WithUser, the server knows DefaultUser
// with DefaultPassword.
func WithUser(u User) Option {
	return func(s *Server) { s.users[strings.ToUpper(u.Name)] = u }
}

// WithChunkRows makes results with more than n rows arrive the way large
// Snowflake results do: the first n rows inline, the rest in gzip-compressed
// JSON chunks of n rows that the driver downloads (GET, SSE-C key headers)
// from the server. Zero, the default, returns every row inline.
func WithChunkRows(n int) Option { return func(s *Server) { s.chunkRows = n } }

// WithWarehouse sets the fixture warehouse that answers metadata queries.
func WithWarehouse(w *Warehouse) Option { return func(s *Server) { s.wh = w } }

// Login records one login request.
type Login struct {
	User          string
	Authenticator string
	Account       string
	Database      string
	Schema        string
	Warehouse     string
	Role          string
	OK            bool
	Code          string // error code when !OK
}

// Binding is one bind value of a query ("1", "2", ... on the wire).
type Binding struct {
	Type  string          // Snowflake bind type, e.g. TEXT, FIXED
	Value *string         // scalar value; nil for NULL or a non-scalar value
	Raw   json.RawMessage // the value exactly as sent
}

// Query is one query request as received.
type Query struct {
	SQL        string    // sqlText as sent
	Normalized string    // whitespace collapsed, trailing semicolons removed
	Bindings   []Binding // in placeholder order
	User       string
	Role       string
	SequenceID uint64
}

// Bind returns the value of the i-th bind (0-based) or "" and false.
func (q Query) Bind(i int) (string, bool) {
	if i < 0 || i >= len(q.Bindings) || q.Bindings[i].Value == nil {
		return "", false
	}
	return *q.Bindings[i].Value, true
}

// Column describes one result column. Type is the Snowflake wire type in
// lower case: text, fixed, real, boolean, date, timestamp_ltz,
// timestamp_ntz, timestamp_tz, variant.
type Column struct {
	Name      string
	Type      string
	Nullable  bool
	Precision int
	Scale     int
	Length    int
}

// Result is a successful query result. Row values may be nil (NULL),
// string, integer, float, bool or time.Time; they are encoded as Snowflake's
// JSON result format expects for the column type.
type Result struct {
	Columns []Column
	Rows    [][]any
}

// Error is a Snowflake error response. It is also the error handlers return
// to make a query fail.
type Error struct {
	Code     string // e.g. "002003"
	SQLState string // e.g. "02000"
	Message  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("snowflake error %s (%s): %s", e.Code, e.SQLState, e.Message)
}

// Common Snowflake errors.
func ErrDoesNotExist(kind, name string) *Error {
	return &Error{Code: "002003", SQLState: "02000",
		Message: fmt.Sprintf("SQL compilation error:\n%s '%s' does not exist or not authorized.", kind, name)}
}

// ErrInsufficientPrivileges is Snowflake's 003001 access control error.
func ErrInsufficientPrivileges(kind, name string) *Error {
	return &Error{Code: "003001", SQLState: "42501",
		Message: fmt.Sprintf("SQL access control error:\nInsufficient privileges to operate on %s '%s'", kind, name)}
}

// ErrTooMuchData is the error Snowflake answers when an INFORMATION_SCHEMA
// query would return too much data.
func ErrTooMuchData() *Error {
	return &Error{Code: "090030", SQLState: "22000",
		Message: "Information schema query returned too much data.  Please repeat query with more selective predicates."}
}

// HandlerFunc answers a query with a result or an error (use *Error for a
// Snowflake error response).
type HandlerFunc func(q Query) (*Result, error)

type handler struct {
	match  func(Query) bool
	answer HandlerFunc
}

type session struct {
	id          int64
	token       string
	masterToken string
	user        string
	role        string
	database    string
	schema      string
	warehouse   string
	expired     bool
	closed      bool
}

// Server is a fake Snowflake endpoint. Its methods are safe for concurrent use.
type Server struct {
	t       testing.TB
	httpSrv *httptest.Server
	account string
	users   map[string]User

	mu          sync.Mutex
	wh          *Warehouse
	handlers    []handler
	sessions    map[string]*session // by session token
	masters     map[string]*session // by master token
	nextSession int64
	nextQuery   int64
	queries     []Query
	unhandled   []Query
	problems    []string
	logins      []Login
	requests    map[string]int
	closes      int
	renewals    int
	gzipped     int
	chunkRows   int
	qrmk        string
	chunks      map[string][]byte // gzip-compressed JSON rows by id
	chunkGets   int
}

// New starts a server and stops it when the test ends. Failures (unknown
// queries, protocol violations) are reported through t.Errorf.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		t:        t,
		account:  DefaultAccount,
		users:    map[string]User{},
		sessions: map[string]*session{},
		masters:  map[string]*session{},
		requests: map[string]int{},
		wh:       &Warehouse{},
		qrmk:     randomToken(""),
		chunks:   map[string][]byte{},
	}
	for _, o := range opts {
		o(s)
	}
	if len(s.users) == 0 {
		s.users[DefaultUser] = User{Name: DefaultUser, Password: DefaultPassword}
	}
	s.httpSrv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(s.httpSrv.Close)
	return s
}

// URL is the server's base URL.
func (s *Server) URL() string { return s.httpSrv.URL }

// Port is the TCP port the server listens on.
func (s *Server) Port() int {
	_, p, err := net.SplitHostPort(s.httpSrv.Listener.Addr().String())
	if err != nil {
		s.t.Fatalf("snowflaketest: listener address: %v", err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		s.t.Fatalf("snowflaketest: listener port: %v", err)
	}
	return n
}

// Account is the account name logins must present.
func (s *Server) Account() string { return s.account }

// Config returns a driver configuration that logs in as DefaultUser with
// DefaultPassword over plain HTTP. Set Authenticator and credentials to use
// another user or authentication method.
func (s *Server) Config() gosnowflake.Config {
	return gosnowflake.Config{
		Account:          s.account,
		User:             DefaultUser,
		Password:         DefaultPassword,
		Host:             "127.0.0.1",
		Port:             s.Port(),
		Protocol:         "http",
		LoginTimeout:     10 * time.Second,
		RequestTimeout:   30 * time.Second,
		MaxRetryCount:    1,
		DisableTelemetry: true,
	}
}

// DSN returns Config() as a DSN string for sql.Open("snowflake", dsn).
func (s *Server) DSN() string {
	cfg := s.Config()
	dsn, err := gosnowflake.DSN(&cfg)
	if err != nil {
		s.t.Fatalf("snowflaketest: build DSN: %v", err)
	}
	return dsn
}

// Handle answers queries whose normalised text equals sql (whitespace
// collapsed, trailing semicolons removed) before any fixture does.
func (s *Server) Handle(sql string, h HandlerFunc) {
	want := Normalize(sql)
	s.HandleFunc(func(q Query) bool { return q.Normalized == want }, h)
}

// HandleFunc answers queries for which match returns true. Handlers are tried
// in registration order, before the warehouse fixture.
func (s *Server) HandleFunc(match func(Query) bool, h HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers = append(s.handlers, handler{match: match, answer: h})
}

// Update runs fn with exclusive access to the warehouse fixture, so a test can
// add, change or drop objects between refreshes.
func (s *Server) Update(fn func(w *Warehouse)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.wh)
}

// Queries returns every query received, in order.
func (s *Server) Queries() []Query {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Query(nil), s.queries...)
}

// QueryCount returns how many queries were received.
func (s *Server) QueryCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queries)
}

// CountQueries returns how many received queries satisfy match.
func (s *Server) CountQueries(match func(Query) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, q := range s.queries {
		if match(q) {
			n++
		}
	}
	return n
}

// ResetQueries forgets the recorded queries (not the unhandled ones).
func (s *Server) ResetQueries() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries = nil
}

// Unhandled returns the queries nothing could answer.
func (s *Server) Unhandled() []Query {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Query(nil), s.unhandled...)
}

// Problems returns the protocol violations and unknown queries reported.
func (s *Server) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.problems...)
}

// Logins returns every login attempt, in order.
func (s *Server) Logins() []Login {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Login(nil), s.logins...)
}

// Requests returns how many HTTP requests reached path.
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

// SessionsClosed returns how many sessions the driver closed.
func (s *Server) SessionsClosed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closes
}

// Renewals returns how many session tokens were renewed with a master token.
func (s *Server) Renewals() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.renewals
}

// ChunkDownloads returns how many result chunks the driver downloaded.
func (s *Server) ChunkDownloads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chunkGets
}

// GzipResponses returns how many responses were sent gzip-compressed.
func (s *Server) GzipResponses() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gzipped
}

// ExpireSessions marks every open session token as expired; the next query
// on each gets Snowflake's 390112 and the driver renews the token.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.sessions {
		ss.expired = true
	}
}

// fail records a problem and fails the test. Callers hold no lock.
func (s *Server) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.mu.Lock()
	s.problems = append(s.problems, msg)
	s.mu.Unlock()
	s.t.Errorf("snowflaketest: %s", msg)
}

var spaceRun = regexp.MustCompile(`\s+`)

// Normalize collapses runs of whitespace to one space, trims, and removes
// trailing semicolons. String literals are not treated specially.
func Normalize(sql string) string {
	out := strings.TrimSpace(spaceRun.ReplaceAllString(sql, " "))
	for strings.HasSuffix(out, ";") {
		out = strings.TrimSpace(strings.TrimSuffix(out, ";"))
	}
	return out
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.URL.Path]++
	s.mu.Unlock()

	body, err := readBody(r)
	if err != nil {
		s.fail("%s %s: read body: %v", r.Method, r.URL.Path, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, chunkPath) {
		s.serveChunk(w, r)
		return
	}
	if r.Method != http.MethodPost {
		s.fail("unexpected %s %s", r.Method, r.URL.String())
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var resp any
	switch r.URL.Path {
	case "/session/v1/login-request":
		resp = s.login(r, body)
	case "/queries/v1/query-request":
		resp = s.query(r, body)
	case "/session/token-request":
		resp = s.renew(r, body)
	case "/session/heartbeat":
		resp = s.heartbeat(r)
	case "/session":
		if r.URL.Query().Get("delete") != "true" {
			s.fail("POST /session without delete=true: %s", r.URL.String())
			http.Error(w, "unsupported", http.StatusBadRequest)
			return
		}
		resp = s.closeSession(r)
	case "/telemetry/send":
		resp = map[string]any{"success": true, "code": nil, "message": nil, "data": "Log Received"}
	case "/queries/v1/abort-request":
		resp = map[string]any{"success": true, "code": nil, "message": nil, "data": nil}
	default:
		s.fail("unexpected request %s %s", r.Method, r.URL.String())
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	s.writeJSON(w, r, resp)
}

func readBody(r *http.Request) ([]byte, error) {
	var rd io.Reader = r.Body
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		rd = zr
	}
	return io.ReadAll(rd)
}

func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.fail("encode response: %v", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		if _, err := zw.Write(b); err != nil {
			return // client went away
		}
		if err := zw.Close(); err != nil {
			return
		}
		s.mu.Lock()
		s.gzipped++
		s.mu.Unlock()
		return
	}
	_, _ = w.Write(b) // a write error means the client went away
}

func randomToken(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return prefix + hex.EncodeToString(b)
}

func failure(code, message string) map[string]any {
	return map[string]any{"success": false, "code": code, "message": message, "data": nil}
}

// sessionFor authorises a request by its session token. It returns the
// session, or a response to send instead.
func (s *Server) sessionFor(r *http.Request) (*session, map[string]any) {
	token, ok := parseToken(r.Header.Get("Authorization"))
	if !ok {
		s.fail("%s: missing or malformed Authorization header %q", r.URL.Path, r.Header.Get("Authorization"))
		return nil, failure("390101", "Authorization header not found in the request data.")
	}
	s.mu.Lock()
	ss := s.sessions[token]
	usable := ss != nil && !ss.closed
	expired := usable && ss.expired
	s.mu.Unlock()
	if !usable {
		s.fail("%s: unknown or closed session token", r.URL.Path)
		return nil, failure("390104", "User must login again to access the service.")
	}
	if expired {
		return nil, failure("390112", "Your session has expired. Please login again.")
	}
	return ss, nil
}

var tokenHeader = regexp.MustCompile(`^Snowflake Token="([^"]+)"$`)

func parseToken(h string) (string, bool) {
	m := tokenHeader.FindStringSubmatch(h)
	if m == nil {
		return "", false
	}
	return m[1], true
}

type loginBody struct {
	Data struct {
		ClientAppID       string         `json:"CLIENT_APP_ID"`
		ClientAppVersion  string         `json:"CLIENT_APP_VERSION"`
		AccountName       string         `json:"ACCOUNT_NAME"`
		LoginName         string         `json:"LOGIN_NAME"`
		Password          string         `json:"PASSWORD"`
		Authenticator     string         `json:"AUTHENTICATOR"`
		Token             string         `json:"TOKEN"`
		SessionParameters map[string]any `json:"SESSION_PARAMETERS"`
	} `json:"data"`
}

func (s *Server) login(r *http.Request, body []byte) any {
	var req loginBody
	if err := json.Unmarshal(body, &req); err != nil {
		s.fail("login: decode body: %v", err)
		return failure("390100", "malformed login request")
	}
	q := r.URL.Query()
	if q.Get("requestId") == "" {
		s.fail("login: request without requestId parameter: %s", r.URL.String())
	}
	d := req.Data
	auth := strings.ToUpper(d.Authenticator)
	if auth == "" {
		auth = "SNOWFLAKE"
	}
	rec := Login{
		User: d.LoginName, Authenticator: auth, Account: d.AccountName,
		Database: q.Get("databaseName"), Schema: q.Get("schemaName"),
		Warehouse: q.Get("warehouse"), Role: q.Get("roleName"),
	}
	user, code, msg := s.authenticate(auth, d.AccountName, d.LoginName, d.Password, d.Token)
	if code != "" {
		rec.Code = code
		s.mu.Lock()
		s.logins = append(s.logins, rec)
		s.mu.Unlock()
		return failure(code, msg)
	}
	rec.User = user
	rec.OK = true

	s.mu.Lock()
	s.nextSession++
	ss := &session{
		id:          1000 + s.nextSession,
		token:       randomToken("ST-"),
		masterToken: randomToken("MT-"),
		user:        user,
		role:        orDefault(rec.Role, "PUBLIC"),
		database:    rec.Database,
		schema:      rec.Schema,
		warehouse:   rec.Warehouse,
	}
	s.sessions[ss.token] = ss
	s.masters[ss.masterToken] = ss
	s.logins = append(s.logins, rec)
	s.mu.Unlock()

	return map[string]any{
		"success": true,
		"code":    nil,
		"message": nil,
		"data": map[string]any{
			"token":                   ss.token,
			"validityInSeconds":       3600,
			"masterToken":             ss.masterToken,
			"masterValidityInSeconds": 14400,
			"displayUserName":         user,
			"serverVersion":           "9.99.0-snowflaketest",
			"firstLogin":              false,
			"healthCheckInterval":     45,
			"sessionId":               ss.id,
			"parameters": []map[string]any{
				{"name": "TIMEZONE", "value": "UTC"},
				{"name": "CLIENT_SESSION_KEEP_ALIVE", "value": false},
				{"name": "CLIENT_RESULT_CHUNK_SIZE", "value": 160},
			},
			"sessionInfo": map[string]any{
				"databaseName":  nullIfEmpty(ss.database),
				"schemaName":    nullIfEmpty(ss.schema),
				"warehouseName": nullIfEmpty(ss.warehouse),
				"roleName":      ss.role,
			},
		},
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func nullIfEmpty(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// authenticate checks credentials and returns the user name, or an error
// code and message as Snowflake sends them.
func (s *Server) authenticate(auth, account, login, password, token string) (string, string, string) {
	if !strings.EqualFold(account, s.account) {
		return "", "390201", fmt.Sprintf("The requested account %q does not exist (snowflaketest serves %q).", account, s.account)
	}
	switch auth {
	case "SNOWFLAKE":
		u, ok := s.users[strings.ToUpper(login)]
		if !ok || u.Password == "" || u.Password != password {
			return "", "390100", "Incorrect username or password was specified."
		}
		return u.Name, "", ""
	case "SNOWFLAKE_JWT":
		name, err := s.verifyJWT(token)
		if err != nil {
			return "", "390144", "JWT token is invalid. " + err.Error()
		}
		return name, "", ""
	case "OAUTH":
		u, ok := s.users[strings.ToUpper(login)]
		if !ok || u.OAuthToken == "" || u.OAuthToken != token {
			return "", "390303", "Invalid OAuth access token."
		}
		return u.Name, "", ""
	case "PROGRAMMATIC_ACCESS_TOKEN":
		u, ok := s.users[strings.ToUpper(login)]
		if !ok || u.PAT == "" || u.PAT != token {
			return "", "394400", "Programmatic access token is invalid."
		}
		return u.Name, "", ""
	default:
		s.fail("login: unsupported authenticator %q", auth)
		return "", "390100", "unsupported authenticator " + auth
	}
}

func (s *Server) renew(r *http.Request, body []byte) any {
	master, ok := parseToken(r.Header.Get("Authorization"))
	if !ok {
		s.fail("token-request: missing master token")
		return failure("390101", "Authorization header not found in the request data.")
	}
	var req struct {
		OldSessionToken string `json:"oldSessionToken"`
		RequestType     string `json:"requestType"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		s.fail("token-request: decode body: %v", err)
		return failure("390100", "malformed token request")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.masters[master]
	if ss == nil || ss.closed || req.RequestType != "RENEW" || req.OldSessionToken != ss.token {
		return failure("390114", "Authentication token has expired.  The user must authenticate again.")
	}
	delete(s.sessions, ss.token)
	ss.token = randomToken("ST-")
	ss.expired = false
	s.sessions[ss.token] = ss
	s.renewals++
	return map[string]any{
		"success": true, "code": nil, "message": nil,
		"data": map[string]any{
			"sessionToken":        ss.token,
			"validityInSecondsST": 3600,
			"masterToken":         ss.masterToken,
			"validityInSecondsMT": 14400,
			"sessionId":           ss.id,
		},
	}
}

func (s *Server) heartbeat(r *http.Request) any {
	if _, fail := s.sessionFor(r); fail != nil {
		return fail
	}
	return map[string]any{"success": true, "code": nil, "message": nil, "data": nil}
}

func (s *Server) closeSession(r *http.Request) any {
	ss, fail := s.sessionFor(r)
	if fail != nil {
		return fail
	}
	s.mu.Lock()
	ss.closed = true
	s.closes++
	s.mu.Unlock()
	return map[string]any{"success": true, "code": nil, "message": nil, "data": nil}
}

type queryBody struct {
	SQLText      string                     `json:"sqlText"`
	AsyncExec    bool                       `json:"asyncExec"`
	SequenceID   uint64                     `json:"sequenceId"`
	DescribeOnly bool                       `json:"describeOnly"`
	Bindings     map[string]json.RawMessage `json:"bindings"`
	BindStage    string                     `json:"bindStage"`
}

func (s *Server) query(r *http.Request, body []byte) any {
	ss, fail := s.sessionFor(r)
	if fail != nil {
		return fail
	}
	var req queryBody
	if err := json.Unmarshal(body, &req); err != nil {
		s.fail("query: decode body: %v", err)
		return failure("000900", "malformed query request")
	}
	if r.URL.Query().Get("requestId") == "" {
		s.fail("query: request without requestId parameter")
	}
	if req.AsyncExec || req.BindStage != "" || req.DescribeOnly {
		s.fail("query: unsupported request (async=%v bindStage=%q describeOnly=%v) for %q",
			req.AsyncExec, req.BindStage, req.DescribeOnly, req.SQLText)
	}
	bindings, err := decodeBindings(req.Bindings)
	if err != nil {
		s.fail("query %q: %v", req.SQLText, err)
		return failure("000900", err.Error())
	}

	s.mu.Lock()
	q := Query{
		SQL: req.SQLText, Normalized: Normalize(req.SQLText), Bindings: bindings,
		User: ss.user, Role: ss.role, SequenceID: req.SequenceID,
	}
	s.queries = append(s.queries, q)
	s.nextQuery++
	queryID := fmt.Sprintf("01b2c3d4-0000-%04x-0000-%012x", ss.id&0xffff, s.nextQuery)
	handlers := append([]handler(nil), s.handlers...)
	s.mu.Unlock()

	res, err, ok := s.answer(q, handlers)
	if !ok {
		s.mu.Lock()
		s.unhandled = append(s.unhandled, q)
		s.mu.Unlock()
		s.fail("unknown query %q (bindings %v)", q.Normalized, bindValues(q.Bindings))
		return errorResponse(&Error{Code: CodeUnknownQuery, SQLState: "42000",
			Message: "snowflaketest: no handler or fixture answers this query: " + q.Normalized}, queryID)
	}
	if err != nil {
		se, isSF := err.(*Error)
		if !isSF {
			s.fail("handler for %q returned a non-Snowflake error: %v", q.Normalized, err)
			se = &Error{Code: "000603", SQLState: "XX000", Message: err.Error()}
		}
		return errorResponse(se, queryID)
	}
	data, err := encodeResult(res)
	if err != nil {
		s.fail("encode result for %q: %v", q.Normalized, err)
		return errorResponse(&Error{Code: "000603", SQLState: "XX000", Message: err.Error()}, queryID)
	}
	if err := s.chunk(data); err != nil {
		s.fail("chunk result for %q: %v", q.Normalized, err)
		return errorResponse(&Error{Code: "000603", SQLState: "XX000", Message: err.Error()}, queryID)
	}
	data["queryId"] = queryID
	data["queryResultFormat"] = "json"
	data["statementTypeId"] = 4096 // SELECT
	data["finalDatabaseName"] = nullIfEmpty(ss.database)
	data["finalSchemaName"] = nullIfEmpty(ss.schema)
	data["finalWarehouseName"] = nullIfEmpty(ss.warehouse)
	data["finalRoleName"] = ss.role
	data["parameters"] = []map[string]any{{"name": "TIMEZONE", "value": "UTC"}}
	return map[string]any{"success": true, "code": nil, "message": nil, "data": data}
}

func (s *Server) answer(q Query, handlers []handler) (*Result, error, bool) {
	for _, h := range handlers {
		if h.match(q) {
			res, err := h.answer(q)
			return res, err, true
		}
	}
	if q.Normalized == "SELECT 1" { // database/sql Ping
		return &Result{Columns: []Column{{Name: "1", Type: "fixed", Precision: 1}}, Rows: [][]any{{1}}}, nil, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wh.answer(q)
}

func errorResponse(e *Error, queryID string) map[string]any {
	return map[string]any{
		"success": false,
		"code":    e.Code,
		"message": e.Message,
		"data": map[string]any{
			"errorCode":     e.Code,
			"internalError": false,
			"sqlState":      e.SQLState,
			"queryId":       queryID,
			"age":           0,
		},
	}
}

func decodeBindings(raw map[string]json.RawMessage) ([]Binding, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	out := make([]Binding, len(raw))
	for k, v := range raw {
		i, err := strconv.Atoi(k)
		if err != nil || i < 1 || i > len(raw) {
			return nil, fmt.Errorf("binding key %q is not a position 1..%d", k, len(raw))
		}
		var b struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(v, &b); err != nil {
			return nil, fmt.Errorf("binding %s: %w", k, err)
		}
		bd := Binding{Type: b.Type, Raw: b.Value}
		var str string
		if len(b.Value) > 0 && b.Value[0] == '"' {
			if err := json.Unmarshal(b.Value, &str); err != nil {
				return nil, fmt.Errorf("binding %s value: %w", k, err)
			}
			bd.Value = &str
		}
		out[i-1] = bd
	}
	return out, nil
}

func bindValues(bs []Binding) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b.Raw)
	}
	return out
}

func encodeResult(res *Result) (map[string]any, error) {
	if res == nil {
		res = &Result{}
	}
	rowtype := make([]map[string]any, len(res.Columns))
	for i, c := range res.Columns {
		if c.Type == "" {
			return nil, fmt.Errorf("column %q has no type", c.Name)
		}
		length := c.Length
		if c.Type == "text" && length == 0 {
			length = 16777216
		}
		rowtype[i] = map[string]any{
			"name": c.Name, "database": "", "schema": "", "table": "",
			"type": c.Type, "nullable": c.Nullable, "precision": c.Precision,
			"scale": c.Scale, "length": length, "byteLength": length, "collation": nil,
		}
	}
	rowset := make([][]*string, len(res.Rows))
	for i, row := range res.Rows {
		if len(row) != len(res.Columns) {
			return nil, fmt.Errorf("row %d has %d values for %d columns", i, len(row), len(res.Columns))
		}
		cells := make([]*string, len(row))
		for j, v := range row {
			cell, err := encodeValue(res.Columns[j], v)
			if err != nil {
				return nil, fmt.Errorf("row %d column %s: %w", i, res.Columns[j].Name, err)
			}
			cells[j] = cell
		}
		rowset[i] = cells
	}
	return map[string]any{
		"rowtype":  rowtype,
		"rowset":   rowset,
		"total":    len(rowset),
		"returned": len(rowset),
	}, nil
}

// encodeValue renders a value the way Snowflake's JSON result format does:
// timestamps as "<epoch seconds>.<9-digit fraction>" (TIMESTAMP_TZ adds the
// offset in minutes + 1440), dates as days since the epoch, booleans as
// "1"/"0"... encoded as the column type requires.
func encodeValue(c Column, v any) (*string, error) {
	var s string
	switch x := v.(type) {
	case nil:
		return nil, nil
	case *string:
		return x, nil
	case string:
		s = x
	case int:
		s = strconv.Itoa(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		if x {
			s = "1"
		} else {
			s = "0"
		}
	case time.Time:
		switch c.Type {
		case "timestamp_ltz", "timestamp_ntz":
			s = fmt.Sprintf("%d.%09d", x.Unix(), x.Nanosecond())
		case "timestamp_tz":
			_, off := x.Zone()
			s = fmt.Sprintf("%d.%09d %d", x.Unix(), x.Nanosecond(), off/60+1440)
		case "date":
			s = strconv.FormatInt(x.Unix()/86400, 10)
		default:
			return nil, fmt.Errorf("time value for %s column", c.Type)
		}
	default:
		return nil, fmt.Errorf("unsupported value type %T", v)
	}
	return &s, nil
}

// OpenDB opens a database/sql handle through the real gosnowflake driver with
// cfg (usually Config() adjusted) and closes it when the test ends, before
// the server stops.
func (s *Server) OpenDB(cfg gosnowflake.Config) *sql.DB {
	db := sql.OpenDB(gosnowflake.NewConnector(gosnowflake.SnowflakeDriver{}, cfg))
	s.t.Cleanup(func() {
		if err := db.Close(); err != nil {
			s.t.Errorf("snowflaketest: close db: %v", err)
		}
	})
	return db
}

const chunkPath = "/snowflaketest/chunks/"

// chunk moves all rows after the first chunkRows of an encoded result into
// downloadable chunks.
func (s *Server) chunk(data map[string]any) error {
	rowset := data["rowset"].([][]*string)
	if s.chunkRows <= 0 || len(rowset) <= s.chunkRows {
		return nil
	}
	var metas []map[string]any
	for start := s.chunkRows; start < len(rowset); start += s.chunkRows {
		part := rowset[start:min(start+s.chunkRows, len(rowset))]
		var raw bytes.Buffer
		for i, row := range part {
			if i > 0 {
				raw.WriteByte(',')
			}
			b, err := json.Marshal(row)
			if err != nil {
				return err
			}
			raw.Write(b)
		}
		var zipped bytes.Buffer
		zw := gzip.NewWriter(&zipped)
		if _, err := zw.Write(raw.Bytes()); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		id := randomToken("")
		s.mu.Lock()
		s.chunks[id] = zipped.Bytes()
		s.mu.Unlock()
		metas = append(metas, map[string]any{
			"url":              s.httpSrv.URL + chunkPath + id,
			"rowCount":         len(part),
			"uncompressedSize": raw.Len(),
			"compressedSize":   zipped.Len(),
		})
	}
	data["rowset"] = rowset[:s.chunkRows]
	data["returned"] = s.chunkRows
	data["chunks"] = metas
	data["qrmk"] = s.qrmk
	return nil
}

// serveChunk answers a chunk download as the cloud storage would: the
// gzip-compressed rows, after checking the SSE-C key headers.
func (s *Server) serveChunk(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("x-amz-server-side-encryption-customer-algorithm") != "AES256" ||
		r.Header.Get("x-amz-server-side-encryption-customer-key") != s.qrmk {
		s.fail("chunk download without the SSE-C headers for the result key")
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	s.mu.Lock()
	b, ok := s.chunks[strings.TrimPrefix(r.URL.Path, chunkPath)]
	if ok {
		s.chunkGets++
	}
	s.mu.Unlock()
	if !ok {
		s.fail("download of unknown chunk %s", r.URL.Path)
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(b) // a write error means the client went away
}
