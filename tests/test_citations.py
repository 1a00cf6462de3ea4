"""Every citation in the packaged catalogues and models links to its publisher or an official
repository, never to a document-mirror site (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

PKG = Path(__file__).resolve().parent.parent / "urbansec_lib"
FILES = [
    PKG / "catalogues" / "indices.yaml",
    PKG / "catalogues" / "funding.yaml",
    PKG / "ci_models" / "collective_impact.yaml",
    *sorted((PKG / "pyramids").glob("*.yaml")),
]
# Sites that re-host other people's documents (no publisher, no stable record).
MIRRORS = (
    "vdocument.in", "vdocuments.site", "vdocuments.mx", "slidelegend.com", "docsbay.net",
    "scribd.com", "paperzz.com", "docest.com", "slideshare.net", "slidegur.com",
    "slideplayer.nl", "slideplayer.com", "dokumen.tips", "documents.pub", "docslib.org",
    "pdffox.com", "issuu.com", "wikidot.com",
)  # fmt: skip
# Publishers and official repositories the catalogues may cite.
PUBLISHERS = (
    "europa.eu", "urban-initiative.eu", "efus.eu", "unhabitat.org", "oecd.org",
    "oecdbetterlifeindex.org", "economist.com", "econ-asia.com", "nec.com",
    "worldbank.github.io", "dst.dk", "unil.ch", "cuttingcrimeimpact.eu", "numbeo.com",
    "praeventionstag.de", "greekcitytimes.com", "urbact.eu", "interreg.eu", "ssir.org",
    "fsg.org", "collectiveimpactforum.org", "kauffman.org", "tamarackcommunity.ca",
    "ctb.ku.edu", "citymatchlearning.org", "doi.org",
)  # fmt: skip

_URL = re.compile(r"https?://[^\s\"'<>;)]+")


def _strings(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)
    elif isinstance(node, str):
        yield node


def _urls(path: Path) -> list[str]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [u.rstrip(".,") for s in _strings(doc) for u in _URL.findall(s)]


def _host_in(host: str, domains) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_citations_link_to_publishers(path):
    urls = _urls(path)
    assert urls, f"no URL found in {path.name}"
    mirrors = [u for u in urls if _host_in(urlparse(u).hostname or "", MIRRORS)]
    assert mirrors == [], mirrors
    unknown = [u for u in urls if not _host_in(urlparse(u).hostname or "", PUBLISHERS)]
    assert unknown == [], f"not a known publisher / official repository: {unknown}"
    malformed = [u for u in urls if (urlparse(u).hostname or "").endswith(".")]
    assert malformed == []


def test_catalogue_sources_cover_the_mirrors_they_replace():
    """The indices catalogue keeps one source per cited key, all https except legacy OECD."""
    doc = yaml.safe_load(FILES[0].read_text(encoding="utf-8"))
    urls = [s["url"] for s in doc["sources"].values()]
    assert len(urls) == len(doc["sources"]) >= 20
    assert all(u.startswith("https://") or "oecdbetterlifeindex.org" in u for u in urls), urls


def test_mirror_check_can_fail():
    assert _host_in("de.scribd.com", MIRRORS) and not _host_in("ec.europa.eu", MIRRORS)
    assert _host_in("eur-lex.europa.eu", PUBLISHERS)
    assert not _host_in("notscribd.com", MIRRORS)
