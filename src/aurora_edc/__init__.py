"""aurora-edc: European Digital Credentials for Learning from university records.

Records (pydantic) become one ELM v3 model, written as EDC JSON-LD, Turtle or
ELM 1.2 XML; documents are checked against the official SHACL profiles and XML
schemas, sealed with JAdES or XAdES, verified, and handed to wallets.

Every public name is imported here explicitly; ``tests/test_public_api.py``
checks that ``__all__`` is complete and importable.
"""

from __future__ import annotations

from ._catalogue import Artefact, ArtefactCatalogue, default_catalogue
from ._deposit import BatchSummary, DepositItem, deposit_batch
from ._documents import CredentialDocument, DocumentKind, read_credential_document
from ._europass import (
    deposit_file_name,
    wrap_for_upload,
    write_deposit_file,
    write_upload_file,
)
from ._europass_wallet import (
    DepositOutcome,
    DepositStatus,
    EuropassWalletClient,
    EuropassWalletConfig,
    WalletRecipient,
)
from ._exceptions import (
    AlreadySealedError,
    ArtefactError,
    ArtefactIntegrityError,
    ArtefactNotFoundError,
    AuroraEDCError,
    ConformanceError,
    HandoffError,
    InputError,
    IssuerMismatchError,
    KeyMaterialError,
    PayloadTooLargeError,
    RecordError,
    SealError,
    SHACLConformanceError,
    UnknownCodeError,
    UnsafeXMLError,
    VerificationError,
    XSDConformanceError,
)
from ._journal import DeliveryState, DepositJournal, JournalEntry
from ._report import Finding, Severity, ValidationReport
from ._vocab import (
    CodeList,
    Concept,
    code_list,
    code_list_names,
    concept_jsonld,
    open_concept,
    open_scheme_names,
    resolve_code,
)

__version__ = "0.1.0"

__all__ = [
    "AlreadySealedError",
    "Artefact",
    "ArtefactCatalogue",
    "ArtefactError",
    "ArtefactIntegrityError",
    "ArtefactNotFoundError",
    "AuroraEDCError",
    "BatchSummary",
    "CodeList",
    "Concept",
    "ConformanceError",
    "CredentialDocument",
    "DeliveryState",
    "DepositItem",
    "DepositJournal",
    "DepositOutcome",
    "DepositStatus",
    "DocumentKind",
    "EuropassWalletClient",
    "EuropassWalletConfig",
    "Finding",
    "HandoffError",
    "InputError",
    "IssuerMismatchError",
    "JournalEntry",
    "KeyMaterialError",
    "PayloadTooLargeError",
    "RecordError",
    "SHACLConformanceError",
    "SealError",
    "Severity",
    "UnknownCodeError",
    "UnsafeXMLError",
    "ValidationReport",
    "VerificationError",
    "WalletRecipient",
    "XSDConformanceError",
    "__version__",
    "code_list",
    "code_list_names",
    "concept_jsonld",
    "default_catalogue",
    "deposit_batch",
    "deposit_file_name",
    "open_concept",
    "open_scheme_names",
    "read_credential_document",
    "resolve_code",
    "wrap_for_upload",
    "write_deposit_file",
    "write_upload_file",
]
