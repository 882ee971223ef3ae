package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition types and reasons WVA sets on a VariantAutoscaling. Users match on them in
// scripts and alerts (`kubectl get va -o jsonpath=...`), so they are part of the API.
const (
	// ConditionReady says whether the VA's target exists and WVA is managing it.
	ConditionReady = "Ready"
	// ConditionMetricsAvailable says whether the model servers' signals could be read.
	ConditionMetricsAvailable = "MetricsAvailable"

	// ReasonDeploymentNotFound means the scale target does not exist (yet, or any more).
	ReasonDeploymentNotFound = "DeploymentNotFound"
	// ReasonTargetFound means the scale target exists and is being managed.
	ReasonTargetFound = "TargetFound"

	// LabelControllerInstance on a VariantAutoscaling assigns it to the controller whose
	// CONTROLLER_INSTANCE has the same value; an unlabelled controller takes only
	// unlabelled VAs.
	LabelControllerInstance = "wva.llmd.ai/controller-instance"
)

// DeploymentNotFoundMessage is the Ready condition's message when the scale target named
// name does not exist, exactly as the configuration guide prints it.
func DeploymentNotFoundMessage(name string) string {
	return "Target deployment '" + name + "' no longer exists"
}

// CrossVersionObjectReference names the workload a VariantAutoscaling scales, in the
// same shape as the HorizontalPodAutoscaler's scaleTargetRef so it reads familiarly.
type CrossVersionObjectReference struct {
	// APIVersion of the target; defaults to apps/v1.
	// +kubebuilder:default="apps/v1"
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`
	// Kind of the target, e.g. Deployment.
	// +kubebuilder:validation:MinLength=1
	Kind string `json:"kind"`
	// Name of the target, in the VA's namespace.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
}

// VariantAutoscalingSpec is what the user declares: which workload serves which model,
// and what one replica of it costs.
type VariantAutoscalingSpec struct {
	// ScaleTargetRef is the workload (a Deployment) serving this variant of the model.
	// +kubebuilder:validation:Required
	ScaleTargetRef CrossVersionObjectReference `json:"scaleTargetRef"`

	// ModelID is the OpenAI-API model name the servers answer to, e.g. meta/llama-3.1-8b.
	// Variants with the same modelID in one namespace are scaled together.
	// +kubebuilder:validation:Required
	// +kubebuilder:validation:MinLength=1
	ModelID string `json:"modelID"`

	// VariantCost is the cost of one replica of this variant; scale-up prefers the
	// cheapest variant and scale-down the dearest.
	// +kubebuilder:validation:Pattern=`^\d+(\.\d+)?$`
	// +kubebuilder:default="10.0"
	// +optional
	VariantCost string `json:"variantCost,omitempty"`
}

// OptimizedAlloc is the allocation WVA last decided for this variant.
type OptimizedAlloc struct {
	// Accelerator is the accelerator type the variant runs on, or "unknown".
	// +optional
	Accelerator string `json:"accelerator,omitempty"`
	// NumReplicas is the desired number of replicas.
	// +kubebuilder:validation:Minimum=0
	// +optional
	NumReplicas *int32 `json:"numReplicas,omitempty"`
	// LastRunTime is when the decision was made.
	// +optional
	LastRunTime *metav1.Time `json:"lastRunTime,omitempty"`
}

// ActuationStatus says whether WVA itself applied the decision to the target (direct
// mode) rather than leaving it to an HPA or KEDA.
type ActuationStatus struct {
	// Applied is true when the desired replicas were written to the target's scale.
	// +optional
	Applied bool `json:"applied,omitempty"`
}

// VariantAutoscalingStatus is what WVA observed and decided.
type VariantAutoscalingStatus struct {
	// CurrentReplicas is the target's replica count when WVA last looked.
	// +optional
	CurrentReplicas *int32 `json:"currentReplicas,omitempty"`
	// DesiredOptimizedAlloc is the latest decision; empty when the target is gone.
	// +optional
	DesiredOptimizedAlloc OptimizedAlloc `json:"desiredOptimizedAlloc,omitempty"`
	// Actuation reports whether the decision was applied directly.
	// +optional
	Actuation ActuationStatus `json:"actuation,omitempty"`
	// PerformanceModel is what the HYBRID mode (EXPERIMENTAL_PROACTIVE_MODEL=true) has
	// learned about one replica of this variant, kept here so that learning survives a
	// restart or a change of leader; absent in CAPACITY-ONLY mode.
	// +optional
	PerformanceModel *PerformanceModelStatus `json:"performanceModel,omitempty"`
	// Conditions are Ready and MetricsAvailable, with reasons a person can act on.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// PerformanceModelStatus is the HYBRID mode's learned performance model of one replica:
// a step of the engine takes Alpha + Beta per token computed + Gamma per KV-cache token
// read (seconds), arrivals come in clumps of about Dispersion. Numbers are decimal strings
// (the API avoids floating-point fields), e.g. "0.0064".
type PerformanceModelStatus struct {
	// Alpha is the fixed cost of a step, seconds.
	Alpha string `json:"alpha"`
	// Beta is the cost of each token computed, seconds.
	Beta string `json:"beta"`
	// Gamma is the cost of each KV-cache token read, seconds.
	Gamma string `json:"gamma"`
	// Dispersion is the learned clumping of arrivals (1 is Poisson).
	// +optional
	Dispersion string `json:"dispersion,omitempty"`
	// Covariance is the uncertainty of (ln alpha, ln beta, ln gamma, ln dispersion): the
	// ten numbers of the upper triangle of its 4x4 matrix, row by row.
	// +kubebuilder:validation:MaxItems=10
	// +optional
	Covariance []string `json:"covariance,omitempty"`
	// Updates counts the learning windows accepted since learning started.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Updates int32 `json:"updates,omitempty"`
	// Rejections counts the consecutive windows rejected as outliers.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Rejections int32 `json:"rejections,omitempty"`
	// LastUpdate is when a window was last learned from; the parameters' age is now minus
	// this. Absent while only the starting point (a prior) is known.
	// +optional
	LastUpdate *metav1.Time `json:"lastUpdate,omitempty"`
	// FitError is the moving average of the relative error of the predicted mean
	// latencies against those observed, before each update, e.g. "0.08" for 8%.
	// +optional
	FitError string `json:"fitError,omitempty"`
	// Source says where learning started: "prior", "first-observation", a datasheet
	// transfer from a sibling variant.
	// +optional
	Source string `json:"source,omitempty"`
	// StartupTime is the observed time from a Pod of the variant being scheduled to
	// Ready; the forecast looks this far ahead (plus one interval).
	// +optional
	StartupTime *metav1.Duration `json:"startupTime,omitempty"`
}

// VariantAutoscaling ties one variant of a model (a Deployment on one kind of
// accelerator) to WVA, which decides how many replicas it needs.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=va
// +kubebuilder:printcolumn:name="Target",type=string,JSONPath=`.spec.scaleTargetRef.name`
// +kubebuilder:printcolumn:name="Model",type=string,JSONPath=`.spec.modelID`
// +kubebuilder:printcolumn:name="Accelerator",type=string,JSONPath=`.status.desiredOptimizedAlloc.accelerator`
// +kubebuilder:printcolumn:name="Current",type=integer,JSONPath=`.status.currentReplicas`
// +kubebuilder:printcolumn:name="Desired",type=integer,JSONPath=`.status.desiredOptimizedAlloc.numReplicas`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Metrics-Ready",type=string,JSONPath=`.status.conditions[?(@.type=="MetricsAvailable")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type VariantAutoscaling struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   VariantAutoscalingSpec   `json:"spec"`
	Status VariantAutoscalingStatus `json:"status,omitempty"`
}

// VariantAutoscalingList is a list of VariantAutoscaling, as the API returns it.
//
// +kubebuilder:object:root=true
type VariantAutoscalingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []VariantAutoscaling `json:"items"`
}
