"""A project's dossier as a file (一项目一档): the ZIP layout, its XML manifest and reading an
archive back with bounded effort. No database and no Flask: the manifest, its detached CMS
seal (``cms.py``) and the CA certificate inside are all a verifier needs.

The manifest follows DA/T 48-2009 (基于XML的电子文件封装规范) in its structure — 封装包 /
被签名对象 / 封装内容 / 电子签名块 — and GB/T 18894-2016's archival metadata in its element
names; where it departs (files beside the manifest instead of base64 inside it, a detached CMS
signature instead of an XML signature, no 锁定签名) is written in README.txt and
docs/documents.md.
"""
from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree import ElementTree as ET

MANIFEST = "manifest.xml"
SIGNATURE = "manifest.xml.p7s"
CA_CERT = "ca-cert.pem"
README = "README.txt"
CHECKPOINTS = "checkpoints/"  # the signed audit checkpoints covering the records (empty until one exists)
UNLISTED = {MANIFEST, SIGNATURE}  # the only members the manifest cannot list
FORMAT_VERSION = "1.0"

# category code → the manifest's word for it
CATEGORIES = {"document": "文书", "attachment": "附件", "history": "办理过程", "audit": "审计记录",
              "trust": "信任锚", "readme": "说明", "checkpoint": "审计检查点"}
_CATEGORY_CODES = {v: k for k, v in CATEGORIES.items()}


class BadArchive(Exception):
    """The bytes are not a dossier that can be read within the limits (the reason says why)."""


@dataclass(frozen=True)
class Entry:
    """One file of the package as the manifest lists it (电子文件)."""

    path: str
    category: str
    sha256: str
    size: int
    metadata: tuple[tuple[str, str], ...] = ()  # (元数据 element name, value), in order


@dataclass(frozen=True)
class Manifest:
    created_at: str                              # ISO 8601, Beijing time
    creator: str                                 # the Office
    record: tuple[tuple[str, str], ...]          # the project's own metadata (档案元数据)
    entries: tuple[Entry, ...]
    folders: tuple[tuple[str, str], ...] = ()    # reserved folders: (path, note)
    signer: str = ""
    ca_fingerprint: str = ""

    def entry(self, path: str) -> Entry | None:
        return next((e for e in self.entries if e.path == path), None)


DESCRIPTION = ("本封装包按 DA/T 48-2009《基于XML的电子文件封装规范》的结构组织一个试点项目的全部电子文件"
               "（一项目一档）：文件实体以独立文件存放于包内，本清单逐一记载其路径、大小与 SHA-256 数字摘要；"
               "清单由省信息办电子公章以 CMS 分离式签名（" + SIGNATURE + "）封装，可凭包内 " + CA_CERT
               + " 离线核验。")


def _text(parent: ET.Element, tag: str, value: object, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, tag, attrs)
    child.text = "" if value is None else str(value)
    return child


def manifest_xml(manifest: Manifest) -> bytes:
    """The manifest as UTF-8 XML (user text is escaped by the serializer)."""
    root = ET.Element("封装包")
    _text(root, "封装包格式描述", DESCRIPTION)
    _text(root, "版本", FORMAT_VERSION)
    signed = ET.SubElement(root, "被签名对象")
    _text(signed, "封装包类型", "原始型")
    _text(signed, "封装包创建时间", manifest.created_at)
    _text(signed, "封装包创建单位", manifest.creator)
    content = ET.SubElement(signed, "封装内容")
    record = ET.SubElement(content, "档案元数据")
    for tag, value in manifest.record:
        _text(record, tag, value)
    block = ET.SubElement(content, "文件实体块")
    for e in manifest.entries:
        item = ET.SubElement(block, "电子文件", {"类别": CATEGORIES[e.category], "路径": e.path})
        meta = ET.SubElement(item, "元数据")
        for tag, value in e.metadata:
            _text(meta, tag, value)
        _text(item, "计算机文件名", e.path)
        _text(item, "计算机文件大小", e.size)
        _text(item, "数字摘要", e.sha256, 算法="SHA-256")
    for path, note in manifest.folders:
        _text(content, "预留目录", note, 路径=path)
    sig = ET.SubElement(root, "电子签名块")
    _text(sig, "签名文件", SIGNATURE)
    _text(sig, "签名格式", "CMS SignedData (RFC 5652), DER, detached, SHA-256")
    _text(sig, "签名人", manifest.signer)
    _text(sig, "信任锚", CA_CERT)
    _text(sig, "信任锚指纹", manifest.ca_fingerprint, 算法="SHA-256")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _pairs(element: ET.Element | None) -> tuple[tuple[str, str], ...]:
    return tuple((child.tag, child.text or "") for child in element) if element is not None else ()


def parse_manifest(data: bytes) -> Manifest:
    """Read a manifest back; BadArchive when it is not one (no DTDs or entities are read)."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise BadArchive("the manifest declares a DTD or entities")
    try:
        root = ET.fromstring(data)
        signed = root.find("被签名对象")
        content = signed.find("封装内容")
        entries = []
        for item in content.find("文件实体块").findall("电子文件"):
            digest = item.find("数字摘要")
            entries.append(Entry(item.get("路径") or "", _CATEGORY_CODES.get(item.get("类别") or "", "document"),
                                 (digest.text or "").strip().lower(), int(item.findtext("计算机文件大小") or -1),
                                 _pairs(item.find("元数据"))))
        record = _pairs(content.find("档案元数据"))
        folders = tuple((f.get("路径") or "", f.text or "") for f in content.findall("预留目录"))
        sig = root.find("电子签名块")
        sig = sig if sig is not None else ET.Element("电子签名块")
        return Manifest(signed.findtext("封装包创建时间") or "", signed.findtext("封装包创建单位") or "", record,
                        tuple(entries), folders, sig.findtext("签名人") or "", sig.findtext("信任锚指纹") or "")
    except (ET.ParseError, AttributeError, ValueError, TypeError) as exc:
        raise BadArchive(f"the manifest cannot be read ({type(exc).__name__})") from None


# --- the ZIP -------------------------------------------------------------------------------------
def write_zip(files: list[tuple[str, bytes]], folders: list[str], when: datetime) -> bytes:
    """The archive: ``folders`` as directory entries, then the files in order (UTF-8 names)."""
    stamp = when.timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder in folders:
            info = zipfile.ZipInfo(folder, stamp)
            info.external_attr = 0o40755 << 16
            archive.writestr(info, b"")
        for name, data in files:
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue()


def is_zip(data: bytes) -> bool:
    return data[:4] in (b"PK\x03\x04", b"PK\x05\x06")


@dataclass
class Members:
    files: dict[str, bytes] = field(default_factory=dict)
    folders: set[str] = field(default_factory=set)


def read_zip(data: bytes, *, max_members: int, max_total: int) -> Members:
    """Every member's bytes, refusing (BadArchive) too many members, more than ``max_total``
    bytes uncompressed in all (declared or actual), duplicate names, encryption and unusual
    compression — a zip bomb costs at most ``max_total`` bytes of inflating."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, IndexError, KeyError) as exc:
        raise BadArchive(f"not a readable ZIP archive ({type(exc).__name__})") from None
    if len(infos) > max_members:
        raise BadArchive(f"the archive has more than {max_members} members")
    if sum(i.file_size for i in infos) > max_total:
        raise BadArchive(f"the archive would unpack to more than {max_total} bytes")
    members, total = Members(), 0
    for info in infos:
        name = info.filename
        if name in members.files or name in members.folders:
            raise BadArchive(f"the archive names {name!r} twice")
        if info.flag_bits & 0x1:
            raise BadArchive(f"{name!r} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise BadArchive(f"{name!r} uses an unsupported compression method")
        if name.endswith("/") and info.file_size == 0:
            members.folders.add(name)
            continue
        try:
            with archive.open(info) as fh:
                content = fh.read(info.file_size + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
                RuntimeError) as exc:
            raise BadArchive(f"{name!r} cannot be read ({type(exc).__name__})") from None
        total += len(content)
        if len(content) > info.file_size or total > max_total:
            raise BadArchive(f"{name!r} is larger than it declares")
        members.files[name] = content
    return members
