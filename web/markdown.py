"""Render exercise statements from Markdown to HTML that cannot carry script."""

from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup

# "js-default" escapes raw HTML and refuses javascript: links, so a statement cannot run script.
_renderer = MarkdownIt("js-default").enable("table")


def render_markdown(text: str) -> Markup:
    """Markdown to safe HTML."""
    return Markup(_renderer.render(text))


def init_app(app: Flask) -> None:
    """Offer the renderer to templates as the 'markdown' filter."""
    app.add_template_filter(render_markdown, "markdown")
