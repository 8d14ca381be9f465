"""The language the helpers speak to a learner: English by default, or Simplified Chinese.

A notebook chooses once, in its setup cell::

    from gpool_helpers import set_language
    set_language("zh")   # check() feedback, hints, solutions, widget readouts ... in Chinese

Every text a learner is meant to read (exercise prompts, ``check()`` feedback,
hints and solutions, widget readouts, the pooling kinds' descriptions, the
environment check and the helpers' input errors) is written in English in the
code and passed through :func:`gettext` (imported as ``_``) where it is shown.
The translations live in gettext PO files, one folder per language,
``gpool_helpers/locale/<language>/*.po``: the English text is the key
(``msgid``), so a translation records which English it translates, and an
English text that changes no longer finds its old translation (the tests name
every text without one; ``python -m tools.translate check`` lists them).

Figures keep their English or symbol-only labels in every language: no font
that draws Chinese ships with matplotlib, and a missing glyph would print as a
box, with a warning, in a stored output.

Adding a language is the same work again: add its code to :data:`LANGUAGES`,
copy ``locale/zh`` to ``locale/<code>`` and translate, then
``python -m tools.translate extract --language <code>`` for the notebooks.
"""

from __future__ import annotations

import functools
from pathlib import Path

#: Language code -> its own name. The first is the default.
LANGUAGES = {"en": "English", "zh": "简体中文 (Simplified Chinese)"}
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_current = DEFAULT_LANGUAGE


def set_language(language: str) -> str:
    """Speak ``language`` ("en" or "zh") from now on in this kernel; returns it."""
    global _current
    if not isinstance(language, str) or language.strip().lower() not in LANGUAGES:
        choices = ", ".join(f"{code!r} ({name})" for code, name in LANGUAGES.items())
        raise ValueError(f"set_language expects one of {choices}; got {language!r}")
    _current = language.strip().lower()
    return _current


def get_language() -> str:
    """The language now in use ("en" unless :func:`set_language` chose another)."""
    return _current


def gettext(message: str) -> str:
    """``message`` in the current language (itself when English, or when no translation exists)."""
    if _current == DEFAULT_LANGUAGE:
        return message
    return catalog(_current).get(message, message)


def N_(message: str) -> str:
    """Mark ``message`` as learner-facing text translated later, where it is shown."""
    return message


_ = gettext


@functools.cache
def catalog(language: str) -> dict[str, str]:
    """English -> ``language`` for every translated, non-fuzzy entry of ``locale/<language>/*.po``."""
    import polib  # small, pure Python; loaded only when a language other than English is chosen

    translations: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / language).glob("*.po")):
        for entry in polib.pofile(str(path)):
            if entry.msgstr and not entry.fuzzy and not entry.obsolete:
                translations[entry.msgid] = entry.msgstr
    return translations
