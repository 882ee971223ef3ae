// Package v1alpha1 holds the llmd.ai/v1alpha1 API: the VariantAutoscaling resource through
// which users tell WVA which Deployment serves which model at what cost, and through which
// WVA reports what it decided.
//
// +kubebuilder:object:generate=true
// +groupName=llmd.ai
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupVersion is the API group and version of every type in this package.
var GroupVersion = schema.GroupVersion{Group: "llmd.ai", Version: "v1alpha1"}

// AddToScheme registers this package's types with a scheme, so clients and caches can
// encode and decode them.
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &VariantAutoscaling{}, &VariantAutoscalingList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
