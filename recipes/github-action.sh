#!/usr/bin/env bash
# The shell steps of action.yml (a composite GitHub Action), one subcommand per step:
#
#   github-action.sh install-gover SRC   pip-install gover from SRC into a venv; venv/bin -> PATH
#   github-action.sh home                choose the store: GOVER_HOME -> $GITHUB_ENV, gover-home output
#   github-action.sh install             install the pinned Go; shims -> $GITHUB_PATH,
#                                        GOTOOLCHAIN=local and GOVER_VERSION -> $GITHUB_ENV,
#                                        go-version -> $GITHUB_OUTPUT
#
# Inputs of `install` (as setup-go's): INPUT_GO_VERSION (1.22.10, 1.22, latest) wins; else
# INPUT_GO_VERSION_FILE (go.mod or go.work: a toolchain line beats the go line; .go-version;
# .tool-versions; any other name is read as a .go-version); else what $GITHUB_WORKSPACE asks
# for. gover reads the file: this script never parses go.mod itself.
# Works outside Actions too: point GITHUB_ENV, GITHUB_PATH and GITHUB_OUTPUT at files.
set -euo pipefail

die() { echo "github-action.sh: $*" >&2; exit 1; }
need() { [ -n "${!1:-}" ] || die "$1 is not set (run inside GitHub Actions or set it to a file)"; }
# One field of gover's --json output: json_field installs 0 version
json_field() {
  python3 -c 'import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1:]:
    d = d[int(k)] if isinstance(d, list) else d[k]
print(d)' "$@"
}

step=${1:-}
case "$step" in
install-gover)
  src=${2:?usage: github-action.sh install-gover SRC}
  need GITHUB_PATH
  venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/gover-venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$src"
  echo "$venv/bin" >>"$GITHUB_PATH"
  ;;
home)
  need GITHUB_ENV
  need GITHUB_OUTPUT
  home=${GOVER_HOME:-${RUNNER_TOOL_CACHE:-$HOME/.cache}/gover}
  echo "GOVER_HOME=$home" >>"$GITHUB_ENV"
  echo "gover-home=$home" >>"$GITHUB_OUTPUT"
  ;;
install)
  need GITHUB_ENV
  need GITHUB_PATH
  need GITHUB_OUTPUT
  cd "${GITHUB_WORKSPACE:-.}"
  args=()
  if [ -n "${INPUT_GO_VERSION:-}" ]; then
    args=("$INPUT_GO_VERSION")
  elif [ -n "${INPUT_GO_VERSION_FILE:-}" ]; then
    file=$INPUT_GO_VERSION_FILE
    [ -f "$file" ] || die "go-version-file $file: no such file in $(pwd)"
    # gover reads the file alone, under its own name, in an empty directory: only that file
    # decides (not a .go-version that happens to sit next to a go.mod).
    case "${file##*/}" in
    go.mod | go.work | .go-version | .tool-versions) name=${file##*/} ;;
    *) name=.go-version ;;
    esac
    pin_dir=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/gover-pin.XXXXXX")
    cp -- "$file" "$pin_dir/$name"
    cd "$pin_dir"
  fi
  report=$(gover install --json "${args[@]}")
  version=$(printf '%s' "$report" | json_field installs 0 version)
  shims=$(gover rehash --json | json_field shims_dir)
  echo "$shims" >>"$GITHUB_PATH"
  {
    echo "GOTOOLCHAIN=local"
    echo "GOVER_VERSION=$version"
  } >>"$GITHUB_ENV"
  echo "go-version=$version" >>"$GITHUB_OUTPUT"
  echo "go $version from gover ($shims on PATH)"
  ;;
*)
  die "usage: github-action.sh install-gover SRC | home | install"
  ;;
esac
