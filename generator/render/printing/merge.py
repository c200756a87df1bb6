"""PDFs put together after WeasyPrint has written them (pikepdf): page footers stamped on
pages, and a unit's bundle merged from its front matter and its tables' own PDFs.

A page's footer (第 N 页 共 M 页) is not part of its laid-out page: it is a form XObject
(`/JxFooter`, cut from an empty page that WeasyPrint laid out with that footer) drawn over
the page as an artifact. A table's PDF carries its own numbering; in a bundle the same
page carries the bundle's, by swapping the form: the bundle is made of the tables' PDFs
as written, no table is laid out again for it.

Merging keeps what a reader uses: each table's bookmarks under the bundle's (封面, 目录),
its structure tree (tagged PDF) under the bundle's document element, its links, and the
index's links to each table's first page (named destinations). Each font face is then
embedded once: the subsets of a face that the parts embed are replaced by one subset of
their glyphs together (see `unify_fonts`).
"""
from __future__ import annotations

import hashlib
import io
import re
import subprocess
from functools import lru_cache

import pikepdf
from pikepdf import Array, Dictionary, Name

from .fonts import SUBSET_FLAGS, compact_cff, is_bare_cff

FOOTER = "/JxFooter"


def open_pdf(data: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(data))


def page_count(data: bytes) -> int:
    return len(open_pdf(data).pages)


def _save(pdf: pikepdf.Pdf) -> bytes:
    """The PDF's bytes, the same for the same objects: streams kept as they were compressed,
    the small objects packed in object streams (the structure tree is thousands of them)."""
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
             stream_decode_level=pikepdf.StreamDecodeLevel.none, compress_streams=True)
    return out.getvalue()


# --- footers ---------------------------------------------------------------------------------

def footer_forms(pdf: pikepdf.Pdf, footers: pikepdf.Pdf) -> list:
    """The pages of `footers` as form XObjects of `pdf`."""
    return [pdf.copy_foreign(pikepdf.Page(page).as_form_xobject()) for page in footers.pages]


def set_footer(pdf: pikepdf.Pdf, page: pikepdf.Page, form) -> None:
    """Draw `form` over the page as its footer, in place of the footer it had."""
    resources = page.obj.get("/Resources")
    own = Dictionary({key: value for key, value in resources.items()}) if resources is not None else Dictionary()
    xobjects = own.get("/XObject")
    had = xobjects is not None and FOOTER in xobjects
    own.XObject = Dictionary({**({k: v for k, v in xobjects.items()} if xobjects is not None else {}), FOOTER: form})
    page.obj.Resources = pdf.make_indirect(own)  # the page's own: a document's pages share theirs
    if not had:
        page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
        page.contents_add(pikepdf.Stream(pdf, b"\nQ\n/Artifact BMC q /JxFooter Do Q EMC\n"))


def with_footers(data: bytes, footers: pikepdf.Pdf) -> bytes:
    """A PDF written by WeasyPrint with the pages of `footers` stamped on its pages."""
    pdf = open_pdf(data)
    for page, form in zip(pdf.pages, footer_forms(pdf, footers), strict=True):
        set_footer(pdf, page, form)
    return _save(pdf)


# --- a bundle --------------------------------------------------------------------------------

def bundle(front: bytes, tables: list[bytes], footers: pikepdf.Pdf, anchors: list[str]) -> bytes:
    """The front matter's PDF (cover, index) followed by every table's PDF, each page with the
    bundle's footer (the pages of `footers`). `anchors[k]`, a named destination the index
    links to, goes to table k's first page."""
    pdf = open_pdf(front)
    structure = _Structure(pdf)
    outline = _Outline(pdf)
    destinations: dict[str, Array] = {}
    for number, data in enumerate(tables):
        table = open_pdf(data)
        first = len(pdf.pages)
        pdf.pages.extend(table.pages)
        pages = list(pdf.pages)[first:]
        structure.add(table, pages)
        items = outline.add(table)
        destinations[anchors[number]] = items[0].Dest if items else Array([pages[0].obj, Name.Fit])
        destinations.update(_renamed_links(pdf, table, pages, f"b{number}-"))
    for page, form in zip(pdf.pages, footer_forms(pdf, footers), strict=True):
        set_footer(pdf, page, form)
    structure.finish()
    outline.finish()
    _set_destinations(pdf, destinations)
    unify_fonts(pdf)
    return _save(pdf)


def _renamed_links(pdf: pikepdf.Pdf, table: pikepdf.Pdf, pages: list, prefix: str) -> dict[str, Array]:
    """A table's links to its own named destinations, renamed with `prefix` (two tables
    laid out apart may name theirs alike), and those destinations."""
    names = _named_destinations(table)
    found = {}
    for page in pages:
        for annotation in page.obj.get("/Annots", ()):
            target = annotation.get("/Dest")
            if isinstance(target, pikepdf.String) and str(target) in names:
                found[prefix + str(target)] = pdf.copy_foreign(names[str(target)])
                annotation.Dest = pikepdf.String(prefix + str(target))
    return found


def _named_destinations(pdf: pikepdf.Pdf) -> dict[str, object]:
    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return {}
    return {str(name): target for name, target in pikepdf.NameTree(names.Dests).items()}


def _set_destinations(pdf: pikepdf.Pdf, destinations: dict[str, Array]) -> None:
    """The bundle's named destinations: the front's own, with those of the index's links set."""
    merged = {**_named_destinations(pdf), **destinations}
    flat = Array()
    for name in sorted(merged, key=lambda text: text.encode("utf-16-be")):
        flat.extend([pikepdf.String(name), merged[name]])
    names = pdf.Root.get("/Names") or Dictionary()
    names.Dests = pdf.make_indirect(Dictionary(Names=flat))
    pdf.Root.Names = names


class _Structure:
    """The tables' structure trees (tagged PDF) under the front's document element, their
    marked-content keys (/StructParents) numbered after the front's."""

    def __init__(self, pdf: pikepdf.Pdf):
        self.root = pdf.Root.get("/StructTreeRoot")
        self.pdf = pdf
        if self.root is None:
            return
        self.document = self.root.K[0] if len(self.root.K) == 1 else self.root
        self.nums = list(self.root.ParentTree.Nums)
        self.next = max(self.nums[::2], default=-1) + 1

    def add(self, table: pikepdf.Pdf, pages: list) -> None:
        source = table.Root.get("/StructTreeRoot")
        if self.root is None or source is None:
            return
        copied = self.pdf.copy_foreign(source)
        kids = copied.K[0].K if len(copied.K) == 1 and copied.K[0].get("/S") == Name.Document else copied.K
        for kid in kids:
            if isinstance(kid, Dictionary):
                kid.P = self.document
                self.document.K.append(kid)
        nums = list(copied.ParentTree.Nums)
        offset = self.next
        for key, value in zip(nums[::2], nums[1::2]):
            self.nums += [int(key) + offset, value]
        for page in pages:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", ()):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        self.next = max(self.nums[::2], default=-1) + 1

    def finish(self) -> None:
        if self.root is not None:
            self.root.ParentTree = self.pdf.make_indirect(Dictionary(Nums=Array(self.nums)))
            self.root.ParentTreeNextKey = self.next


class _Outline:
    """The tables' bookmarks after the front's (封面, 目录), at the same level."""

    def __init__(self, pdf: pikepdf.Pdf):
        self.pdf = pdf
        self.items = list(_siblings(pdf.Root.Outlines.get("/First"))) if "/Outlines" in pdf.Root else []

    def add(self, table: pikepdf.Pdf) -> list:
        outlines = table.Root.get("/Outlines")
        if outlines is None or "/First" not in outlines:
            return []
        copied = self.pdf.copy_foreign(outlines)
        items = list(_siblings(copied.First))
        self.items += items
        return items

    def finish(self) -> None:
        if not self.items:
            return
        root = self.pdf.Root.get("/Outlines") or self.pdf.make_indirect(Dictionary(Type=Name.Outlines))
        for previous, item in zip([None] + self.items, self.items):
            item.Parent = root
            if previous is None:
                if "/Prev" in item:
                    del item.Prev
            else:
                item.Prev, previous.Next = previous, item
        if "/Next" in self.items[-1]:
            del self.items[-1].Next
        root.First, root.Last = self.items[0], self.items[-1]
        root.Count = sum(1 + max(int(item.get("/Count", 0)), 0) for item in self.items)
        self.pdf.Root.Outlines = root


def _siblings(item):
    while item is not None:
        yield item
        item = item.get("/Next")


# --- fonts -----------------------------------------------------------------------------------

def unify_fonts(pdf: pikepdf.Pdf) -> None:
    """One font per face: the subsets of a CID-keyed face that the merged parts embed each
    (a table's, its footer's) are replaced by one subset of all their glyphs, cut from the
    installed font. The text needs no change: it names glyphs by CID, which the subsets keep."""
    faces: dict[str, list] = {}
    for resources in _font_resources(pdf):
        for font in resources.values():
            face = _face(font)
            if face and all(font.objgen != other.objgen for other in faces.get(face, [])):
                faces.setdefault(face, []).append(font)
    shared = {face: _union_font(pdf, fonts) for face, fonts in faces.items() if len(fonts) > 1}
    shared = {face: font for face, font in shared.items() if font is not None}
    for resources in _font_resources(pdf):
        for name, font in list(resources.items()):
            if _face(font) in shared:
                resources[name] = shared[_face(font)]


def _font_resources(pdf: pikepdf.Pdf):
    """Every /Font dictionary of the pages' resources and of their form XObjects', once."""
    seen = set()

    def visit(resources):
        if resources is None or (resources.is_indirect and resources.objgen in seen):
            return
        if resources.is_indirect:
            seen.add(resources.objgen)
        fonts = resources.get("/Font")
        if fonts is not None:
            yield fonts
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == Name.Form:
                yield from visit(xobject.get("/Resources"))

    for page in pdf.pages:
        yield from visit(page.obj.get("/Resources"))


def _face(font) -> str | None:
    """The face of a Type0 font over a bare CID-keyed CFF font (`fonts.py`), else None."""
    if font.get("/Subtype") != Name.Type0:
        return None
    descendant = font.DescendantFonts[0]
    descriptor = descendant.get("/FontDescriptor")
    if descendant.get("/Subtype") != Name.CIDFontType0 or descriptor is None or "/FontFile3" not in descriptor:
        return None
    if descriptor.FontFile3.get("/Subtype") != Name.CIDFontType0C:
        return None
    return str(font.BaseFont).split("+", 1)[-1]


def _union_font(pdf: pikepdf.Pdf, fonts: list):
    first = fonts[0].DescendantFonts[0]
    cff = first.FontDescriptor.FontFile3.read_bytes()
    installed = _installed_font(_cff_name(cff)) if is_bare_cff(cff) else None
    if installed is None:
        return None
    widths: dict[int, int] = {}
    unicode: dict[int, str] = {}
    for font in fonts:
        widths.update(_widths(font.DescendantFonts[0].W))
        if "/ToUnicode" in font:
            unicode.update(_to_unicode(font.ToUnicode.read_bytes()))
    glyphs = set(widths) | set(unicode)
    data = compact_cff(installed[0], glyphs, installed[1], SUBSET_FLAGS)
    if data is None:
        return None
    name = Name("/" + _tag(glyphs) + "+" + str(fonts[0].BaseFont).split("+", 1)[-1])
    descriptor = Dictionary({key: value for key, value in first.FontDescriptor.items()})
    descriptor.FontName = name
    descriptor.FontFile3 = pikepdf.Stream(pdf, data, Subtype=Name.CIDFontType0C)
    descendant = Dictionary({key: value for key, value in first.items()})
    descendant.BaseFont, descendant.W = name, _width_array(widths)
    descendant.FontDescriptor = pdf.make_indirect(descriptor)
    font = Dictionary({key: value for key, value in fonts[0].items()})
    font.BaseFont, font.DescendantFonts = name, Array([pdf.make_indirect(descendant)])
    font.ToUnicode = pikepdf.Stream(pdf, _cmap(unicode))
    return pdf.make_indirect(font)


def _tag(glyphs: set[int]) -> str:
    digest = hashlib.sha256(",".join(map(str, sorted(glyphs))).encode()).digest()
    return "".join(chr(ord("A") + byte % 26) for byte in digest[:6])


def _widths(array) -> dict[int, int]:
    """A CIDFont's /W: `start [w w …]` and `first last w`."""
    items, found, n = list(array), {}, 0
    while n < len(items):
        start = int(items[n])
        if isinstance(items[n + 1], Array):
            found.update({start + k: int(w) for k, w in enumerate(items[n + 1])})
            n += 2
        else:
            found.update({cid: int(items[n + 2]) for cid in range(start, int(items[n + 1]) + 1)})
            n += 3
    return found


def _width_array(widths: dict[int, int]) -> Array:
    runs: list[tuple[int, list[int]]] = []
    for cid in sorted(widths):
        if runs and runs[-1][0] + len(runs[-1][1]) == cid:
            runs[-1][1].append(widths[cid])
        else:
            runs.append((cid, [widths[cid]]))
    return Array([item for start, values in runs for item in (start, Array(values))])


_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEX = re.compile(rb"<([0-9a-fA-F]+)>")


def _to_unicode(cmap: bytes) -> dict[int, str]:
    """glyph → the text it stands for (UTF-16BE hex), from a ToUnicode CMap's bfchar and bfrange."""
    found = {}
    for block in _BFCHAR.findall(cmap):
        codes = _HEX.findall(block)
        found.update({int(src, 16): dst.decode().lower() for src, dst in zip(codes[::2], codes[1::2])})
    for block in _BFRANGE.findall(cmap):
        for line in block.strip().splitlines():
            codes = _HEX.findall(line)
            if len(codes) == 3 and b"[" not in line:
                first, last, start = int(codes[0], 16), int(codes[1], 16), int(codes[2], 16)
                found.update({cid: f"{start + cid - first:04x}" for cid in range(first, last + 1)})
    return found


def _cmap(unicode: dict[int, str]) -> bytes:
    entries = sorted(unicode.items())
    blocks = []
    for start in range(0, len(entries), 100):
        chunk = entries[start:start + 100]
        lines = "\n".join(f"<{cid:04x}> <{text}>" for cid, text in chunk)
        blocks.append(f"{len(chunk)} beginbfchar\n{lines}\nendbfchar")
    return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo\n"
            "<< /Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n/CMapName /Adobe-Identity-UCS def\n"
            "/CMapType 2 def\n1 begincodespacerange\n<0000> <ffff>\nendcodespacerange\n" + "\n".join(blocks)
            + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend").encode()


def _cff_name(cff: bytes) -> str:
    """The font name in a CFF font's Name INDEX (e.g. NotoSerifCJKsc-Regular)."""
    start = cff[2]
    offset_size = cff[start + 2]
    offsets = [int.from_bytes(cff[start + 3 + k * offset_size:start + 3 + (k + 1) * offset_size], "big")
               for k in range(2)]
    data = start + 3 + 2 * offset_size - 1
    return cff[data + offsets[0]:data + offsets[1]].decode("latin-1")


@lru_cache(maxsize=8)
def _installed_font(postscript_name: str) -> tuple[bytes, int] | None:
    """The installed font file (fontconfig) of that PostScript name, and the face's index in it."""
    try:
        listed = subprocess.run(["fc-list", f":postscriptname={postscript_name}", "file", "index"],
                                capture_output=True, text=True, check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.match(r"(.+?): :index=(\d+)", listed.splitlines()[0]) if listed.strip() else None
    if found is None:
        return None
    with open(found[1], "rb") as file:
        return file.read(), int(found[2])
