#!/usr/bin/env bash
# podshim in a kind cluster: builds the package and the node image, creates the cluster of
# kind-config.yaml, and runs a few real Pods through it (Deployment, Service, logs, exec).
# Needs Docker, kind and kubectl — which the project's machine and CI lack; see README, "kind".
# usage: e2e/kind/run.sh [--keep]   (--keep leaves the cluster running)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
for tool in docker kind kubectl; do
  command -v "$tool" >/dev/null || { echo "e2e/kind: $tool is not installed" >&2; exit 2; }
done
./mvnw -q -B -DskipTests -Pdeb install
cp packaging/target/podshim_amd64.deb "$here/podshim_amd64.deb"
docker build -t podshim/kind-node:dev "$here"
rm -f "$here/podshim_amd64.deb"
kind create cluster --config "$here/kind-config.yaml" --wait 5m
trap '[ "${1:-}" = --keep ] || kind delete cluster --name podshim' EXIT
kubectl get nodes -o wide
kubectl get nodes -o jsonpath='{range .items[*]}{.status.nodeInfo.containerRuntimeVersion}{"\n"}{end}' | grep -q '^podshim://' \
  || { echo "e2e/kind: nodes do not run podshim" >&2; exit 1; }
kubectl create deployment web --image=registry.k8s.io/e2e-test-images/agnhost:2.52 --replicas=2 -- /agnhost netexec --http-port=8080
kubectl expose deployment web --port=80 --target-port=8080
kubectl rollout status deployment/web --timeout=3m
kubectl run probe --image=registry.k8s.io/e2e-test-images/busybox:1.36.1-1 --restart=Never --command -- \
  sh -c 'wget -q -O - http://web/hostname'
kubectl wait --for=jsonpath='{.status.phase}'=Succeeded pod/probe --timeout=2m
kubectl logs probe
kubectl exec deploy/web -- /agnhost --help >/dev/null
echo "e2e/kind: passed"
