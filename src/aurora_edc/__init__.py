"""aurora-edc: European Digital Credentials for Learning from university records.

Records (pydantic) become one ELM v3 model, written as EDC JSON-LD, Turtle or
ELM 1.2 XML; documents are checked against the official SHACL profiles and XML
schemas, sealed with JAdES or XAdES, verified, and handed to wallets.

Every public name is imported here explicitly; ``tests/test_public_api.py``
checks that ``__all__`` is complete and importable.
"""

from __future__ import annotations

from ._aurora import CheckStatus, Criterion, CriterionResult, OfferingReport
from ._aurora_check import check_specification
from ._aurora_config import (
    AuroraConfig,
    AuroraLevel,
    default_aurora_config,
    load_aurora_config,
)
from ._aurora_html import render_check_html
from ._aurora_shacl import aurora_profile
from ._aurora_vocab import SKOSVocabulary, builtin_vocabulary, read_skos_vocabulary
from ._catalogue import Artefact, ArtefactCatalogue, default_catalogue
from ._deposit import BatchSummary, DepositItem, deposit_batch
from ._documents import (
    CredentialDocument,
    DocumentKind,
    is_sealed,
    read_credential_document,
    subject_email,
)
from ._etsi import (
    BaselineLevel,
    CheckResult,
    Indication,
    SealFormat,
    SealVerificationReport,
    SubIndication,
)
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
    TimestampAuthorityError,
    UnknownCodeError,
    UnknownProfileError,
    UnknownSchemaError,
    UnsafeXMLError,
    VerificationError,
    XSDConformanceError,
)
from ._issue import (
    IssueOptions,
    IssueSummary,
    RecordOutcome,
    SealSettings,
    issue_records,
)
from ._jades import seal_jades
from ._jades_verify import verify_jades
from ._journal import DeliveryState, DepositJournal, JournalEntry
from ._jsonld import CredentialGraph, iter_unmapped_keys, parse_credential
from ._keys import SealKey, load_seal_key
from ._limits import DEFAULT_XML_LIMITS, XMLLimits
from ._loaders import RecordStream, stream_records
from ._loq import LOQDocument, LOQOffering, loq_document, loq_offering, loq_report
from ._loq_job import CatalogueReport, write_catalogue
from ._media import MediaPolicy, shrink_media
from ._oid4vci import (
    EDC_CONFIGURATION_ID,
    ELM_CONFIGURATION_ID,
    PRE_AUTHORIZED_GRANT,
    CredentialOffer,
    TxCode,
    create_offer,
    credential_issuer_metadata,
    new_tx_code_value,
    offer_link,
    read_offer_link,
)
from ._pipeline import IssueContext, issue_partition
from ._presentation import build_presentation, sign_presentation, verify_presentation
from ._qr import QRKind, offer_qr
from ._report import Finding, Severity, ValidationReport
from ._sdjwt import ELM_VCT, SDJWTFormat, SDJWTVCIssuer, elm_type_metadata
from ._shacl import (
    SHACLValidator,
    ShapeProfile,
    credential_report,
    is_valid_credential,
    iter_credential_findings,
    profile_names,
    validate_credential,
)
from ._size import MediaItem, SizeReport, check_size, iter_media, size_report
from ._trusted_list import TrustedList, TrustedListAnchor, read_trusted_list
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
from ._xades_sign import seal_xades
from ._xades_verify import verify_xades
from ._xml12 import (
    ELM12Form,
    elm12_bytes,
    elm12_form,
    elm12_report,
    elm12_schema,
    elm12_tree,
)
from ._xmlsafe import parse_xml
from ._xsd import (
    XMLInput,
    detect_schema,
    is_valid_xml,
    iter_xml_findings,
    schema_names,
    schema_url,
    validate_xml,
    xml_report,
    xml_schema,
)

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_XML_LIMITS",
    "EDC_CONFIGURATION_ID",
    "ELM_CONFIGURATION_ID",
    "ELM_VCT",
    "PRE_AUTHORIZED_GRANT",
    "AlreadySealedError",
    "Artefact",
    "ArtefactCatalogue",
    "ArtefactError",
    "ArtefactIntegrityError",
    "ArtefactNotFoundError",
    "AuroraConfig",
    "AuroraEDCError",
    "AuroraLevel",
    "BaselineLevel",
    "BatchSummary",
    "CatalogueReport",
    "CheckResult",
    "CheckStatus",
    "CodeList",
    "Concept",
    "ConformanceError",
    "CredentialDocument",
    "CredentialGraph",
    "CredentialOffer",
    "Criterion",
    "CriterionResult",
    "DeliveryState",
    "DepositItem",
    "DepositJournal",
    "DepositOutcome",
    "DepositStatus",
    "DocumentKind",
    "ELM12Form",
    "EuropassWalletClient",
    "EuropassWalletConfig",
    "Finding",
    "HandoffError",
    "Indication",
    "InputError",
    "IssueContext",
    "IssueOptions",
    "IssueSummary",
    "IssuerMismatchError",
    "JournalEntry",
    "KeyMaterialError",
    "LOQDocument",
    "LOQOffering",
    "MediaItem",
    "MediaPolicy",
    "OfferingReport",
    "PayloadTooLargeError",
    "QRKind",
    "RecordError",
    "RecordOutcome",
    "RecordStream",
    "SDJWTFormat",
    "SDJWTVCIssuer",
    "SHACLConformanceError",
    "SHACLValidator",
    "SKOSVocabulary",
    "SealError",
    "SealFormat",
    "SealKey",
    "SealSettings",
    "SealVerificationReport",
    "Severity",
    "ShapeProfile",
    "SizeReport",
    "SubIndication",
    "TimestampAuthorityError",
    "TrustedList",
    "TrustedListAnchor",
    "TxCode",
    "UnknownCodeError",
    "UnknownProfileError",
    "UnknownSchemaError",
    "UnsafeXMLError",
    "ValidationReport",
    "VerificationError",
    "WalletRecipient",
    "XMLInput",
    "XMLLimits",
    "XSDConformanceError",
    "__version__",
    "aurora_profile",
    "build_presentation",
    "builtin_vocabulary",
    "check_size",
    "check_specification",
    "code_list",
    "code_list_names",
    "concept_jsonld",
    "create_offer",
    "credential_issuer_metadata",
    "credential_report",
    "default_aurora_config",
    "default_catalogue",
    "deposit_batch",
    "deposit_file_name",
    "detect_schema",
    "elm12_bytes",
    "elm12_form",
    "elm12_report",
    "elm12_schema",
    "elm12_tree",
    "elm_type_metadata",
    "is_sealed",
    "is_valid_credential",
    "is_valid_xml",
    "issue_partition",
    "issue_records",
    "iter_credential_findings",
    "iter_media",
    "iter_unmapped_keys",
    "iter_xml_findings",
    "load_aurora_config",
    "load_seal_key",
    "loq_document",
    "loq_offering",
    "loq_report",
    "new_tx_code_value",
    "offer_link",
    "offer_qr",
    "open_concept",
    "open_scheme_names",
    "parse_credential",
    "parse_xml",
    "profile_names",
    "read_credential_document",
    "read_offer_link",
    "read_skos_vocabulary",
    "read_trusted_list",
    "render_check_html",
    "resolve_code",
    "schema_names",
    "schema_url",
    "seal_jades",
    "seal_xades",
    "shrink_media",
    "sign_presentation",
    "size_report",
    "stream_records",
    "subject_email",
    "validate_credential",
    "validate_xml",
    "verify_jades",
    "verify_presentation",
    "verify_xades",
    "wrap_for_upload",
    "write_catalogue",
    "write_deposit_file",
    "write_upload_file",
    "xml_report",
    "xml_schema",
]
