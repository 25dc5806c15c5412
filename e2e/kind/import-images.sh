#!/bin/sh
# Run at node-image build: the Kubernetes images kind preloads (kube-apiserver, etcd, kindnet, ...)
# sit in containerd's store, which podshim does not read. Export each from containerd and import it
# into podshim's store, so the control plane starts without a registry.
set -eu
work=$(mktemp -d)
containerd >"$work/containerd.log" 2>&1 &
cpid=$!
for i in $(seq 50); do ctr version >/dev/null 2>&1 && break; sleep 0.2; done
n=0
for ref in $(ctr -n k8s.io images list -q | grep -v '^sha256:'); do
  ctr -n k8s.io images export --platform linux/amd64 "$work/image.tar" "$ref"
  podshimd images import "$work/image.tar"
  rm -f "$work/image.tar"
  n=$((n + 1))
done
kill "$cpid"; wait "$cpid" 2>/dev/null || true
rm -rf "$work"
echo "podshim: imported $n images from containerd"
