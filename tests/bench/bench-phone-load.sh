#!/usr/bin/env bash
# The phone page loading 1,000 drops, 30 of them 1 MB texts, in Debian's
# Chromium at 4× CPU throttling: the web suite's last check, run with
# three loads, its "4× throttled" lines turned into numbers.
#
#   bench-phone-load.sh BUILD_DIR   a build with src/dropify
#
# Prints, per load and as the best and worst of them:
#   phone_load_first_card   ms from navigation to the first card
#   phone_load_longest_task ms, the longest task while loading and
#                           scrolling ten screens (target ≤ 100)
# The baseline is the same page, same run, with the suite's history
# before the thousand drops were added: phone_before_*. Exits 77 where the web suite would
# (no node, npm or chromium).
set -u

build=$(cd "${1:?usage: bench-phone-load.sh BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../web" && pwd)
export DROPIFY_BIN=${DROPIFY_BIN:-$build/src/dropify}
export GSETTINGS_SCHEMA_DIR=${GSETTINGS_SCHEMA_DIR:-$build/data}
export DROPIFY_E2E_LOADS=${DROPIFY_BENCH_PHONE_LOADS:-3}

out=$(mktemp /tmp/dropify-bench-phone-load-XXXXXX)
trap 'rm -f "$out"' EXIT
"$src/run-e2e.sh" "$src" "$build/tests/web/e2e" >"$out" 2>&1
rc=$?
[ $rc -eq 77 ] && { grep -m1 SKIP "$out"; exit 77; }

awk '
  function grab(line, key,   v) {
    v = line; sub(".*" key, "", v); sub(/[^0-9].*/, "", v); return v + 0
  }
  function longest(line,   tasks, t, n, i, m) {
    tasks = line; sub(/.*long tasks \[/, "", tasks); sub(/\].*/, "", tasks)
    n = split(tasks, t, ","); m = 0
    for (i = 1; i <= n; i++) if (t[i] + 0 > m) m = t[i] + 0
    return m
  }
  /^# before, 4× throttled:/ {
    printf "phone_before_first_card %d ms\nphone_before_longest_task %d ms\n",
      grab($0, "first card at "), longest($0)
  }
  /^# 1,000 drops, 4× throttled:/ {
    first = grab($0, "first card at "); l = longest($0); loads++
    printf "phone_load_first_card %d ms\nphone_load_longest_task %d ms\n", first, l
    if (loads == 1 || first < bf) bf = first
    if (loads == 1 || l < bl) bl = l
    if (first > wf) wf = first
    if (l > wl) wl = l
  }
  END {
    if (loads) {
      printf "phone_load_first_card_best %d ms\nphone_load_first_card_worst %d ms\n", bf, wf
      printf "phone_load_longest_task_best %d ms\nphone_load_longest_task_worst %d ms\n", bl, wl
    }
  }' "$out"

if [ $rc -ne 0 ]; then
  echo "# WARNING: the web suite failed (exit $rc); its last lines:" >&2
  tail -n 20 "$out" >&2
  exit 1
fi
