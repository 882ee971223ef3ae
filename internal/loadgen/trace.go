package loadgen

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Request is one scheduled request: when to send it (offset from the start of the run)
// and its prompt and output lengths in tokens.
type Request struct {
	At           time.Duration `json:"at"`
	PromptTokens int           `json:"promptTokens"`
	OutputTokens int           `json:"outputTokens"`
}

// traceTimeLayout parses the Azure trace's TIMESTAMP, e.g. "2023-11-16 18:15:46.6805900".
const traceTimeLayout = "2006-01-02 15:04:05.999999999"

// errTrace marks a malformed trace.
var errTrace = errors.New("malformed trace")

// ReadAzureTrace parses a trace in the Azure LLM inference format: a header line, then
// TIMESTAMP,ContextTokens,GeneratedTokens per request. Offsets are relative to the first
// request and rows are returned in arrival order as found (the published traces are
// sorted; an out-of-order row is an error so a bad file is not silently replayed).
func ReadAzureTrace(r io.Reader) ([]Request, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 3
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read trace header: %w", err)
	}
	if !strings.EqualFold(strings.TrimSpace(header[0]), "TIMESTAMP") {
		return nil, fmt.Errorf("%w: header %v, want TIMESTAMP,ContextTokens,GeneratedTokens", errTrace, header)
	}
	var (
		out   []Request
		first time.Time
	)
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read trace line %d: %w", line, err)
		}
		req, at, err := parseRow(rec)
		if err != nil {
			return nil, fmt.Errorf("trace line %d: %w", line, err)
		}
		if len(out) == 0 {
			first = at
		}
		req.At = at.Sub(first)
		if len(out) > 0 && req.At < out[len(out)-1].At {
			return nil, fmt.Errorf("trace line %d: %w: timestamp goes backwards", line, errTrace)
		}
		out = append(out, req)
	}
}

func parseRow(rec []string) (Request, time.Time, error) {
	at, err := time.Parse(traceTimeLayout, strings.TrimSpace(rec[0]))
	if err != nil {
		return Request{}, at, fmt.Errorf("%w: timestamp: %w", errTrace, err)
	}
	prompt, err := strconv.Atoi(strings.TrimSpace(rec[1]))
	if err != nil {
		return Request{}, at, fmt.Errorf("%w: ContextTokens: %w", errTrace, err)
	}
	output, err := strconv.Atoi(strings.TrimSpace(rec[2]))
	if err != nil {
		return Request{}, at, fmt.Errorf("%w: GeneratedTokens: %w", errTrace, err)
	}
	return Request{PromptTokens: max(prompt, 1), OutputTokens: max(output, 1)}, at, nil
}
