package actuator

// Direct actuation's one permission: the Scaler updates the scale subresource of
// Deployments. `make generate` turns this marker into the ClusterRole of the optional
// kustomize component config/components/direct-actuation; installs that leave
// ACTUATION_MODE=metrics do not include it, so they cannot scale anything.
//
// +kubebuilder:rbac:groups=apps,resources=deployments/scale,verbs=update
