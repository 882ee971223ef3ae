// Package podserver makes kwok Pods behave like vLLM model servers: for every Pod of a
// model Deployment that kwok marks Running, it serves a simulated vLLM replica
// (package vllmsim) at the Pod's own IP and container port, which the local
// environment's loopback Pod CIDR makes an address of this machine. The performance
// profile follows the accelerator of the Pod's node, so an H100 Pod answers like an
// H100. When the Pod goes, its server drains and stops.
//
// Together with a Prometheus that discovers Pods from the API server, this gives WVA
// the same view of model servers it has in a real cluster: Pod → ReplicaSet →
// Deployment ownership, namespace and pod labels from discovery, and vLLM's metric
// names from the servers.
package podserver
