package perfmodel

import "testing"

// TestTransfer: the H100 profile's coefficients carried to an A100 by datasheet land
// within the factor a prior must allow of the A100 profile's own (α and γ within 5%,
// β within 60%: kernels reach a different fraction of peak compute on each card).
func TestTransfer(t *testing.T) {
	h, okH := LookupDatasheet("NVIDIA-H100-80GB-HBM3")
	a, okA := LookupDatasheet("A100-80GB")
	if !okH || !okA {
		t.Fatalf("lookup: %v %v", okH, okA)
	}
	a100 := Params{Alpha: 10.2e-3, Beta: 85.8e-6, Gamma: 83.5e-9}
	got := Transfer(h100, h, a)
	if !within(got.Alpha, a100.Alpha, 0.05) || !within(got.Gamma, a100.Gamma, 0.05) || !within(got.Beta, a100.Beta, 0.6) {
		t.Errorf("transferred %+v, A100 profile %+v", got, a100)
	}
	if l40s, _ := LookupDatasheet("nvidia-l40s"); l40s.TFLOPS != 362 {
		t.Errorf("L40S matched %+v (not L4)", l40s)
	}
	if _, ok := LookupDatasheet("TPU-v5e"); ok {
		t.Errorf("an unknown accelerator should not match")
	}
}
