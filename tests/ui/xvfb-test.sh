#!/bin/sh
# Runs a UI test ("$@") on its own headless X server and session bus, so
# UI tests need no display and never touch the user's session.
# Exits 77 (meson's "skipped") when the tools are missing.

for tool in xvfb-run dbus-run-session; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "Skipping: $tool is not installed (apt install xvfb xauth dbus)" >&2
    exit 77
  fi
done

# Only read by sanitizer builds: GTK needs more suppressions than the rest.
if [ -n "${LSAN_OPTIONS:-}" ]; then
  export LSAN_OPTIONS="suppressions=$(dirname "$(readlink -f "$0")")/lsan.supp"
fi

export GSK_RENDERER=cairo
# Cairo draws, so GL is never used; without this GDK still sets up Mesa's
# EGL when it opens the display, which is slow under ASan and leaks what
# LeakSanitizer cannot suppress (the driver is unloaded by then).
export GDK_DEBUG="${GDK_DEBUG:+$GDK_DEBUG,}gl-disable"
export GDK_BACKEND=x11
export GTK_A11Y=none
export NO_AT_BRIDGE=1

exec xvfb-run -a -s '-screen 0 1280x800x24' dbus-run-session -- "$@"
