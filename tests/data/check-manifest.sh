#!/usr/bin/env bash
# Checks the Flatpak manifest against what the app ships and what it may do:
#   check-manifest.sh MANIFEST METAINFO DESKTOP-FILE
# - the manifest is valid JSON;
# - its app id is the metainfo's id and the desktop file's name;
# - every remote source is pinned (sha256 for archives and files, a commit
#   for git), so a build never takes whatever a server hands out today;
# - finish-args are exactly the least-privilege set the app needs.
set -uo pipefail

manifest=$1
metainfo=$2
desktop=$3

# The permissions the app needs, and nothing else: peers and the phone page
# (network), Wayland or X11 and GL, saving received files to Downloads, and
# the host's avahi-daemon for mDNS.
allowed=(
  --share=network
  --share=ipc
  --socket=wayland
  --socket=fallback-x11
  --device=dri
  --filesystem=xdg-download
  --system-talk-name=org.freedesktop.Avahi
)

# Named separately so that adding one of these fails with a reason.
forbidden=(
  --filesystem=home
  --filesystem=host
  --filesystem=host-os
  --filesystem=host-etc
  --socket=session-bus
  --socket=system-bus
  --device=all
  --talk-name=org.freedesktop.Flatpak
)

for tool in jq xmllint; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is not installed (build-aux/install-deps --test installs it)"
    exit 77
  fi
done

failed=0
fail () {
  echo "FAIL: $*"
  failed=1
}

if ! jq empty "$manifest"; then
  echo "FAIL: $manifest is not valid JSON"
  exit 1
fi

# The app id: `id`, or the older `app-id`.
app_id=$(jq -r '.id // ."app-id" // empty' "$manifest")
metainfo_id=$(xmllint --xpath 'string(/component/id)' "$metainfo")
launchable=$(xmllint --xpath 'string(/component/launchable[@type="desktop-id"])' "$metainfo")
desktop_id=$(basename "$desktop" .desktop)

[ -n "$app_id" ] || fail "the manifest has no id"
[ "$app_id" = "$metainfo_id" ] ||
  fail "the manifest's id '$app_id' is not the metainfo's id '$metainfo_id'"
[ "$app_id" = "$desktop_id" ] ||
  fail "the manifest's id '$app_id' is not the desktop file's name '$desktop_id'"
[ "$launchable" = "$desktop_id.desktop" ] ||
  fail "the metainfo launches '$launchable', not '$desktop_id.desktop'"

# Every source of every module, nested ones included. Modules or sources
# kept in other files would escape the check, so they are refused.
problems=$(jq -r '
  (.. | objects | select(has("modules")) | .modules[] | strings |
     "module \(.) is in another file; keep modules inline"),
  (.. | objects | select(has("sources")) | .name as $mod | .sources[] |
    if type == "string" then
      "\($mod): sources in another file (\(.)); keep them inline"
    elif (.type == "archive" or .type == "file" or .type == "extra-data") then
      if (has("url") or .type == "extra-data") and
         ((.sha256 // "") | test("^[0-9a-f]{64}$") | not) then
        "\($mod): \(.type) \(.url // .path) is not pinned by a sha256"
      else empty end
    elif .type == "git" then
      if ((.commit // "") | test("^[0-9a-f]{40}$") | not) then
        "\($mod): git \(.url // .path) is not pinned to a commit"
      else empty end
    elif (.type == "bzr" or .type == "svn") then
      "\($mod): \(.type) sources cannot be pinned by a hash"
    else empty end)' "$manifest") || { echo "FAIL: jq could not read the sources"; exit 1; }
while IFS= read -r problem; do
  [ -n "$problem" ] && fail "$problem"
done <<< "$problems"

finish_args=$(jq -r '."finish-args" // [] | .[]' "$manifest") ||
  { echo "FAIL: jq could not read finish-args"; exit 1; }
mapfile -t args <<< "$finish_args"

for arg in "${forbidden[@]}"; do
  for a in "${args[@]}"; do
    [ "${a%%:*}" = "$arg" ] && fail "finish-args grant $a"
  done
done

missing=$(comm -23 <(printf '%s\n' "${allowed[@]}" | sort -u) <(printf '%s\n' "${args[@]}" | sort -u))
extra=$(comm -13 <(printf '%s\n' "${allowed[@]}" | sort -u) <(printf '%s\n' "${args[@]}" | sort -u))
dupes=$(printf '%s\n' "${args[@]}" | sort | uniq -d)
[ -z "$missing" ] || fail "finish-args lack:" $missing
[ -z "$extra" ] || fail "finish-args also grant what the app does not need:" $extra
[ -z "$dupes" ] || fail "finish-args repeat:" $dupes

[ "$failed" -eq 0 ] && echo "ok: $manifest"
exit "$failed"
