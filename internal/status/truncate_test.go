package status

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncateKeepsNotesWithinTheAPILimit(t *testing.T) {
	long := strings.Repeat("é", 600) // 1200 bytes
	got := Truncate(long, maxNote)
	if len(got) > maxNote || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Fatalf("truncated to %d bytes, valid %v: ...%q", len(got), utf8.ValidString(got), got[len(got)-8:])
	}
	if Truncate("short", maxNote) != "short" {
		t.Fatal("a short note was changed")
	}
}
