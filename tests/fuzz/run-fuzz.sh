#!/usr/bin/env bash
# Builds a fuzz target with clang (libFuzzer, ASan, UBSan) and runs it for
# a bounded time over a copy of its seed corpus. Exits 77 (skip) where
# clang or libFuzzer is missing.
#   run-fuzz.sh SOURCE_ROOT BUILD_ROOT [SECONDS] [TARGET]
# TARGET: protocol (the peer protocol's decoder, the default) or
# frame-guard (the WebSocket framing guard).
set -eu

src=$1
build=$2
seconds=${3:-30}
target=${4:-protocol}
out="$build/tests/fuzz"
mkdir -p "$out"

if ! command -v clang >/dev/null 2>&1; then
  echo "1..0 # SKIP clang is missing (build-aux/install-deps --test installs it)"
  exit 77
fi

probe="$out/probe.c"
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long s){(void)d;(void)s;return 0;}' > "$probe"
if ! clang -fsanitize=fuzzer "$probe" -o "$out/probe" 2>/dev/null; then
  echo "1..0 # SKIP clang has no libFuzzer here (libclang-rt-14-dev)"
  exit 77
fi

pkgs="glib-2.0 gobject-2.0 gio-2.0 json-glib-1.0 libsoup-3.0 gnutls"
case $target in
  protocol)
    sources=("$src/src/core/dropify-protocol.c" "$src/src/core/dropify-drop.c"
             "$src/src/core/dropify-display-name.c"
             "$src/src/core/dropify-blob-store.c" "$src/src/core/dropify-sha256.c") ;;
  frame-guard)
    sources=("$src/src/core/dropify-frame-guard.c") ;;
  *)
    echo "unknown fuzz target $target" >&2
    exit 2 ;;
esac

# shellcheck disable=SC2046
clang -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 -DGLIB_VERSION_MAX_ALLOWED=GLIB_VERSION_2_74 \
  -I"$build" -I"$build/src/core" -I"$src/src/core" $(pkg-config --cflags $pkgs) \
  "$src/tests/fuzz/fuzz-$target.c" "${sources[@]}" \
  "$build/src/core/dropify-enums.c" \
  $(pkg-config --libs $pkgs) \
  -o "$out/fuzz-$target"

# New inputs go to a scratch copy, never into the repository.
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp "$src"/tests/fuzz/corpus/"$target"/* "$corpus/"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export G_SLICE=always-malloc
"$out/fuzz-$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 "$corpus" 2>"$out/fuzz-$target.log" || {
  status=$?
  tail -60 "$out/fuzz-$target.log"
  echo "not ok 1 - fuzz-$target survived ${seconds}s of fuzzing"
  echo "1..1"
  exit $status
}

grep -E "stat::number_of_executed_units|stat::new_units_added" "$out/fuzz-$target.log" | sed 's/^/# /'
echo "ok 1 - fuzz-$target survived ${seconds}s of fuzzing"
echo "1..1"
