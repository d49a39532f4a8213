"""String helpers: full-width forms, ASCII folding, typos, e-mail variants and codec checks."""

from __future__ import annotations

import unicodedata
from types import MappingProxyType

import numpy as np

_FULLWIDTH = MappingProxyType({c: c + 0xFEE0 for c in range(0x21, 0x7F)} | {0x20: 0x3000})
_GERMAN = MappingProxyType({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
_SPECIAL = MappingProxyType({"æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe", "ø": "o", "Ø": "O", "ł": "l"})


def to_fullwidth(s: str) -> str:
    """ASCII letters/digits/punctuation and space -> their full-width forms."""
    return s.translate(_FULLWIDTH)


def ascii_fold(s: str, german: bool = False) -> str:
    """Latin text -> plain ASCII ('Müller' -> 'Muller', or 'Mueller' with german=True)."""
    if german:
        s = "".join(_GERMAN.get(c, c) for c in s)
    s = "".join(_SPECIAL.get(c, c) for c in s)
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c)).encode("ascii", "ignore").decode()


def email_local(s: str, german: bool = False) -> str:
    """Name -> lower-case e-mail local-part material (letters only)."""
    return "".join(c for c in ascii_fold(s, german).lower() if c.isalnum())


def encodable(s: str, codec: str) -> bool:
    try:
        s.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def japanese_safe(s: str) -> bool:
    """Text that both the cp932 CRM export and ISO-2022-JP mail can carry."""
    return encodable(s, "cp932") and encodable(s, "iso-2022-jp")


def typo(s: str, rng: np.random.Generator) -> str:
    """One keyboard slip in a latin word: swap, drop or double a letter (never the first one)."""
    if len(s) < 4:
        return s + s[-1]
    i = int(rng.integers(1, len(s) - 1))
    kind = int(rng.integers(0, 3))
    if kind == 0:
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    if kind == 1:
        return s[:i] + s[i + 1 :]
    return s[:i] + s[i] + s[i:]


def gmail_dots(email: str, rng: np.random.Generator) -> str:
    """Insert a dot into (or remove dots from) the local part of a gmail address."""
    local, _, domain = email.partition("@")
    if "." in local:
        return local.replace(".", "") + "@" + domain
    if len(local) < 3:
        return email
    i = int(rng.integers(1, len(local) - 1))
    return local[:i] + "." + local[i:] + "@" + domain
