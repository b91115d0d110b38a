#!/usr/bin/env bash
# Re-extract every translatable message (app/**.py, templates/**.html; msgids are English),
# merge it into the catalogues (zh_CN must be complete, en falls back to the msgid), compile
# them, and list the Chinese translations still missing. Run after adding or changing strings:
#   scripts/i18n.sh            # extract + update + compile + report
# then translate the empty msgstr entries of translations/zh_CN/LC_MESSAGES/messages.po and run
# it again; tests/web/test_translations.py fails while any zh_CN entry is missing or empty.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
POT=translations/messages.pot

mkdir -p translations
log=$(mktemp)
"$PYBABEL" extract -F babel.cfg -k _l -k lazy_gettext --add-location=file --sort-by-file \
  --project=Pilotflow --copyright-holder="Pilotflow" -o "$POT" . >"$log" 2>&1 || { cat "$log"; exit 1; }
for lang in zh_CN en; do
  po=translations/$lang/LC_MESSAGES/messages.po
  if [ -f "$po" ]; then
    "$PYBABEL" update -i "$POT" -d translations -l "$lang" --no-fuzzy-matching --ignore-obsolete >"$log" 2>&1 || { cat "$log"; exit 1; }
  else
    "$PYBABEL" init -i "$POT" -d translations -l "$lang" >"$log" 2>&1 || { cat "$log"; exit 1; }
  fi
done
# Babel resolves "zh_CN" to zh_Hans_CN and looks for that directory: point it at zh_CN.
[ -e translations/zh_Hans_CN ] || ln -s zh_CN translations/zh_Hans_CN
"$PYBABEL" compile -d translations >"$log" 2>&1 || { cat "$log"; exit 1; }
rm -f "$log"

.venv/bin/python - <<'PY'
from babel.messages.pofile import read_po
with open("translations/zh_CN/LC_MESSAGES/messages.po", "rb") as fh:
    catalog = read_po(fh)
missing = [m.id for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)) or m.fuzzy)]
print(f"zh_CN: {len(catalog)} messages, {len(missing)} untranslated")
for mid in missing:
    print("  -", mid if isinstance(mid, str) else mid[0])
PY
