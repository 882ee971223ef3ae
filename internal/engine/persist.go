package engine

import (
	"fmt"
	"math"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// modelStatus is the status form of what the HYBRID mode learned about a variant.
func modelStatus(st perfmodel.State, startup time.Duration) *v1alpha1.PerformanceModelStatus {
	s := &v1alpha1.PerformanceModelStatus{
		Alpha: num(st.Params.Alpha), Beta: num(st.Params.Beta), Gamma: num(st.Params.Gamma),
		Updates: int32(min(st.Updates, math.MaxInt32)), Rejections: int32(min(st.Rejections, math.MaxInt32)),
		FitError: num(st.FitError), Source: st.Source,
	}
	if st.Params.Dispersion > 0 {
		s.Dispersion = num(st.Params.Dispersion)
	}
	for i := range st.Cov {
		for j := i; j < len(st.Cov); j++ {
			s.Covariance = append(s.Covariance, num(st.Cov[i][j]))
		}
	}
	if !st.LastUpdate.IsZero() {
		t := metav1.NewTime(st.LastUpdate)
		s.LastUpdate = &t
	}
	if startup > 0 {
		s.StartupTime = &metav1.Duration{Duration: startup}
	}
	return s
}

// num renders a number with six significant digits: plenty for parameters that are
// only known to a few percent, and short in kubectl's output.
func num(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// stateFromStatus restores what a variant had learned from its status, after a restart
// or a change of leader. An unreadable status is an error: learning then starts afresh.
func stateFromStatus(s *v1alpha1.PerformanceModelStatus) (perfmodel.State, error) {
	var st perfmodel.State
	var err error
	read := func(name, v string, optional bool) float64 {
		if err != nil || (optional && v == "") {
			return 0
		}
		f, perr := strconv.ParseFloat(v, 64)
		if perr != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			err = fmt.Errorf("status.performanceModel.%s %q: not a finite number", name, v)
		}
		return f
	}
	st.Params = perfmodel.Params{Alpha: read("alpha", s.Alpha, false), Beta: read("beta", s.Beta, false),
		Gamma: read("gamma", s.Gamma, false), Dispersion: read("dispersion", s.Dispersion, true)}
	st.FitError = read("fitError", s.FitError, true)
	n := len(st.Cov)
	if len(s.Covariance) != n*(n+1)/2 {
		return st, fmt.Errorf("status.performanceModel.covariance has %d numbers, want %d", len(s.Covariance), n*(n+1)/2)
	}
	k := 0
	for i := range n {
		for j := i; j < n; j++ {
			st.Cov[i][j] = read(fmt.Sprintf("covariance[%d]", k), s.Covariance[k], false)
			st.Cov[j][i] = st.Cov[i][j]
			k++
		}
	}
	if err != nil {
		return perfmodel.State{}, err
	}
	if verr := st.Params.Validate(); verr != nil {
		return perfmodel.State{}, fmt.Errorf("status.performanceModel: %w", verr)
	}
	st.Updates, st.Rejections, st.Source = int(s.Updates), int(s.Rejections), s.Source
	if s.LastUpdate != nil {
		st.LastUpdate = s.LastUpdate.Time
	}
	return st, nil
}
