// Package localenv starts a real, local Kubernetes control plane for tests and the demo:
// etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok, built by the
// project at pinned versions, on 127.0.0.1 with free ports and generated certificates.
//
// kwok stands in for the kubelets: it registers fake GPU nodes (capacity nvidia.com/gpu,
// label nvidia.com/gpu.product) and moves Pods through their lifecycle, giving each a
// loopback address so that simulated model servers on this machine can serve at the Pod's
// own IP. Everything WVA talks to is therefore the real thing; only the GPUs are not.
package localenv
