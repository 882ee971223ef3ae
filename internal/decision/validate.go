package decision

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// ErrInvalidSnapshot is wrapped by every error Decide returns: the snapshot's structure
// (not its signals) is broken, so no decision, not even the safety net, can be trusted.
var ErrInvalidSnapshot = errors.New("invalid snapshot")

// validateSnapshot checks the structure the engine is responsible for. It reports the
// same error whatever the order of the variants: duplicates first, then the first
// broken variant by name.
func validateSnapshot(s *Snapshot) error {
	if s.ModelID == "" {
		return fmt.Errorf("%w: empty model ID", ErrInvalidSnapshot)
	}
	names := make([]string, len(s.Variants))
	for i := range s.Variants {
		names[i] = s.Variants[i].Name
	}
	slices.Sort(names)
	for i := 1; i < len(names); i++ {
		if names[i] == names[i-1] {
			return fmt.Errorf("%w: model %s/%s: duplicate variant %q", ErrInvalidSnapshot, s.Namespace, s.ModelID, names[i])
		}
	}
	var first *VariantState
	var firstErr error
	for i := range s.Variants {
		v := &s.Variants[i]
		if err := validateVariant(v); err != nil && (first == nil || v.Name < first.Name) {
			first, firstErr = v, err
		}
	}
	if firstErr != nil {
		return fmt.Errorf("%w: model %s/%s: variant %q: %w", ErrInvalidSnapshot, s.Namespace, s.ModelID, first.Name, firstErr)
	}
	return validModelSuccesses(s)
}

// validateVariant checks one variant's counts, cost and bounds.
func validateVariant(v *VariantState) error {
	switch {
	case v.Name == "":
		return errors.New("empty name")
	case v.CurrentReplicas < 0 || v.ReadyReplicas < 0 || v.Leaving < 0 || v.GPUsPerReplica < 0:
		return errors.New("negative replica or GPU count")
	case v.PreviousDesired != nil && *v.PreviousDesired < 0:
		return errors.New("negative previous desired")
	case !finiteNonNegative(v.Cost):
		return fmt.Errorf("cost %v is not a finite non-negative number", v.Cost)
	case !finiteNonNegative(v.TokenCapacity):
		return fmt.Errorf("token capacity %v is not a finite non-negative number", v.TokenCapacity)
	case v.MinReplicas != nil && *v.MinReplicas < 0, v.MaxReplicas != nil && *v.MaxReplicas < 0:
		return errors.New("negative bound")
	case v.MinReplicas != nil && v.MaxReplicas != nil && *v.MinReplicas > *v.MaxReplicas:
		return fmt.Errorf("minReplicas %d > maxReplicas %d", *v.MinReplicas, *v.MaxReplicas)
	case v.Scaler != nil && (v.Scaler.MinReplicas < 0 || v.Scaler.MinReplicas > v.Scaler.MaxReplicas):
		return fmt.Errorf("%s %s bounds [%d, %d] are not a range", v.Scaler.Kind, v.Scaler.Name, v.Scaler.MinReplicas, v.Scaler.MaxReplicas)
	}
	return nil
}

// finiteNonNegative reports whether f is a usable non-negative number.
func finiteNonNegative(f float64) bool {
	return !math.IsNaN(f) && !math.IsInf(f, 0) && f >= 0
}

// validReplica reports whether a sample's values can be computed with.
func validReplica(r *ReplicaSignals) bool {
	return finiteNonNegative(r.KvCacheUsage) && r.KvCacheUsage <= 1+tolerance &&
		finiteNonNegative(r.Waiting) && finiteNonNegative(r.Running) &&
		r.NumGPUBlocks >= 0 && r.BlockSize >= 0 &&
		finiteNonNegative(r.AvgInputTokens) && finiteNonNegative(r.AvgOutputTokens) &&
		finiteNonNegative(r.SuccessCount)
}

// validModelSuccesses checks the model-level success count.
func validModelSuccesses(s *Snapshot) error {
	if !finiteNonNegative(s.ModelSuccesses) {
		return fmt.Errorf("%w: model %s/%s: model success count %v is not a finite non-negative number", ErrInvalidSnapshot, s.Namespace, s.ModelID, s.ModelSuccesses)
	}
	return nil
}
