package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tributary-lineage/tributary/graph"
)

// ChangeReanalysed is the kind of a change record for a view analysed again without a new
// definition (a dependency changed its columns, or a full refresh) whose lineage came out
// different.
const ChangeReanalysed = "reanalysed"

// ChangeWriter is the graph's writes that also report what they changed (*graph.Store), each
// computed inside its own write transaction, which also stores the events made of the changes
// (the outbox).
type ChangeWriter interface {
	ReplaceViewsLineageChanges(ctx context.Context, views []graph.View, states []graph.ViewState, events graph.EventsFunc) ([]graph.ViewChange, error)
	DeleteViewChange(ctx context.Context, id graph.ObjectID, events graph.EventsFunc) (graph.ViewChange, error)
}

// Publisher makes the outbox events of change records (stored in the write transaction that
// made the records) and hands the events of each committed write on for delivery (Webhooks
// enqueues one delivery task per event and URL). A hand-on error is logged and never fails
// ingestion: the events wait in the outbox for the next sweep.
type Publisher interface {
	Events(records []ChangeRecord) ([]graph.ChangeEvent, error)
	Publish(ctx context.Context, events []graph.ChangeEvent) error
}

// ChangeRecord says what one refresh did to one view. It is the data of a webhook event.
type ChangeRecord struct {
	View   string    `json:"view"` // DB.SCHEMA.VIEW
	Kind   string    `json:"kind"` // ChangeAdded, ChangeModified, ChangeReanalysed or ChangeDropped
	Source string    `json:"source"`
	JobID  string    `json:"jobId"`
	At     time.Time `json:"at"` // when the write committed (the worker's clock)
	// StatusBefore is empty for added views; StatusAfter for dropped ones.
	StatusBefore   string        `json:"statusBefore,omitempty"`
	StatusAfter    string        `json:"statusAfter,omitempty"`
	ColumnsAdded   []string      `json:"columnsAdded"`
	ColumnsRemoved []string      `json:"columnsRemoved"`
	EdgesAdded     []ChangedEdge `json:"edgesAdded"`
	EdgesRemoved   []ChangedEdge `json:"edgesRemoved"`
	// Broken are the columns of other views that read a column this change removed: each lost
	// the sources listed.
	Broken []BrokenColumn `json:"brokenColumns"`
}

// ChangedEdge is a DERIVES_FROM edge added or removed: From (derived) reads To (source).
type ChangedEdge struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Type    string `json:"type"`
	Subtype string `json:"subtype"`
}

// BrokenColumn is a downstream column that lost sources.
type BrokenColumn struct {
	Column      string   `json:"column"`
	View        string   `json:"view"`
	LostSources []string `json:"lostSources"`
	Kinds       []string `json:"kinds"` // TYPE/SUBTYPE of the edges removed, e.g. DIRECT/IDENTITY
}

// EventID is the record's identity for deduplication: a hash of everything but At, so the
// same change computed twice (a write retried before it committed) gives the same id.
func (c ChangeRecord) EventID() string {
	c.At = time.Time{}
	b, err := json.Marshal(c)
	if err != nil { // cannot happen: the record holds strings only
		panic(fmt.Sprintf("change record: %v", err))
	}
	sum := sha256.Sum256(b)
	return "evt_" + hex.EncodeToString(sum[:16])
}

// ChangeEvents returns the graph.EventsFunc of one write by source (job jobID, "" outside
// jobs): inside the write transaction it turns the changes into records and the records into
// p's events, and keeps the events in *out so that the caller hands them on (p.Publish) once
// the write has committed.
func ChangeEvents(p Publisher, source, jobID string, out *[]graph.ChangeEvent) graph.EventsFunc {
	return func(changes []graph.ViewChange) ([]graph.ChangeEvent, error) {
		at := utcNow()
		var recs []ChangeRecord
		for _, c := range changes {
			if rec, ok := changeRecord(c, source, jobID, at); ok {
				recs = append(recs, rec)
			}
		}
		evs, err := p.Events(recs)
		*out = evs
		return evs, err
	}
}

// changeRecord turns a graph change into a record; ok is false when there is nothing to
// report (a view analysed again with the same result, or a retried write already committed).
func changeRecord(c graph.ViewChange, source, jobID string, at time.Time) (ChangeRecord, bool) {
	var kind string
	switch {
	case c.Deleted:
		kind = ChangeDropped
	case !c.Existed:
		kind = ChangeAdded
	case c.Before.SourceVersion != c.After.SourceVersion || !c.Before.LastAltered.Equal(c.After.LastAltered):
		kind = ChangeModified
	case c.LineageChanged():
		kind = ChangeReanalysed
	default:
		return ChangeRecord{}, false
	}
	r := ChangeRecord{
		View: c.View.String(), Kind: kind, Source: source, JobID: jobID, At: at.UTC(),
		StatusBefore: c.Before.Status, StatusAfter: c.After.Status,
		ColumnsAdded: nonNil(c.ColumnsAdded), ColumnsRemoved: nonNil(c.ColumnsRemoved),
		EdgesAdded: changedEdges(c.EdgesAdded), EdgesRemoved: changedEdges(c.EdgesRemoved),
		Broken: []BrokenColumn{},
	}
	for _, b := range c.Broken {
		bc := BrokenColumn{Column: b.ID.String(), View: b.View.String(), LostSources: []string{}, Kinds: []string{}}
		for _, s := range b.LostSources {
			bc.LostSources = append(bc.LostSources, s.String())
		}
		for _, k := range b.Kinds {
			bc.Kinds = append(bc.Kinds, string(k.Type)+"/"+string(k.Subtype))
		}
		r.Broken = append(r.Broken, bc)
	}
	return r, true
}

func changedEdges(es []graph.Edge) []ChangedEdge {
	out := make([]ChangedEdge, 0, len(es))
	for _, e := range es {
		out = append(out, ChangedEdge{From: e.From.String(), To: e.To.String(), Type: string(e.Type), Subtype: string(e.Subtype)})
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
