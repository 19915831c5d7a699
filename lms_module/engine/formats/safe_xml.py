"""XML from outside, read safely: no DTD, no entities, no network, bounded size and depth.

Moodle XML and QTI files come from instructors' uploads. A document type declaration is refused
outright (it is how entity expansion (billion laughs) and external entities (file or URL reads)
arrive); neither format needs one. Elements keep their line numbers (`element.sourceline`) so that
findings can point at the place in the file.
"""
from __future__ import annotations

from lxml import etree

from .. import limits
from . import N_, FormatError, Finding


def parse_xml(data: bytes, *, what: str = "file") -> etree._Element:
    if len(data) > limits.MAX_IMPORT_BYTES:
        mb = limits.MAX_IMPORT_BYTES // (1024 * 1024)
        if what in ("file", "text"):
            raise FormatError(N_("the text is larger than %(mb)s MB") if what == "text"
                              else N_("the file is larger than %(mb)s MB"), mb=mb)
        raise FormatError(N_("%(name)s is larger than %(mb)s MB"), name=what, mb=mb)
    parser = etree.XMLParser(
        resolve_entities=False, load_dtd=False, no_network=True, dtd_validation=False,
        huge_tree=False, remove_comments=True, remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        line = error.lineno if isinstance(error.lineno, int) else None
        raise FormatError([Finding(N_("not well-formed XML: %(detail)s"), line=line, params={"detail": error.msg})]) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise FormatError(N_("the file declares a document type (DTD); Kontor does not read DTDs or entities"))
    for element in root.iter():
        if isinstance(element, etree._Entity):
            raise FormatError([Finding(N_("the file uses an XML entity; Kontor does not expand entities"),
                                       line=element.sourceline)])
    _check_depth(root)
    return root


def _check_depth(root: etree._Element) -> None:
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > limits.MAX_XML_DEPTH:
            raise FormatError([Finding(N_("the XML is nested deeper than %(n)s levels"), line=element.sourceline,
                                       params={"n": limits.MAX_XML_DEPTH})])
        stack.extend((child, depth + 1) for child in element)


def local_name(element: etree._Element) -> str:
    """The tag without its namespace (QTI files use several namespace versions)."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
