#!/usr/bin/env bash
# The RUN steps of recipes/Dockerfile (tests/recipes runs them for real, outside Docker):
#
#   docker-build.sh install-gover SRC    pip-install gover (a path, a wheel or a pip spec)
#   docker-build.sh build OUT [PKG]      install the Go that /src pins (.go-version, go.mod,
#                                        ...), check `go` on PATH is it, build PKG (default .)
#                                        into OUT as a static binary
#
# The Dockerfile sets GOVER_HOME, PATH (gover's shims first) and GOTOOLCHAIN=local with ENV:
# each RUN is a new shell, so an `export` in one RUN is gone in the next.
set -euo pipefail

die() { echo "docker-build.sh: $*" >&2; exit 1; }

case "${1:-}" in
install-gover)
  src=${2:-}
  [ -n "$src" ] || die "no gover to install: docker build --build-arg GOVER_SRC=<pip spec, wheel or URL>"
  python3 -m pip install --no-cache-dir --quiet --disable-pip-version-check "$src"
  ;;
build)
  out=${2:?usage: docker-build.sh build OUT [PKG]}
  pkg=${3:-.}
  gover install # no version: what this directory pins (gover says which file)
  want=$(gover which go)
  have=$(command -v go) || die "go is not on PATH; the Dockerfile's ENV PATH must start with \$GOVER_HOME/shims"
  # The shim execs the pinned toolchain; `go env GOROOT` names it.
  [ "$(go env GOROOT)/bin/go" = "$want" ] ||
    die "go on PATH ($have) runs $(go env GOROOT), not the pinned $want; put \$GOVER_HOME/shims first on PATH with ENV"
  go version
  CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$out" "$pkg"
  ;;
*)
  die "usage: docker-build.sh install-gover SRC | build OUT [PKG]"
  ;;
esac
