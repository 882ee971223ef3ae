package servermodel

import (
	"embed"
	"errors"
	"fmt"
	"math"
	"path"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

//go:embed profiles/*.yaml
var profileFS embed.FS

// gib is one gibibyte in bytes.
const gib = 1 << 30

// Profile describes a model served by vLLM on one accelerator, in the units the public
// sources use, so each number can be checked against its citation; Params derives the
// engine parameters from it.
type Profile struct {
	// Name identifies the profile (the file name without .yaml), e.g. "llama-3.1-8b-h100-80gb".
	Name string `json:"name"`
	// Description says what the profile stands for, in one line.
	Description string `json:"description"`
	// Model holds the architecture facts that size weights and KV cache.
	Model ModelSpec `json:"model"`
	// Accelerator holds the datasheet facts of the GPU.
	Accelerator AcceleratorSpec `json:"accelerator"`
	// Engine holds vLLM's configuration and the achieved-efficiency assumptions.
	Engine EngineSpec `json:"engine"`
	// Reference holds public measurements the calibration compares the model against.
	Reference Reference `json:"reference"`
	// Sources cites the origin of every number above, keyed by its path (e.g.
	// "accelerator.bandwidthGBps").
	Sources map[string]string `json:"sources"`
}

// ModelSpec is the part of a model's architecture that determines memory and FLOPs.
type ModelSpec struct {
	// Name is the model ID clients ask for (OpenAI "model").
	Name string `json:"name"`
	// Parameters is the parameter count.
	Parameters float64 `json:"parameters"`
	// Layers, KVHeads and HeadDim size the KV cache per token.
	Layers  int `json:"layers"`
	KVHeads int `json:"kvHeads"`
	HeadDim int `json:"headDim"`
	// DTypeBytes is the width of weights and KV entries (2 for bf16).
	DTypeBytes int `json:"dtypeBytes"`
}

// AcceleratorSpec is what a GPU datasheet says about one card.
type AcceleratorSpec struct {
	// Name is the accelerator type as WVA labels it (e.g. "H100-80GB").
	Name string `json:"name"`
	// MemoryGiB is the device memory visible to the driver.
	MemoryGiB float64 `json:"memoryGiB"`
	// BandwidthGBps is the peak memory bandwidth in GB/s.
	BandwidthGBps float64 `json:"bandwidthGBps"`
	// PeakTFLOPS is the dense bf16 tensor throughput in TFLOP/s.
	PeakTFLOPS float64 `json:"peakTFLOPS"`
}

// EngineSpec is vLLM's configuration plus how close to peak its kernels run.
type EngineSpec struct {
	// GPUMemoryUtilization is vLLM's --gpu-memory-utilization.
	GPUMemoryUtilization float64 `json:"gpuMemoryUtilization"`
	// RuntimeOverheadGiB is memory used besides weights and KV cache (activation peak of
	// the profiling run, CUDA graphs, non-torch allocations).
	RuntimeOverheadGiB float64 `json:"runtimeOverheadGiB"`
	// BlockSize, MaxNumSeqs, MaxNumBatchedTokens and MaxModelLen are vLLM's settings.
	BlockSize           int `json:"blockSize"`
	MaxNumSeqs          int `json:"maxNumSeqs"`
	MaxNumBatchedTokens int `json:"maxNumBatchedTokens"`
	MaxModelLen         int `json:"maxModelLen"`
	// BandwidthEfficiency is the achieved fraction of peak memory bandwidth.
	BandwidthEfficiency float64 `json:"bandwidthEfficiency"`
	// ComputeEfficiency is the achieved fraction of peak FLOPs on token computation.
	ComputeEfficiency float64 `json:"computeEfficiency"`
}

// Range is a closed interval of a public figure, [Min, Max].
type Range struct {
	// Min is the lowest value the public figures support.
	Min float64 `json:"min"`
	// Max is the highest value the public figures support.
	Max float64 `json:"max"`
}

// Contains reports whether v lies in the range.
func (r Range) Contains(v float64) bool { return v >= r.Min && v <= r.Max }

// Reference holds public figures for this model on this card.
type Reference struct {
	// SingleStreamDecodeTPS is the decode speed of one request alone, tokens/s.
	SingleStreamDecodeTPS Range `json:"singleStreamDecodeTPS"`
	// SaturationOutputTPS is the output throughput under unlimited concurrency with
	// 1024-token prompts and 128-token outputs, tokens/s.
	SaturationOutputTPS Range `json:"saturationOutputTPS"`
}

// requiredSources are the numbers every profile must cite.
func requiredSources() []string {
	return []string{
		"model.parameters", "model.layers", "model.kvHeads", "model.headDim", "model.dtypeBytes",
		"accelerator.memoryGiB", "accelerator.bandwidthGBps", "accelerator.peakTFLOPS",
		"engine.gpuMemoryUtilization", "engine.runtimeOverheadGiB", "engine.blockSize",
		"engine.maxNumSeqs", "engine.maxNumBatchedTokens", "engine.maxModelLen",
		"engine.bandwidthEfficiency", "engine.computeEfficiency",
		"reference.singleStreamDecodeTPS", "reference.saturationOutputTPS",
	}
}

// ErrUnknownProfile is returned by LoadProfile for a name with no embedded file.
var ErrUnknownProfile = errors.New("unknown profile")

// ProfileNames lists the embedded profiles, sorted.
func ProfileNames() []string {
	entries, err := profileFS.ReadDir("profiles")
	if err != nil {
		return nil // cannot happen: the directory is embedded at build time
	}
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	slices.Sort(names)
	return names
}

// LoadProfile returns the embedded profile of that name.
func LoadProfile(name string) (Profile, error) {
	data, err := profileFS.ReadFile(path.Join("profiles", name+".yaml"))
	if err != nil {
		return Profile{}, fmt.Errorf("load profile %q: %w (known: %s)", name, ErrUnknownProfile, strings.Join(ProfileNames(), ", "))
	}
	p, err := ParseProfile(data)
	if err != nil {
		return Profile{}, fmt.Errorf("load profile %q: %w", name, err)
	}
	return p, nil
}

// ParseProfile decodes a profile from YAML (or JSON), rejecting unknown fields, and
// checks that it is complete and derives valid engine parameters.
func ParseProfile(data []byte) (Profile, error) {
	var p Profile
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		return Profile{}, fmt.Errorf("parse profile: %w", err)
	}
	for _, key := range requiredSources() {
		if strings.TrimSpace(p.Sources[key]) == "" {
			return Profile{}, fmt.Errorf("parse profile %q: no source for %s: %w", p.Name, key, errInvalidParams)
		}
	}
	if _, err := p.Params(); err != nil {
		return Profile{}, fmt.Errorf("parse profile %q: %w", p.Name, err)
	}
	return p, nil
}

// KVBytesPerToken is 2 (K and V) × layers × KV heads × head dim × dtype bytes.
func (p Profile) KVBytesPerToken() float64 {
	m := p.Model
	return float64(2 * m.Layers * m.KVHeads * m.HeadDim * m.DTypeBytes)
}

// WeightBytes is parameters × dtype bytes.
func (p Profile) WeightBytes() float64 { return p.Model.Parameters * float64(p.Model.DTypeBytes) }

// KVCacheBytes is the memory vLLM leaves for the KV cache:
// utilisation × device memory − weights − runtime overhead.
func (p Profile) KVCacheBytes() float64 {
	e := p.Engine
	return e.GPUMemoryUtilization*p.Accelerator.MemoryGiB*gib - p.WeightBytes() - e.RuntimeOverheadGiB*gib
}

// Params derives the engine parameters: the block count from the KV memory, α from
// reading the weights once per step, β from 2·parameters FLOPs per token, γ from reading
// one token's KV entries — each at the profile's achieved efficiency.
func (p Profile) Params() (Params, error) {
	e, a := p.Engine, p.Accelerator
	if e.BandwidthEfficiency <= 0 || e.ComputeEfficiency <= 0 || a.BandwidthGBps <= 0 || a.PeakTFLOPS <= 0 {
		return Params{}, fmt.Errorf("%w: bandwidth, FLOPs and efficiencies must be positive", errInvalidParams)
	}
	bw := a.BandwidthGBps * 1e9 * e.BandwidthEfficiency
	flops := a.PeakTFLOPS * 1e12 * e.ComputeEfficiency
	blocks := 0
	if per := p.KVBytesPerToken() * float64(e.BlockSize); per > 0 && p.KVCacheBytes() > 0 {
		blocks = int(math.Floor(p.KVCacheBytes() / per))
	}
	params := Params{
		BlockSize:            e.BlockSize,
		NumGPUBlocks:         blocks,
		MaxNumSeqs:           e.MaxNumSeqs,
		MaxNumBatchedTokens:  e.MaxNumBatchedTokens,
		MaxModelLen:          e.MaxModelLen,
		Alpha:                seconds(p.WeightBytes() / bw),
		Beta:                 seconds(2 * p.Model.Parameters / flops),
		Gamma:                seconds(p.KVBytesPerToken() / bw),
		GPUMemoryUtilization: e.GPUMemoryUtilization,
	}
	if err := params.Validate(); err != nil {
		return Params{}, err
	}
	return params, nil
}

func seconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }
