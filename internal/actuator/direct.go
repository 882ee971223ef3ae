package actuator

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Scaler writes a Deployment's replicas through its scale subresource, as an HPA does, so
// it needs only the deployments/scale permission and never races other spec fields.
type Scaler struct {
	client  client.Client
	limiter Limiter
}

// Limiter paces writes (a client-side rate limit); golang.org/x/time/rate's Limiter fits.
type Limiter interface {
	Wait(ctx context.Context) error
}

// NewScaler returns a Scaler writing through c, each write paced by l (nil: unpaced).
func NewScaler(c client.Client, l Limiter) *Scaler { return &Scaler{client: c, limiter: l} }

// Scale sets the Deployment's replicas. It reports whether it changed anything.
func (s *Scaler) Scale(ctx context.Context, d *appsv1.Deployment, replicas int32) (bool, error) {
	if d.Spec.Replicas != nil && *d.Spec.Replicas == replicas {
		return false, nil
	}
	if s.limiter != nil {
		if err := s.limiter.Wait(ctx); err != nil {
			return false, fmt.Errorf("scale deployment %s/%s to %d: %w", d.Namespace, d.Name, replicas, err)
		}
	}
	scale := &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{Name: d.Name, Namespace: d.Namespace},
		Spec:       autoscalingv1.ScaleSpec{Replicas: replicas},
	}
	if err := s.client.SubResource("scale").Update(ctx, d, client.WithSubResourceBody(scale)); err != nil {
		return false, fmt.Errorf("scale deployment %s/%s to %d: %w", d.Namespace, d.Name, replicas, err)
	}
	return true, nil
}
