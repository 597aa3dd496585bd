#!/bin/sh
# Fails when a file under src/ or data/ has strings for translators but is
# missing from po/POTFILES.in (its strings would silently stay English), or
# when POTFILES.in names a file that does not exist (xgettext would fail).
#   check-potfiles.sh SOURCE_ROOT
# A file that has such markers but must stay out goes in po/POTFILES.skip.
set -u

root=${1:?usage: check-potfiles.sh SOURCE_ROOT}
cd "$root" || exit 1

listed() {
  [ -f "$1" ] || return 0
  grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$1" | sed 's/[[:space:]]*$//'
}

# What xgettext extracts with meson's glib preset, by kind of file.
has_strings() {
  case "$1" in
    *.c|*.h)
      grep -qE '(^|[^A-Za-z0-9_])(N|C|NC|Q)?_\(|(g_d[a-z]*gettext2?|ngettext) *\(' "$1" ;;
    *.ui)
      grep -q 'translatable="yes"' "$1" ;;
    *.desktop.in)
      grep -qE '^(Name|GenericName|Comment|Keywords|X-GNOME-FullName)=' "$1" ;;
    *.metainfo.xml.in|*.appdata.xml.in)
      grep -qE '<(summary|p|li|name|caption|developer_name)[ >]' "$1" ;;
    *.gschema.xml|*.gschema.xml.in)
      grep -qE '<(summary|description)>' "$1" ;;
    *) return 1 ;;
  esac
}

potfiles=$(listed po/POTFILES.in)
skipped=$(listed po/POTFILES.skip)

errors=$(
  echo "$potfiles" | while IFS= read -r file; do
    [ -z "$file" ] || [ -f "$file" ] ||
      echo "po/POTFILES.in lists $file, which does not exist"
  done

  find src data -type f \( -name '*.c' -o -name '*.h' -o -name '*.ui' \
       -o -name '*.in' -o -name '*.gschema.xml' \) | LC_ALL=C sort |
    while IFS= read -r file; do
      has_strings "$file" || continue
      printf '%s\n%s\n' "$potfiles" "$skipped" | grep -qxF "$file" && continue
      echo "$file has translatable strings but is missing from po/POTFILES.in"
    done
)

if [ -n "$errors" ]; then
  echo "$errors"
  exit 1
fi

echo "po/POTFILES.in lists every file with translatable strings"
