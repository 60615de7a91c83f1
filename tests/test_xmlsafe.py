"""Tests of the hardened XML parser and its limits (``_xmlsafe``, ``_limits``)."""

from __future__ import annotations

import dataclasses
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from aurora_edc import InputError, UnsafeXMLError
from aurora_edc._limits import DEFAULT_XML_LIMITS, XMLLimits
from aurora_edc._xmlsafe import _RefuseResolver, check_tree, parse_xml

HOSTILE = Path(__file__).parent / "data" / "hostile"

EC_XML = [
    "elm/v2/samples/AnaAndromeda_CivilEngineering_signed.xml",
    "elm/v2/samples/EDC_DiplomaSupplement_AA_signed.xml",
    "elm/v2/samples/EDC_SampleDegree_AA.xml",
    "elm/v2/samples/EDC_WileECoyote_Simple.xml",
    "elm/v3/xsd/loq/loq.xml",
    "elm/v3/xsd/loq/loq_withLearningAchievementSpecification.xml",
    "elm/v3/xsd/ams/ams.xml",
]


def nested(depth: int) -> bytes:
    """Return a document of ``depth`` nested elements."""
    return b"<a>" * depth + b"</a>" * depth


def flat(count: int) -> bytes:
    """Return a document of one root holding ``count - 1`` empty children."""
    return b"<r>" + b"<a/>" * (count - 1) + b"</r>"


@pytest.fixture
def recording_server() -> Iterator[tuple[str, list[str]]]:
    """Serve HTTP on 127.0.0.1, recording every path asked."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<!ENTITY leaked 'yes'>")

        def log_message(self, *args: object) -> None:
            return

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("relative", EC_XML)
def test_parses_every_ec_sample_like_plain_lxml(shared: Path, relative: str) -> None:
    """Each EC sample parses to the same elements and lines as a plain parse."""
    path = shared / relative

    tree = parse_xml(path)
    plain = etree.parse(str(path))

    ours = [(e.tag, e.sourceline) for e in tree.iter()]
    assert ours == [(e.tag, e.sourceline) for e in plain.iter()]


def test_keeps_source_lines_of_the_sealed_sample(shared: Path) -> None:
    """The enveloped signature of the sealed diploma supplement is on line 3170."""
    tree = parse_xml(shared / EC_XML[1])

    signature = tree.find(".//{http://www.w3.org/2000/09/xmldsig#}Signature")

    assert signature is not None
    assert signature.sourceline == 3170


def test_bytes_and_path_give_the_same_document(shared: Path) -> None:
    """Parsing a file or its bytes yields the same canonical document."""
    path = shared / EC_XML[3]

    from_path = parse_xml(path)
    from_bytes = parse_xml(path.read_bytes())

    assert etree.tostring(from_path, method="c14n") == etree.tostring(
        from_bytes, method="c14n"
    )


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("xxe-file.xml", 2),
        ("xxe-parameter-entity.xml", 2),
        ("external-dtd.xml", 2),
        ("billion-laughs.xml", 2),
    ],
)
def test_refuses_any_doctype_at_its_line(name: str, line: int) -> None:
    """XXE, external DTDs and entity bombs are refused at the DOCTYPE line."""
    with pytest.raises(UnsafeXMLError) as caught:
        parse_xml(HOSTILE / name)

    assert caught.value.rule == "doctype"
    assert caught.value.line == line
    assert caught.value.source == str(HOSTILE / name)
    assert "DOCTYPE declaration refused" in str(caught.value)


def test_refuses_a_utf16_doctype_at_its_line() -> None:
    """A UTF-16 document with a BOM is scanned for its DOCTYPE too."""
    with pytest.raises(UnsafeXMLError) as caught:
        parse_xml(HOSTILE / "doctype-utf16.xml")

    assert caught.value.rule == "doctype"
    assert caught.value.line == 2


def test_refuses_a_doctype_in_an_encoding_the_prolog_scan_cannot_read() -> None:
    """UTF-16 without a BOM is refused once its root element is reached."""
    document = (HOSTILE / "doctype-utf16.xml").read_bytes()
    without_bom = document.decode("utf-16").encode("utf-16-be")

    with pytest.raises(UnsafeXMLError) as caught:
        parse_xml(without_bom)

    assert caught.value.rule == "doctype"
    assert caught.value.line is None


def test_doctype_text_in_prolog_comments_is_not_refused() -> None:
    """Only a real declaration is refused, not its text in a comment or PI."""
    document = b"<?xml version='1.0'?>\n<!-- no <!DOCTYPE -->\n<?pi <!DOCTYPE ?>\n<r/>"

    assert parse_xml(document).getroot().tag == "r"


def test_refuses_a_quadratic_blowup() -> None:
    """One large entity referenced many times is refused before expansion."""
    entity = "x" * 50_000
    body = "&big;" * 10_000
    document = (
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY big "{entity}">]>\n<r>{body}</r>'
    ).encode()

    with pytest.raises(UnsafeXMLError) as caught:
        parse_xml(document)

    assert caught.value.rule == "doctype"


def test_http_entities_never_reach_the_network(
    recording_server: tuple[str, list[str]],
) -> None:
    """An http external entity or DTD is refused without any request made."""
    url, hits = recording_server
    documents = [
        f'<!DOCTYPE r [<!ENTITY e SYSTEM "{url}/entity">]><r>&e;</r>',
        f'<!DOCTYPE r SYSTEM "{url}/dtd"><r/>',
        f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{url}/pe"> %p;]><r/>',
    ]

    for document in documents:
        with pytest.raises(UnsafeXMLError):
            parse_xml(document.encode())

    assert hits == []


def test_the_resolver_refuses_every_external_resource() -> None:
    """The parser's resolver, a second line behind the DOCTYPE rule, loads nothing."""
    with pytest.raises(UnsafeXMLError) as caught:
        _RefuseResolver().resolve("file:///etc/passwd", None, None)

    assert caught.value.rule == "external-resource"


def test_leaves_xinclude_unprocessed() -> None:
    """An XInclude element stays an element; nothing is included."""
    tree = parse_xml(HOSTILE / "xinclude.xml")

    include = tree.find(".//{http://www.w3.org/2001/XInclude}include")

    assert include is not None
    assert "root:" not in etree.tostring(tree, encoding="unicode")


def test_refuses_nesting_deeper_than_the_limit() -> None:
    """One level more than ``max_depth`` is refused, naming rule and line."""
    document = b"\n".join([b"<a>"] * 101 + [b"</a>"] * 101)

    with pytest.raises(UnsafeXMLError) as caught:
        parse_xml(document, source_name="deep.xml")

    assert caught.value.rule == "max-depth"
    assert caught.value.line == 101
    assert str(caught.value).startswith("deep.xml:101: ")
    assert "expected at most 100 nesting depth, found 101" in str(caught.value)


def test_refuses_nesting_beyond_libxml2s_own_ceiling() -> None:
    """A document 10,000 levels deep is refused even with a raised limit."""
    with pytest.raises(UnsafeXMLError) as caught:
        parse_xml(nested(10_000), limits=XMLLimits(max_depth=100_000))

    assert caught.value.rule == "parser-limit"


@settings(max_examples=40, deadline=None)
@given(depth=st.integers(1, 150), limit=st.integers(1, 150))
def test_depth_limit_is_exact(depth: int, limit: int) -> None:
    """A document parses exactly when its depth is within ``max_depth``."""
    limits = XMLLimits(max_depth=limit)

    if depth <= limit:
        assert parse_xml(nested(depth), limits=limits).getroot().tag == "a"
    else:
        with pytest.raises(UnsafeXMLError, match="max-depth"):
            parse_xml(nested(depth), limits=limits)


@settings(max_examples=30, deadline=None)
@given(count=st.integers(1, 3000), limit=st.integers(1, 3000))
def test_element_limit_is_exact(count: int, limit: int) -> None:
    """A document parses exactly when its element count is within the limit."""
    limits = XMLLimits(max_elements=limit)

    if count <= limit:
        assert len(parse_xml(flat(count), limits=limits).getroot()) == count - 1
    else:
        with pytest.raises(UnsafeXMLError, match="max-elements"):
            parse_xml(flat(count), limits=limits)


def test_refuses_too_many_elements_under_the_default_limit() -> None:
    """Half a million and one elements are refused under the default limits."""
    with pytest.raises(UnsafeXMLError) as caught:
        parse_xml(flat(DEFAULT_XML_LIMITS.max_elements + 1))

    assert caught.value.rule == "max-elements"


def test_refuses_a_200_mb_file_on_its_size(tmp_path: Path) -> None:
    """A 200 MB (sparse) file is refused on its stat size, before any read."""
    big = tmp_path / "big.xml"
    with big.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)

    with pytest.raises(UnsafeXMLError) as caught:
        parse_xml(big)

    assert caught.value.rule == "max-bytes"
    assert f"found {200 * 1024 * 1024}" in str(caught.value)


def test_refuses_special_files_without_reading(tmp_path: Path) -> None:
    """A device or a FIFO is refused before any read (no hang, no endless read)."""
    fifo = tmp_path / "pipe.xml"
    os.mkfifo(fifo)

    for special in (Path("/dev/zero"), fifo):
        with pytest.raises(InputError, match="expected a regular file"):
            parse_xml(special, limits=XMLLimits(max_bytes=1000))


def test_refuses_oversized_bytes() -> None:
    """Bytes longer than ``max_bytes`` are refused before parsing."""
    with pytest.raises(UnsafeXMLError, match="max-bytes"):
        parse_xml(b"<r/>" + b" " * 100, limits=XMLLimits(max_bytes=50))


@pytest.mark.parametrize(
    ("document", "limits", "rule"),
    [
        (b'<r a="1" b="2" c="3"/>', XMLLimits(max_attributes=2), "max-attributes"),
        (b'<r a="12345"/>', XMLLimits(max_attribute_length=4), "max-attribute-length"),
        (b"<r>12345</r>", XMLLimits(max_text_length=4), "max-text-length"),
        (b"<r><a/>12345<b/></r>", XMLLimits(max_text_length=4), "max-text-length"),
        (b"<r><a/>12345</r>", XMLLimits(max_text_length=4), "max-text-length"),
    ],
    ids=["attributes", "attribute-length", "text", "tail", "last-tail"],
)
def test_refuses_attributes_and_text_over_the_limits(
    document: bytes, limits: XMLLimits, rule: str
) -> None:
    """Attribute counts, attribute values, texts and tails are all limited."""
    with pytest.raises(UnsafeXMLError) as caught:
        parse_xml(document, limits=limits)

    assert caught.value.rule == rule
    assert caught.value.line == 1


def test_refuses_a_text_node_over_libxml2s_ceiling() -> None:
    """A text node over 10 MB is refused even when the limits allow it."""
    document = b"<r>" + b"x" * 11_000_000 + b"</r>"
    limits = XMLLimits(max_text_length=20_000_000)

    with pytest.raises(UnsafeXMLError) as caught:
        parse_xml(document, limits=limits)

    assert caught.value.rule == "parser-limit"


def test_reports_malformed_xml_with_its_line() -> None:
    """A tag mismatch is an InputError (not a refusal) carrying its line."""
    with pytest.raises(InputError) as caught:
        parse_xml(b"<r>\n<a>\n<b></a>\n</r>", source_name="bad.xml")

    assert not isinstance(caught.value, UnsafeXMLError)
    assert caught.value.line == 3
    assert str(caught.value).startswith("bad.xml:3: not well-formed XML")


def test_undefined_entity_reports_its_own_line_not_a_follow_up_error() -> None:
    """Regression: the feed parser reported "Start tag expected" at line 1."""
    with pytest.raises(InputError) as caught:
        parse_xml(b"<r>\n\n<a>&x;</a></r>")

    assert caught.value.line == 3
    assert "Entity 'x' not defined" in str(caught.value)


def test_reports_a_missing_file_as_input_error(tmp_path: Path) -> None:
    """A file that does not exist is unusable input."""
    with pytest.raises(InputError, match="cannot read XML file"):
        parse_xml(tmp_path / "absent.xml")


def test_refuses_a_source_of_the_wrong_type() -> None:
    """A str (ambiguous between path and XML text) is refused."""
    with pytest.raises(TypeError):
        parse_xml("<r/>")  # type: ignore[arg-type]


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(XMLLimits)])
def test_limits_must_be_positive(field: str) -> None:
    """Every limit must be a positive integer."""
    with pytest.raises(ValueError, match=field):
        XMLLimits(**{field: 0})


def test_limits_are_frozen() -> None:
    """A limits object cannot be changed after creation."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_XML_LIMITS.max_bytes = 1  # type: ignore[misc]


def test_many_attributes_on_one_element_are_refused_on_their_count() -> None:
    """40,000 attributes on one element are refused by count, before any value.

    Regression: the guard read every value first (lxml's ``values()`` is
    quadratic in the attribute count: 4.4 s at 40k, 20 s at 80k); counting
    first refuses the same 430 KB document in about 0.05 s.
    """
    names = b" ".join(b'a%d="x"' % index for index in range(40_000))

    with pytest.raises(UnsafeXMLError) as caught:
        parse_xml(b"<r " + names + b"/>")

    assert caught.value.rule == "max-attributes"
    assert "found 40000" in str(caught.value)


# --- documents built in memory (check_tree) -----------------------------------------


def _deep(depth: int) -> etree._Element:
    root = etree.Element("r")
    node = root
    for _ in range(depth - 1):
        node = etree.SubElement(node, "d")
    return root


def _with_tail() -> etree._Element:
    root = etree.fromstring(b"<r/>")
    root.tail = "after the root"
    return root


def _twice_xml_id() -> etree._Element:
    root = etree.fromstring(b"<r><a/><b/></r>")
    for child in root:
        child.set("{http://www.w3.org/XML/1998/namespace}id", "same")
    return root


def _xml_id(value: str) -> etree._Element:
    root = etree.fromstring(b"<r><a/></r>")
    root.set("{http://www.w3.org/XML/1998/namespace}id", value)
    return root


def _entity() -> etree._Element:
    root = etree.fromstring(b"<r><a/></r>")
    root[0].append(etree.Entity("secret"))
    return root


def _with_dtd() -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False)
    return etree.fromstring(b"<!DOCTYPE r [<!ENTITY e 'x'>]><r>&e;</r>", parser)


def _long(attribute: bool) -> etree._Element:
    root = etree.Element("r")
    big = "x" * (DEFAULT_XML_LIMITS.max_attribute_length + 1)
    if attribute:
        root.set("a", big)
    else:
        root.text = "x" * (DEFAULT_XML_LIMITS.max_text_length + 1)
    return root


@pytest.mark.parametrize(
    ("make", "rule"),
    [
        (lambda: _deep(DEFAULT_XML_LIMITS.max_depth + 1), "max-depth"),
        (_with_tail, "outside-root"),
        (_twice_xml_id, "xml-id"),
        (lambda: _xml_id("1bad id"), "xml-id"),
        (lambda: _xml_id(""), "xml-id"),
        (lambda: _xml_id("a:b"), "xml-id"),
        (_entity, "entity"),
        (_with_dtd, "doctype"),
        (lambda: _long(attribute=True), "max-attribute-length"),
        (lambda: _long(attribute=False), "max-text-length"),
    ],
)
def test_check_tree_refuses_what_reading_the_bytes_would(make: Any, rule: str) -> None:
    """A tree is refused under the rule its written bytes would break when read."""
    root = make()

    with pytest.raises(UnsafeXMLError) as caught:
        check_tree(root)

    assert caught.value.rule == rule
    written = etree.tostring(root.getroottree())
    with pytest.raises((UnsafeXMLError, InputError)):
        parse_xml(written)


def test_check_tree_accepts_what_reads_back() -> None:
    """Comments, processing instructions and tails inside the root are fine."""
    root = etree.fromstring(b"<r><!--c--><?p x?><a xml:id='one'>t</a>tail</r>")

    check_tree(root)
    parse_xml(etree.tostring(root))


def test_check_tree_of_an_element_looks_only_below_it() -> None:
    """An element deep inside another document is checked as written alone."""
    outer = _deep(DEFAULT_XML_LIMITS.max_depth - 1)
    for element in list(outer.iter())[:2]:
        element.set("{http://www.w3.org/XML/1998/namespace}id", "twice")
    inner = list(outer.iter())[-1]
    etree.SubElement(etree.SubElement(inner, "credential"), "title").text = "T"
    credential = inner[0]

    check_tree(credential)
    parse_xml(etree.tostring(credential))
