package controller

// The permissions the manager needs, least privilege; `make generate` turns these markers
// into config/rbac/role.yaml: a ClusterRole for what lives in any namespace, and a Role in
// WVA's own namespace for its ConfigMaps and its leader-election Lease. Direct actuation's
// deployments/scale is not here: config/components/direct-actuation grants it (markers in
// internal/actuator), so a metrics-mode install cannot scale anything.
//
// VariantAutoscalings: read them, patch their status.
// +kubebuilder:rbac:groups=llmd.ai,resources=variantautoscalings,verbs=get;list;watch
// +kubebuilder:rbac:groups=llmd.ai,resources=variantautoscalings/status,verbs=patch
//
// Targets and their Pods: read (ReplicaSets as metadata, for ownership).
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch
// +kubebuilder:rbac:groups=apps,resources=replicasets,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch
//
// Drain-aware scale-down (DRAIN_AWARE_SCALE_DOWN, in both actuation modes): the
// deletion-cost annotations of the target's Pods, nothing else of them.
// +kubebuilder:rbac:groups="",resources=pods,verbs=patch
//
// Autoscalers on the same targets: their min/max bound WVA's desired replicas.
// +kubebuilder:rbac:groups=autoscaling,resources=horizontalpodautoscalers,verbs=get;list;watch
// +kubebuilder:rbac:groups=keda.sh,resources=scaledobjects,verbs=get;list;watch
//
// InferencePools (Gateway API Inference Extension, when installed) tell which gateway
// queue belongs to which model.
// +kubebuilder:rbac:groups=inference.networking.k8s.io,resources=inferencepools,verbs=get;list;watch
// +kubebuilder:rbac:groups=inference.networking.x-k8s.io,resources=inferencepools,verbs=get;list;watch
//
// Limited mode counts the GPUs free on nodes.
// +kubebuilder:rbac:groups="",resources=nodes,verbs=get;list;watch
//
// Events on VAs (in their namespaces) and on WVA's ConfigMaps.
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
//
// The authenticated /metrics endpoint checks callers with TokenReview and SubjectAccessReview.
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create
//
// WVA's own namespace only: its ConfigMaps are read and watched, its Lease elects the leader.
// +kubebuilder:rbac:groups="",namespace=workload-variant-autoscaler-system,resources=configmaps,verbs=get;list;watch
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=workload-variant-autoscaler-system,resources=leases,verbs=get;list;watch;create;update;patch;delete
