package openlineage

import (
	"fmt"
	"strings"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/internal/ident"
)

// Dataset kinds written for OpenLineage datasets: a Snowflake dataset is a table unless the
// graph already knows it as something else; any other namespace gives an external dataset.
const (
	KindTable    = "table"
	KindExternal = "external"
)

// ExternalSchema is the schema part of an external dataset's id: a dataset outside Snowflake
// is identified by namespace and name as ObjectID{Database: namespace, Schema: EXTERNAL,
// Name: name}, printed "\"postgres://db:5432\".EXTERNAL.\"shop.public.orders\"". A Snowflake
// database cannot be named like a namespace unless it is quoted and contains "://" (or is one
// of the bare namespaces such as "bigquery" in lower case, quoted), so the two do not meet.
const ExternalSchema = "EXTERNAL"

// IsSnowflake reports whether a dataset namespace is a Snowflake account: snowflake://{org}-{account}
// or the legacy snowflake://{locator}[.{region}][.{cloud}] (naming.md).
func IsSnowflake(namespace string) bool {
	scheme, rest, ok := strings.Cut(namespace, "://")
	return ok && strings.EqualFold(scheme, "snowflake") && rest != ""
}

// DatasetID maps a dataset's namespace and name to the graph's id and the kind of dataset it
// is. A Snowflake name is DATABASE.SCHEMA.TABLE resolved like Snowflake: an unquoted part is
// upper-cased, a quoted part kept exactly; a name Snowflake would need quotes for but that a
// producer sent bare ("db.schema.My Table") is taken part by part as written. The account
// is not part of the id: the graph describes one account.
func DatasetID(namespace, name string) (graph.ObjectID, string, error) {
	if namespace == "" || name == "" {
		return graph.ObjectID{}, "", fmt.Errorf("empty namespace or name")
	}
	if !IsSnowflake(namespace) {
		return graph.ObjectID{Database: namespace, Schema: ExternalSchema, Name: name}, KindExternal, nil
	}
	id, err := graph.ParseObjectID(name)
	if err == nil {
		return id, KindTable, nil
	}
	parts := strings.Split(name, ".")
	if len(parts) == 3 && parts[0] != "" && parts[1] != "" && parts[2] != "" && !strings.Contains(name, `"`) {
		for i, p := range parts {
			parts[i] = columnName(namespace, p)
		}
		id = graph.ObjectID{Database: parts[0], Schema: parts[1], Name: parts[2]}
		if id.Validate() == nil {
			return id, KindTable, nil
		}
	}
	return graph.ObjectID{}, "", fmt.Errorf("snowflake dataset name %q: want DATABASE.SCHEMA.TABLE", name)
}

// columnName resolves a field name the way the dataset's platform does: in Snowflake an
// unquoted identifier is upper-cased; elsewhere names are kept as sent.
func columnName(namespace, field string) string {
	if IsSnowflake(namespace) && ident.IsUnquoted(field) {
		return strings.ToUpper(field)
	}
	return field
}

// JobKey identifies a job: its namespace and name.
type JobKey struct {
	Namespace, Name string
}

// Statement is the job's identity as the statement of the edges it writes: "namespace/name".
func (j JobKey) Statement() string { return j.Namespace + "/" + j.Name }
