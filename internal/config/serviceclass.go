package config

import (
	"fmt"
	"math"
	"strings"

	"go.yaml.in/yaml/v3"
)

// serviceClassFields are the fields of one class, in the order the docs list them.
var serviceClassFields = []string{"name", "model", "priority", "slo-itl", "slo-ttw"}

// ParseServiceClasses reads the serviceclass ConfigMap: key "serviceClasses" holds a YAML list
// of {name, model, priority, slo-itl, slo-ttw}. A value that is not a YAML list is an error and
// nothing of it is used (the caller keeps the previous classes). Each item is read on its
// own: an item with an unknown field, a value of the wrong type or a value breaking a rule
// is skipped and reported, naming the field, the value and the fix, and the other items
// apply (as in the saturation and scale-to-zero ConfigMaps, a list whose every item is
// skipped leaves no classes). A missing key means no classes.
func ParseServiceClasses(configMap string, data map[string]string) ([]ServiceClass, []*EntryError, error) {
	raw, ok := data[ServiceClassesKey]
	if !ok {
		return nil, nil, nil
	}
	var items []yaml.Node
	if err := yaml.Unmarshal([]byte(raw), &items); err != nil {
		return nil, nil, documentError(configMap, ServiceClassesKey,
			fmt.Errorf("expected a YAML list of {name, model, priority, slo-itl, slo-ttw}: %w", err))
	}
	var out []ServiceClass
	var skipped []*EntryError
	seen := map[[2]string]bool{}
	for i := range items {
		key := fmt.Sprintf("%s[%d]", ServiceClassesKey, i)
		sc, rule := decodeServiceClass(&items[i])
		if rule == "" {
			rule = serviceClassRule(sc)
		}
		if rule != "" {
			skipped = append(skipped, &EntryError{ConfigMap: configMap, Key: key, Rule: rule})
			continue
		}
		id := [2]string{sc.Name, sc.Model}
		if seen[id] {
			skipped = append(skipped, &EntryError{ConfigMap: configMap, Key: key,
				Rule: fmt.Sprintf("class %q for model %q is listed twice; keep one of them", sc.Name, sc.Model)})
			continue
		}
		seen[id] = true
		out = append(out, sc)
	}
	return out, skipped, nil
}

// decodeServiceClass reads one item field by field, so a problem names its field and value;
// it returns the first problem as a rule, or "". Values are read as YAML 1.2 (name: no is
// the string "no").
func decodeServiceClass(item *yaml.Node) (ServiceClass, string) {
	fields := strings.Join(serviceClassFields, ", ")
	if item.Kind != yaml.MappingNode {
		return ServiceClass{}, fmt.Sprintf("expected a mapping of %s, got %s", fields, nodeText(item))
	}
	var sc ServiceClass
	targets := map[string]struct {
		want string
		dst  any
	}{
		"name":     {"a string, e.g. Premium", &sc.Name},
		"model":    {"a model id string, e.g. meta/llama-3.1-8b", &sc.Model},
		"priority": {"a whole number >= 1 (1 is served first)", &sc.Priority},
		"slo-itl":  {"a positive number of milliseconds per output token, without a unit, e.g. 24", &sc.SLOITL},
		"slo-ttw":  {"a positive number of milliseconds to the first token, without a unit, e.g. 500", &sc.SLOTTW},
	}
	for j := 0; j+1 < len(item.Content); j += 2 {
		name, value := item.Content[j].Value, item.Content[j+1]
		t, known := targets[name]
		if !known {
			return ServiceClass{}, fmt.Sprintf("unknown field %q (value %s); a class has only %s: fix the spelling or remove it",
				name, nodeText(value), fields)
		}
		if err := value.Decode(t.dst); err != nil {
			return ServiceClass{}, fmt.Sprintf("%s must be %s, got %s", name, t.want, nodeText(value))
		}
	}
	return sc, ""
}

// nodeText renders a YAML value on one line for a message: a scalar quoted, anything else
// as flow YAML.
func nodeText(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return fmt.Sprintf("%q", n.Value)
	}
	flow := *n
	flow.Style = yaml.FlowStyle
	b, err := yaml.Marshal(&flow)
	if err != nil {
		return "(unreadable)"
	}
	return strings.TrimSpace(string(b))
}

// serviceClassRule returns the first rule a class breaks, with its fix, or "".
func serviceClassRule(sc ServiceClass) string {
	positive := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
	switch {
	case sc.Name == "":
		return "name is required: set it to the tier's name, e.g. Premium"
	case sc.Model == "":
		return "model is required: set it to the model id the class applies to, e.g. meta/llama-3.1-8b"
	case sc.Priority < 1:
		return fmt.Sprintf("priority must be >= 1 (1 is served first), got %d; set it to a whole number >= 1", sc.Priority)
	case !positive(sc.SLOITL):
		return fmt.Sprintf("slo-itl must be a positive number of milliseconds, got %v; set it to the inter-token latency objective, e.g. 24", sc.SLOITL)
	case !positive(sc.SLOTTW):
		return fmt.Sprintf("slo-ttw must be a positive number of milliseconds, got %v; set it to the time-to-first-token objective, e.g. 500", sc.SLOTTW)
	}
	return ""
}
