"""Zip archives from outside (QTI packages), read safely: bounded entries, sizes and ratios, and no
path that leaves the archive (`../`, absolute paths, drive letters, links)."""
from __future__ import annotations

import io
import posixpath
import stat
import zipfile

from .. import limits
from . import N_, FormatError


def read_zip(data: bytes) -> dict[str, bytes]:
    """Every file of the archive by its normalised path. Refuses the whole archive on any danger."""
    if len(data) > limits.MAX_IMPORT_BYTES:
        raise FormatError(N_("the archive is larger than %(mb)s MB"), mb=limits.MAX_IMPORT_BYTES // (1024 * 1024))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise FormatError(N_("the file is not a readable zip archive")) from None
    entries = archive.infolist()
    if len(entries) > limits.MAX_ZIP_ENTRIES:
        raise FormatError(N_("the archive holds more than %(n)s files"), n=limits.MAX_ZIP_ENTRIES)
    files: dict[str, bytes] = {}
    total = 0
    with archive:
        for entry in entries:
            if entry.is_dir():
                continue
            name = safe_member_name(entry.filename)
            if stat.S_ISLNK(entry.external_attr >> 16):
                raise FormatError(N_("the archive holds a link (%(name)r)"), name=entry.filename)
            if entry.file_size > limits.MAX_IMPORT_BYTES:
                raise FormatError(N_("%(name)r unpacks to more than %(mb)s MB"), name=entry.filename,
                                  mb=limits.MAX_IMPORT_BYTES // (1024 * 1024))
            total += entry.file_size
            if total > limits.MAX_ZIP_TOTAL_BYTES:
                raise FormatError(N_("the archive unpacks to more than %(mb)s MB"),
                                  mb=limits.MAX_ZIP_TOTAL_BYTES // (1024 * 1024))
            if entry.compress_size and entry.file_size / entry.compress_size > limits.MAX_ZIP_RATIO:
                raise FormatError(N_("%(name)r is compressed suspiciously well (a zip bomb?)"), name=entry.filename)
            try:
                # Read at most the declared size plus one byte: a lying header cannot inflate more.
                with archive.open(entry) as member:
                    content = member.read(entry.file_size + 1)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError):
                raise FormatError(N_("%(name)r cannot be unpacked (damaged or encrypted)"), name=entry.filename) from None
            if len(content) != entry.file_size:
                raise FormatError(N_("%(name)r is not the size its header says"), name=entry.filename)
            if name in files:
                raise FormatError(N_("the archive holds %(name)r twice"), name=name)
            files[name] = content
    return files


def safe_member_name(name: str) -> str:
    if "\x00" in name or "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise FormatError(N_("the archive holds a path Kontor does not accept (%(name)r)"), name=name)
    normalised = posixpath.normpath(name)
    if normalised.startswith("../") or normalised == ".." or normalised.startswith("/"):
        raise FormatError(N_("the archive holds a path that leaves it (%(name)r)"), name=name)
    return normalised
