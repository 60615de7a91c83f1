"""Regenerate ``src/aurora_edc/artefacts.json`` from a mirror directory.

Maintainer tool, not shipped: it reads every official artefact that aurora-edc
uses from a mirror laid out like ``../shared`` and records its canonical URL,
its path inside a mirror, its media type and its SHA-256.

Usage: ``python tools/pin_artefacts.py ../shared``
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ELM_REPO = (
    "https://raw.githubusercontent.com/european-commission-empl/"
    "European-Learning-Model/9d7c5d2"
)
AP = "http://data.europa.eu/snb/model/ap/"
V12 = "http://publications.europa.eu/resource/schema/"

# Artefacts with a published identity of their own.
NAMED: dict[str, tuple[str, str]] = {
    "contexts/credentials-v1.jsonld": (
        "https://www.w3.org/2018/credentials/v1",
        "application/ld+json",
    ),
    "contexts/credentials-v2.jsonld": (
        "https://www.w3.org/ns/credentials/v2",
        "application/ld+json",
    ),
    "elm/v3/context/edc-ap-context.jsonld": (
        "http://data.europa.eu/snb/model/context/edc-ap",
        "application/ld+json",
    ),
    "elm/v3/ontology/ELM.ttl": ("http://data.europa.eu/snb/model/elm/", "text/turtle"),
    "elm/v3/shapes/EDC-generic-no-cv.ttl": (AP + "edc-generic-no-cv", "text/turtle"),
    "elm/v3/shapes/EDC-generic-full.ttl": (AP + "edc-generic-full", "text/turtle"),
    "elm/v3/shapes/EDC-accredited.ttl": (AP + "edc-accredited", "text/turtle"),
    "elm/v3/shapes/EDC-diplomaSupplement.ttl": (
        AP + "edc-diploma-supplement",
        "text/turtle",
    ),
    "elm/v3/shapes/EDC-issuedByMandate.ttl": (
        AP + "edc-issued-by-mandate",
        "text/turtle",
    ),
    "elm/v3/shapes/EDC-converted.ttl": (AP + "edc-converted", "text/turtle"),
    "elm/v2/xsd/genericschema_1.2.xsd": (
        V12 + "credential/genericschema_1.2.xsd",
        "application/xml",
    ),
    "elm/v2/xsd/diplomasupplementschema_1.2.xsd": (
        V12 + "credential/diplomasupplementschema_1.2.xsd",
        "application/xml",
    ),
    "elm/v2/xsd/accreditationschema_1.2.xsd": (
        V12 + "credential/accreditationschema_1.2.xsd",
        "application/xml",
    ),
    "elm/v2/xsd/mandatedschema_generic_1.2.xsd": (
        V12 + "presentation/mandatedschema_generic_1.2.xsd",
        "application/xml",
    ),
    "elm/v2/xsd/mandatedschema_dp_1.2.xsd": (
        V12 + "presentation/mandatedschema_dp_1.2.xsd",
        "application/xml",
    ),
    "elm/v2/xsd/mandatedschema_accred_1.2.xsd": (
        V12 + "presentation/mandatedschema_accred_1.2.xsd",
        "application/xml",
    ),
    "elm/v2/xsd/genericschema.xsd": (
        "http://data.europa.eu/snb/resource/distribution/v1/xsd/schema/"
        "genericschema.xsd",
        "application/xml",
    ),
    "elm/v2/xsd/XAdES01903v132-201601.xsd": (
        "http://uri.etsi.org/01903/v1.3.2/XAdES01903v132-201601.xsd",
        "application/xml",
    ),
    "elm/v2/xsd/XAdES01903v141-201601.xsd": (
        "http://uri.etsi.org/01903/v1.4.1/XAdES01903v141-201601.xsd",
        "application/xml",
    ),
    "elm/v2/xsd/xmldsig-core-schema.xsd": (
        "http://www.w3.org/TR/2008/REC-xmldsig-core-20080610/xmldsig-core-schema.xsd",
        "application/xml",
    ),
    "elm/v2/xsd/w3c_verifiableCredentials.xsd": (
        V12 + "credential/w3c_verifiableCredentials.xsd",
        "application/xml",
    ),
}

# Shape files of other profiles, named by their owl:Ontology IRI.
ONTOLOGY_SHAPES = {
    "elm/v3/shapes/LOQ-constraints.ttl": AP + "loq-constraints",
    "elm/v3/shapes/LOQ-constraints-mdr.ttl": AP + "loq-constraints-mdr",
    "elm/v3/shapes/AMS-constraints.ttl": AP + "ams-constraints",
    "elm/v3/shapes/AMS-constraints-mdr.ttl": AP + "ams-constraints-mdr",
    "elm/v3/shapes/PID-constraints.ttl": AP + "pid-constraints",
}

SHAPE_IMPORTS = {
    "elm/v3/shapes/EDC-generic-full.ttl": [AP + "edc-generic-no-cv"],
    "elm/v3/shapes/EDC-accredited.ttl": [AP + "edc-generic-full"],
    "elm/v3/shapes/EDC-diplomaSupplement.ttl": [AP + "edc-accredited"],
    "elm/v3/shapes/EDC-issuedByMandate.ttl": [AP + "edc-generic-full"],
    "elm/v3/shapes/EDC-converted.ttl": [AP + "edc-generic-full"],
}


def main(mirror: Path) -> None:
    """Write the catalogue for every artefact found under ``mirror``."""
    entries = []
    for rel, (url, media) in NAMED.items():
        entries.append(_entry(mirror, rel, url, media))
    for rel, url in ONTOLOGY_SHAPES.items():
        entries.append(_entry(mirror, rel, url, "text/turtle"))
    for tree in ("loq", "ams"):
        for path in sorted((mirror / "elm/v3/xsd" / tree).rglob("*.xsd")):
            rel = path.relative_to(mirror).as_posix()
            url = f"{ELM_REPO}/{rel.removeprefix('elm/v3/')}"
            entries.append(_entry(mirror, rel, url, "application/xml"))
    target = Path(__file__).parents[1] / "src/aurora_edc/artefacts.json"
    document = {"version": 1, "artefacts": entries}
    target.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"{len(entries)} artefacts pinned in {target}")


def _entry(mirror: Path, rel: str, url: str, media: str) -> dict[str, object]:
    data = (mirror / rel).read_bytes()
    entry: dict[str, object] = {
        "url": url,
        "path": rel,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "media_type": media,
    }
    if rel in SHAPE_IMPORTS:
        entry["imports"] = SHAPE_IMPORTS[rel]
    return entry


if __name__ == "__main__":
    main(Path(sys.argv[1]))
