"""aurora-edc: European Digital Credentials for Learning from university records.

Records (pydantic) become one ELM v3 model, written as EDC JSON-LD, Turtle or
ELM 1.2 XML; documents are checked against the official SHACL profiles and XML
schemas, sealed with JAdES or XAdES, verified, and handed to wallets.

Every public name is listed here explicitly (imported on first use, PEP 562);
``tests/test_public_api.py`` checks that ``__all__`` is complete and importable.
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

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
from ._report import Finding, Severity, ValidationReport

if _typing.TYPE_CHECKING:
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
    from ._presentation import (
        build_presentation,
        sign_presentation,
        verify_presentation,
    )
    from ._qr import QRKind, offer_qr
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


# Public names by defining module, imported on first use (PEP 562), so that
# ``import aurora_edc`` and the worker processes of the main job load only
# what they use (pySHACL, the wallet clients and the Aurora checks stay
# unloaded unless needed).
_LAZY: dict[str, str] = {
    "Artefact": "._catalogue",
    "ArtefactCatalogue": "._catalogue",
    "AuroraConfig": "._aurora_config",
    "AuroraLevel": "._aurora_config",
    "BaselineLevel": "._etsi",
    "BatchSummary": "._deposit",
    "CatalogueReport": "._loq_job",
    "CheckResult": "._etsi",
    "CheckStatus": "._aurora",
    "CodeList": "._vocab",
    "Concept": "._vocab",
    "CredentialDocument": "._documents",
    "CredentialGraph": "._jsonld",
    "CredentialOffer": "._oid4vci",
    "Criterion": "._aurora",
    "CriterionResult": "._aurora",
    "DEFAULT_XML_LIMITS": "._limits",
    "DeliveryState": "._journal",
    "DepositItem": "._deposit",
    "DepositJournal": "._journal",
    "DepositOutcome": "._europass_wallet",
    "DepositStatus": "._europass_wallet",
    "DocumentKind": "._documents",
    "EDC_CONFIGURATION_ID": "._oid4vci",
    "ELM12Form": "._xml12",
    "ELM_CONFIGURATION_ID": "._oid4vci",
    "ELM_VCT": "._sdjwt",
    "EuropassWalletClient": "._europass_wallet",
    "EuropassWalletConfig": "._europass_wallet",
    "Indication": "._etsi",
    "IssueContext": "._pipeline",
    "IssueOptions": "._issue",
    "IssueSummary": "._issue",
    "JournalEntry": "._journal",
    "LOQDocument": "._loq",
    "LOQOffering": "._loq",
    "MediaItem": "._size",
    "MediaPolicy": "._media",
    "OfferingReport": "._aurora",
    "PRE_AUTHORIZED_GRANT": "._oid4vci",
    "QRKind": "._qr",
    "RecordOutcome": "._issue",
    "RecordStream": "._loaders",
    "SDJWTFormat": "._sdjwt",
    "SDJWTVCIssuer": "._sdjwt",
    "SHACLValidator": "._shacl",
    "SKOSVocabulary": "._aurora_vocab",
    "SealFormat": "._etsi",
    "SealKey": "._keys",
    "SealSettings": "._issue",
    "SealVerificationReport": "._etsi",
    "ShapeProfile": "._shacl",
    "SizeReport": "._size",
    "SubIndication": "._etsi",
    "TrustedList": "._trusted_list",
    "TrustedListAnchor": "._trusted_list",
    "TxCode": "._oid4vci",
    "WalletRecipient": "._europass_wallet",
    "XMLInput": "._xsd",
    "XMLLimits": "._limits",
    "aurora_profile": "._aurora_shacl",
    "build_presentation": "._presentation",
    "builtin_vocabulary": "._aurora_vocab",
    "check_size": "._size",
    "check_specification": "._aurora_check",
    "code_list": "._vocab",
    "code_list_names": "._vocab",
    "concept_jsonld": "._vocab",
    "create_offer": "._oid4vci",
    "credential_issuer_metadata": "._oid4vci",
    "credential_report": "._shacl",
    "default_aurora_config": "._aurora_config",
    "default_catalogue": "._catalogue",
    "deposit_batch": "._deposit",
    "deposit_file_name": "._europass",
    "detect_schema": "._xsd",
    "elm12_bytes": "._xml12",
    "elm12_form": "._xml12",
    "elm12_report": "._xml12",
    "elm12_schema": "._xml12",
    "elm12_tree": "._xml12",
    "elm_type_metadata": "._sdjwt",
    "is_sealed": "._documents",
    "is_valid_credential": "._shacl",
    "is_valid_xml": "._xsd",
    "issue_partition": "._pipeline",
    "issue_records": "._issue",
    "iter_credential_findings": "._shacl",
    "iter_media": "._size",
    "iter_unmapped_keys": "._jsonld",
    "iter_xml_findings": "._xsd",
    "load_aurora_config": "._aurora_config",
    "load_seal_key": "._keys",
    "loq_document": "._loq",
    "loq_offering": "._loq",
    "loq_report": "._loq",
    "new_tx_code_value": "._oid4vci",
    "offer_link": "._oid4vci",
    "offer_qr": "._qr",
    "open_concept": "._vocab",
    "open_scheme_names": "._vocab",
    "parse_credential": "._jsonld",
    "parse_xml": "._xmlsafe",
    "profile_names": "._shacl",
    "read_credential_document": "._documents",
    "read_offer_link": "._oid4vci",
    "read_skos_vocabulary": "._aurora_vocab",
    "read_trusted_list": "._trusted_list",
    "render_check_html": "._aurora_html",
    "resolve_code": "._vocab",
    "schema_names": "._xsd",
    "schema_url": "._xsd",
    "seal_jades": "._jades",
    "seal_xades": "._xades_sign",
    "shrink_media": "._media",
    "sign_presentation": "._presentation",
    "size_report": "._size",
    "stream_records": "._loaders",
    "subject_email": "._documents",
    "validate_credential": "._shacl",
    "validate_xml": "._xsd",
    "verify_jades": "._jades_verify",
    "verify_presentation": "._presentation",
    "verify_xades": "._xades_verify",
    "wrap_for_upload": "._europass",
    "write_catalogue": "._loq_job",
    "write_deposit_file": "._europass",
    "write_upload_file": "._europass",
    "xml_report": "._xsd",
    "xml_schema": "._xsd",
}


def __getattr__(name: str) -> _typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(module, __name__), name)
    globals()[name] = value

    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
