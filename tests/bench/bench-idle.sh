#!/usr/bin/env bash
# Idle cost: memory and wakeups of a real `dropify --headless` and of the
# real window (under Xvfb) on a profile with a full history, right after
# start and after a while doing nothing; against, in the same run and the
# same window of time, an empty GLib main loop and an empty
# AdwApplicationWindow (bench-idle-baseline). A headless instance on an
# empty profile shows what the history itself costs.
#
#   bench-idle.sh TOOLS_DIR   the build's tests/bench, with bench-make-history
#                             and bench-idle-baseline
#
# Wakeups are context switches (voluntary and not) summed over every thread
# of the process, from /proc/PID/task/*/status, sampled each second so that
# threads that end meanwhile still count. Everything idles side by side, so
# the run takes one idle window. Prints "NAME value unit" lines and "# ..."
# for context. Environment:
#   DROPIFY_BENCH_IDLE_S      how long to idle (default 60)
#   DROPIFY_BENCH_IDLE_DROPS  drops in the full history (default 10000)
#   DROPIFY_BENCH_IDLE_FILES  how many of them are files (default 100)
set -u

DROPIFY=${DROPIFY_BIN:?DROPIFY_BIN must point to the built dropify}
TOOLS=${1:?usage: bench-idle.sh TOOLS_DIR}
IDLE_S=${DROPIFY_BENCH_IDLE_S:-60}
DROPS=${DROPIFY_BENCH_IDLE_DROPS:-10000}
FILES=${DROPIFY_BENCH_IDLE_FILES:-100}

# The window needs an X server and a session bus of its own: run the
# whole benchmark inside them, so every process idles in the same setting.
if [ -z "${DROPIFY_BENCH_IN_XVFB:-}" ]; then
  if command -v xvfb-run >/dev/null && command -v dbus-run-session >/dev/null; then
    export DROPIFY_BENCH_IN_XVFB=1 GSK_RENDERER=cairo GDK_BACKEND=x11 GTK_A11Y=none NO_AT_BRIDGE=1
    exec xvfb-run -a -s '-screen 0 1280x800x24' dbus-run-session -- "$0" "$@"
  fi
  echo "# xvfb-run or dbus-run-session is missing: the window is not measured"
fi

work=$(mktemp -d /tmp/dropify-bench-idle-XXXXXX)
pids=()
cleanup () {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# A benchmark whose run went wrong fails, after printing what it has.
warn () { echo "# WARNING: $*" >&2; : > "$work/failed"; }

"$TOOLS/bench-make-history" "$work/full" "$DROPS" "$FILES" || exit 1
cp -r "$work/full" "$work/gui"
mkdir -p "$work/empty" "$work/gui_empty"
echo "# full history: $DROPS drops, $FILES of them files of 64 KiB; idle for $IDLE_S s"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

kib () { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
mib () { printf '%.1f' "$(echo "scale=3; ${1:-0} / 1024" | bc)"; }
cpu_ticks () { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }

# Start-up is over when the process has used no CPU for half a second
# (at most 30 s).
settle () {
  local last=-1 quiet=0 t
  for _ in $(seq 1 120); do
    t=$(cpu_ticks "$1")
    [ -z "$t" ] && return 1
    if [ "$t" = "$last" ]; then
      quiet=$((quiet + 1))
      [ $quiet -ge 2 ] && return 0
    else
      quiet=0
    fi
    last=$t
    sleep 0.25
  done
}

# Waits (at most 30 s) for an instance's control socket to answer. Not
# with `list`: its reply for a full history leaves memory behind (see the
# end).
wait_ready () {
  for _ in $(seq 1 600); do
    "$DROPIFY" peers --data-dir "$1" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  warn "the instance on $1 did not answer"
  return 1
}

declare -A pid_of start_rss
names=()
launch () {
  local name=$1; shift
  "$@" 2>"$work/$name.log" &
  pid_of[$name]=$!
  pids+=($!)
  names+=("$name")
}

launch headless "$DROPIFY" --headless --data-dir "$work/full" --port 0 --no-discovery
launch headless_empty "$DROPIFY" --headless --data-dir "$work/empty" --port 0 --no-discovery
launch glib "$TOOLS/bench-idle-baseline" glib
wait_ready "$work/full"
wait_ready "$work/empty"
if [ -n "${DISPLAY:-}" ]; then
  launch gui "$DROPIFY" --data-dir "$work/gui" --port 0 --no-discovery
  launch gui_empty "$DROPIFY" --data-dir "$work/gui_empty" --port 0 --no-discovery
  launch adw "$TOOLS/bench-idle-baseline" adw
  wait_ready "$work/gui"
  wait_ready "$work/gui_empty"
fi

for name in "${names[@]}"; do
  settle "${pid_of[$name]}" || warn "$name is gone"
  start_rss[$name]=$(kib "${pid_of[$name]}" VmRSS)
done

# Context switches of every thread, sampled once a second.
declare -A first last
sample () {
  local name=$1 pid=${pid_of[$1]} f tid n
  for f in /proc/"$pid"/task/*/status; do
    tid=${f#/proc/$pid/task/}; tid=${tid%/status}
    n=$(awk '/ctxt_switches/ { s += $2 } END { print s + 0 }' "$f" 2>/dev/null) || continue
    [ -n "${first[$name.$tid]:-}" ] || first[$name.$tid]=$n
    last[$name.$tid]=$n
  done
}
# Threads already there count from the first sample; later ones from 0.
for name in "${names[@]}"; do sample "$name"; done
declare -A base
for key in "${!first[@]}"; do base[$key]=${first[$key]}; done
for _ in $(seq 1 "$IDLE_S"); do
  sleep 1
  for name in "${names[@]}"; do sample "$name"; done
done

wakeups () {
  local name=$1 key total=0
  for key in "${!last[@]}"; do
    [ "${key%%.*}" = "$name" ] || continue
    total=$((total + last[$key] - ${base[$key]:-0}))
  done
  printf '%.2f' "$(echo "scale=4; $total / $IDLE_S" | bc)"
}

declare -A after_rss
for name in "${names[@]}"; do
  pid=${pid_of[$name]}
  after_rss[$name]=$(kib "$pid" VmRSS)
  pss=$(awk '$1 == "Pss:" { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null)
  echo "# $name: $(ls /proc/"$pid"/task 2>/dev/null | wc -l) threads;" \
       "after idling RssAnon $(mib "$(kib "$pid" RssAnon)") MiB," \
       "RssFile $(mib "$(kib "$pid" RssFile)") MiB (shared libraries and fonts), Pss $(mib "$pss") MiB"
  echo "idle_${name}_rss_start $(mib "${start_rss[$name]}") MiB"
  echo "idle_${name}_rss_after $(mib "${after_rss[$name]}") MiB"
  echo "idle_${name}_pss_after $(mib "$pss") MiB"
  echo "idle_${name}_wakeups $(wakeups "$name") /s"
done

# What one `dropify list --json` of the whole history leaves behind.
"$DROPIFY" list --data-dir "$work/full" --json >/dev/null
settle "${pid_of[headless]}"
echo "idle_headless_rss_after_list $(mib "$(kib "${pid_of[headless]}" VmRSS)") MiB"

ratio () { printf '%.2f' "$(echo "scale=4; ${1:-0} / ${2:-1}" | bc)"; }
echo "idle_headless_rss_ratio $(ratio "${after_rss[headless]}" "${after_rss[glib]}")"
if [ -n "${pid_of[gui]:-}" ]; then
  echo "idle_gui_rss_ratio $(ratio "${after_rss[gui]}" "${after_rss[adw]}")"
fi
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

[ ! -e "$work/failed" ]
