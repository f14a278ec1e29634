#!/usr/bin/env bash
# Builds the cac-streams container image without a Docker daemon or registry: the Debian base (base.sh, root), then
# Jib (pom.xml, jib:buildTar) adds the application. Output: target/image/cac-streams.tar, a `docker save` tar: load it
# with `docker load -i target/image/cac-streams.tar` (done here when Docker is there), or push it with any OCI tool.
#   usage: deploy/image/build.sh [--no-package]    (--no-package: the classes are compiled already)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/image
[ -f "$out/base.tar" ] || deploy/image/base.sh "$out"
goals=(package jib:buildTar)
[ "${1:-}" = --no-package ] && goals=(jib:buildTar)
# Jib's layer caches in target/ too, not in the user's home
"${MVN:-mvn}" -q -B -DskipTests -Djib.baseImageCache="$PWD/$out/jib-cache" -Djib.applicationCache="$PWD/$out/jib-cache" \
  "${goals[@]}"
echo "build.sh: $out/cac-streams.tar"
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then docker load -i "$out/cac-streams.tar"; fi
