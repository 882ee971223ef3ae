package watch

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/workload-variant-autoscaler/wva/internal/config"
)

// One entry keeps the message the guide quotes; several are named in one note, and a note
// cut to the events API's limit still names every entry.
func TestSkippedNote(t *testing.T) {
	one := &config.EntryError{ConfigMap: "saturation-scaling-config", Key: "queue0", Rule: "queueLengthThreshold must be > 0, got 0"}
	if got, want := skippedNote([]*config.EntryError{one}), one.Error(); got != want {
		t.Errorf("one entry: got %q, want %q", got, want)
	}
	var many []*config.EntryError
	for i := range 20 {
		many = append(many, &config.EntryError{ConfigMap: "saturation-scaling-config", Key: fmt.Sprintf("m%02d", i),
			Rule: "kvCacheThreshold must be in (0, 1], got 1.7; set it to the KV-cache usage fraction at which a replica counts as saturated, e.g. 0.80 (the default)"})
	}
	note := fitNote(skippedNote(many))
	if len(note) > maxNote || !utf8.ValidString(note) {
		t.Fatalf("note of %d bytes (limit %d), valid UTF-8 %v", len(note), maxNote, utf8.ValidString(note))
	}
	for _, e := range many {
		if !strings.Contains(note, fmt.Sprintf("%q", e.Key)) {
			t.Errorf("the note does not name entry %q: %s", e.Key, note)
		}
	}
	if !strings.HasPrefix(note, "ConfigMap saturation-scaling-config: 20 entries skipped") || !strings.HasSuffix(note, cutMark) {
		t.Errorf("note: %s", note)
	}
}

// A cut never splits a multi-byte character.
func TestFitNoteKeepsCharactersWhole(t *testing.T) {
	for pad := range 4 {
		note := fitNote(strings.Repeat("x", pad) + strings.Repeat("é", maxNote))
		if len(note) > maxNote || !utf8.ValidString(note) {
			t.Errorf("pad %d: %d bytes, valid UTF-8 %v", pad, len(note), utf8.ValidString(note))
		}
	}
}
