#!/bin/sh
# Fails unless every catalog in po/LINGUAS is complete against the strings
# the sources hold now: the strings are extracted afresh (as dropify-pot
# does, with the xgettext arguments after SOURCE_ROOT) and merged into a
# copy of each catalog, so a string added without running dropify-update-po
# and translating it counts as untranslated, and a changed one as fuzzy.
# msgfmt --check also checks format directives, plural forms and the header;
# --check-accelerators that a mnemonic underscore is kept.
#   check-catalogs.sh SOURCE_ROOT XGETTEXT_ARG...
set -u

root=${1:?usage: check-catalogs.sh SOURCE_ROOT XGETTEXT_ARG...}
shift

for tool in xgettext msgmerge msgfmt msgattrib; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "Skipping: $tool is not installed (apt install gettext)"
    exit 77
  fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$root" || exit 1

if ! xgettext --package-name=dropify -f po/POTFILES.in -D "$root" -k_ \
       -o "$tmp/dropify.pot" "$@"; then
  echo "xgettext failed"
  exit 1
fi

languages=$(sed -e 's/#.*//' po/LINGUAS | tr -s ' \t' '\n\n' | grep -v '^$')
if [ -z "$languages" ]; then
  echo "po/LINGUAS lists no language"
  exit 1
fi

status=0

for po in po/*.po; do
  lang=$(basename "$po" .po)
  echo "$languages" | grep -qxF "$lang" || {
    echo "$po is not in po/LINGUAS, so it is never built"
    status=1
  }
done

for lang in $languages; do
  if [ ! -f "po/$lang.po" ]; then
    echo "po/LINGUAS lists $lang, but po/$lang.po does not exist"
    status=1
    continue
  fi

  # The catalog as meson builds it must pass on its own.
  if ! msgfmt --check --check-accelerators=_ -o /dev/null "po/$lang.po"; then
    echo "po/$lang.po: msgfmt --check failed"
    status=1
  fi

  msgmerge -q --previous -o "$tmp/$lang.po" "po/$lang.po" "$tmp/dropify.pot" || {
    echo "po/$lang.po: msgmerge failed"
    status=1
    continue
  }

  stats=$(msgfmt --check --check-accelerators=_ --statistics -o /dev/null "$tmp/$lang.po" 2>&1)
  rc=$?
  echo "$lang: $stats"
  if [ $rc -ne 0 ]; then
    status=1
  fi

  # Each msgid (and its continuation lines) that is untranslated or fuzzy.
  missing=$( { msgattrib --untranslated --no-obsolete --no-wrap "$tmp/$lang.po";
               msgattrib --only-fuzzy --no-obsolete --no-wrap "$tmp/$lang.po"; } |
             awk '/^msgid /{p=1} /^msg(str|id_plural|ctxt)/{p=0} p && $0 != "msgid \"\""' )
  if [ -n "$missing" ]; then
    echo "$lang is not complete; run dropify-pot and dropify-update-po, then translate:"
    echo "$missing" | sed 's/^/  /'
    status=1
  fi
done

exit $status
