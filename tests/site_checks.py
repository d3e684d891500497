"""Checks of built report pages shared by the site tests: visible text, links, downloads, browser scripts.

Pure functions over HTML text (and JavaScript run in headless Chromium by tests/browser.py); no test framework.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# What a reader must never see: developer output, Python reprs, missing-value markers, developer phrases.
FORBIDDEN = {
    "a warning": re.compile(r"\bWarning\b"),
    "a traceback": re.compile(r"Traceback"),
    "a missing-value marker": re.compile(r"\b(?:NaN|NaT|None|nan|<NA>)\b|<NA>"),
    "a Python boolean": re.compile(r"\b(?:True|False)\b"),
    "a Python list repr": re.compile(r"\[\s*'|'\s*\]|\[\s*\""),
    "a Python dict repr": re.compile(r"\{\s*'"),
    "a NumPy or pandas repr": re.compile(r"\barray\(|Timestamp\(|\bdtype\b|DataFrame|object at 0x"),
    "a raw timestamp": re.compile(r"\d{4}-\d{2}-\d{2} 00:00:00"),
    "a developer phrase": re.compile(r"on this machine|snake_case|\bprint\(", re.I),
}
# An identifier with underscores ("fod_events", "per_day"), except a file name ("fod_events.csv").
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b(?!\.(?:csv|yaml|xlsx|psv|parquet|json|ipynb|py|md)\b)")
# Explicitly allowed occurrences (page, text): none so far; add one with the reason next to it.
ALLOWED: set[tuple[str, str]] = set()
DEFAULT_ALT = "No description has been provided for this image"
_SKIP = {"script", "style", "head", "title"}


class _Page(HTMLParser):
    """Visible text (outside script/style/head and the collapsed provenance footer), table headers, links, ids."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.headers: list[str] = []
        self.links: list[tuple[str, dict[str, str | None]]] = []
        self.ids: set[str] = set()
        self.images: list[dict[str, str | None]] = []
        self._skip: list[str] = []
        self._footer = 0
        self._th = 0
        self._th_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag in _SKIP:
            self._skip.append(tag)
        if tag == "footer" and (self._footer or "research-provenance" in (values.get("class") or "")):
            self._footer += 1  # the provenance footer (collapsed: a record for reproducing the page)
        if tag == "a" and values.get("href") is not None:
            self.links.append((str(values["href"]), values))
        if tag == "img":
            self.images.append(values)
        if tag == "th":
            self._th += 1
            self._th_text = []

    def handle_endtag(self, tag: str) -> None:
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()
        if tag == "footer" and self._footer:
            self._footer -= 1
        if tag == "th" and self._th:
            self._th -= 1
            self.headers.append(" ".join("".join(self._th_text).split()))

    def handle_data(self, data: str) -> None:
        if self._skip or self._footer:
            return
        self.text.append(data)
        if self._th:
            self._th_text.append(data)


@dataclass
class Page:
    path: Path
    text: str
    headers: list[str]
    links: list[tuple[str, dict[str, str | None]]]
    ids: set[str]
    images: list[dict[str, str | None]] = field(default_factory=list)


def read_page(path: Path) -> Page:
    parser = _Page()
    parser.feed(path.read_text(encoding="utf-8"))
    return Page(
        path, " ".join(" ".join(parser.text).split()), parser.headers, parser.links, parser.ids, parser.images
    )


def developer_text(page: Page) -> list[str]:
    """Every forbidden thing in the page's visible text and table headers, with its context."""
    found = []
    name = page.path.name
    for what, pattern in FORBIDDEN.items():
        for match in pattern.finditer(page.text):
            if (name, match.group(0)) not in ALLOWED:
                context = page.text[max(0, match.start() - 50) : match.end() + 50]
                found.append(f"{name}: {what} {match.group(0)!r} in ...{context}...")
    for match in SNAKE.finditer(page.text):
        if (name, match.group(0)) not in ALLOWED:
            context = page.text[max(0, match.start() - 50) : match.end() + 50]
            found.append(f"{name}: an identifier {match.group(0)!r} in ...{context}...")
    return found


def broken_links(page: Page, site: Path, pages: dict[Path, Page]) -> list[str]:
    """Relative links whose file (or #anchor) does not exist; links that are neither relative nor http(s)."""
    problems = []
    for href, _ in page.links:
        parts = urlsplit(href)
        if parts.scheme in ("http", "https"):
            continue
        if parts.scheme or parts.netloc or href.startswith("/"):
            problems.append(f"{page.path.name}: not a relative link: {href!r}")
            continue
        target = (page.path.parent / unquote(parts.path)).resolve() if parts.path else page.path.resolve()
        if not target.is_relative_to(site.resolve()) or not target.is_file():
            problems.append(f"{page.path.name}: {href!r} -> missing {target}")
            continue
        if parts.fragment:
            other = pages.get(target) or read_page(target)
            if parts.fragment not in other.ids:
                problems.append(f"{page.path.name}: {href!r}: no id {parts.fragment!r} in {target.name}")
    return problems


def downloads_after_each_figure_and_table(html: str) -> list[str]:
    """Every image and every data table of a report page is followed by a CSV download link before the next one."""
    body = html.split('class="research-provenance"')[0]
    marks = [
        (m.start(), "image" if m.group(0).startswith("<img") else "table")
        for m in re.finditer(r"<img |<table(?![^>]*research-provenance)", body)
    ]
    problems = []
    for i, (start, kind) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(body)
        if 'class="research-download"' not in body[start:end]:
            snippet = re.sub(r"\s+", " ", body[start : start + 120])
            problems.append(f"{kind} without a download: {snippet}")
    return problems


# --- JavaScript for tests/browser.py ------------------------------------------------------------------------

IMAGES_JS = """JSON.stringify(Array.from(document.images).map(function(i){
  return {alt: i.getAttribute('alt'), ok: i.complete && i.naturalWidth > 0};}))"""

OVERFLOW_JS = """(function(){var W=document.documentElement.clientWidth, out=[];
document.querySelectorAll('body *').forEach(function(e){var r=e.getBoundingClientRect();
 if(r.width>0 && r.right>W+1){var p=e.parentElement, pr=p?p.getBoundingClientRect():null;
  if(!pr||pr.right<=W+1) out.push(e.tagName+'.'+(e.className||'')+' right '+Math.round(r.right));}});
return JSON.stringify({width: document.documentElement.scrollWidth, viewport: W, widest: out.slice(0, 5)});})()"""

# Contrast of every visible text node against its effective background (WCAG: 4.5, or 3 for large text), and the
# background of every image (figures are drawn on white: they must sit on a light card).
CONTRAST_JS = """(function(){
function rgb(c){var m=/rgba?\\(([^)]+)\\)/.exec(c||'');if(!m)return null;var p=m[1].split(',').map(parseFloat);
 return [p[0],p[1],p[2],p.length>3?p[3]:1];}
function lum(c){var v=c.slice(0,3).map(function(x){x/=255;return x<=0.03928?x/12.92:Math.pow((x+0.055)/1.055,2.4);});
 return 0.2126*v[0]+0.7152*v[1]+0.0722*v[2];}
function back(el){while(el){var c=rgb(getComputedStyle(el).backgroundColor);if(c&&c[3]>0.5)return c;el=el.parentElement;}
 return matchMedia('(prefers-color-scheme: dark)').matches?[0,0,0,1]:[255,255,255,1];}
var bad=[],n=0,w=document.createTreeWalker(document.body,NodeFilter.SHOW_TEXT);
while(w.nextNode()){var t=w.currentNode;if(!t.textContent.trim())continue;var el=t.parentElement;
 var r=el.getBoundingClientRect();if(r.width===0||r.height===0)continue;var s=getComputedStyle(el);
 if(s.visibility==='hidden'||s.display==='none')continue;n++;
 var f=rgb(s.color),b=back(el),l1=lum(f),l2=lum(b),ratio=(Math.max(l1,l2)+0.05)/(Math.min(l1,l2)+0.05);
 var size=parseFloat(s.fontSize),large=size>=24||(size>=18.66&&parseInt(s.fontWeight)>=700);
 if(ratio<(large?3:4.5)&&bad.length<8)bad.push(t.textContent.trim().slice(0,40)+' '+ratio.toFixed(2));}
var dark=Array.from(document.images).filter(function(i){return lum(back(i))<0.8;}).length;
return JSON.stringify({texts:n,low_contrast:bad,images_on_dark:dark});})()"""
