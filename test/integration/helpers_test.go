package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/localenv/localenvtest"
)

// patience bounds every wait for something that should happen within a cycle or two. It
// only guards against a hang, sized for a loaded 2-core machine: it is never the promise
// under test, and a test returns as soon as its condition holds. Where a time limit is
// the promise (an event-driven reaction versus the periodic interval), the test makes
// the interval far longer than patience instead of tightening the limit.
const patience = 2 * time.Minute

// eventually waits for cond; see localenvtest.Eventually.
func eventually(t *testing.T, timeout time.Duration, cond func() error) {
	t.Helper()
	localenvtest.Eventually(t, timeout, cond)
}

func newVA(ns, name, model, target, cost string, labels map[string]string) *v1alpha1.VariantAutoscaling {
	return &v1alpha1.VariantAutoscaling{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: v1alpha1.VariantAutoscalingSpec{
			ScaleTargetRef: v1alpha1.CrossVersionObjectReference{Kind: "Deployment", Name: target},
			ModelID:        model, VariantCost: cost,
		},
	}
}

func newDeployment(ns, name, product string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					NodeSelector: map[string]string{"nvidia.com/gpu.product": product},
					Containers: []corev1.Container{{
						Name: "vllm", Image: "vllm/vllm-openai:latest",
						Ports:     []corev1.ContainerPort{{Name: "http", ContainerPort: 8000}},
						Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("1")}},
					}},
				},
			},
		},
	}
}

func getVA(t *testing.T, ns, name string) *v1alpha1.VariantAutoscaling {
	t.Helper()
	var va v1alpha1.VariantAutoscaling
	if err := s.client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, &va); err != nil {
		t.Fatalf("get va %s/%s: %v", ns, name, err)
	}
	return &va
}

// condition returns a VA's condition of one type, or an error saying it is absent.
func condition(va *v1alpha1.VariantAutoscaling, typ string) (*metav1.Condition, error) {
	c := meta.FindStatusCondition(va.Status.Conditions, typ)
	if c == nil {
		return nil, fmt.Errorf("no %s condition yet (conditions %+v)", typ, va.Status.Conditions)
	}
	return c, nil
}

// wantCondition waits until the VA's condition has the status and reason.
func wantCondition(t *testing.T, ns, name, typ string, status metav1.ConditionStatus, reason string, timeout time.Duration) *metav1.Condition {
	t.Helper()
	var got *metav1.Condition
	eventually(t, timeout, func() error {
		c, err := condition(getVA(t, ns, name), typ)
		if err != nil {
			return err
		}
		if c.Status != status || c.Reason != reason {
			return fmt.Errorf("%s is %s/%s (%s), want %s/%s", typ, c.Status, c.Reason, c.Message, status, reason)
		}
		got = c
		return nil
	})
	return got
}

// podsOf lists a Deployment's pods by its app label.
func podsOf(t *testing.T, ns, app string) []corev1.Pod {
	t.Helper()
	var list corev1.PodList
	if err := s.client.List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabels{"app": app}); err != nil {
		t.Fatal(err)
	}
	var live []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			live = append(live, p)
		}
	}
	return live
}

// readyPods waits until a Deployment (by its app label) has exactly n live Pods, all
// Ready, and returns them. A scenario that expects a scale-up waits for readiness, not
// mere existence: WVA rightly holds a scale-up of a variant whose replicas are still
// pending. A Pod that stays pending is reported with its state (the scheduler's reason
// when it cannot be placed).
func readyPods(t *testing.T, ns, app string, n int) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	eventually(t, patience, func() error {
		pods = podsOf(t, ns, app)
		if len(pods) != n {
			return fmt.Errorf("%s has %d pods, want %d", app, len(pods), n)
		}
		for i := range pods {
			if why := notReady(&pods[i]); why != "" {
				return fmt.Errorf("pod %s is not Ready: %s", pods[i].Name, why)
			}
		}
		return nil
	})
	return pods
}

// notReady says why a Pod is not Ready (phase and its first condition that is not True),
// or "" when it is Ready.
func notReady(p *corev1.Pod) string {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return ""
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			return fmt.Sprintf("phase %q, %s %s: %s %s", p.Status.Phase, c.Type, c.Status, c.Reason, c.Message)
		}
	}
	return fmt.Sprintf("phase %q, no Ready condition yet", p.Status.Phase)
}

// seriesLine finds the line of a metric for one variant in /metrics text.
func seriesLine(text, metric, ns, variant string) (string, bool) {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, metric+"{") && strings.Contains(l, `namespace="`+ns+`"`) && strings.Contains(l, `variant_name="`+variant+`"`) {
			return l, true
		}
	}
	return "", false
}
