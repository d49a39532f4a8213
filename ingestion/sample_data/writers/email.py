"""Sales and support mailboxes: ``email/<mailbox>-<YYYY-MM>.mbox``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..templates import OPENERS, REPLIES, REPLY_VARIANTS, SUBJECTS, WRAPPERS
from ..text import encodable
from ..timeutil import asctime_utc, month_keys, rfc2822
from .mime import HeaderEncoder, encode_body, html_version, mangle_from, part_headers


def _body_text(r: dict) -> str:
    lang = r["language"]
    kind = r["kind"]
    if kind == "opener":
        text = OPENERS[lang][r["topic"]]
    elif kind == "closing":
        options = REPLIES[lang]["closing"]
        text = options[r["variant"] % len(options)]
    else:
        role = kind
        if kind == "acme" and r["variant"] < 0:  # the support reply that resolves the ticket
            role = "acme_resolved_seats" if r["topic"] == "seats" else "acme_resolved"
        fits = REPLY_VARIANTS[(r["mailbox"], role)]
        text = REPLIES[lang]["acme" if kind == "acme" else "customer"][fits[abs(r["variant"]) % len(fits)]]
    company = r["company"]
    ctx = {
        "c_first": r["c_first"],
        "c_last": r["c_last"],
        "c_name": r["c_name"],
        "r_first": r["r_first"],
        "r_last": r["r_last"],
        "r_name": r["r_name"],
        "company": company or ("貴社" if lang == "ja" else "your team"),
        "order": r["order_id"] or "",
        "company_line": f"{company}\n" if company else "",
        "company_from": company + "の" if company and lang == "ja" else "",
    }
    text = text.format(**ctx)
    outbound = not r["inbound"]
    to_shared = r["inbound"] and r["k"] == 0
    wrapper = WRAPPERS[lang][0 if outbound else (2 if to_shared else 1)]
    return wrapper.format(text=text, **ctx)


def _subject(r: dict) -> str:
    options = SUBJECTS[r["language"]][r["topic"]]
    company = r["company"] or ("貴社" if r["language"] == "ja" else "your team")
    subject = options[r["subject_variant"] % len(options)].format(company=company, order=r["order_id"] or "")
    return subject if r["k"] == 0 else "Re: " + subject


def render_message(r: dict, enc: HeaderEncoder) -> str:
    body_text = _body_text(r)
    subject = _subject(r)
    iso = r["iso2022jp"] and all(
        encodable(s, "iso-2022-jp") for s in (body_text, subject, r["from_name"], r["to_name"])
    )
    charset = "ISO-2022-JP" if iso else "UTF-8"
    q = bool(r["q_encoding"])
    headers = [
        f"From {r['from_addr']} {asctime_utc(r['ts'])}",
        "From: " + enc.address(r["from_name"], r["from_addr"], charset, q),
        "To: " + enc.address(r["to_name"], r["to_addr"], charset, q),
    ]
    if r["cc_addr"]:
        headers.append("Cc: " + r["cc_addr"])
    headers += [
        "Subject: " + enc.text(subject, charset, q),
        "Date: " + r["date"],
        "Message-ID: " + r["message_id"],
    ]
    if r["in_reply_to"]:
        headers.append("In-Reply-To: " + r["in_reply_to"])
        headers.append("References: " + r["references"].replace(" ", "\n "))
    headers.append("MIME-Version: 1.0")
    body_charset = "iso-2022-jp" if iso else "utf-8"
    plain = encode_body(body_text, "plain", body_charset)
    if r["multipart"]:
        boundary = "==acme_" + r["message_id"].strip("<>").split("@")[0][-16:] + "=="
        rich = encode_body(html_version(body_text), "html", body_charset)
        headers.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
        body = (
            f"--{boundary}\n{part_headers(plain)}\n{plain.payload}\n"
            f"--{boundary}\n{part_headers(rich)}\n{rich.payload}\n--{boundary}--"
        )
    else:
        headers.append(part_headers(plain).rstrip("\n"))
        body = plain.payload
    return "\n".join(headers) + "\n\n" + mangle_from(body) + "\n\n"


_FIELDS = (
    "mailbox",
    "ts",
    "inbound",
    "k",
    "message_id",
    "in_reply_to",
    "references",
    "kind",
    "variant",
    "from_addr",
    "from_name",
    "to_addr",
    "to_name",
    "cc_addr",
    "topic",
    "order_id",
    "language",
    "iso2022jp",
    "q_encoding",
    "multipart",
    "c_first",
    "c_last",
    "c_name",
    "r_first",
    "r_last",
    "r_name",
    "company",
    "subject_variant",
    "date",
)


def write_mboxes(messages: pd.DataFrame, email_dir: Path) -> dict[str, int]:
    email_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    if messages.empty:
        return counts
    m = messages.copy()
    m["date"] = rfc2822(m["ts"].to_numpy(), m["utc_offset"].to_numpy())
    m["month"] = month_keys(m["ts"].to_numpy())
    m["ts"] = m["ts"].astype(np.int64)
    enc = HeaderEncoder()
    for (mailbox, month), grp in m.groupby(["mailbox", "month"], sort=True):
        grp = grp.sort_values(["ts", "message_id"], kind="stable")
        # plain Python values per column (tolist), zipped into one dict per message: what to_dict("records")
        # gives, without its per-value conversion (a tenth of the mailboxes' time)
        columns = [grp[f].tolist() for f in _FIELDS]
        rows = [dict(zip(_FIELDS, values, strict=True)) for values in zip(*columns, strict=True)]
        text = "".join(render_message(r, enc) for r in rows)
        name = f"{mailbox}-{month}.mbox"
        # appends to the mailbox an earlier chunk of the population wrote (the folder is emptied first); a
        # message ends in a blank line, so the next one's "From " line still starts a message
        with open(email_dir / name, "ab") as f:
            f.write(text.encode("ascii"))
        counts[name] = len(rows)
    return counts
