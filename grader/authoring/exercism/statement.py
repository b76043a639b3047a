"""An Exercism statement as Markdown without raw HTML: comments dropped, simple inline tags turned into Markdown."""

import re

COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
FENCE = re.compile(r"^\s*(```|~~~)")
INLINE = [
    (re.compile(r"<br\s*/?>\n?", re.IGNORECASE), "  \n"),
    (re.compile(r"<(?:code|kbd|samp)>(.*?)</(?:code|kbd|samp)>", re.IGNORECASE | re.DOTALL), r"`\1`"),
    (re.compile(r"<(?:strong|b)>(.*?)</(?:strong|b)>", re.IGNORECASE | re.DOTALL), r"**\1**"),
    (re.compile(r"<(?:em|i)>(.*?)</(?:em|i)>", re.IGNORECASE | re.DOTALL), r"*\1*"),
    (re.compile(r"<sup>(.*?)</sup>", re.IGNORECASE | re.DOTALL), r"^\1"),
    (re.compile(r"<sub>(.*?)</sub>", re.IGNORECASE | re.DOTALL), r"_\1"),
    (re.compile(r"""<a\s+[^>]*href=["']([^"']+)["'][^>]*>(.*?)</a>""", re.IGNORECASE | re.DOTALL), r"[\2](\1)"),
]
"""Inline tags with a Markdown equivalent, and that equivalent."""

ANY_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
"""Any other tag: dropped, its text kept."""


def without_html(markdown: str) -> str:
    """The statement with HTML comments removed and inline HTML made Markdown; code blocks are left as written."""
    markdown = COMMENT.sub("", markdown)
    lines, in_code = [], False
    for line in markdown.split("\n"):
        if FENCE.match(line):
            in_code = not in_code
        elif not in_code and "`" not in line:
            for pattern, replacement in INLINE:
                line = pattern.sub(replacement, line)
            line = ANY_TAG.sub("", line)
        elif not in_code:
            # Inline code keeps its text; only the parts between backticks are converted.
            parts = line.split("`")
            for index in range(0, len(parts), 2):
                for pattern, replacement in INLINE:
                    parts[index] = pattern.sub(replacement, parts[index])
                parts[index] = ANY_TAG.sub("", parts[index])
            line = "`".join(parts)
        lines.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
