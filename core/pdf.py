"""PDF rendering with WeasyPrint, doing per document only the document's own work (DESIGN §6.3,
§10).

A worker renders thousands of documents; what is the same for all of them is set up once per
process and thread (Pango's font map is not shared between threads):
- one FontConfiguration: fontconfig's lookups and Pango's font caches serve every document;
- each stylesheet parsed once (again when its file changes), not from a `<style>` per document;
- the cut Chinese faces of `core.pdf_fonts`, declared as the family "PRM Sans CJK";
- the browser's default stylesheet cut to the rules that can apply to the elements a document
  uses (its forms, lists, ruby... never do): the cascade of a statement takes half the time;
- the garbage collector's youngest generation collected every 50,000 new objects rather than
  every 700 while a document is laid out (it makes hundreds of thousands of boxes and strings).
"""

from __future__ import annotations

import atexit
import gc
import os
import tempfile
import threading
from contextlib import contextmanager
from functools import cache
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


def _subject_names(tree) -> frozenset[str] | None:
    """The element names a parsed selector can match (None: any element)."""
    from cssselect2 import parser

    while isinstance(tree, parser.CombinedSelector):
        tree = tree.right
    names = None
    for simple in tree.simple_selectors:
        if isinstance(simple, parser.LocalNameSelector):
            these = frozenset([simple.lower_local_name])
        elif isinstance(simple, parser.MatchesAnySelector | parser.SpecificityAdjustmentSelector):
            alternatives = [_subject_names(each.parsed_tree) for each in simple.selector_list]
            if not alternatives or None in alternatives:
                continue
            these = frozenset().union(*alternatives)
        else:
            continue
        names = these if names is None else names & these
    return names


@cache
def _ua_rules() -> tuple[tuple[frozenset[str] | None, str], ...]:
    """WeasyPrint's default (user agent) stylesheet as (element names a rule can match, None for
    any; the rule's text), in order. Its counter styles are left out: a document gets them
    anyway (`HTML._ua_counter_style`)."""
    import tinycss2
    from cssselect2 import parser
    from weasyprint.html import UA

    rules = []
    for rule in tinycss2.parse_stylesheet(UA, skip_comments=True, skip_whitespace=True):
        if rule.type == "at-rule" and rule.lower_at_keyword == "counter-style":
            continue
        names: frozenset[str] | None = None
        if rule.type == "qualified-rule":
            try:
                subjects = [_subject_names(s.parsed_tree) for s in parser.parse(rule.prelude)]
            except parser.SelectorError:
                subjects = [None]
            if None not in subjects:
                names = frozenset().union(*subjects)
        rules.append((names, tinycss2.serialize([rule])))
    return tuple(rules)


@cache
def _html_class():
    """`weasyprint.HTML` whose default stylesheet keeps only the rules that can apply to the
    document's elements: a rule whose selector ends in `li` cannot style a document without `li`,
    so the cascade is the same, with fewer rules to try on each element."""
    from weasyprint import HTML

    class _HTML(HTML):
        renderer: _Renderer

        def _ua_stylesheets(self, forms=False):
            if forms:
                return super()._ua_stylesheets(forms)
            names = frozenset(
                element.tag for element in self.etree_element.iter() if isinstance(element.tag, str)
            )
            return [self.renderer.ua_stylesheet(names)]

    return _HTML


_collections_lock = threading.Lock()
_rendering = 0  # documents being laid out in this process (threads)
_threshold: tuple[int, ...] = ()


@contextmanager
def _fewer_collections():
    """Collect the youngest generation less often while documents are laid out; the cycles a
    document leaves are collected afterwards as usual. The thresholds are the process's: the
    first of concurrent renders raises them, the last puts them back."""
    global _rendering, _threshold
    with _collections_lock:
        if _rendering == 0:
            _threshold = gc.get_threshold()
            gc.set_threshold(50_000, *_threshold[1:])
        _rendering += 1
    try:
        yield
    finally:
        with _collections_lock:
            _rendering -= 1
            if _rendering == 0:
                gc.set_threshold(*_threshold)


class _Renderer:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self.font_config = _font_configuration()
        self.stylesheets: dict[Path, tuple[int, object]] = {}
        self.faces = self._faces_stylesheet()
        self.ua_stylesheets: dict[frozenset[str], object] = {}

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

    def ua_stylesheet(self, names: frozenset[str]):
        """The default stylesheet's rules that can apply to elements of these names, parsed once
        per set of names (a kind of document uses one or a few)."""
        from weasyprint import CSS

        sheet = self.ua_stylesheets.get(names)
        if sheet is None:
            if len(self.ua_stylesheets) >= 64:  # bounded, whatever HTML comes
                self.ua_stylesheets.clear()
            text = "\n".join(
                rule for subjects, rule in _ua_rules() if subjects is None or subjects & names
            )
            sheet = self.ua_stylesheets[names] = CSS(string=text)
        return sheet

    def render(self, html: str, stylesheet: Path, base_url: str | None) -> bytes:
        sheets = [sheet for sheet in (self.faces, self.stylesheet(stylesheet)) if sheet]
        with _fewer_collections():
            document = _html_class()(string=html, base_url=base_url)
            document.renderer = self
            return document.write_pdf(stylesheets=sheets, font_config=self.font_config)


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
