// Package auth is Tributary's security layer: Cognito JWT verification
// against a cached JWKS, API keys stored as hashes in Redis, roles, a Redis
// rate limiter shared by all replicas, CORS and security headers, and an
// audit log. It plugs into the echo server as middleware; cmd/tributary
// wires it.
package auth

import (
	"fmt"
	"slices"
	"strings"
)

// Role is what a principal may do. Roles are ordered: each includes the
// ones below it.
type Role int

const (
	// RoleNone is no role at all: an authenticated principal that maps to
	// no role is refused (403) everywhere except public routes.
	RoleNone Role = iota
	// RoleViewer reads lineage and searches.
	RoleViewer
	// RoleEditor also analyzes with persist=true, imports, refreshes, exports.
	RoleEditor
	// RoleAdmin also manages API keys and deletes.
	RoleAdmin
)

var roleNames = [...]string{RoleNone: "none", RoleViewer: "viewer", RoleEditor: "editor", RoleAdmin: "admin"}

func (r Role) String() string {
	if r < 0 || int(r) >= len(roleNames) {
		return fmt.Sprintf("role(%d)", int(r))
	}
	return roleNames[r]
}

// ParseRole reads "viewer", "editor" or "admin" (case-insensitive).
func ParseRole(s string) (Role, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "viewer":
		return RoleViewer, nil
	case "editor":
		return RoleEditor, nil
	case "admin":
		return RoleAdmin, nil
	}
	return RoleNone, fmt.Errorf("%q is not a role (viewer, editor, admin)", s)
}

// Includes reports whether r grants at least need.
func (r Role) Includes(need Role) bool { return r >= need }

// RoleMap maps Cognito groups (cognito:groups) and OAuth scopes (scope) of a
// verified token to a role. A principal gets the highest role any of its
// groups or scopes maps to; with none, the default ("*") applies, and
// without a default it has RoleNone.
//
// Text form, comma-separated: "data-eng=editor,platform=admin,*=viewer".
// A key "scope:NAME" matches an OAuth scope instead of a group, which is how
// client-credentials tokens (they carry scopes, not groups) get a role:
// "scope:tributary/write=editor".
type RoleMap struct {
	groups  map[string]Role
	scopes  map[string]Role
	deflt   Role
	hasDflt bool
}

// ParseRoleMap reads the text form. Group names are matched exactly
// (Cognito group names are case-sensitive).
func ParseRoleMap(s string) (RoleMap, error) {
	m := RoleMap{groups: map[string]Role{}, scopes: map[string]Role{}}
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, roleText, ok := strings.Cut(entry, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return RoleMap{}, fmt.Errorf("role map entry %q is not group=role", entry)
		}
		role, err := ParseRole(roleText)
		if err != nil {
			return RoleMap{}, fmt.Errorf("role map entry %q: %w", entry, err)
		}
		switch {
		case name == "*":
			if m.hasDflt {
				return RoleMap{}, fmt.Errorf("role map has two defaults (*)")
			}
			m.deflt, m.hasDflt = role, true
		case strings.HasPrefix(name, "scope:"):
			scope := strings.TrimPrefix(name, "scope:")
			if scope == "" {
				return RoleMap{}, fmt.Errorf("role map entry %q names no scope", entry)
			}
			if _, dup := m.scopes[scope]; dup {
				return RoleMap{}, fmt.Errorf("role map names scope %q twice", scope)
			}
			m.scopes[scope] = role
		default:
			if _, dup := m.groups[name]; dup {
				return RoleMap{}, fmt.Errorf("role map names group %q twice", name)
			}
			m.groups[name] = role
		}
	}
	return m, nil
}

// Role returns the highest role the groups and scopes map to, or the default.
func (m RoleMap) Role(groups, scopes []string) Role {
	best := RoleNone
	matched := false
	for _, g := range groups {
		if r, ok := m.groups[g]; ok {
			best, matched = max(best, r), true
		}
	}
	for _, s := range scopes {
		if r, ok := m.scopes[s]; ok {
			best, matched = max(best, r), true
		}
	}
	if !matched && m.hasDflt {
		return m.deflt
	}
	return best
}

// String is the canonical text form (sorted; default last).
func (m RoleMap) String() string {
	var parts []string
	for g, r := range m.groups {
		parts = append(parts, g+"="+r.String())
	}
	for s, r := range m.scopes {
		parts = append(parts, "scope:"+s+"="+r.String())
	}
	slices.Sort(parts)
	if m.hasDflt {
		parts = append(parts, "*="+m.deflt.String())
	}
	return strings.Join(parts, ",")
}
