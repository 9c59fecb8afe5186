#!/usr/bin/env bash
# Regenerates Shared/API/ from proto/ with Debian's protoc and the two Swift
# plugins, built from the pinned package versions into .build-gen/ (ignored).
#
#   scripts/generate-protos.sh           regenerate into Shared/API/
#   scripts/generate-protos.sh --check   fail if Shared/API/ differs from what proto/ generates
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT_PROTOBUF_VERSION=1.39.0
GRPC_SWIFT_PROTOBUF_VERSION=2.4.1
GEN=.build-gen
mode=${1:-write}

command -v protoc >/dev/null || { echo "generate-protos: protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }

build_plugin() { # repo version product
  local name=$1 version=$2 product=$3 dir="$GEN/$1-$2"
  if [ ! -x "$dir/.build/release/$product" ]; then
    echo "generate-protos: building $product from $name $version (about a minute)" >&2
    rm -rf "$dir"
    git -c advice.detachedHead=false clone -q --depth 1 -b "$version" "https://github.com/$4/$name.git" "$dir"
    swift build -c release --package-path "$dir" --product "$product" >&2
  fi
  echo "$PWD/$dir/.build/release/$product"
}
mkdir -p "$GEN"
PROTOC_GEN_SWIFT=$(build_plugin swift-protobuf "$SWIFT_PROTOBUF_VERSION" protoc-gen-swift apple)
PROTOC_GEN_GRPC=$(build_plugin grpc-swift-protobuf "$GRPC_SWIFT_PROTOBUF_VERSION" protoc-gen-grpc-swift-2 grpc)

out=Shared/API
if [ "$mode" = "--check" ]; then out=$(mktemp -d); trap 'rm -rf "$out"' EXIT; fi
if [ "$mode" != "--check" ]; then find "$out" -name '*.pb.swift' -delete 2>/dev/null || true; fi
mkdir -p "$out"

mapfile -t files < <(cd proto && find . -name '*.proto' | sed 's|^\./||' | sort)
protoc --plugin=protoc-gen-swift="$PROTOC_GEN_SWIFT" --plugin=protoc-gen-grpc-swift-2="$PROTOC_GEN_GRPC" \
  -I proto \
  --swift_opt=Visibility=Public,FileNaming=PathToUnderscores --swift_out="$out" \
  --grpc-swift-2_opt=Visibility=Public,FileNaming=PathToUnderscores,UseAccessLevelOnImports=false --grpc-swift-2_out="$out" \
  "${files[@]}"

if [ "$mode" = "--check" ]; then
  if ! diff -r -q Shared/API "$out" >/dev/null; then
    diff -r Shared/API "$out" | head -40 >&2
    echo "generate-protos: Shared/API/ is out of date with proto/; run scripts/generate-protos.sh and commit" >&2
    exit 1
  fi
  echo "generate-protos: Shared/API/ matches proto/" >&2
else
  echo "generate-protos: wrote ${#files[@]} protos into $out" >&2
fi
