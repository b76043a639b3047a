"""Render exercise statements from Markdown to HTML that cannot carry script."""

from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup

# "js-default" escapes raw HTML and refuses javascript: links, so a statement cannot run script.
_renderer = MarkdownIt("js-default").enable("table")


def render_markdown(text: str) -> Markup:
    """Markdown to safe HTML, every heading one level down: the page's own title is its only h1."""
    tokens = _renderer.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close") and token.tag in HEADINGS:
            token.tag = HEADINGS[token.tag]
    return Markup(_renderer.renderer.render(tokens, _renderer.options, {}))


HEADINGS = {"h1": "h2", "h2": "h3", "h3": "h4", "h4": "h5", "h5": "h6"}
"""Each heading level of a statement → the level it is shown at."""


def init_app(app: Flask) -> None:
    """Offer the renderer to templates as the 'markdown' filter."""
    app.add_template_filter(render_markdown, "markdown")
