package auth

import (
	"context"

	"github.com/tributary-lineage/tributary/graph"
)

// ViewWriter is the shape of api.ViewWriter (the analyze handler's writer).
type ViewWriter interface {
	ReplaceViewLineage(ctx context.Context, view graph.View) error
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

func (g guardedWriter) ReplaceViewLineage(ctx context.Context, view graph.View) error {
	if err := Require(ctx, g.role); err != nil {
		return err
	}
	return g.w.ReplaceViewLineage(ctx, view)
}
