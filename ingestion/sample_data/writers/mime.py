"""Minimal, fast RFC 5322 / MIME rendering: RFC 2047 encoded-words and body transfer encodings.

Built with plain string formatting (no ``email.message`` objects) so that 100k messages render in seconds;
``tests/unit/test_sample_data.py`` proves that Python's ``email`` package parses and decodes the result.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field

_Q_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")
_MAX_WORD = 75


def _b_words(text: str, charset: str) -> list[str]:
    prefix, suffix = f"=?{charset}?B?", "?="
    room = (_MAX_WORD - len(prefix) - len(suffix)) // 4 * 3
    words, chunk = [], ""
    for ch in text:
        if chunk and len((chunk + ch).encode(charset)) > room:
            words.append(prefix + base64.b64encode(chunk.encode(charset)).decode("ascii") + suffix)
            chunk = ""
        chunk += ch
    if chunk:
        words.append(prefix + base64.b64encode(chunk.encode(charset)).decode("ascii") + suffix)
    return words


def _q_words(text: str, charset: str) -> list[str]:
    prefix, suffix = f"=?{charset}?Q?", "?="
    room = _MAX_WORD - len(prefix) - len(suffix)
    words, chunk = [], ""
    for ch in text:
        if ch == " ":
            enc = "_"
        elif ch in _Q_SAFE:
            enc = ch
        else:
            enc = "".join(f"={b:02X}" for b in ch.encode(charset))
        if chunk and len(chunk) + len(enc) > room:
            words.append(prefix + chunk + suffix)
            chunk = ""
        chunk += enc
    if chunk:
        words.append(prefix + chunk + suffix)
    return words


@dataclass
class HeaderEncoder:
    """Caches encoded-words: the same names and subjects recur thousands of times."""

    _cache: dict[tuple[str, str, bool], str] = field(default_factory=dict)

    def text(self, text: str, charset: str, q: bool) -> str:
        """Unstructured header value (e.g. Subject): raw if ASCII, else folded encoded-words."""
        if text.isascii():
            return text
        key = (text, charset, q)
        hit = self._cache.get(key)
        if hit is None:
            words = (
                _q_words(text, charset) if q and charset.lower() != "iso-2022-jp" else _b_words(text, charset)
            )
            hit = "\n ".join(words)
            self._cache[key] = hit
        return hit

    def address(self, name: str, addr: str, charset: str, q: bool) -> str:
        if not name:
            return addr
        if name.isascii():
            escaped = name.replace("\\", "\\\\").replace('"', '\\"')
            return f'"{escaped}" <{addr}>'
        return f"{self.text(name, charset, q)} <{addr}>"


@dataclass(frozen=True)
class Body:
    """A body part: its Content-Type parameters, transfer encoding and encoded payload."""

    content_type: str
    charset: str
    cte: str
    payload: str


def encode_body(text: str, subtype: str, charset: str) -> Body:
    """ISO-2022-JP -> 7bit (each line shifted back to ASCII); other non-ASCII -> UTF-8 base64;
    ASCII -> 7bit."""
    if charset.lower() == "iso-2022-jp":
        lines = [line.encode("iso-2022-jp").decode("ascii") for line in text.split("\n")]
        return Body(f"text/{subtype}", "ISO-2022-JP", "7bit", "\n".join(lines))
    if text.isascii():
        return Body(f"text/{subtype}", "us-ascii", "7bit", text)
    payload = base64.encodebytes(text.encode("utf-8")).decode("ascii").rstrip("\n")
    return Body(f"text/{subtype}", "utf-8", "base64", payload)


def html_version(text: str) -> str:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    inner = "\n".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>" for p in paragraphs)
    return f"<html>\n<body>\n{inner}\n</body>\n</html>\n"


def mangle_from(payload: str) -> str:
    """mboxo quoting: body lines starting with 'From ' get a '>' (7bit bodies only can contain them)."""
    if "From " not in payload:
        return payload
    return "\n".join((">" + line) if line.startswith("From ") else line for line in payload.split("\n"))


def part_headers(body: Body) -> str:
    return (
        f'Content-Type: {body.content_type}; charset="{body.charset}"\n'
        f"Content-Transfer-Encoding: {body.cte}\n"
    )
