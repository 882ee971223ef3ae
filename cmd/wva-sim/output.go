package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// htmlWriter is a result that renders itself as an HTML page.
type htmlWriter interface {
	WriteHTML(w io.Writer) error
}

// writeOutputs writes <dir>/<base>.json (indented, deterministic) and <dir>/<base>.html.
func writeOutputs(dir, base string, result any, page htmlWriter) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetIndent("", "  ")
	if err := enc.Encode(result); err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, base+".json"), js.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	var h bytes.Buffer
	if err := page.WriteHTML(&h); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, base+".html"), h.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
