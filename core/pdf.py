"""PDF rendering with WeasyPrint, doing per document only the document's own work (DESIGN §6.3,
§10).

A worker renders thousands of documents; what is the same for all of them is set up once per
process and thread (Pango's font map is not shared between threads):
- one FontConfiguration: fontconfig's lookups and Pango's font caches serve every document;
- each stylesheet parsed once (again when its file changes), not from a `<style>` per document;
- the cut Chinese faces of `core.pdf_fonts`, declared as the family "PRM Sans CJK".
"""

from __future__ import annotations

import atexit
import os
import tempfile
import threading
from pathlib import Path

from .pdf_fonts import FAMILY, cjk_faces

_local = threading.local()


def _font_configuration():
    from weasyprint.text.fonts import FontConfiguration

    class _FontConfiguration(FontConfiguration):
        """Removes its font folder only in the process that made it: a forked child that drops
        its parent's configuration must not delete the files the parent still reads."""

        def __init__(self) -> None:
            self._pid = os.getpid()
            super().__init__()

        def __del__(self) -> None:
            if os.getpid() == self._pid:
                super().__del__()

    return _FontConfiguration()


class _Renderer:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self.font_config = _font_configuration()
        self.stylesheets: dict[Path, tuple[int, object]] = {}
        self.faces = self._faces_stylesheet()

    def _faces_stylesheet(self):
        from weasyprint import CSS

        faces = cjk_faces()
        if not faces:
            return None
        # WeasyPrint copies each face into the font configuration's own folder while parsing.
        with tempfile.TemporaryDirectory(prefix="prm-pdf-fonts-") as folder:
            rules = []
            for face in faces:
                path = Path(folder) / f"cjk-{face.weight}.otf"
                path.write_bytes(face.data)
                rules.append(
                    f'@font-face {{ font-family: "{FAMILY}"; src: url("{path.as_uri()}"); '
                    f"font-weight: {face.weight}; }}"
                )
            return CSS(string="\n".join(rules), font_config=self.font_config)

    def stylesheet(self, path: Path):
        from weasyprint import CSS

        modified = path.stat().st_mtime_ns
        cached = self.stylesheets.get(path)
        if cached is None or cached[0] != modified:
            cached = (modified, CSS(filename=str(path), font_config=self.font_config))
            self.stylesheets[path] = cached
        return cached[1]

    def render(self, html: str, stylesheet: Path, base_url: str | None) -> bytes:
        from weasyprint import HTML

        sheets = [sheet for sheet in (self.faces, self.stylesheet(stylesheet)) if sheet]
        return HTML(string=html, base_url=base_url).write_pdf(
            stylesheets=sheets, font_config=self.font_config
        )


@atexit.register
def _forget() -> None:
    """Let the main thread's renderer clean up while the interpreter can still run its code."""
    _local.__dict__.pop("renderer", None)


def pdf_render(html: str, *, stylesheet: Path, base_url: str | None = None) -> bytes:
    """The HTML as PDF bytes, styled by the stylesheet file (parsed once per process)."""
    renderer = getattr(_local, "renderer", None)
    if renderer is None or renderer.pid != os.getpid():  # a forked worker builds its own
        renderer = _local.renderer = _Renderer()
    return renderer.render(html, stylesheet, base_url)
