"""Assemble one self-contained HTML page.

Inline CSS, figures as base64 PNG, nothing the page needs from elsewhere to render.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Section", "render_html"]

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f3b57;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:24px} header p{margin:4px 0 0;opacity:.85}
main{max-width:1100px;margin:0 auto;padding:8px 32px 48px}
section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;margin:18px 0;padding:12px 20px}
h2{font-size:19px;border-bottom:1px solid #eee;padding-bottom:4px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{flex:1 1 200px;border:1px solid #ddd;border-radius:6px;padding:10px 14px;background:#f6f9fc}
.card b{display:block;font-size:20px} .card span{font-size:12px;color:#555}
.ok{color:#1a7f37} .bad{color:#b42318} .na{color:#777}
figure{margin:10px 0;display:inline-block;vertical-align:top}
figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:12px;color:#555;max-width:760px}
table{border-collapse:collapse;font-size:12px;margin:8px 0}
.tablewrap{overflow-x:auto;max-width:100%}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:right}
th{background:#f0f3f6} td:first-child,th:first-child{text-align:left}
.note{font-size:12px;color:#555} code{background:#f2f2f2;padding:0 3px}
"""


@dataclass
class Section:
    """One section of the report.

    Attributes
    ----------
    title : str
    blocks : list of str
        HTML fragments in order (use :meth:`text`, :meth:`figure`, :meth:`table`).
    anchor : str
    """

    title: str
    anchor: str
    blocks: list[str] = field(default_factory=list)

    def text(self, text: str, cls: str = "") -> Section:
        """Add an escaped paragraph."""
        attr = f' class="{cls}"' if cls else ""
        self.blocks.append(f"<p{attr}>{html.escape(text)}</p>")
        return self

    def raw(self, fragment: str) -> Section:
        """Add a trusted HTML fragment (built by this package)."""
        self.blocks.append(fragment)
        return self

    def figure(self, png_base64: str, caption: str, fig_id: str) -> Section:
        """Add an embedded PNG figure."""
        self.blocks.append(
            f'<figure id="{html.escape(fig_id)}"><img class="fig" alt="{html.escape(caption)}" '
            f'src="data:image/png;base64,{png_base64}"/>'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")
        return self

    def table(self, table: pd.DataFrame, caption: str = "", index: bool = True,
              float_format: str = "{:.3g}") -> Section:
        """Add a table (values escaped)."""
        shown = table.copy()
        for col in shown.columns:
            if pd.api.types.is_bool_dtype(shown[col]) or str(shown[col].dtype) == "boolean":
                shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else ("yes" if v else "no"))
            elif pd.api.types.is_integer_dtype(shown[col]) and shown[col].hasnans:
                shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else str(int(v)))
            elif pd.api.types.is_float_dtype(shown[col]):
                shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else float_format.format(v))
        body = shown.to_html(index=index, escape=True, na_rep="", border=0)
        cap = f'<p class="note">{html.escape(caption)}</p>' if caption else ""
        self.blocks.append(f'{cap}<div class="tablewrap">{body}</div>')
        return self

    def cards(self, items: list[tuple[str, str, str]]) -> Section:
        """Add summary cards: (value, label, css class)."""
        inner = "".join(f'<div class="card"><b class="{html.escape(c)}">{html.escape(v)}</b>'
                        f"<span>{html.escape(lbl)}</span></div>" for v, lbl, c in items)
        self.blocks.append(f'<div class="cards">{inner}</div>')
        return self


def render_html(title: str, subtitle: str, sections: list[Section]) -> str:
    """Render the whole page as a string."""
    nav = " · ".join(f'<a href="#{s.anchor}" style="color:#fff">{html.escape(s.title)}</a>'
                     for s in sections)
    body = "".join(f'<section id="{s.anchor}"><h2>{html.escape(s.title)}</h2>{"".join(s.blocks)}'
                   "</section>" for s in sections)
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
            f"<header><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p>"
            f"<p style=\"font-size:13px\">{nav}</p></header><main>{body}</main></body></html>")
