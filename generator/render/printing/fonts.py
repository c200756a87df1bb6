"""Small embedded CJK fonts, subset once.

WeasyPrint subsets a font keeping every glyph's number (HarfBuzz's RETAIN_GIDS),
so that the text can name glyphs by their number in the original font. For Noto
Serif CJK that leaves 65,000 empty glyphs with their metrics and CFF index
entries: about 150 KB per font after compression, even for 500 characters, and
two subsetting passes over the whole font (about 45 ms a font, each document).

A CID-keyed CFF font does not need the numbering kept: its charset maps each
character id (CID) to a glyph, and PDF readers select the glyphs of an embedded
bare CFF font (`/CIDFontType0C`) by CID through that charset. Noto CJK's CIDs are
its glyph numbers, so one subsetting pass that renumbers the glyphs while HarfBuzz
keeps each glyph's CID gives a font of a few kilobytes that the text, written by
WeasyPrint with the original numbers, still addresses correctly.

`write_pdf(document)` writes a PDF so: inside it, WeasyPrint 70 subsets such fonts
this way (its `Font.subset`, replaced while jixiao writes, untouched otherwise), and
the finisher `compact_fonts` embeds the result as bare CFF, or compacts a font that
WeasyPrint subset the usual way (other WeasyPrint versions).
A font that is not CID-keyed, or whose CIDs are not its glyph numbers, is left as
WeasyPrint made it.

Two more costs of WeasyPrint's writer are cut the same way, while jixiao writes: each font
file is copied out of HarfBuzz once per process, not once per PDF, and a PDF's list of page
references is made once, not once per tagged element.
"""
from __future__ import annotations

import io
import logging
from contextlib import contextmanager

import pydyf

LOGGER = logging.getLogger(__name__)

_CDEF = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
typedef uint32_t hb_codepoint_t;
typedef uint32_t hb_tag_t;
hb_blob_t *hb_blob_create(const char *data, unsigned int length, int mode, void *user_data, void *destroy);
void hb_blob_destroy(hb_blob_t *blob);
const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
void hb_face_destroy(hb_face_t *face);
hb_blob_t *hb_face_reference_table(const hb_face_t *face, hb_tag_t tag);
void hb_set_add(hb_set_t *set, hb_codepoint_t codepoint);
hb_subset_input_t *hb_subset_input_create_or_fail(void);
void hb_subset_input_destroy(hb_subset_input_t *input);
hb_set_t *hb_subset_input_glyph_set(hb_subset_input_t *input);
hb_set_t *hb_subset_input_set(hb_subset_input_t *input, int set_type);
void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned int value);
hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
"""
_READONLY = 1              # HB_MEMORY_MODE_READONLY
_NO_HINTING = 0x01         # HB_SUBSET_FLAGS_NO_HINTING
_PASSTHROUGH = 0x20        # HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
_DESUBROUTINIZE = 0x04     # HB_SUBSET_FLAGS_DESUBROUTINIZE: smaller for a few hundred glyphs
_NOTDEF_OUTLINE = 0x40     # HB_SUBSET_FLAGS_NOTDEF_OUTLINE
_DROP_TABLES = 3          # HB_SUBSET_SETS_DROP_TABLE_TAG
_CFF_TAG = int.from_bytes(b"CFF ", "big")
# Layout tables would pull every glyph variant of the kept ones into the subset.
_LAYOUT_TAGS = [int.from_bytes(tag, "big") for tag in (b"GSUB", b"GPOS", b"GDEF", b"BASE", b"JSTF")]
_PATCHED_VERSIONS = ("70.",)
# How WeasyPrint's subsets are cut here (without hinting, WeasyPrint's default): a font cut
# again from the same glyphs and more (merge.py) draws them the same.
SUBSET_FLAGS = _PASSTHROUGH | _DESUBROUTINIZE | _NO_HINTING


def _libraries():
    try:
        import cffi

        ffi = cffi.FFI()
        ffi.cdef(_CDEF)
        return ffi, ffi.dlopen("libharfbuzz.so.0"), ffi.dlopen("libharfbuzz-subset.so.0")
    except (ImportError, OSError):
        return None


_LIBS = _libraries()


def _libc():
    try:
        import cffi

        ffi = cffi.FFI()
        ffi.cdef("int memcmp(const void *a, const char *b, size_t n);")
        return ffi, ffi.dlopen(None)
    except (ImportError, OSError):
        return None


_LIBC = _libc()


def cff_subset(font: bytes, glyphs: set[int], index: int = 0, flags: int = _PASSTHROUGH) -> bytes | None:
    """The CFF table of face `index` of `font`, keeping only `glyphs`, renumbered."""
    if _LIBS is None:
        return None
    ffi, hb, hb_subset = _LIBS
    blob = ffi.gc(hb.hb_blob_create(font, len(font), _READONLY, ffi.NULL, ffi.NULL), hb.hb_blob_destroy)
    face = ffi.gc(hb.hb_face_create(blob, index), hb.hb_face_destroy)
    request = hb_subset.hb_subset_input_create_or_fail()
    if request == ffi.NULL:
        return None
    request = ffi.gc(request, hb_subset.hb_subset_input_destroy)
    glyph_set = hb_subset.hb_subset_input_glyph_set(request)
    for glyph in sorted(glyphs):
        hb.hb_set_add(glyph_set, glyph)
    dropped = hb_subset.hb_subset_input_set(request, _DROP_TABLES)
    for tag in _LAYOUT_TAGS:
        hb.hb_set_add(dropped, tag)
    hb_subset.hb_subset_input_set_flags(request, flags)
    subset = hb_subset.hb_subset_or_fail(face, request)
    if subset == ffi.NULL:
        return None
    subset = ffi.gc(subset, hb.hb_face_destroy)
    table = ffi.gc(hb.hb_face_reference_table(subset, _CFF_TAG), hb.hb_blob_destroy)
    length = ffi.new("unsigned int *")
    data = hb.hb_blob_get_data(table, length)
    return ffi.buffer(data, length[0])[:] if length[0] else None


def keeps_cids(cff: bytes, glyphs: set[int]) -> bool:
    """The font is CID-keyed and each used glyph number is still reachable as its CID."""
    from fontTools.cffLib import CFFFontSet

    fonts = CFFFontSet()
    fonts.decompile(io.BytesIO(cff), None)
    top = fonts.topDictIndex[0]
    if not hasattr(top, "ROS"):
        return False
    cids = {int(name[3:]) for name in top.charset if name.startswith("cid")}
    return all(glyph in cids for glyph in glyphs if glyph)


def compact_cff(font: bytes, glyphs: set[int], index: int = 0, flags: int = _PASSTHROUGH) -> bytes | None:
    """A bare CID-keyed CFF font of `glyphs`, or None when the font does not allow it."""
    if _LIBS is None or font[:4] not in (b"OTTO", b"ttcf"):
        return None
    cff = cff_subset(font, glyphs | {0}, index, flags)
    if cff is None or not keeps_cids(cff, glyphs):
        return None
    return cff


def is_bare_cff(data: bytes) -> bool:
    return data[:1] == b"\x01" and data[:4] != b"OTTO"


# --- WeasyPrint's subsetting -------------------------------------------------------------

_writing = False  # set while jixiao writes a PDF: only then are fonts subset its way


def _install() -> None:
    """Make WeasyPrint (70), while `_writing` is set, subset CID-keyed CFF fonts in one pass,
    to bare CFF, copy each font file out of HarfBuzz once per process, and list a PDF's page
    references once (see `_shared_face_data` and `_listed_once`: same bytes, less time)."""
    import weasyprint
    from weasyprint.pdf import fonts

    font_class = fonts.Font
    if getattr(font_class, "_jixiao_subset", False) or not weasyprint.__version__.startswith(_PATCHED_VERSIONS):
        return
    original_subset, original_type = font_class.subset, font_class.type

    def subset(self, to_unicode, hinting):
        flags = (_PASSTHROUGH | _DESUBROUTINIZE | (0 if hinting else _NO_HINTING)
                 | (_NOTDEF_OUTLINE if self.missing else 0))
        cff = compact_cff(self.file_content, set(to_unicode), self.index, flags) if _writing else None
        if cff is None:
            return original_subset(self, to_unicode, hinting)
        self.file_content, self.index = cff, 0

    def font_type(self):
        return "otf" if is_bare_cff(self.file_content) else original_type.fget(self)

    font_class.subset, font_class.type, font_class._jixiao_subset = subset, property(font_type), True
    fonts.get_hb_object_data = _shared_face_data(fonts.get_hb_object_data)
    pydyf.PDF.page_references = property(_listed_once(pydyf.PDF.page_references.fget))


# Every PDF copies each font file it uses out of HarfBuzz (Noto Serif CJK: 26 MB a face, 35 ms),
# two thirds of what writing a one-page table costs. The file is the same for every document
# (each layout reads it anew, at another address): it is copied once per process, and a face
# is given that copy when its bytes are the same (compared in place: a few milliseconds).
_face_data: dict[int, list[bytes]] = {}  # by length


def _shared_face_data(get_data):
    """WeasyPrint's `get_hb_object_data(face)` (which copies the font file), once per file."""
    from weasyprint.text.ffi import ffi, harfbuzz

    def face_data(hb_object, ot_color=None, glyph=None):
        if ot_color is not None or not _writing or _LIBC is None:
            return get_data(hb_object, ot_color, glyph)
        blob = harfbuzz.hb_face_reference_blob(hb_object)
        try:
            address = int(ffi.cast("uintptr_t", harfbuzz.hb_blob_get_data(blob, ffi.NULL)))
            copied = _face_data.get(harfbuzz.hb_blob_get_length(blob), [])
            same = next((data for data in copied if address and _same_bytes(address, data)), None)
        finally:
            harfbuzz.hb_blob_destroy(blob)
        if same is None:
            same = get_data(hb_object)
            if same:
                _face_data.setdefault(len(same), []).append(same)
        return same

    return face_data


def _same_bytes(address: int, data: bytes) -> bool:
    ffi, libc = _LIBC
    return libc.memcmp(ffi.cast("void *", address), data, len(data)) == 0


def _listed_once(page_references):
    """pydyf lists a PDF's page references anew each time it is asked; WeasyPrint asks once for
    each tagged element (a bundle of 100 tables: 100,000 lists of 100 pages). While jixiao
    writes, the list is kept until a page is added (pages are only ever added)."""
    def listed(pdf):
        if not _writing:
            return page_references(pdf)
        count = len(pdf.pages["Kids"])
        kept = pdf.__dict__.get("_jixiao_page_references")
        if kept is None or kept[0] != count:
            kept = pdf._jixiao_page_references = (count, page_references(pdf))
        return kept[1]

    return listed


@contextmanager
def _compact_subsetting():
    global _writing
    _install()
    _writing = True
    try:
        yield
    finally:
        _writing = False


def write_pdf(document, finisher=None, **options) -> bytes:
    """The document as PDF bytes, with its CID-keyed fonts subset small (see above); then
    `finisher(document, pdf)`, if given, edits the PDF objects before they are written."""
    def finish(document, pdf: pydyf.PDF) -> None:
        compact_fonts(document, pdf)
        if finisher is not None:
            finisher(document, pdf)

    with _compact_subsetting():
        return document.write_pdf(finisher=finish, **options)


# --- the finisher ------------------------------------------------------------------------

def _used_glyphs(widths: pydyf.Array) -> set[int]:
    """Glyph numbers listed in a CIDFont's /W array: `start [w w w] start [w …]`."""
    used = {0}
    items = list(widths)
    for start, run in zip(items[::2], items[1::2]):
        used.update(range(start, start + len(run)))
    return used


def compact_fonts(document, pdf: pydyf.PDF) -> None:
    """WeasyPrint finisher: embed each CID-keyed CFF font as a compact bare CFF."""
    descendants = {obj["FontDescriptor"]: obj for obj in pdf.objects
                   if isinstance(obj, pydyf.Dictionary) and obj.get("Subtype") == "/CIDFontType0"}
    for descriptor in pdf.objects:
        if not (isinstance(descriptor, pydyf.Dictionary) and "FontFile3" in descriptor):
            continue
        cid_font = descendants.get(descriptor.reference)
        stream = pdf.objects[int(descriptor["FontFile3"].split()[0])]
        if cid_font is None or stream.extra.get("Subtype") != "/OpenType":
            continue
        data = b"".join(stream.stream)
        cff = data if is_bare_cff(data) else compact_cff(data, _used_glyphs(cid_font["W"]))
        if cff is None:
            LOGGER.info("字体 %s 未能压缩，按原样嵌入", descriptor.get("FontFamily"))
            continue
        stream.stream = [cff]
        stream.extra["Subtype"] = "/CIDFontType0C"
