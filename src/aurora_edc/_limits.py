"""Safety limits for XML input (ELM 1.2 credentials, LOQ and AMS documents).

The hardened parser (:mod:`aurora_edc._xmlsafe`) refuses any document that
exceeds one of these limits, before the document is fully read or built. The
defaults are sized on the European Commission's own files: the largest, the
sealed diploma supplement ``EDC_DiplomaSupplement_AA_signed.xml``, has 939 KB,
2,260 elements, a depth of 12 and a longest text node (base64) of 72,300
characters; the LOQ sample has 4,199 elements. Each default leaves a margin of
one to two orders of magnitude above those while keeping memory and time bounded
(a refused 200 MB file costs one ``stat``).

libxml2 adds its own ceilings underneath, which the parser never lifts (it does
not set ``huge_tree``): a depth of 256, text nodes of 10,000,000 bytes, and an
amplification limit on entity expansion.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["DEFAULT_XML_LIMITS", "XMLLimits"]

_MIB = 1024 * 1024


@dataclass(frozen=True)
class XMLLimits:
    """Explicit limits on the size and shape of one XML input document.

    Every field must be a positive integer. Raise a limit only for documents
    you produced yourself or received from a party you trust; lower them for a
    public upload endpoint.

    Attributes:
        max_bytes: Largest document accepted, in bytes. Default 32 MiB, about 35
            times the largest EC sample: room for credentials that embed PDF
            attachments or images as base64. Files are refused on their size
            (``stat``) before being read, and reading stops at this count for
            inputs whose size is unknown in advance.
        max_depth: Deepest element nesting accepted. Default 100; the samples
            reach 12, including the enveloped XAdES signature. Deep nesting
            costs recursion in every later processing step.
        max_elements: Most elements in one document. Default 500,000, over 100
            times the LOQ sample, which keeps a built tree under about 150 MB.
            Raise it for catalogues of learning opportunities with many
            thousands of courses.
        max_attributes: Most attributes on one element. Default 256; ELM
            elements carry fewer than ten.
        max_attribute_length: Longest attribute value, in characters. Default
            1 MiB; ELM puts identifiers and URIs in attributes, never content.
        max_text_length: Longest text node, in characters. Default 8 MiB, for
            base64 attachments; libxml2 refuses text nodes over 10 MB anyway.

    """

    max_bytes: int = 32 * _MIB
    max_depth: int = 100
    max_elements: int = 500_000
    max_attributes: int = 256
    max_attribute_length: int = 1 * _MIB
    max_text_length: int = 8 * _MIB

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"XMLLimits.{item.name} must be a positive integer, found {value!r}"
                )


DEFAULT_XML_LIMITS = XMLLimits()
"""The limits used when a caller passes none (see :class:`XMLLimits`)."""
