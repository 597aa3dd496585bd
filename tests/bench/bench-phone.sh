#!/usr/bin/env bash
# The phone page and its API under wrk, against the same bytes from a
# plain SoupServer (bench-http-baseline) in the same run, on loopback.
#
#   bench-phone.sh TOOLS_DIR   the build's tests/bench, with
#                              bench-make-history and bench-http-baseline
#
# Dropify's server closes the connection after each response (no
# keep-alive yet), so the baseline runs twice: with keep-alive, as a
# browser would use it, and with "Connection: close" on every request,
# like for like. wrk's latency is from sending a request to its response;
# its requests/s also pays for the reconnects. Also the page's weight, as
# served and gzip'd. Prints "NAME value unit" lines and "# ..." for
# context. Environment:
#   DROPIFY_BENCH_WRK_S          seconds per wrk run (default 5)
#   DROPIFY_BENCH_WRK_CONNS      connections (default 4)
#   DROPIFY_BENCH_PHONE_DROPS    drops in the history (default 100)
set -u

DROPIFY=${DROPIFY_BIN:?DROPIFY_BIN must point to the built dropify}
TOOLS=${1:?usage: bench-phone.sh TOOLS_DIR}
SECS=${DROPIFY_BENCH_WRK_S:-5}
CONNS=${DROPIFY_BENCH_WRK_CONNS:-4}
DROPS=${DROPIFY_BENCH_PHONE_DROPS:-100}
PORT=47301

for tool in wrk curl gzip; do
  if ! command -v "$tool" >/dev/null; then
    echo "# skipped: $tool is not installed"
    exit 77
  fi
done

work=$(mktemp -d /tmp/dropify-bench-phone-XXXXXX)
pids=()
cleanup () {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# A benchmark whose run went wrong fails, after printing what it has.
warn () { echo "# WARNING: $*" >&2; : > "$work/failed"; }

"$TOOLS/bench-make-history" "$work/data" "$DROPS" $((DROPS / 20)) || exit 1
"$DROPIFY" --headless --data-dir "$work/data" --port $PORT --no-discovery 2>"$work/dropify.log" &
pids+=($!)
for _ in $(seq 1 200); do "$DROPIFY" peers --data-dir "$work/data" >/dev/null 2>&1 && break; sleep 0.05; done
token=$("$DROPIFY" url --data-dir "$work/data" | sed 's/.*#//')
[ -n "$token" ] || { warn "no phone token"; exit 1; }
auth="Authorization: Bearer $token"
dropify="http://127.0.0.1:$PORT"

# The same bytes for the baseline to serve.
mkdir -p "$work/static/api"
for f in index.html app.js style.css icon.svg; do
  path=/$f; [ "$f" = index.html ] && path=/
  curl -sf -o "$work/static/$f" "$dropify$path" || warn "could not fetch $path"
done
curl -sf -H "$auth" -o "$work/static/api/drops" "$dropify/api/drops" || warn "no /api/drops"
echo "# history of $DROPS drops: /api/drops is $(wc -c < "$work/static/api/drops") bytes"

"$TOOLS/bench-http-baseline" "$work/static" $((PORT + 1)) &
pids+=($!)
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$((PORT + 1))/" && break; sleep 0.05; done
baseline="http://127.0.0.1:$((PORT + 1))"

# Page weight: what a first load transfers (the page sends no compression).
weight=0; weight_gz=0
for f in index.html app.js style.css icon.svg; do
  weight=$((weight + $(wc -c < "$work/static/$f")))
  weight_gz=$((weight_gz + $(gzip -9c "$work/static/$f" | wc -c)))
done
echo "phone_page_weight $(printf '%.1f' "$(echo "scale=3; $weight / 1000" | bc)") kB"
echo "phone_page_weight_gzip $(printf '%.1f' "$(echo "scale=3; $weight_gz / 1000" | bc)") kB"

# wrk prints latencies as 850.00us, 1.23ms or 1.05s.
to_ms () {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000
    printf "%.3f", n }'
}

# $1: name; then wrk's arguments. Prints p50, p99 and requests/s.
run_wrk () {
  local name=$1 out; shift
  out=$(wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "$@" 2>&1)
  echo "${name}_p50 $(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")") ms"
  echo "${name}_p99 $(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")") ms"
  echo "${name}_rate $(awk '$1 == "Requests/sec:" { printf "%.0f", $2 }' <<<"$out") req/s"
  grep -E "Socket errors|Non-2xx" <<<"$out" | sed "s/^ */# $name: /"
  if grep -q "Non-2xx" <<<"$out" || ! grep -q "Requests/sec" <<<"$out"; then
    warn "$name: not every request was answered with a 2xx"
  fi
}

echo "# wrk: 1 thread, $CONNS connections, $SECS s each"
run_wrk phone_api -H "$auth" "$dropify/api/drops"
run_wrk baseline_api_keepalive "$baseline/api/drops"
run_wrk baseline_api_close -H "Connection: close" "$baseline/api/drops"
run_wrk phone_page "$dropify/"
run_wrk baseline_page_keepalive "$baseline/"
run_wrk baseline_page_close -H "Connection: close" "$baseline/"

[ ! -e "$work/failed" ]
