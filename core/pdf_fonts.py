"""Chinese faces cut down for PDFs: Noto Sans CJK SC with the characters our documents use.

WeasyPrint embeds in each document a subset of every font it draws with, keeping the glyph ids, so
the cost of that subset grows with the font's highest glyph id: 65,535 in Noto Sans CJK, about
0.05 s per face per document, a third of a short statement's render. Cut once per process to Latin,
Greek, Cyrillic, punctuation and the 7,445 characters of GB2312 (about 14,000 glyphs with what the
layout tables reach), the face has the same outlines, metrics, layout and baseline tables: the page
is the same pixel for pixel, the embedded font a third of the size. A character outside the cut
falls back to the full font, which the stylesheets name next (`"PRM Sans CJK", "Noto Sans CJK SC"`).

The cut is made with HarfBuzz's subsetter (libharfbuzz-subset, which WeasyPrint uses too) in about
0.2 s per face; where the library or the font is missing, `cjk_faces()` returns nothing and the
documents use the full font, as fast as before.

`text_width()` measures a line of text in the cut faces from their advance widths (what Pango lays
out, to a hundredth of a pixel for our texts), so a document can size its table columns itself
instead of WeasyPrint measuring every cell (`core.pdf_tables`).
"""

from __future__ import annotations

import ctypes.util
import io
import logging
import unicodedata
from dataclasses import dataclass
from functools import cache

logger = logging.getLogger(__name__)

FAMILY = "PRM Sans CJK"
SOURCE_FAMILY = "Noto Sans CJK SC"

# (CSS weight, fontconfig pattern, fontconfig weight the match must have: a missing bold face must
# not come back as the regular one, which WeasyPrint would then not embolden).
_WEIGHTS = ((400, ":weight=80", 80), (700, ":weight=200", 200))

_RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x024F),  # Latin-1, Latin Extended-A and -B
    (0x0370, 0x04FF),  # Greek, Cyrillic
    (0x2000, 0x206F),  # general punctuation
    (0x20A0, 0x20CF),  # currency signs
    (0x2100, 0x218F),  # letterlike symbols, number forms
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0xFF00, 0xFFEF),  # full-width forms
)

_CDEF = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
typedef uint32_t hb_codepoint_t;
typedef uint32_t hb_tag_t;
hb_blob_t *hb_blob_create_from_file_or_fail (const char *file_name);
void hb_blob_destroy (hb_blob_t *blob);
const char *hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
void hb_face_destroy (hb_face_t *face);
hb_blob_t *hb_face_reference_blob (hb_face_t *face);
hb_tag_t hb_tag_from_string (const char *str, int len);
void hb_set_add_range (hb_set_t *set, hb_codepoint_t first, hb_codepoint_t last);
void hb_set_add_sorted_array (hb_set_t *set, const hb_codepoint_t *array, unsigned int count);
void hb_set_del (hb_set_t *set, hb_codepoint_t codepoint);
hb_subset_input_t *hb_subset_input_create_or_fail (void);
void hb_subset_input_destroy (hb_subset_input_t *input);
hb_set_t *hb_subset_input_unicode_set (hb_subset_input_t *input);
hb_set_t *hb_subset_input_set (hb_subset_input_t *input, int set_type);
void hb_subset_input_set_flags (hb_subset_input_t *input, unsigned int value);
hb_face_t *hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);

typedef struct _FcPattern FcPattern;
typedef struct _FcConfig FcConfig;
FcPattern *FcNameParse (const unsigned char *name);
int FcConfigSubstitute (FcConfig *config, FcPattern *pattern, int kind);
void FcDefaultSubstitute (FcPattern *pattern);
FcPattern *FcFontMatch (FcConfig *config, FcPattern *pattern, int *result);
int FcPatternGetString (const FcPattern *pattern, const char *object, int n, unsigned char **s);
int FcPatternGetInteger (const FcPattern *pattern, const char *object, int n, int *i);
void FcPatternDestroy (FcPattern *pattern);
"""
_HB_SUBSET_SETS_DROP_TABLE_TAG = 3
_HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED = 0x20
_FC_MATCH_PATTERN = 0
_FC_RESULT_MATCH = 0


@dataclass(frozen=True)
class CutFace:
    weight: int  # CSS font-weight
    data: bytes  # an OpenType (CFF) font file


def _gb2312() -> list[int]:
    """Every character GB2312 encodes (rows 0xA1-0xF7), in code point order."""
    characters = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                characters.add(ord(bytes((row, cell)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return sorted(characters)


def _open(ffi, name: str, soname: str):
    return ffi.dlopen(ctypes.util.find_library(name) or soname)


def _libraries():
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(_CDEF)
    try:
        harfbuzz = _open(ffi, "harfbuzz", "libharfbuzz.so.0")
        subsetter = _open(ffi, "harfbuzz-subset", "libharfbuzz-subset.so.0")
        fontconfig = _open(ffi, "fontconfig", "libfontconfig.so.1")
    except OSError as exc:
        logger.info("PDF fonts: no HarfBuzz subsetter or fontconfig (%s); full CJK fonts", exc)
        return None
    return ffi, harfbuzz, subsetter, fontconfig


def _source(ffi, fontconfig, pattern: str, weight: int) -> tuple[bytes, int] | None:
    """The file and face index fontconfig gives for the pattern, if it is the source family."""
    query = fontconfig.FcNameParse(f"{SOURCE_FAMILY}{pattern}".encode())
    if query == ffi.NULL:
        return None
    try:
        fontconfig.FcConfigSubstitute(ffi.NULL, query, _FC_MATCH_PATTERN)
        fontconfig.FcDefaultSubstitute(query)
        match = fontconfig.FcFontMatch(ffi.NULL, query, ffi.new("int *"))
    finally:
        fontconfig.FcPatternDestroy(query)
    if match == ffi.NULL:
        return None
    try:
        text, number = ffi.new("unsigned char **"), ffi.new("int *")
        families = []
        while fontconfig.FcPatternGetString(match, b"family", len(families), text) == 0:
            families.append(ffi.string(text[0]).decode())
        if SOURCE_FAMILY not in families:
            return None
        if fontconfig.FcPatternGetInteger(match, b"weight", 0, number) != _FC_RESULT_MATCH:
            return None
        if number[0] != weight:
            return None
        if fontconfig.FcPatternGetString(match, b"file", 0, text) != _FC_RESULT_MATCH:
            return None
        path = ffi.string(text[0])
        index = number[0] if fontconfig.FcPatternGetInteger(match, b"index", 0, number) == 0 else 0
        return path, index
    finally:
        fontconfig.FcPatternDestroy(match)


def _cut(ffi, harfbuzz, subsetter, path: bytes, index: int) -> bytes | None:
    blob = harfbuzz.hb_blob_create_from_file_or_fail(path)
    if blob == ffi.NULL:
        return None
    face = harfbuzz.hb_face_create(blob, index)
    harfbuzz.hb_blob_destroy(blob)  # the face holds its own reference
    plan = subsetter.hb_subset_input_create_or_fail()
    try:
        unicodes = subsetter.hb_subset_input_unicode_set(plan)
        for first, last in _RANGES:
            harfbuzz.hb_set_add_range(unicodes, first, last)
        hanzi = _gb2312()
        harfbuzz.hb_set_add_sorted_array(unicodes, ffi.new("hb_codepoint_t[]", hanzi), len(hanzi))
        # BASE (the baselines) is dropped by default; Pango places mixed runs by it.
        dropped = subsetter.hb_subset_input_set(plan, _HB_SUBSET_SETS_DROP_TABLE_TAG)
        harfbuzz.hb_set_del(dropped, harfbuzz.hb_tag_from_string(b"BASE", 4))
        subsetter.hb_subset_input_set_flags(plan, _HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED)
        cut = subsetter.hb_subset_or_fail(face, plan)
    finally:
        subsetter.hb_subset_input_destroy(plan)
        harfbuzz.hb_face_destroy(face)
    if cut == ffi.NULL:
        return None
    out = harfbuzz.hb_face_reference_blob(cut)
    try:
        length = ffi.new("unsigned int *")
        data = harfbuzz.hb_blob_get_data(out, length)
        return bytes(ffi.buffer(data, length[0]))
    finally:
        harfbuzz.hb_blob_destroy(out)
        harfbuzz.hb_face_destroy(cut)


@cache
def cjk_faces() -> tuple[CutFace, ...]:
    """The cut regular and bold faces of the system's Noto Sans CJK SC, once per process; empty
    when they cannot be made (the documents then use the full font)."""
    libraries = _libraries()
    if libraries is None:
        return ()
    ffi, harfbuzz, subsetter, fontconfig = libraries
    faces = []
    for css_weight, pattern, fc_weight in _WEIGHTS:
        source = _source(ffi, fontconfig, pattern, fc_weight)
        data = _cut(ffi, harfbuzz, subsetter, *source) if source else None
        if data is None:
            logger.info("PDF fonts: no %s at weight %s; full CJK font", SOURCE_FAMILY, css_weight)
            continue
        faces.append(CutFace(weight=css_weight, data=data))
    return tuple(faces)


PX_PER_PT = 96 / 72


@cache
def _advances() -> dict[int, dict[int, float]]:
    """{CSS weight: {code point: advance in em}} of the cut faces, read once per process."""
    from fontTools.ttLib import TTFont

    advances = {}
    for face in cjk_faces():
        font = TTFont(io.BytesIO(face.data), lazy=True)
        units = font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        advances[face.weight] = {
            code: metrics[glyph][0] / units for code, glyph in font.getBestCmap().items()
        }
    return advances


def _fallback_advance(character: str) -> float:
    """A character outside the cut face (drawn by the full font): ideographs are square."""
    return 1.0 if unicodedata.east_asian_width(character) in "WF" else 0.6


def text_width(text: str, *, size: float, weight: int = 400) -> float | None:
    """The width in CSS px of `text` on one line in "PRM Sans CJK" at `size` pt (white space
    collapsed, no kerning); None where there are no cut faces to measure with."""
    advances = _advances().get(weight)
    if advances is None:
        return None
    em = 0.0
    for character in " ".join(text.split()):
        advance = advances.get(ord(character))
        em += _fallback_advance(character) if advance is None else advance
    return em * size * PX_PER_PT
