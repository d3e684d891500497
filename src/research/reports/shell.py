"""The site's shell around every page: header links, a table of contents from the headings, shared CSS.

Every page (the front page and each report) starts with the same header: Home, then one link per group of
reports.yaml (National reports, Field offices), all relative links into `index.html`. Report pages get a table of
contents built from their own `<h2>`/`<h3>` headings (ids added where missing). The CSS keeps every page inside
a phone's width (wide tables scroll in their own box, images shrink) and follows the reader's colour scheme:
in dark mode the text turns light and figures (drawn on white) sit on a light card.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping

HEADER_CLASS = "research-header"
TOC_CLASS = "research-toc"
TOC_MARK = "<!-- research-toc -->"

# Shared by report pages (inside nbconvert's JupyterLab CSS) and the front page.
CSS = """
:root { color-scheme: light dark; }
html { -webkit-text-size-adjust: 100%; }
body { overflow-wrap: break-word; }
img { max-width: 100%; height: auto; }
.research-header { font-family: system-ui, sans-serif; border-bottom: 1px solid #bbb; margin: 0 0 1rem;
  padding: .4rem 0 .6rem; }
.research-header nav { display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; font-size: .95rem; }
.research-header a { font-weight: 600; }
.research-toc { font-family: system-ui, sans-serif; border-left: 3px solid #0072B2; padding: .2rem 0 .2rem .9rem;
  margin: 1rem 0 1.5rem; font-size: .95rem; }
.research-toc p { font-weight: 600; margin: 0 0 .3rem; }
.research-toc ol { margin: 0; padding-left: 1.2rem; }
.research-toc ol ol { list-style: lower-alpha; }
.research-download { font-family: system-ui, sans-serif; font-size: .9rem; margin: .2rem 0 1.2rem; }
@media (prefers-color-scheme: dark) {
  :root { --research-bg: #15181c; --research-fg: #e6e6e6; --research-link: #8cc4ff; --research-rule: #555; }
  body { background: var(--research-bg); color: var(--research-fg); }
  a, a:visited { color: var(--research-link); }
  .research-header { border-color: var(--research-rule); }
  .research-toc { border-color: #56B4E9; }
  img { background: #ffffff; border-radius: 6px; padding: 6px; box-sizing: border-box; }
}
"""

# Report pages only: nbconvert's JupyterLab layout, fitted to phones and dark mode.
REPORT_CSS = """
body.jp-Notebook { max-width: 980px; margin: 0 auto; padding: 1rem 1rem 3rem; }
.jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output { min-width: 0; }
.jp-OutputArea-output { overflow-x: auto; }
.jp-OutputArea-output img { max-width: 100%; height: auto; }
/* Markdown tables scroll in their own box; reader tables (research-table) already do, or their wrapper does. */
.jp-RenderedHTMLCommon table:not(.research-table), .research-provenance table { display: block; max-width: 100%;
  overflow-x: auto; }
.jp-RenderedHTMLCommon pre, .jp-RenderedText pre { white-space: pre-wrap; }
.research-stale { border: 2px solid #B35900; background: #fff8e6; color: #222; padding: .8rem 1rem; margin: 1rem 0; }
.research-banner { border: 2px solid #D55E00; background: #fff4ec; color: #222; padding: .8rem 1rem; margin: 1rem 0; }
.research-stale a, .research-banner a { color: #0b4f8a; }
.research-provenance { font-family: system-ui, sans-serif; margin-top: 3rem; border-top: 1px solid #bbb;
  font-size: 0.85rem; }
.research-provenance summary { cursor: pointer; font-weight: 600; padding: .5rem 0; }
.research-provenance th { text-align: left; vertical-align: top; padding-right: 1rem; }
.research-provenance ul { margin: 0; padding-left: 1.2rem; }
@media (prefers-color-scheme: dark) {
  :root {
    --jp-layout-color0: #15181c; --jp-layout-color1: #15181c; --jp-layout-color2: #23272d;
    --jp-content-font-color0: #f2f2f2; --jp-content-font-color1: #e6e6e6; --jp-content-font-color2: #c8c8c8;
    --jp-content-font-color3: #a8a8a8; --jp-ui-font-color0: #f2f2f2; --jp-ui-font-color1: #e6e6e6;
    --jp-ui-font-color2: #c8c8c8; --jp-ui-font-color3: #a8a8a8; --jp-content-link-color: #8cc4ff;
    --jp-border-color0: #666; --jp-border-color1: #555; --jp-border-color2: #444; --jp-border-color3: #333;
    --jp-rendermime-table-row-background: #20252b; --jp-rendermime-table-row-hover-background: #2a3440;
    --jp-cell-editor-background: #20252b;
  }
  body.jp-Notebook { background: var(--research-bg); color: var(--research-fg); }
  .jp-RenderedHTMLCommon, .jp-RenderedText pre, .jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { color: var(--research-fg); }
  .jp-RenderedImage img { background: #ffffff; }
  .research-provenance { border-color: var(--research-rule); }
}
"""


def header_html(home: str, groups: Mapping[str, str]) -> str:
    """The header of every page: Home and one link per group of reports (`home`: relative path to index.html)."""
    links = [f'<a href="{html.escape(home, quote=True)}">Home</a>']
    links += [
        f'<a href="{html.escape(home, quote=True)}#{html.escape(group_anchor(group), quote=True)}">'
        f"{html.escape(label)}</a>"
        for group, label in groups.items()
    ]
    return f'<header class="{HEADER_CLASS}"><nav aria-label="Site">{" ".join(links)}</nav></header>'


def group_anchor(group: str) -> str:
    """The id of a group's section on the front page ("field_offices" -> "field-offices")."""
    return slug(group) or "group"


def slug(text: str) -> str:
    """An id from heading text: ASCII letters, digits and '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].rstrip("-")


_HEADING = re.compile(r"<h([23])(\s[^>]*)?>(.*?)</h\1>", re.S | re.I)
_ID = re.compile(r"""\sid\s*=\s*["']([^"']*)["']""", re.I)
_TAG = re.compile(r"<[^>]+>")


def _heading_text(inner: str) -> str:
    """The heading's text as HTML (tags dropped, entities kept as they are: already escaped)."""
    return " ".join(_TAG.sub("", inner).split()).rstrip("¶").strip()


def add_toc(page: str, *, end_marker: str, min_headings: int = 2) -> str:
    """Give every <h2>/<h3> before `end_marker` an id and put a table of contents at TOC_MARK (or after the first
    </h1>). Pages with fewer than `min_headings` headings get no table of contents."""
    end = page.find(end_marker)
    end = len(page) if end < 0 else end
    body, rest = page[:end], page[end:]
    used: set[str] = set(_ID.findall(page))
    entries: list[tuple[int, str, str]] = []

    def identify(match: re.Match[str]) -> str:
        level, attrs, inner = int(match.group(1)), match.group(2) or "", match.group(3)
        text = _heading_text(inner)
        if not text:
            return match.group(0)
        existing = _ID.search(attrs)
        if existing:
            anchor = existing.group(1)
        else:
            base = slug(html.unescape(text)) or "section"
            anchor, n = base, 2
            while anchor in used:
                anchor, n = f"{base}-{n}", n + 1
            used.add(anchor)
            attrs = f'{attrs} id="{anchor}"'
        entries.append((level, anchor, text))
        return f"<h{level}{attrs}>{inner}</h{level}>"

    body = _HEADING.sub(identify, body)
    if len(entries) < min_headings:
        return body.replace(TOC_MARK, "") + rest
    toc = _toc_html(entries)
    if TOC_MARK in body:
        body = body.replace(TOC_MARK, toc, 1)
    else:
        close = body.find("</h1>")
        at = close + len("</h1>") if close >= 0 else 0
        body = body[:at] + toc + body[at:]
    return body + rest


def _toc_html(entries: list[tuple[int, str, str]]) -> str:
    parts = [f'<nav class="{TOC_CLASS}" aria-label="Contents"><p>Contents</p><ol>']
    open_sub = False
    for index, (level, anchor, text) in enumerate(entries):
        item = f'<a href="#{html.escape(anchor, quote=True)}">{text}</a>'
        if level == 3 and index > 0:
            if not open_sub:
                parts.append("<ol>")
                open_sub = True
            parts.append(f"<li>{item}</li>")
            continue
        if open_sub:
            parts.append("</ol></li>")
            open_sub = False
        elif index > 0:
            parts.append("</li>")
        parts.append(f"<li>{item}")
    parts.append("</ol></li></ol></nav>" if open_sub else "</li></ol></nav>")
    return "".join(parts)
