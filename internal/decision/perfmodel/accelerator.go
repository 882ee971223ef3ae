package perfmodel

import "strings"

// Datasheet is what a GPU's datasheet says about the two rates a step depends on:
// memory bandwidth (reading the weights and the KV cache: α and γ) and dense bf16
// compute (the tokens: β).
type Datasheet struct {
	// BandwidthGBps is the peak memory bandwidth in GB/s.
	BandwidthGBps float64
	// TFLOPS is the dense bf16 tensor throughput in TFLOP/s.
	TFLOPS float64
}

// datasheets are the public datasheet figures of common inference accelerators, by a
// name fragment as it appears in accelerator labels (nvidia.com/gpu.product values such
// as NVIDIA-H100-80GB-HBM3, or WVA's own H100-80GB); more specific fragments first.
var datasheets = []struct {
	fragment string
	sheet    Datasheet
}{
	{"H100-PCIE", Datasheet{BandwidthGBps: 2000, TFLOPS: 756}},
	{"H100-NVL", Datasheet{BandwidthGBps: 3900, TFLOPS: 835}},
	{"H100", Datasheet{BandwidthGBps: 3350, TFLOPS: 989}},
	{"H200", Datasheet{BandwidthGBps: 4800, TFLOPS: 989}},
	{"B200", Datasheet{BandwidthGBps: 8000, TFLOPS: 2250}},
	{"A100-SXM4-40GB", Datasheet{BandwidthGBps: 1555, TFLOPS: 312}},
	{"A100-PCIE-40GB", Datasheet{BandwidthGBps: 1555, TFLOPS: 312}},
	{"A100", Datasheet{BandwidthGBps: 2039, TFLOPS: 312}},
	{"L40S", Datasheet{BandwidthGBps: 864, TFLOPS: 362}},
	{"L4", Datasheet{BandwidthGBps: 300, TFLOPS: 121}},
	{"A10G", Datasheet{BandwidthGBps: 600, TFLOPS: 70}},
	{"A10", Datasheet{BandwidthGBps: 600, TFLOPS: 125}},
	{"MI300X", Datasheet{BandwidthGBps: 5300, TFLOPS: 1307}},
}

// LookupDatasheet finds an accelerator's datasheet by its name (case-insensitive).
func LookupDatasheet(accelerator string) (Datasheet, bool) {
	name := strings.ToUpper(accelerator)
	for _, d := range datasheets {
		if strings.Contains(name, d.fragment) {
			return d.sheet, true
		}
	}
	return Datasheet{}, false
}

// Transfer carries parameters learned on one accelerator to another by the ratio of
// their datasheets: the step overhead and the KV reads scale with memory bandwidth, the
// per-token cost with compute; the dispersion belongs to the traffic and is kept. The
// result is a prior, not a measurement: real kernels reach different fractions of peak
// on different cards, so it is given a wide uncertainty and learned from there.
func Transfer(p Params, from, to Datasheet) Params {
	bw := from.BandwidthGBps / to.BandwidthGBps
	fl := from.TFLOPS / to.TFLOPS
	return Params{Alpha: p.Alpha * bw, Beta: p.Beta * fl, Gamma: p.Gamma * bw, Dispersion: p.Dispersion}
}
