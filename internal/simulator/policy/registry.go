package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
)

// Kind is one type of policy: how to build it from a configuration entry and, when it
// has one, the knob the benchmark suite tunes.
type Kind struct {
	// Type is the entry's `type` value.
	Type string
	// Summary says in one line what the policy does, for help and docs.
	Summary string
	// New builds the policy for one run of the scenario. It decodes the entry's own
	// keys (see Decode) and reads the knob's per-model values from Setting when set.
	New func(sc *simulator.Scenario, pc simulator.PolicyConfig) (simulator.Policy, error)
	// Knob returns the entry's tunable setting; nil when the kind has none.
	Knob func(sc *simulator.Scenario, pc simulator.PolicyConfig) (*Knob, error)
	// Labels name the suite's rows for the kind, as written and tuned; %s stands for the
	// entry's name (default "%s" and "%s tuned").
	Labels [2]string
}

// Knob is a policy's main setting as the suite tunes it: one value per model, searched
// over Steps from the cheapest to the dearest.
type Knob struct {
	// Name is the setting's name, e.g. "target".
	Name string
	// Steps are, per model, the values to search in order of increasing cost.
	Steps [][]float64
	// Default is, per model, the value of the entry as written.
	Default []float64
	// Format prints one value.
	Format func(float64) string
}

// Registry maps policy types to their kinds.
type Registry struct {
	kinds map[string]Kind
}

// Builtin is the registry of every policy this repository ships.
func Builtin() *Registry {
	return MustRegistry(WVA(), Hybrid(), HPA(), Static(), Oracle())
}

// NewRegistry registers kinds; a type registered twice or a kind without a type or a
// constructor is an error.
func NewRegistry(kinds ...Kind) (*Registry, error) {
	r := &Registry{kinds: map[string]Kind{}}
	for _, k := range kinds {
		if k.Type == "" || k.New == nil {
			return nil, fmt.Errorf("%w: policy kind %q needs a type and a constructor", simulator.ErrConfig, k.Type)
		}
		if _, dup := r.kinds[k.Type]; dup {
			return nil, fmt.Errorf("%w: policy type %q registered twice", simulator.ErrConfig, k.Type)
		}
		if k.Labels == [2]string{} {
			k.Labels = [2]string{"%s", "%s tuned"}
		}
		r.kinds[k.Type] = k
	}
	return r, nil
}

// MustRegistry is NewRegistry for a fixed list known to be valid; it panics otherwise.
func MustRegistry(kinds ...Kind) *Registry {
	r, err := NewRegistry(kinds...)
	if err != nil {
		panic(err)
	}
	return r
}

// Types lists the registered types, sorted.
func (r *Registry) Types() []string {
	out := make([]string, 0, len(r.kinds))
	for t := range r.kinds {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Kind returns the kind of an entry, or an error naming the known types.
func (r *Registry) Kind(pc simulator.PolicyConfig) (Kind, error) {
	k, ok := r.kinds[pc.Type]
	if !ok {
		return Kind{}, fmt.Errorf("%w: policy %q: unknown type %q (known: %s)", simulator.ErrConfig, pc.Name, pc.Type, strings.Join(r.Types(), ", "))
	}
	return k, nil
}

// Build builds the policy an entry describes.
func (r *Registry) Build(sc *simulator.Scenario, pc simulator.PolicyConfig) (simulator.Policy, error) {
	k, err := r.Kind(pc)
	if err != nil {
		return nil, err
	}
	p, err := k.New(sc, pc)
	if err != nil {
		return nil, fmt.Errorf("policy %q: %w", pc.Name, err)
	}
	return p, nil
}

// Knob returns the entry's tunable knob, nil when its kind has none.
func (r *Registry) Knob(sc *simulator.Scenario, pc simulator.PolicyConfig) (*Knob, error) {
	k, err := r.Kind(pc)
	if err != nil || k.Knob == nil {
		return nil, err
	}
	kn, err := k.Knob(sc, pc)
	if err != nil {
		return nil, fmt.Errorf("policy %q: %w", pc.Name, err)
	}
	return kn, nil
}

// commonKeys are the keys every entry has (simulator.PolicyConfig); a kind's decoder
// ignores them.
func commonKeys() []string { return []string{"name", "type", "interval", "tune", "setting"} }

// Decode reads an entry's own keys into spec (a pointer to the kind's struct), rejecting
// keys neither the entry's common ones nor the kind's, and naming the keys it knows.
func Decode(pc simulator.PolicyConfig, spec any) error {
	if len(pc.Spec) == 0 {
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(pc.Spec, &fields); err != nil {
		return fmt.Errorf("%w: policy %q: %w", simulator.ErrConfig, pc.Name, err)
	}
	for _, k := range commonKeys() {
		delete(fields, k)
	}
	own, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("policy %q: %w", pc.Name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(own))
	dec.DisallowUnknownFields()
	if err := dec.Decode(spec); err != nil {
		return fmt.Errorf("%w: policy %q (type %s): %w; its keys are %s plus %s", simulator.ErrConfig, pc.Name, pc.Type, err,
			strings.Join(jsonKeys(spec), ", "), strings.Join(commonKeys(), ", "))
	}
	return nil
}

// Entry builds a configuration entry from a kind's spec, as a config file would give it.
func Entry(name, typ string, spec any) simulator.PolicyConfig {
	pc := simulator.PolicyConfig{Name: name, Type: typ}
	if spec != nil {
		b, err := json.Marshal(spec)
		if err != nil {
			panic(fmt.Sprintf("policy spec %T does not encode: %v", spec, err))
		}
		pc.Spec = b
	}
	return pc
}

// jsonKeys lists the JSON keys of the struct spec points to.
func jsonKeys(spec any) []string {
	t := reflect.TypeOf(spec)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}
