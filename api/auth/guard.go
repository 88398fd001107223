package auth

import (
	"context"

	"github.com/tributary-lineage/tributary/graph"
)

// ViewWriter is the shape of api.ViewWriter (the analyze handler's writer).
type ViewWriter interface {
	ReplaceViewsLineage(ctx context.Context, views []graph.View, states []graph.ViewState) error
}

// ViewJobs is the shape of api.ViewJobs (analyze's job path for large inputs).
type ViewJobs interface {
	EnqueueViews(ctx context.Context, views []graph.View, states []graph.ViewState) (string, error)
}

type guardedWriter struct {
	w    ViewWriter
	role Role
}

// RequireRoleToWrite wraps w so that every write needs role, whatever route
// led to it: analyze with "persist": true in its JSON body passes the route
// policy as a read (the policy sees only the query), and is refused here
// with 403. Without the security layer (no principal) writes pass.
func RequireRoleToWrite(w ViewWriter, role Role) ViewWriter {
	return guardedWriter{w: w, role: role}
}

func (g guardedWriter) ReplaceViewsLineage(ctx context.Context, views []graph.View, states []graph.ViewState) error {
	if err := Require(ctx, g.role); err != nil {
		return err
	}
	return g.w.ReplaceViewsLineage(ctx, views, states)
}

type guardedJobs struct {
	j    ViewJobs
	role Role
}

// RequireRoleToEnqueue wraps j so that enqueueing views needs role, as RequireRoleToWrite does
// for the writes in the request: analyze's job path is a write behind a route the policy sees
// as a read.
func RequireRoleToEnqueue(j ViewJobs, role Role) ViewJobs {
	return guardedJobs{j: j, role: role}
}

func (g guardedJobs) EnqueueViews(ctx context.Context, views []graph.View, states []graph.ViewState) (string, error) {
	if err := Require(ctx, g.role); err != nil {
		return "", err
	}
	return g.j.EnqueueViews(ctx, views, states)
}
