package localenv

import (
	"encoding/base64"
	"fmt"
)

// externalMetricsAPIService is the Service and APIService that route
// /apis/external.metrics.k8s.io to a server on this machine: an ExternalName Service
// "localhost" resolves without kube-proxy or endpoints. A nil caPEM skips verification of
// the server's certificate (insecureSkipTLSVerify), as for a self-signed one.
func externalMetricsAPIService(namespace, service string, port int, caPEM []byte) string {
	trust := "insecureSkipTLSVerify: true"
	if caPEM != nil {
		trust = "caBundle: " + base64.StdEncoding.EncodeToString(caPEM)
	}
	return fmt.Sprintf(`apiVersion: v1
kind: Namespace
metadata:
  name: %[1]s
---
apiVersion: v1
kind: Service
metadata:
  name: %[2]s
  namespace: %[1]s
spec:
  type: ExternalName
  externalName: localhost
  ports:
  - name: https
    port: %[3]d
    targetPort: %[3]d
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1beta1.external.metrics.k8s.io
spec:
  group: external.metrics.k8s.io
  version: v1beta1
  groupPriorityMinimum: 100
  versionPriority: 100
  %[4]s
  service:
    name: %[2]s
    namespace: %[1]s
    port: %[3]d
`, namespace, service, port, trust)
}
