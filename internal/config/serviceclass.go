package config

import (
	"fmt"
	"math"

	"sigs.k8s.io/yaml"
)

// ParseServiceClasses reads the serviceclass ConfigMap: key "serviceClasses" holds a YAML list
// of {name, model, priority, slo-itl, slo-ttw}. A list that is not valid YAML is an error and
// nothing of it is used (the caller keeps the previous classes); an invalid item is skipped
// and reported and the other items apply. A missing key means no classes.
func ParseServiceClasses(configMap string, data map[string]string) ([]ServiceClass, []*EntryError, error) {
	raw, ok := data[ServiceClassesKey]
	if !ok {
		return nil, nil, nil
	}
	var items []ServiceClass
	if err := yaml.UnmarshalStrict([]byte(raw), &items); err != nil {
		return nil, nil, documentError(configMap, ServiceClassesKey,
			fmt.Errorf("expected a YAML list of {name, model, priority, slo-itl, slo-ttw}: %w", err))
	}
	var out []ServiceClass
	var skipped []*EntryError
	seen := map[[2]string]bool{}
	for i, sc := range items {
		key := fmt.Sprintf("%s[%d]", ServiceClassesKey, i)
		if rule := serviceClassRule(sc); rule != "" {
			skipped = append(skipped, &EntryError{ConfigMap: configMap, Key: key, Rule: rule})
			continue
		}
		id := [2]string{sc.Name, sc.Model}
		if seen[id] {
			skipped = append(skipped, &EntryError{ConfigMap: configMap, Key: key,
				Rule: fmt.Sprintf("class %q for model %q is listed twice", sc.Name, sc.Model)})
			continue
		}
		seen[id] = true
		out = append(out, sc)
	}
	return out, skipped, nil
}

// serviceClassRule returns the first rule a class breaks, or "".
func serviceClassRule(sc ServiceClass) string {
	positive := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
	switch {
	case sc.Name == "":
		return "name is required"
	case sc.Model == "":
		return "model is required"
	case sc.Priority < 1:
		return fmt.Sprintf("priority must be >= 1 (1 is served first), got %d", sc.Priority)
	case !positive(sc.SLOITL):
		return fmt.Sprintf("slo-itl must be a positive number of milliseconds, got %v", sc.SLOITL)
	case !positive(sc.SLOTTW):
		return fmt.Sprintf("slo-ttw must be a positive number of milliseconds, got %v", sc.SLOTTW)
	}
	return ""
}
