package loadgen

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/testinput"
)

// sharedTrace is the Azure LLM inference trace 2023 (conversation), CC-BY, Microsoft
// Azure Public Dataset; it lives in shared/ beside the repository, not in it. A missing
// trace skips the test outside CI and fails it in CI.
func sharedTrace(t testing.TB) []Request {
	t.Helper()
	f, err := os.Open(testinput.SharedTrace(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	trace, err := ReadAzureTrace(f)
	if err != nil {
		t.Fatal(err)
	}
	return trace
}

func TestReadAzureTrace(t *testing.T) {
	in := "TIMESTAMP,ContextTokens,GeneratedTokens\n" +
		"2023-11-16 18:15:46.6805900,374,44\n" +
		"2023-11-16 18:15:50.9951690,396,109\n" +
		"2023-11-16 18:15:51.2224670,879,0\n"
	got, err := ReadAzureTrace(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Request{
		{At: 0, PromptTokens: 374, OutputTokens: 44},
		{At: 4314579 * time.Microsecond, PromptTokens: 396, OutputTokens: 109},
		{At: 4541877 * time.Microsecond, PromptTokens: 879, OutputTokens: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestReadAzureTraceRejectsBadInput(t *testing.T) {
	for name, in := range map[string]string{
		"header":    "a,b,c\n2023-11-16 18:15:46.68,1,1\n",
		"backwards": "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6,1,1\n2023-11-16 18:15:45.6,1,1\n",
		"number":    "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6,x,1\n",
		"fields":    "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6,1\n",
	} {
		if _, err := ReadAzureTrace(strings.NewReader(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSharedTraceReads(t *testing.T) {
	trace := sharedTrace(t)
	if len(trace) < 19000 {
		t.Errorf("%d requests, the README says about 19,000", len(trace))
	}
	if last := trace[len(trace)-1].At; last < 55*time.Minute || last > 65*time.Minute {
		t.Errorf("trace spans %v, want about an hour", last)
	}
}
