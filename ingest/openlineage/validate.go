package openlineage

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// spec holds the OpenLineage JSON schemas (spec/README.md says where they come from).
//
//go:embed spec/OpenLineage.json spec/facets/*.json
var spec embed.FS

// Schema URLs of the event definitions in spec/OpenLineage.json.
const (
	specURL         = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
	runEventURL     = specURL + "#/$defs/RunEvent"
	datasetEventURL = specURL + "#/$defs/DatasetEvent"
	jobEventURL     = specURL + "#/$defs/JobEvent"
)

// Event kinds: which of the spec's three events a body is.
const (
	KindRun     = "RunEvent"
	KindDataset = "DatasetEvent"
	KindJob     = "JobEvent"
)

// Error is an event that is not valid: Path is the JSON path of the first problem
// ("$.run.runId", "$.outputs[0].facets.columnLineage.fields.a.inputFields[0].field").
type Error struct {
	Path    string
	Message string
}

func (e *Error) Error() string { return e.Path + ": " + e.Message }

func errorf(path, format string, args ...any) *Error {
	return &Error{Path: path, Message: fmt.Sprintf(format, args...)}
}

// Validator checks events against the embedded spec: the event schema of the event's kind,
// and every facet against the schema of its name (a facet of a name the spec copy does not
// define is checked by the event schema's base facet only). It is safe for concurrent use.
type Validator struct {
	events map[string]*jsonschema.Schema
	// facets by where they appear ("dataset", "job", "run"): the facet files' root schemas,
	// each an object with the facet's name as property.
	facets  map[string][]*jsonschema.Schema
	printer *message.Printer
}

// NewValidator compiles the embedded schemas.
func NewValidator() (*Validator, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	// Nothing is fetched: every schema the spec refers to is added here; another URL fails.
	c.UseLoader(jsonschema.SchemeURLLoader{})
	files, err := fs.Glob(spec, "spec/facets/*.json")
	if err != nil {
		return nil, fmt.Errorf("list facet schemas: %w", err)
	}
	files = append(files, "spec/OpenLineage.json")
	ids := map[string]string{}
	for _, f := range files {
		data, err := spec.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		if id == "" {
			return nil, fmt.Errorf("schema %s has no $id", f)
		}
		if err := c.AddResource(id, doc); err != nil {
			return nil, fmt.Errorf("add schema %s: %w", f, err)
		}
		ids[f] = id
	}
	v := &Validator{events: map[string]*jsonschema.Schema{}, facets: map[string][]*jsonschema.Schema{},
		printer: message.NewPrinter(language.English)}
	for kind, url := range map[string]string{KindRun: runEventURL, KindDataset: datasetEventURL, KindJob: jobEventURL} {
		if v.events[kind], err = c.Compile(url); err != nil {
			return nil, fmt.Errorf("compile %s: %w", url, err)
		}
	}
	slices.Sort(files)
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".json")
		var where string
		switch {
		case strings.HasSuffix(name, "DatasetFacet"):
			where = "dataset"
		case strings.HasSuffix(name, "JobFacet"):
			where = "job"
		case strings.HasSuffix(name, "RunFacet"):
			where = "run"
		default:
			continue
		}
		sch, err := c.Compile(ids[f])
		if err != nil {
			return nil, fmt.Errorf("compile %s: %w", f, err)
		}
		v.facets[where] = append(v.facets[where], sch)
	}
	return v, nil
}

// maxDepth bounds the nesting of an event: deeper JSON is refused before it is validated
// (events nest a few levels; Go's decoder stops at 10000).
const maxDepth = 64

// Decode parses one event (a JSON object), validates it and returns it. A body that is not
// JSON, nests deeper than maxDepth or breaks the spec gives an *Error.
func (v *Validator) Decode(body []byte) (Event, error) {
	if d := depth(body); d > maxDepth {
		return Event{}, errorf("$", "the JSON nests %d levels deep, at most %d allowed", d, maxDepth)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var inst any
	if err := dec.Decode(&inst); err != nil {
		return Event{}, errorf("$", "not JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Event{}, errorf("$", "data after the event: send one event per request")
	}
	obj, ok := inst.(map[string]any)
	if !ok {
		return Event{}, errorf("$", "an event is a JSON object")
	}
	kind := kindOf(obj)
	if err := v.events[kind].Validate(inst); err != nil {
		return Event{}, v.describe(inst, err, kind)
	}
	if err := v.validateFacets(inst, obj); err != nil {
		return Event{}, err
	}
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return Event{}, errorf("$", "%v", err)
	}
	ev.Kind = kind
	return ev, nil
}

// kindOf tells the three events apart the way the spec's oneOf does, so errors name the
// event's own schema: a RunEvent has a run or an eventType, a DatasetEvent a dataset.
func kindOf(obj map[string]any) string {
	_, run := obj["run"]
	_, typ := obj["eventType"]
	_, ds := obj["dataset"]
	switch {
	case run || typ:
		return KindRun
	case ds:
		return KindDataset
	}
	return KindJob
}

// validateFacets checks each facets object of the event against the facet schemas.
func (v *Validator) validateFacets(inst any, obj map[string]any) error {
	check := func(where string, facets any, tokens ...string) error {
		if facets == nil {
			return nil
		}
		for _, sch := range v.facets[where] {
			if err := sch.Validate(facets); err != nil {
				return v.describe(inst, err, "", tokens...)
			}
		}
		return nil
	}
	get := func(m any, key string) any {
		if o, ok := m.(map[string]any); ok {
			return o[key]
		}
		return nil
	}
	if err := check("run", get(obj["run"], "facets"), "run", "facets"); err != nil {
		return err
	}
	if err := check("job", get(obj["job"], "facets"), "job", "facets"); err != nil {
		return err
	}
	if err := check("dataset", get(obj["dataset"], "facets"), "dataset", "facets"); err != nil {
		return err
	}
	for _, side := range []string{"inputs", "outputs"} {
		list, _ := obj[side].([]any)
		for i, ds := range list {
			if err := check("dataset", get(ds, "facets"), side, strconv.Itoa(i), "facets"); err != nil {
				return err
			}
		}
	}
	return nil
}

// describe turns a schema violation into an *Error at the most specific failing location.
// prefix is the location of the validated value within the event.
func (v *Validator) describe(inst any, err error, kind string, prefix ...string) error {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("validate event: %w", err)
	}
	leaf := deepest(ve)
	loc := append(slices.Clone(prefix), leaf.InstanceLocation...)
	msg := leaf.ErrorKind.LocalizedString(v.printer)
	if req, ok := leaf.ErrorKind.(interface{ KeywordPath() []string }); ok && slices.Equal(req.KeywordPath(), []string{"required"}) {
		if missing := missingProps(msg); len(missing) == 1 {
			loc = append(loc, missing[0])
			msg = "missing required property"
		}
	}
	if kind != "" && len(loc) == 0 {
		msg = "not a valid " + kind + ": " + msg
	}
	return &Error{Path: jsonPath(inst, loc), Message: msg}
}

var quotedProp = regexp.MustCompile(`'([^']*)'`)

// missingProps reads the property names out of the required keyword's message.
func missingProps(msg string) []string {
	var out []string
	for _, m := range quotedProp.FindAllStringSubmatch(msg, -1) {
		out = append(out, m[1])
	}
	return out
}

// deepest is the leaf error with the longest instance location (the first of those).
func deepest(e *jsonschema.ValidationError) *jsonschema.ValidationError {
	best := e
	for _, c := range e.Causes {
		if d := deepest(c); len(d.InstanceLocation) > len(best.InstanceLocation) || best == e && len(d.InstanceLocation) == len(best.InstanceLocation) {
			best = d
		}
	}
	return best
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// jsonPath prints a location as a JSONPath: $.outputs[0].facets["my.facet"].
func jsonPath(inst any, tokens []string) string {
	var b strings.Builder
	b.WriteString("$")
	cur := inst
	for _, t := range tokens {
		switch c := cur.(type) {
		case []any:
			b.WriteString("[" + t + "]")
			if i, err := strconv.Atoi(t); err == nil && i >= 0 && i < len(c) {
				cur = c[i]
			} else {
				cur = nil
			}
			continue
		case map[string]any:
			cur = c[t]
		default:
			cur = nil
		}
		if plainKey.MatchString(t) {
			b.WriteString("." + t)
		} else {
			q, _ := json.Marshal(t)
			b.WriteString("[" + string(q) + "]")
		}
	}
	return b.String()
}

// depth is the deepest nesting of arrays and objects in data, counted without decoding
// (strings skipped), so a deeply nested body costs one pass.
func depth(data []byte) int {
	d, best, inString, escaped := 0, 0, false, false
	for _, c := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			d++
			best = max(best, d)
		case '}', ']':
			d--
		}
	}
	return best
}
