#!/usr/bin/env bash
# Go toolchains for a network with no internet, in three steps (README: "Air-gapped networks";
# tests/recipes runs them end to end):
#
#   connected$  airgap.sh pack go-mirror.tar --version 1.22 --platform linux/amd64 ...
#               (gover mirror build with full verification, then one tar file to carry)
#   inside$     airgap.sh unpack go-mirror.tar /srv/go-mirror
#               (unpacks and re-verifies every file with gover mirror verify: SHA-256, .asc)
#   any host$   airgap.sh install https://go-mirror.intranet/ 1.22     (nginx serves the tree)
#               airgap.sh install file:///mnt/go-mirror/ 1.22           (or a mounted share)
#
# The tree is a static go.dev/dl-shaped directory: index.json, the archives, .sha256 and .asc.
# Refresh it later with `gover mirror sync DIR` on the connected side and carry it again.
set -euo pipefail

die() { echo "airgap.sh: $*" >&2; exit 1; }

case "${1:-}" in
pack)
  out=${2:?usage: airgap.sh pack OUT.tar [gover mirror build options]}
  shift 2
  work=$(mktemp -d "${TMPDIR:-/tmp}/gover-airgap.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  gover mirror build "$work/go-mirror" "$@"
  # Not the tree's own dot files (its lock, staging leftovers): only what the index names.
  tar -C "$work" --exclude='.*' -cf "$out.tmp" go-mirror
  mv -f "$out.tmp" "$out"
  echo "packed $(tar -tf "$out" | grep -c '\.tar\.gz$\|\.zip$') archives into $out"
  ;;
unpack)
  tarball=${2:?usage: airgap.sh unpack TARBALL DIR}
  dir=${3:?usage: airgap.sh unpack TARBALL DIR}
  [ ! -e "$dir" ] || die "$dir exists; unpack into a new directory (or run gover mirror verify $dir)"
  parent=$(dirname -- "$dir")
  mkdir -p -- "$parent"
  stage=$(mktemp -d "$parent/.go-mirror-unpack.XXXXXX")
  trap 'rm -rf "$stage"' EXIT
  # Only go-mirror/ with plain files in it, owned by whoever unpacks.
  tar -C "$stage" --no-same-owner --no-same-permissions -xf "$tarball" go-mirror
  gover mirror verify "$stage/go-mirror"
  mv -- "$stage/go-mirror" "$dir"
  echo "verified and unpacked into $dir"
  ;;
install)
  mirror=${2:?usage: airgap.sh install MIRROR_URL VERSION...}
  shift 2
  GOVER_MIRROR=$mirror gover install "$@"
  ;;
*)
  die "usage: airgap.sh pack OUT.tar OPTIONS | unpack TARBALL DIR | install MIRROR_URL VERSION..."
  ;;
esac
