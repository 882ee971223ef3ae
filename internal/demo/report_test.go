package demo

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

func fakeRecording() Recording {
	m := DefaultModel()
	r := Recording{Scenario: "burst", Model: m.ID, Variants: m.Variants, Actuation: ActuationDirect, DurationSec: 60,
		SLO: SLO{TTFT: time.Second, ITL: 50 * time.Millisecond}, Started: time.Unix(1_800_000_000, 0)}
	r.Phases = []Phase{{Name: "quiet", To: 30 * time.Second, Rate0: 1, Rate1: 1}, {Name: "burst", From: 30 * time.Second, To: 60 * time.Second, Rate0: 20, Rate1: 20}}
	for i := range 30 {
		v := 0.2 + 0.01*float64(i)
		s := Sample{T: float64(2 * i), Phase: "quiet", OfferedRPS: float64(i), CompletedRPS: float64(i), CostRate: 70}
		if i%3 != 0 {
			s.TTFTP50, s.TTFTP95, s.ITLP95 = &v, &v, &v
		}
		for _, vv := range m.Variants {
			s.Variants = append(s.Variants, VariantSample{Name: vv.Name, Current: 1 + i/10, Desired: 1 + i/10, Ready: 1 + i/12, KVUsage: v, Waiting: float64(i % 7)})
		}
		r.Samples = append(r.Samples, s)
	}
	r.Decisions = []Decision{{T: 20, Variant: "llama-8b-a100", Message: "Desired replicas 1 -> 2: scale-up <cheapest>"}}
	return r
}

func TestWriteReportWritesPlotsAndSeries(t *testing.T) {
	dir := t.TempDir()
	files, err := WriteReport(dir, fakeRecording())
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(files.HTML)
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	if n := strings.Count(html, "<svg"); n != 8 {
		t.Errorf("report has %d plots, want 8", n)
	}
	for _, want := range []string{"Replicas per variant", "KV-cache usage", "Waiting requests", "TTFT", "Inter-token latency", "Cost", "SLO 1s", "&lt;cheapest&gt;", "<b>burst</b> 30–60 s"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(html, "NaN") || strings.Contains(html, "http://") && !strings.Contains(html, "http://www.w3.org/2000/svg") {
		t.Error("report has NaN coordinates or refers to the network")
	}
	csv, err := os.ReadFile(files.CSV)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if len(lines) != 31 || !strings.Contains(lines[0], "llama-8b-h100_desired") {
		t.Errorf("CSV: %d lines, header %q", len(lines), lines[0])
	}
	data, err := os.ReadFile(files.JSON)
	if err != nil {
		t.Fatal(err)
	}
	var back Recording
	if err := json.Unmarshal(data, &back); err != nil || len(back.Samples) != 30 || len(back.Decisions) != 1 {
		t.Fatalf("JSON round trip: %v, %d samples", err, len(back.Samples))
	}
}

// In HYBRID mode the report adds the capacity answer against the model answer and the
// forecast against what was observed, and the CSV their columns; a CAPACITY-ONLY run's
// report has neither chart.
func TestHybridReportShowsBothAnswersAndTheForecast(t *testing.T) {
	r := fakeRecording()
	r.Mode = ModeHybrid
	for i := range r.Samples {
		if i < 3 {
			continue // the first cycles publish nothing yet
		}
		f := float64(i)
		r.Samples[i].Hybrid = &HybridSample{ObservedRPS: f, ForecastRPS: f + 1, PlannedRPS: f + 2, HorizonSec: 30}
		for j := range r.Samples[i].Variants {
			c, m := float64(1), float64(1+i/5)
			r.Samples[i].Variants[j].CapacityAnswer, r.Samples[i].Variants[j].ModelAnswer = &c, &m
		}
	}
	dir := t.TempDir()
	files, err := WriteReport(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(files.HTML)
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	if n := strings.Count(html, "<svg"); n != 10 {
		t.Errorf("HYBRID report has %d plots, want 10", n)
	}
	for _, want := range []string{"Mode <b>hybrid</b>", "HYBRID: capacity answer", "llama-8b-h100 model answer", "forecast", "planned (forecast + headroom)", "observed by WVA"} {
		if !strings.Contains(html, want) {
			t.Errorf("HYBRID report lacks %q", want)
		}
	}
	if strings.Contains(html, "NaN") {
		t.Error("HYBRID report has NaN coordinates")
	}
	csv, err := os.ReadFile(files.CSV)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if !strings.Contains(lines[0], "hybrid_forecast_rps") || !strings.Contains(lines[0], "llama-8b-a100_model_answer") {
		t.Errorf("CSV header %q lacks the HYBRID columns", lines[0])
	}
	if cells := strings.Split(lines[len(lines)-1], ","); !strings.Contains(lines[len(lines)-1], ",30,") || len(cells) != len(strings.Split(lines[0], ",")) {
		t.Errorf("CSV last row %q does not match the header", lines[len(lines)-1])
	}
	capOnly, err := WriteReport(t.TempDir(), fakeRecording())
	if err != nil {
		t.Fatal(err)
	}
	if page, _ := os.ReadFile(capOnly.HTML); strings.Contains(string(page), "HYBRID:") {
		t.Error("a CAPACITY-ONLY report has HYBRID charts")
	}
}

func TestManifestsAreValidYAML(t *testing.T) {
	m := DefaultModel()
	docs := strings.Split(m.Manifests(), "\n---\n")
	kinds := map[string]int{}
	for _, d := range docs {
		if strings.TrimSpace(d) == "" || strings.TrimSpace(d) == "---" {
			continue
		}
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(d), &obj); err != nil {
			t.Fatalf("bad YAML: %v\n%s", err, d)
		}
		kinds[obj["kind"].(string)]++
		if obj["kind"] == "VariantAutoscaling" {
			cost := obj["spec"].(map[string]any)["variantCost"]
			if cost != "50.0" && cost != "20.0" {
				t.Errorf("variantCost = %v", cost)
			}
		}
	}
	if kinds["Deployment"] != 2 || kinds["VariantAutoscaling"] != 2 {
		t.Fatalf("kinds: %v", kinds)
	}
}

func TestHPAManifestsFollowTheSample(t *testing.T) {
	m := DefaultModel()
	for _, zero := range []bool{false, true} {
		docs := strings.Split(m.HPAManifests(zero), "\n---\n")
		n := 0
		for _, d := range docs {
			if strings.TrimSpace(d) == "" || strings.TrimSpace(d) == "---" {
				continue
			}
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(d), &obj); err != nil {
				t.Fatalf("bad YAML: %v\n%s", err, d)
			}
			n++
			spec := obj["spec"].(map[string]any)
			if want := map[bool]float64{false: 1, true: 0}[zero]; spec["minReplicas"] != want {
				t.Errorf("scale to zero %v: minReplicas %v", zero, spec["minReplicas"])
			}
		}
		if n != 2 {
			t.Fatalf("%d HPAs, want 2", n)
		}
	}
	if rules, err := adapterRules("../.."); err != nil || !strings.Contains(rules, "wva_desired_replicas") {
		t.Fatalf("adapter rules: %v\n%s", err, rules)
	}
}
