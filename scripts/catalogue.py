"""The message catalogue's tool: extract the texts from the code, update the .po files, compile the .mo files.

    python scripts/catalogue.py extract   # src -> src/zaitaku_core/locale/zaitaku.pot (babel.cfg's mapping)
    python scripts/catalogue.py update    # the .pot -> every <lang>/LC_MESSAGES/zaitaku.po (new texts empty)
    python scripts/catalogue.py compile   # every .po -> its .mo (committed: see docs/howto/translate.md)
    python scripts/catalogue.py check     # exit 1 naming what is out of date (the tests run the same checks)
    python scripts/catalogue.py all       # extract, update, compile

English is the language of the code, so ``update`` fills an English text's empty translation with the
text itself; every other language's new texts stay empty until a translator fills them (``check`` and the
tests fail until then). Babel does the work; this script only fixes its options (sorted output, file names
without line numbers, so that moving code does not change the catalogues).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src"
LOCALE = SOURCE / "zaitaku_core" / "locale"
TEMPLATE = LOCALE / "zaitaku.pot"
LANGUAGES = ("ja", "en")
#: The language the texts are written in, in the code.
SOURCE_LANGUAGE = "en"
HEADER = """\
# The message catalogue of zaitaku-core: every fixed text a person reads, by language.
# Edit the translations (msgstr) in <lang>/LC_MESSAGES/zaitaku.po; see docs/howto/translate.md."""
METADATA = {
    "project": "zaitaku-core",
    "copyright_holder": "zaitaku-core developers",
    "msgid_bugs_address": "https://github.com/zaitaku-core/zaitaku-core/issues",
    "last_translator": "zaitaku-core developers",
    "language_team": "zaitaku-core developers",
}


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "zaitaku.po"


def mo_path(lang: str) -> Path:
    return po_path(lang).with_suffix(".mo")


def extract() -> Catalog:
    """Every marked text of the package, as a template catalogue."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as stream:
        method_map, options_map = parse_mapping_cfg(stream, "babel.cfg")
    template = Catalog(header_comment=HEADER, **METADATA)
    for filename, lineno, message, comments, context in extract_from_dir(SOURCE, method_map, options_map):
        template.add(message, None, [(f"src/{filename}", lineno)], auto_comments=comments, context=context)
    return template


def po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, sort_output=True, include_lineno=False, ignore_obsolete=True, width=116)
    return out.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def read(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as stream:
        catalog = read_po(stream, locale=lang, domain="zaitaku")
    catalog.header_comment = HEADER
    return catalog


def updated(lang: str, template: Catalog) -> Catalog:
    """``lang``'s catalogue with the template's texts: translations kept, new texts empty (English: itself)."""
    path = po_path(lang)
    catalog = read(path, lang) if path.exists() else Catalog(locale=lang, domain="zaitaku", fuzzy=False, **METADATA)
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    for message in catalog:
        if message.id and lang == SOURCE_LANGUAGE and not all(forms(message.string)):
            message.string = message.id  # a counted text (NN_): its singular and plural
    return catalog


def forms(text: str | tuple[str, ...] | list[str] | None) -> list[str]:
    """The forms of a message's text: one, or (a counted text, NN_) one per plural form of its language."""
    if isinstance(text, tuple | list):
        return [str(form or "") for form in text]
    return [text or ""]


def problems() -> Iterator[str]:
    """What is out of date: texts missing from (or left over in) a catalogue, empty or fuzzy translations,
    a .mo that is not its .po compiled."""
    wanted = {(m.context, m.id) for m in extract() if m.id}
    if {(m.context, m.id) for m in read(TEMPLATE) if m.id} != wanted:
        yield f"{TEMPLATE.relative_to(ROOT)} is not what the code marks: run extract"
    for lang in LANGUAGES:
        catalog = read(po_path(lang), lang)
        held = {(m.context, m.id) for m in catalog if m.id}
        for context, message in sorted(wanted - held, key=str):
            yield f"{lang}: missing {message!r}" + (f" (context {context!r})" if context else "") + ": run update"
        for context, message in sorted(held - wanted, key=str):
            yield f"{lang}: no longer in the code: {message!r}" + (f" (context {context!r})" if context else "")
        for m in catalog:
            if m.id and (not all(forms(m.string)) or m.fuzzy):
                yield f"{lang}: untranslated or fuzzy: {m.id!r}"
            elif m.id and m.pluralizable and len(forms(m.string)) != catalog.num_plurals:
                yield f"{lang}: {m.id!r} needs {catalog.num_plurals} plural form(s)"
        if not mo_path(lang).exists() or mo_path(lang).read_bytes() != mo_bytes(catalog):
            yield f"{mo_path(lang).relative_to(ROOT)} is not its .po compiled: run compile"


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command in {"extract", "all"}:
        TEMPLATE.write_bytes(po_bytes(extract()))
    if command in {"update", "all"}:
        template = read(TEMPLATE)
        for lang in LANGUAGES:
            po_path(lang).parent.mkdir(parents=True, exist_ok=True)
            po_path(lang).write_bytes(po_bytes(updated(lang, template)))
    if command in {"compile", "all"}:
        for lang in LANGUAGES:
            mo_path(lang).write_bytes(mo_bytes(read(po_path(lang), lang)))
    if command == "check":
        found = list(problems())
        for problem in found:
            print(problem)
        return 1 if found else 0
    if command not in {"extract", "update", "compile", "all", "check"}:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
