"""Uploaded files scanned for viruses by ClamAV's daemon before anything keeps them.

Why: a case document or a piece of published evidence is opened later on someone's work
computer; a known virus must not travel that way (SECURITY.md FI-6). The contents checks in
``file_checks`` stop files that pretend to be something else; this stops known malware in a
real PDF or Word file.

clamd is spoken to directly (its INSTREAM command over a Unix socket or TCP), so no extra
package is needed. Fail closed: when the scanner cannot be reached, answers strangely or
takes too long, the file is refused with a message to try again later, never kept
unscanned. ``ACCORD_CLAMD`` says where clamd listens (``unix:/run/clamav/clamd.ctl`` or
``tcp:127.0.0.1:3310``); production refuses to start without it, and only the demo and
tests run with scanning off (``ACCORD_CLAMD = ""``).

Like ``file_checks``, this holds no data and belongs to no zone.
"""

from __future__ import annotations

import logging
import socket
import struct

from django.conf import settings

from accord.web.file_checks import FileRefused

logger = logging.getLogger("accord.virus_scan")

#: clamd's default StreamMaxLength is 25 MB; chunks are sent well below any limit.
CHUNK = 64 * 1024
TIMEOUT_SECONDS = 30.0

UNAVAILABLE = (
    "We could not check this file for viruses just now, so it was not kept. Nothing else was "
    "changed. Try again in a few minutes; if it keeps happening, tell your administrator."
)


class ScannerUnavailable(Exception):
    pass


def _connect(address: str) -> socket.socket:
    kind, _, where = address.partition(":")
    if kind == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT_SECONDS)
        sock.connect(where)
        return sock
    if kind == "tcp":
        host, _, port = where.rpartition(":")
        return socket.create_connection((host, int(port)), timeout=TIMEOUT_SECONDS)
    raise ScannerUnavailable(f"ACCORD_CLAMD must start with unix: or tcp:, not {address!r}")


def scan_reply(data: bytes, address: str) -> str:
    """clamd's answer for ``data`` ("stream: OK", "stream: Eicar-Signature FOUND", ...)."""
    try:
        with _connect(address) as sock:
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start : start + CHUNK]
                sock.sendall(struct.pack(">I", len(chunk)) + chunk)
            sock.sendall(struct.pack(">I", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = sock.recv(4096)
                if not part:
                    break
                reply += part
    except (OSError, ValueError) as error:
        raise ScannerUnavailable(str(error)) from error
    return reply.rstrip(b"\0").decode("utf-8", errors="replace").strip()


def check_for_viruses(data: bytes) -> None:
    """Return if clamd finds nothing; otherwise refuse the file with a plain reason."""
    address = str(getattr(settings, "ACCORD_CLAMD", "") or "")
    if not address:
        return  # scanning off: the demo and tests only (production refuses to start so)
    try:
        reply = scan_reply(data, address)
    except ScannerUnavailable as error:
        logger.error("virus_scan.unavailable %s", error)
        raise FileRefused(UNAVAILABLE) from error
    if reply.endswith(" OK"):
        return
    if reply.endswith(" FOUND"):
        signature = reply.removeprefix("stream:").removesuffix("FOUND").strip()
        logger.warning("virus_scan.found %s", signature[:100])
        raise FileRefused(
            "This file contains a known virus, so it was not kept. Do not open it on your "
            "computer. Ask the person who sent it for a clean copy, or tell your IT team."
        )
    logger.error("virus_scan.unexpected_reply %s", reply[:200])
    raise FileRefused(UNAVAILABLE)
