package synth

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// WriteDir writes files under dir, creating directories as needed. Paths must
// be relative and stay inside dir.
func WriteDir(dir string, files []File) error {
	for _, f := range files {
		clean := filepath.Clean(filepath.FromSlash(f.Path))
		if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
			return fmt.Errorf("write %s: path escapes the output directory", f.Path)
		}
		p := filepath.Join(dir, clean)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("create directory for %s: %w", f.Path, err)
		}
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
	}
	return nil
}
