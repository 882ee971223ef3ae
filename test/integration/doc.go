// Package integration runs the built wva manager against a real local control plane
// (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok) and a real
// Prometheus, and checks what a user would check with kubectl and curl /metrics.
package integration
