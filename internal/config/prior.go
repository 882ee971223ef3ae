package config

import (
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// PerformancePrior is one entry of the performance-prior-config ConfigMap: where the
// HYBRID mode's performance model of a variant starts learning from, and the engine
// limits vLLM does not export.
type PerformancePrior struct {
	// Params are the step coefficients to start from; nil when the entry gives only
	// engine limits (learning then starts from the first window or a sibling variant).
	Params *perfmodel.Params
	// Engine are max_num_seqs, max_num_batched_tokens and the KV-cache size in tokens;
	// zero fields are not set by the entry.
	Engine perfmodel.Engine
}

// priorKey identifies a prior: an accelerator, for one model or (empty ModelID) any.
type priorKey struct {
	accelerator, modelID string
}

// PerformancePriorSettings is the parsed performance-prior-config ConfigMap.
type PerformancePriorSettings struct {
	// Source names the ConfigMap in force; empty when it does not exist.
	Source string
	// Entries counts the entries in force.
	Entries int
	priors  map[priorKey]PerformancePrior
}

// For returns the prior of a model's variant on an accelerator: the entry naming both,
// else the accelerator's entry for every model. Accelerators match without regard to case.
func (s PerformancePriorSettings) For(modelID, accelerator string) (PerformancePrior, bool) {
	acc := strings.ToLower(accelerator)
	if p, ok := s.priors[priorKey{acc, modelID}]; ok {
		return p, true
	}
	p, ok := s.priors[priorKey{acc, ""}]
	return p, ok
}

// priorEntry is one data value of the ConfigMap as written.
type priorEntry struct {
	Accelerator         string   `json:"accelerator"`
	ModelID             string   `json:"model_id,omitempty"`
	Alpha               *float64 `json:"alpha,omitempty"`
	Beta                *float64 `json:"beta,omitempty"`
	Gamma               *float64 `json:"gamma,omitempty"`
	Dispersion          *float64 `json:"dispersion,omitempty"`
	MaxNumSeqs          int      `json:"maxNumSeqs,omitempty"`
	MaxNumBatchedTokens int      `json:"maxNumBatchedTokens,omitempty"`
	KVCacheTokens       int      `json:"kvCacheTokens,omitempty"`
}

// ParsePerformancePriors reads the performance-prior-config ConfigMap: every data key is
// one entry, a YAML mapping with accelerator (required), model_id (optional: without it
// the entry applies to every model on the accelerator), the step coefficients alpha, beta
// and gamma in seconds (all three or none), dispersion, and the engine limits maxNumSeqs,
// maxNumBatchedTokens and kvCacheTokens. Invalid entries are skipped and reported.
func ParsePerformancePriors(configMap string, data map[string]string) (PerformancePriorSettings, []*EntryError) {
	out := PerformancePriorSettings{Source: configMap, priors: map[priorKey]PerformancePrior{}}
	var skipped []*EntryError
	owner := map[priorKey]string{}
	for _, key := range sortedKeys(data) {
		p, k, err := decodePrior(data[key])
		if err == nil {
			if prev, dup := owner[k]; dup {
				err = fmt.Errorf("entry %q already configures accelerator %q model_id %q", prev, k.accelerator, k.modelID)
			}
		}
		if err != nil {
			skipped = append(skipped, &EntryError{ConfigMap: configMap, Key: key, Rule: err.Error()})
			continue
		}
		owner[k] = key
		out.priors[k] = p
		out.Entries++
	}
	return out, skipped
}

// decodePrior parses and checks one entry.
func decodePrior(raw string) (PerformancePrior, priorKey, error) {
	var e priorEntry
	if err := yaml.UnmarshalStrict([]byte(raw), &e); err != nil {
		return PerformancePrior{}, priorKey{}, fmt.Errorf("expected a YAML mapping with accelerator, model_id, alpha, beta, gamma "+
			"(seconds), dispersion, maxNumSeqs, maxNumBatchedTokens and kvCacheTokens: %w", err)
	}
	k := priorKey{accelerator: strings.ToLower(strings.TrimSpace(e.Accelerator)), modelID: e.ModelID}
	if k.accelerator == "" {
		return PerformancePrior{}, k, fmt.Errorf("accelerator is required (the variant's accelerator type, e.g. NVIDIA-H100-80GB-HBM3)")
	}
	p := PerformancePrior{Engine: perfmodel.Engine{MaxNumSeqs: e.MaxNumSeqs, MaxBatchedTokens: e.MaxNumBatchedTokens, KVTokens: e.KVCacheTokens}}
	for _, f := range []struct {
		name string
		v    int
	}{{"maxNumSeqs", e.MaxNumSeqs}, {"maxNumBatchedTokens", e.MaxNumBatchedTokens}, {"kvCacheTokens", e.KVCacheTokens}} {
		if f.v < 0 {
			return p, k, fmt.Errorf("%s must be a positive count (or left out), got %d", f.name, f.v)
		}
	}
	set := 0
	for _, v := range []*float64{e.Alpha, e.Beta, e.Gamma} {
		if v != nil {
			set++
		}
	}
	switch {
	case set == 0 && e.Dispersion != nil:
		return p, k, fmt.Errorf("dispersion needs alpha, beta and gamma")
	case set == 0:
		return p, k, nil
	case set < 3:
		return p, k, fmt.Errorf("alpha, beta and gamma (seconds) go together: set all three or none")
	}
	params := perfmodel.Params{Alpha: *e.Alpha, Beta: *e.Beta, Gamma: *e.Gamma}
	if e.Dispersion != nil {
		params.Dispersion = *e.Dispersion
	}
	if err := params.Validate(); err != nil {
		return p, k, err
	}
	p.Params = &params
	return p, k, nil
}
