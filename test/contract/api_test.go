package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/engine"
)

// crd is the generated CustomResourceDefinition, as installed.
func crd() (*apiextensionsv1.CustomResourceDefinition, error) {
	data, err := repoFile("config/crd/bases/llmd.ai_variantautoscalings.yaml")
	if err != nil {
		return nil, err
	}
	var c apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, err
	}
	if len(c.Spec.Versions) != 1 || c.Spec.Versions[0].Schema == nil {
		return nil, fmt.Errorf("the CRD has %d versions, want v1alpha1 alone with a schema", len(c.Spec.Versions))
	}
	return &c, nil
}

// specField is the schema of spec.<path...> in the CRD.
func specField(c *apiextensionsv1.CustomResourceDefinition, path ...string) (apiextensionsv1.JSONSchemaProps, error) {
	s := c.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]
	for _, p := range path {
		next, ok := s.Properties[p]
		if !ok {
			return s, fmt.Errorf("the CRD has no field spec.%s", strings.Join(path, "."))
		}
		s = next
	}
	return s, nil
}

// crdDefault is the default of a spec field, as its JSON text without quotes.
func crdDefault(path ...string) (string, error) {
	c, err := crd()
	if err != nil {
		return "", err
	}
	f, err := specField(c, path...)
	if err != nil {
		return "", err
	}
	if f.Default == nil {
		return "", fmt.Errorf("spec.%s has no default", strings.Join(path, "."))
	}
	var v string
	if err := json.Unmarshal(f.Default.Raw, &v); err != nil {
		return "", err
	}
	return v, nil
}

// deletedStatus is the part of the guide's status example the clause reads.
type deletedStatus struct {
	Status struct {
		Conditions            []metav1.Condition `json:"conditions"`
		DesiredOptimizedAlloc map[string]any     `json:"desiredOptimizedAlloc"`
	} `json:"status"`
}

func apiClauses(docs map[string]document) []clause {
	return []clause{
		{name: "variantCost default in the example", doc: guide,
			texts: []string{"variantCost: \"{}\"  # Optional, defaults to \"{}\""},
			check: func(v []string) error {
				def, err := crdDefault("variantCost")
				return errors.Join(err, same("the CRD's variantCost default", def, v[1]))
			}},
		{name: "variantCost default", doc: guide,
			texts: []string{"**Default:** \"{}\""},
			check: func(v []string) error {
				def, err := crdDefault("variantCost")
				return errors.Join(err, same("the CRD's variantCost default", def, v[0]))
			}},
		{name: "variantCost pattern", doc: guide,
			texts: []string{"**Validation:** Must be a string matching pattern `{}` (numeric string)"},
			check: func(v []string) error {
				c, err := crd()
				if err != nil {
					return err
				}
				f, err := specField(c, "variantCost")
				return errors.Join(err, same("the CRD's variantCost pattern", f.Pattern, v[0]), same("variantCost's type", f.Type, "string"))
			}},
		{name: "required fields", doc: guide,
			texts: []string{"- **{}**: Reference to the target Deployment to scale (follows HPA pattern)\n  - **{}**: Resource kind (e.g., \"Deployment\")\n  - **{}**: Name of the deployment\n- **{}**: OpenAI API compatible identifier"},
			check: func(v []string) error {
				c, err := crd()
				if err != nil {
					return err
				}
				spec, _ := specField(c)
				ref, err := specField(c, v[0])
				if err != nil {
					return err
				}
				var errs []error
				for _, f := range []string{v[0], v[3]} {
					if !slices.Contains(spec.Required, f) {
						errs = append(errs, fmt.Errorf("spec.%s is not required in the CRD (required: %v)", f, spec.Required))
					}
				}
				for _, f := range []string{v[1], v[2]} {
					if !slices.Contains(ref.Required, f) {
						errs = append(errs, fmt.Errorf("spec.%s.%s is not required in the CRD (required: %v)", v[0], f, ref.Required))
					}
				}
				return errors.Join(errs...)
			}},
		{name: "scaleTargetRef apiVersion default", doc: reference,
			texts: []string{"`apiVersion` optional and\n  defaults to `{}`)"},
			check: func(v []string) error {
				def, err := crdDefault("scaleTargetRef", "apiVersion")
				return errors.Join(err, same("the CRD's scaleTargetRef.apiVersion default", def, v[0]))
			}},
		{name: "API group, version, kind and short name", doc: reference,
			texts: []string{"## 1. The API: `{}/{}`, kind `{}` (short name `{}`)"},
			check: func(v []string) error {
				c, err := crd()
				if err != nil {
					return err
				}
				return errors.Join(same("the CRD's group", c.Spec.Group, v[0]), same("the Go API group", v1alpha1.GroupVersion.Group, v[0]),
					same("the CRD's version", c.Spec.Versions[0].Name, v[1]), same("the Go API version", v1alpha1.GroupVersion.Version, v[1]),
					same("the CRD's kind", c.Spec.Names.Kind, v[2]), same("the CRD's short names", strings.Join(c.Spec.Names.ShortNames, ","), v[3]))
			}},
		{name: "printer columns", doc: reference,
			texts: []string{"- Printer columns people expect: {}\n  {}.\n"},
			check: func(v []string) error {
				c, err := crd()
				if err != nil {
					return err
				}
				var got []string
				for _, col := range c.Spec.Versions[0].AdditionalPrinterColumns {
					got = append(got, strings.ToLower(col.Name))
				}
				want := strings.ReplaceAll(v[0]+" "+v[1], ",", "")
				return same("the printer columns", strings.Join(got, " "), strings.Join(strings.Fields(want), " "))
			}},
		{name: "DeploymentNotFound status after deletion", doc: guide,
			texts: []string{"    message: \"Target deployment '{}' no longer exists\""},
			check: func(v []string) error {
				block, err := docs[guide].yamlBlock("DeploymentNotFound")
				if err != nil {
					return err
				}
				var st deletedStatus
				if err := yaml.Unmarshal([]byte(block), &st); err != nil {
					return fmt.Errorf("the guide's status example does not parse: %w", err)
				}
				if len(st.Status.Conditions) != 1 {
					return fmt.Errorf("the guide's status example has %d conditions, want 1", len(st.Status.Conditions))
				}
				c := st.Status.Conditions[0]
				cleared, err := json.Marshal(v1alpha1.OptimizedAlloc{})
				if err != nil {
					return err
				}
				return errors.Join(same("the Ready condition type", v1alpha1.ConditionReady, c.Type),
					same("the status of Ready when the target is gone", string(metav1.ConditionFalse), string(c.Status)),
					same("the reason when the target is gone", v1alpha1.ReasonDeploymentNotFound, c.Reason),
					same("the message when the target is gone", v1alpha1.DeploymentNotFoundMessage(v[0]), c.Message),
					same("the cleared desiredOptimizedAlloc", string(cleared), "{}"),
					same("the guide's desiredOptimizedAlloc", len(st.Status.DesiredOptimizedAlloc), 0))
			}},
		{name: "Ready condition in kubectl jsonpath", doc: guide,
			texts: []string{"jsonpath='{.status.conditions[?(@.type==\"{}\")]}'"},
			check: func(v []string) error { return same("the Ready condition type", v1alpha1.ConditionReady, v[0]) }},
		{name: "MetricsAvailable condition", doc: guide,
			texts: []string{"- Check VA status condition `{}`"},
			check: func(v []string) error {
				return same("the metrics condition type", v1alpha1.ConditionMetricsAvailable, v[0])
			}},
		{name: "safety net log line", doc: guide,
			texts: []string{"# \"{}\"\n#   variant=my-va\n#   currentReplicas=2\n#   desiredReplicas=2\n#   fallbackSource={}\n", "Watch for `\"{}\"` in controller logs"},
			check: func(v []string) error {
				var prefix error
				if !strings.HasPrefix(engine.LogSafetyNet, v[2]) {
					prefix = fmt.Errorf("the safety net log message %q does not start with %q", engine.LogSafetyNet, v[2])
				}
				return errors.Join(prefix, same("the safety net log message", engine.LogSafetyNet, v[0]),
					same("the fallback source without history", string(decision.FallbackCurrentReplicas), v[1]))
			}},
		{name: "controller instance label", doc: guide,
			texts: []string{"- Only manage VAs with matching `{}` label"},
			check: func(v []string) error {
				return same("the controller instance label", v1alpha1.LabelControllerInstance, v[0])
			}},
	}
}
