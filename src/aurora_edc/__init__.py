"""aurora-edc: European Digital Credentials for Learning from university records.

Records (pydantic) become one ELM v3 model, written as EDC JSON-LD, Turtle or
ELM 1.2 XML; documents are checked against the official SHACL profiles and XML
schemas, sealed with JAdES or XAdES, verified, and handed to wallets.

Every public name is imported here explicitly; ``tests/test_public_api.py``
checks that ``__all__`` is complete and importable.
"""

from __future__ import annotations

from ._catalogue import Artefact, ArtefactCatalogue, default_catalogue
from ._exceptions import (
    ArtefactError,
    ArtefactIntegrityError,
    ArtefactNotFoundError,
    AuroraEDCError,
    ConformanceError,
    HandoffError,
    InputError,
    IssuerMismatchError,
    KeyMaterialError,
    RecordError,
    SealError,
    SHACLConformanceError,
    UnknownCodeError,
    UnsafeXMLError,
    VerificationError,
    XSDConformanceError,
)
from ._report import Finding, Severity, ValidationReport

__version__ = "0.1.0"

__all__ = [
    "Artefact",
    "ArtefactCatalogue",
    "ArtefactError",
    "ArtefactIntegrityError",
    "ArtefactNotFoundError",
    "AuroraEDCError",
    "ConformanceError",
    "Finding",
    "HandoffError",
    "InputError",
    "IssuerMismatchError",
    "KeyMaterialError",
    "RecordError",
    "SHACLConformanceError",
    "SealError",
    "Severity",
    "UnknownCodeError",
    "UnsafeXMLError",
    "ValidationReport",
    "VerificationError",
    "XSDConformanceError",
    "__version__",
    "default_catalogue",
]
