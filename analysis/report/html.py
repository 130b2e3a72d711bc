"""Assemble one self-contained HTML page from sections, with a Jinja2 template.

Inline CSS, figures as base64 PNG, nothing the page needs from elsewhere to render. A
:class:`Section` is a list of typed items (text, plain-language summary, cards, figure, table,
folded ``<details>``); ``templates/report.html.j2`` renders them, escaping every text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["Section", "render_html", "table_html"]

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f3b57;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:24px} header p{margin:4px 0 0;opacity:.85}
main{max-width:1100px;margin:0 auto;padding:8px 32px 48px}
section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;margin:18px 0;padding:12px 20px;min-width:0}
h2{font-size:19px;border-bottom:1px solid #eee;padding-bottom:4px}
.plain{font-size:15px;line-height:1.45;background:#f6f9fc;border-left:4px solid #1f3b57;padding:4px 14px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{flex:1 1 200px;border:1px solid #ddd;border-radius:6px;padding:10px 14px;background:#f6f9fc}
.card b{display:block;font-size:20px} .card span{font-size:12px;color:#555}
.ok{color:#1a7f37} .bad{color:#b42318} .na{color:#777}
figure{margin:10px 0;display:inline-block;vertical-align:top;max-width:100%}
figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:12px;color:#555;max-width:760px}
details{margin:8px 0} summary{cursor:pointer;font-weight:600}
table{border-collapse:collapse;font-size:12px;margin:8px 0}
.tablewrap{overflow-x:auto;max-width:100%}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:right;white-space:nowrap}
th{background:#f0f3f6} td:first-child,th:first-child{text-align:left}
.note{font-size:12px;color:#555} code{background:#f2f2f2;padding:0 3px}
"""


def table_html(table: pd.DataFrame, index: bool = True, float_format: str = "{:.3g}") -> str:
    """Render a table as escaped HTML (booleans as yes/no, floats with ``float_format``)."""
    shown = table.copy()
    for col in shown.columns:
        if pd.api.types.is_bool_dtype(shown[col]) or str(shown[col].dtype) == "boolean":
            shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else ("yes" if v else "no"))
        elif pd.api.types.is_integer_dtype(shown[col]) and shown[col].hasnans:
            shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else str(int(v)))
        elif pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else float_format.format(v))
    return shown.to_html(index=index, escape=True, na_rep="", border=0)


@dataclass
class Section:
    """One section of the report: a title, an anchor and items rendered by the template.

    Attributes
    ----------
    title : str
    anchor : str
    items : list of dict
        Added with :meth:`text`, :meth:`summary`, :meth:`cards`, :meth:`figure`,
        :meth:`table` and :meth:`details`.
    """

    title: str
    anchor: str
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def blocks(self) -> list[dict[str, Any]]:
        """The items (the name older callers used)."""
        return self.items

    def text(self, text: str, cls: str = "") -> Section:
        """Add a paragraph (escaped)."""
        self.items.append({"kind": "text", "text": text, "cls": cls})
        return self

    def summary(self, lines: list[str]) -> Section:
        """Add the plain-language summary (one paragraph per line)."""
        self.items.append({"kind": "summary", "lines": list(lines)})
        return self

    def raw(self, fragment: str) -> Section:
        """Add a trusted HTML fragment (built by this package)."""
        self.items.append({"kind": "raw", "html": fragment})
        return self

    def figure(self, png_base64: str, caption: str, fig_id: str) -> Section:
        """Add an embedded PNG figure."""
        self.items.append({"kind": "figure", "png": png_base64, "caption": caption, "fig_id": fig_id})
        return self

    def table(
        self, table: pd.DataFrame, caption: str = "", index: bool = True, float_format: str = "{:.3g}"
    ) -> Section:
        """Add a table (values escaped); wide tables scroll inside their box."""
        self.items.append(
            {"kind": "table", "caption": caption, "html": table_html(table, index=index, float_format=float_format)}
        )
        return self

    def cards(self, items: list[tuple[str, str, str]]) -> Section:
        """Add summary cards: (value, label, css class)."""
        self.items.append({"kind": "cards", "cards": [{"value": v, "label": lbl, "cls": c} for v, lbl, c in items]})
        return self

    def details(self, title: str, inner: Section) -> Section:
        """Add ``inner``'s items folded under ``title`` (a ``<details>`` element)."""
        if inner.items:
            self.items.append({"kind": "details", "title": title, "items": inner.items})
        return self


def render_html(title: str, subtitle: str, sections: list[Section]) -> str:
    """Render the whole page as a string (Jinja2, every text escaped)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("motorseq.analysis.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    page = [{"title": s.title, "anchor": s.anchor, "items": s.items} for s in sections]
    return env.get_template("report.html.j2").render(title=title, subtitle=subtitle, sections=page, css=_CSS)
