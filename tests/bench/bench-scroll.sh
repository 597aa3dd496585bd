#!/usr/bin/env bash
# GUI scroll smoothness with 100,000 drops: the real window against a plain
# GtkListView of labels, and against rows of the same two labels as a drop
# row, each on its own Xvfb (tests/ui/xvfb-test.sh). See bench-scroll.c.
#   bench-scroll.sh TOOLS_DIR   the build's tests/bench, with bench-scroll
# Prints "NAME value unit" lines and "# ..." for context. Environment:
#   DROPIFY_BENCH_SCROLL_DROPS, DROPIFY_BENCH_SCROLL_FLICK,
#   DROPIFY_BENCH_SCROLL_STEPS   see bench-scroll.c
set -u
here=$(cd "$(dirname "$0")" && pwd)
TOOLS=${1:?usage: bench-scroll.sh TOOLS_DIR}

out=$(mktemp)
trap 'rm -f "$out"' EXIT

for mode in plain labels dropify; do
  "$here/../ui/xvfb-test.sh" "$TOOLS/bench-scroll" "$mode" 2>/dev/null | tee -a "$out"
  status=${PIPESTATUS[0]}
  [ "$status" -eq 0 ] || { echo "# bench-scroll $mode exited with $status"; exit "$status"; }
done

value () { awk -v k="$1" '$1 == k { print $2 }' "$out"; }
for phase in flick drag; do
  for base in plain labels; do
    ours=$(value "scroll_dropify_${phase}_gap_p50")
    raw=$(value "scroll_${base}_${phase}_gap_p50")
    echo "scroll_${phase}_gap_p50_ratio_${base} $(printf '%.2f' "$(echo "scale=4; $ours / $raw" | bc)")"
  done
done
echo "scroll_first_frame_ratio_plain $(printf '%.2f' "$(echo "scale=4; $(value scroll_dropify_first_frame) / $(value scroll_plain_first_frame)" | bc)")"
