package contract

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Documents whose every name and default is a promise (verbatim copies, see testdata/README.md).
const (
	guide     = "configuration-guide.md"
	reference = "behaviour-reference.md"
)

// placeholder marks, in a clause's text, a value to read from the document.
const placeholder = "{}"

// document is one contract document's text.
type document struct {
	name string
	text string
}

// readDocument reads a document from testdata.
func readDocument(t *testing.T, name string) document {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read the contract document: %v", err)
	}
	return document{name: name, text: string(data)}
}

// values finds text in the document, where each {} stands for a value on one line, and
// returns the values. It fails when the text is nowhere in the document, or when the
// document states it several times with different values.
func (d document) values(text string) ([]string, error) {
	parts := strings.Split(text, placeholder)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	re, err := regexp.Compile(strings.Join(parts, "(.+?)"))
	if err != nil {
		return nil, fmt.Errorf("clause %q: %w", text, err)
	}
	matches := re.FindAllStringSubmatch(d.text, -1)
	if len(matches) == 0 {
		return nil, fmt.Errorf("%s no longer says %q: the contract changed; update this test and the code together", d.name, text)
	}
	for _, m := range matches[1:] {
		if !slices.Equal(m[1:], matches[0][1:]) {
			return nil, fmt.Errorf("%s says %q with values %q in one place and %q in another", d.name, text, matches[0][1:], m[1:])
		}
	}
	return matches[0][1:], nil
}

// yamlBlock returns the body of the one fenced code block holding marker.
func (d document) yamlBlock(marker string) (string, error) {
	var found, body []string
	in := false
	for _, line := range strings.SplitAfter(d.text, "\n") {
		switch {
		case strings.HasPrefix(strings.TrimSpace(line), "```"):
			if in && strings.Contains(strings.Join(body, ""), marker) {
				found = append(found, strings.Join(body, ""))
			}
			in, body = !in, nil
		case in:
			body = append(body, line)
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("%s has %d code blocks holding %q, want exactly one", d.name, len(found), marker)
	}
	return found[0], nil
}

// TestDocumentReading checks the reader itself: values are read where the text says,
// a missing clause and a self-contradicting document are errors.
func TestDocumentReading(t *testing.T) {
	d := document{name: "doc.md", text: "The interval (default: `60s`) is mutable.\nAgain: (default: `60s`).\n" +
		"```yaml\nkey: one\n```\ntext\n```yaml\nkey: two\n```\n"}
	if v, err := d.values("(default: `{}`)"); err != nil || !slices.Equal(v, []string{"60s"}) {
		t.Errorf("values = %q, %v; want [60s]", v, err)
	}
	if _, err := d.values("(default: `{}`) is immutable"); err == nil {
		t.Error("a clause the document does not state was found")
	}
	d.text += "Once more (default: `30s`).\n"
	if _, err := d.values("(default: `{}`)"); err == nil {
		t.Error("a document stating two defaults for one clause was accepted")
	}
	if b, err := d.yamlBlock("two"); err != nil || b != "key: two\n" {
		t.Errorf("yamlBlock = %q, %v", b, err)
	}
	if _, err := d.yamlBlock("key"); err == nil {
		t.Error("a marker in two blocks was accepted")
	}
}
