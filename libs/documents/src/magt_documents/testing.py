"""Test helpers: a PDF's text and metadata (pypdfium2 is a development dependency)."""

from __future__ import annotations

import re
import zlib

import pypdfium2 as pdfium

from magt_contracts.forms import AnyForm

from .tekster import skematekst


def pdf_tekst(pdf: bytes) -> str:
    """All text of a PDF, pages joined, whitespace collapsed to single spaces."""
    dokument = pdfium.PdfDocument(pdf)
    try:
        sider = [dokument[i].get_textpage().get_text_range() for i in range(len(dokument))]
    finally:
        dokument.close()
    return re.sub(r"\s+", " ", " ".join(sider)).strip()


def pdf_metadata(pdf: bytes) -> dict[str, str]:
    """The document information dictionary (Title, Author, CreationDate, ...)."""
    dokument = pdfium.PdfDocument(pdf)
    try:
        return {k: str(v) for k, v in dokument.get_metadata_dict().items()}
    finally:
        dokument.close()


def i_raekkefoelge(tekst: str, dele: list[str]) -> list[str]:
    """The parts of `dele` not found in `tekst` in the given order (empty: all in order)."""
    mangler, pos = [], 0
    for del_ in dele:
        fundet = tekst.find(del_, pos)
        if fundet < 0:
            mangler.append(del_)
        else:
            pos = fundet + len(del_)
    return mangler


def officielle_tekster(form: AnyForm) -> list[str]:
    """Every heading and field text of the form's version, in the official order."""
    tekst = skematekst(form.form_type, form.form_version)
    dele = [tekst.titel]
    for afsnit in tekst.afsnit:
        dele.append(afsnit.overskrift)
        for felt in afsnit.felter:
            dele.append(felt.tekst)
            dele.extend(k.tekst for k in felt.kolonner)
    return dele


def pdf_xmp(pdf: bytes) -> str:
    """The XMP metadata packet of a PDF (streams inflated where compressed)."""
    for stroem in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.DOTALL):
        for data in (stroem, _inflate(stroem)):
            if b"<x:xmpmeta" in data:
                return data.decode("utf-8", "replace")
    return ""


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error:
        return b""


def pdf_objekter(pdf: bytes) -> bytes:
    """The PDF's bytes followed by every compressed stream inflated (object streams included)."""
    stroemme = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.DOTALL)
    return pdf + b"\n".join(_inflate(s) for s in stroemme)
