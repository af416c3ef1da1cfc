"""HTML/CSS → PDF/A-3b with WeasyPrint: document metadata in Danish, fonts embedded.

Rendering is CPU-bound; `i_traad` runs it in a worker thread so an event loop never waits on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from weasyprint import HTML

PDF_VARIANT = "pdf/a-3b"
T = TypeVar("T")


@dataclass(frozen=True)
class Metadata:
    """What the PDF says about itself."""

    titel: str
    forfatter: str
    oprettet: datetime
    emne: str = ""


@cache
def miljoe() -> Environment:
    """The Jinja environment over the package's templates (autoescaped, strict)."""
    return Environment(
        loader=PackageLoader("magt_documents", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def html_for(skabelon: str, meta: Metadata, **kontekst: Any) -> str:
    """The HTML of one document from its template."""
    return miljoe().get_template(skabelon).render(meta=meta, **kontekst)


def pdf_af_html(html: str) -> bytes:
    """The PDF/A-3b bytes of an HTML document (metadata from its head)."""
    pdf = HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT)
    if pdf is None:  # pragma: no cover - write_pdf returns bytes without a target
        raise RuntimeError("WeasyPrint returnerede intet dokument")
    return bytes(pdf)


async def i_traad(funktion: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a rendering function in a worker thread, off the event loop."""
    return await asyncio.to_thread(funktion, *args, **kwargs)
