package main

import (
	"runtime/debug"

	"github.com/tributary-lineage/tributary/api"
)

// version is set at link time: go build -ldflags "-X main.version=v1.2.3".
var version = "dev"

// buildInfo combines the link-time version with what the Go toolchain
// stamped into the binary (VCS revision and time, Go version).
func buildInfo() api.BuildInfo {
	b := api.BuildInfo{Version: version}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.GoVersion = bi.GoVersion
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.time":
			b.BuildTime = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	if b.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		b.Version = bi.Main.Version
	}
	return b
}
