"""What the student's feedback page and the class report share: one self-contained page
style, inline images, status labels, and escaping."""
from __future__ import annotations

import base64
import html

from autograder.status import Status

# Keyed by str: a status read back from JSON finds its label as a member does.
STATUS_LABELS: dict[str, str] = {
    Status.PASSED: "выполнено",
    Status.PARTIAL: "выполнено частично",
    Status.FAILED: "не пройдено",
    Status.ERROR: "ошибка в коде",
    Status.NOT_ATTEMPTED: "не выполнено",
    Status.TIMEOUT: "превышено время",
    Status.KERNEL_DIED: "ядро Python упало",
    Status.TAMPERED: "механизм проверки изменён (передано преподавателю)",
    Status.NOT_GRADED: "не оценено",
}

_STYLE = """
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: .3em .7em; text-align: left; }
tr.passed td:last-child, .ok { color: #1a7f37; }
tr.failed td:last-child, tr.error td:last-child, tr.timeout td:last-child, tr.kernel_died td:last-child,
tr.tampered td:last-child,
tr.not_attempted td:last-child, .bad { color: #c62828; }
tr.partial td:last-child, .warning { color: #b26a00; }
ul { list-style: none; padding-left: 1em; }
.meta, .tag { color: #777; font-size: 90%; }
figure { margin: 1.5em 0; }
img { max-width: 100%; }
"""

# Counts the images the browser could decode: the headless-browser test reads it from the DOM.
_IMAGES_LOADED_SCRIPT = """<script>
window.addEventListener("load", function () {
  document.body.dataset.imagesLoaded = Array.from(document.images)
    .filter(function (img) { return img.naturalWidth > 0; }).length;
});
</script>"""


def html_page(title: str, body: str) -> str:
    """A complete page with inline style: one file that opens anywhere, offline."""
    return (f'<!DOCTYPE html>\n<html lang="ru">\n<head>\n<meta charset="utf-8">\n<title>{esc(title)}</title>\n'
            f"<style>{_STYLE}</style>\n</head>\n<body>\n{body}\n{_IMAGES_LOADED_SCRIPT}\n</body>\n</html>\n")


PNG, SVG = "image/png", "image/svg+xml"


def image(data: bytes, title: str, media_type: str = PNG) -> str:
    """An image inlined as a data URI (an SVG in an <img> runs no script), titled as the caption."""
    encoded = base64.b64encode(data).decode("ascii")
    return (f'<figure><img src="data:{media_type};base64,{encoded}" alt="{esc(title)}">'
            f"<figcaption>{esc(title)}</figcaption></figure>")


def esc(text) -> str:
    """Every piece of text from a report goes through here: messages quote student code (``<``, ``&``)."""
    return html.escape(str(text), quote=True)
