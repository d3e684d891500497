"""Executed notebook -> one self-contained HTML page: code hidden, images inline, no external scripts."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from research.reports.shell import CSS, REPORT_CSS, add_toc

if TYPE_CHECKING:  # nbconvert is imported when a page is rendered, not by the command line
    from nbconvert import HTMLExporter

TEMPLATE_FILE = "research_report.html.j2"
# Extends JupyterLab's template but drops every script it would fetch from a CDN (require.js, MathJax,
# mermaid, widgets), so the page works offline and a browser logs no failed loads. Adds the site header (home and
# group links), the shell's CSS (phone widths, dark mode) and each image's alt text from its output metadata
# (`research.figures.page.show_figure` sets it), in place of nbconvert's "No description has been provided".
TEMPLATE = (
    r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style type="text/css">"""
    + CSS
    + REPORT_CSS
    + r"""</style>
{%- endblock html_head_css -%}
{% block body_header %}
{{ super() }}
{{ resources.research_header }}
<!-- research-status -->
{{ resources.research_banner }}
{% endblock body_header %}
{% block body_footer %}
{{ resources.research_footer }}
{{ super() }}
{% endblock body_footer %}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
{%- set alt = output | get_metadata('alt', 'image/png') -%}
{%- if alt %} alt="{{ alt | escape_html }}"{% endif %}>
</div>
{%- endblock data_png %}
"""
)


_EXPORTER: HTMLExporter | None = None


def shared_exporter() -> HTMLExporter:
    """One exporter per process, reused for every report (its templates are compiled once).

    Rendering keeps no state between calls: each page gets its own resources (title, banner, footer).
    """
    global _EXPORTER
    if _EXPORTER is None:
        _EXPORTER = make_exporter()
    return _EXPORTER


def warm_up() -> None:
    """Create this process's exporter and compile its templates now, by rendering an empty page (a pool worker
    does it while the fork server imports, instead of during its first report)."""
    import nbformat

    render_html(nbformat.v4.new_notebook(), title="warm-up", footer="", exporter=shared_exporter())


def make_exporter() -> HTMLExporter:
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", extra_loaders=[DictLoader({TEMPLATE_FILE: TEMPLATE})])
    exporter.template_file = TEMPLATE_FILE
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    exporter.exclude_anchor_links = True
    return exporter


def failure_banner(error: str) -> str:
    return (
        '<div class="research-banner"><strong>This report failed.</strong> '
        f"<pre>{html.escape(error)}</pre>The output below stops where the error occurred.</div>"
    )


def render_html(
    nb: Any,
    *,
    title: str,
    footer: str,
    error: str | None = None,
    exporter: HTMLExporter | None = None,
    header: str = "",
) -> str:
    """Render an executed notebook (NotebookNode) with the site header, a table of contents, the provenance
    footer and, if failed, a banner. `exporter`: reuse one (see `shared_exporter`); by default a new one."""
    import nbformat

    nb = nbformat.from_dict(nb)
    nb.metadata["title"] = title
    resources = {
        "metadata": {"name": title},
        "research_header": header,
        "research_footer": footer,
        "research_banner": failure_banner(error) if error else "",
    }
    body, _ = (exporter or make_exporter()).from_notebook_node(nb, resources=resources)
    return add_toc(body, end_marker=FOOTER_MARK)


STATUS_MARK = "<!-- research-status -->"
FOOTER_MARK = 'class="research-provenance"'
_STALE = re.compile(r"<!-- research-stale -->.*?<!-- /research-stale -->", re.S)


def mark_stale(page: str, *, error: str, failed_at: str, good_from: str, failed_href: str | None) -> str:
    """The last good page with a banner saying the latest run failed (replaces an earlier such banner)."""
    link = f' <a href="{html.escape(failed_href)}">Page of the failed run</a>.' if failed_href else ""
    banner = (
        '<!-- research-stale --><div class="research-stale" style="border:2px solid #B35900;'
        'background:#fff8e6;padding:.8rem 1rem;margin:1rem 0"><strong>This page is out of date.</strong> '
        f"The latest run (started {html.escape(failed_at)} UTC) failed; this is the last good run (started "
        f"{html.escape(good_from)} UTC).{link}<pre>{html.escape(error)}</pre></div><!-- /research-stale -->"
    )
    page = _STALE.sub("", page)
    if STATUS_MARK in page:
        return page.replace(STATUS_MARK, STATUS_MARK + banner, 1)
    body = re.search(r"<body[^>]*>", page)
    at = body.end() if body else 0
    return page[:at] + banner + page[at:]
