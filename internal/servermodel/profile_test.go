package servermodel

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestProfilesLoadAndDerive(t *testing.T) {
	names := ProfileNames()
	if len(names) < 3 {
		t.Fatalf("profiles %v, want at least H100, A100 and L4", names)
	}
	alpha := map[string]float64{}
	for _, n := range names {
		p, err := LoadProfile(n)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != n {
			t.Errorf("profile file %s names itself %q", n, p.Name)
		}
		if got := p.KVBytesPerToken(); got != 128*1024 {
			t.Errorf("%s: %g KV bytes/token, want 128 KiB for Llama-3.1-8B bf16", n, got)
		}
		params, err := p.Params()
		if err != nil {
			t.Fatal(err)
		}
		alpha[p.Accelerator.Name] = params.Alpha.Seconds()
	}
	if !(alpha["H100-80GB"] < alpha["A100-80GB"] && alpha["A100-80GB"] < alpha["L4-24GB"]) {
		t.Errorf("per-step weight read times %v do not follow memory bandwidth", alpha)
	}
}

func TestParseProfileRequiresSources(t *testing.T) {
	data, err := os.ReadFile("profiles/llama-3.1-8b-h100-80gb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.Contains(line, "accelerator.bandwidthGBps:") {
			kept = append(kept, line)
		}
	}
	if _, err := ParseProfile([]byte(strings.Join(kept, "\n"))); err == nil || !strings.Contains(err.Error(), "accelerator.bandwidthGBps") {
		t.Errorf("profile without a source for the bandwidth parsed: %v", err)
	}
	if _, err := LoadProfile("nope"); !errors.Is(err, ErrUnknownProfile) {
		t.Errorf("unknown profile: %v", err)
	}
}

func TestProfileRejectsUnknownFields(t *testing.T) {
	if _, err := ParseProfile([]byte("name: x\nbogus: 1\n")); err == nil {
		t.Error("unknown field accepted")
	}
}

// TestCalibrationReport prints the calibration report (run with -v) and checks that the
// model lands inside the public ranges each profile cites.
func TestCalibrationReport(t *testing.T) {
	var cals []Calibration
	for _, n := range ProfileNames() {
		p, err := LoadProfile(n)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Calibrate(p)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Reference.SingleStreamDecodeTPS.Contains(c.SingleStreamDecodeTPS) {
			t.Errorf("%s: single-stream decode %.1f tok/s outside public %v", n, c.SingleStreamDecodeTPS, p.Reference.SingleStreamDecodeTPS)
		}
		if !p.Reference.SaturationOutputTPS.Contains(c.SaturationOutputTPS) {
			t.Errorf("%s: saturation %.0f tok/s outside public %v", n, c.SaturationOutputTPS, p.Reference.SaturationOutputTPS)
		}
		if c.GainAt8 < 3 || c.GainAt8 > 8 {
			t.Errorf("%s: batching gain at 8 concurrent requests %.2f, public sweeps show ~6.6x", n, c.GainAt8)
		}
		cals = append(cals, c)
	}
	var b strings.Builder
	if err := WriteReport(&b, cals); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
}
