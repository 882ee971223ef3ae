package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestBuildScheduleFromTraceFlags(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.csv")
	data := "TIMESTAMP,ContextTokens,GeneratedTokens\n" +
		"2023-11-16 18:15:46.0,100,10\n2023-11-16 18:15:48.0,200,20\n2023-11-16 18:15:56.0,300,30\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := parseFlags([]string{"--trace", path, "--offset", "1s", "--duration", "5s", "--speedup", "2"}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	s, err := buildSchedule(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 1 || s[0].At != 500*time.Millisecond || s[0].PromptTokens != 200 {
		t.Errorf("schedule %+v, want the second request at 0.5s", s)
	}
}

func TestBuildSyntheticSchedule(t *testing.T) {
	o, err := parseFlags([]string{"--pattern", "constant", "--rate", "4", "--duration", "2s"}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	s, err := buildSchedule(o)
	if err != nil || len(s) != 8 {
		t.Errorf("constant 4/s for 2s: %d requests, %v", len(s), err)
	}
	o.pattern = "zigzag"
	if _, err := buildSchedule(o); err == nil {
		t.Error("unknown pattern accepted")
	}
}
