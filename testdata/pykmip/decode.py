#!/usr/bin/python3
"""Decode KMIP TTLV messages with PyKMIP and re-encode them.

Run with the Debian interpreter (python3-pykmip is installed for it):

    printf 'RequestMessage 420078...\\n' | /usr/bin/python3 decode.py

Input: one message per line, "KIND HEX", where KIND is RequestMessage or
ResponseMessage and HEX is the whole TTLV message (either case).  Blank
lines and lines starting with '#' are ignored.

Output: one JSON object per non-ignored input line, in order:

    {"ok": true, "hex": "<PyKMIP re-encoding>", "summary": "..."}
    {"ok": false, "error": "..."}

A successful line may also carry "warning" when PyKMIP accepted input it
should arguably have rejected (the outer message length is not checked by
PyKMIP, so trailing bytes or a wrong top-level length go unnoticed).

PyKMIP 0.10.0 bug worked around here: TextString.read_value() leaves
padding_length at 8 (instead of 0) when the string length is a multiple of
8, so a decoded 8/16/24-byte text string is re-encoded with 8 extra zero
bytes (and PyKMIP cannot read that output back).  The decoded value is
correct; only the re-encoding is wrong.  decode.py therefore resets the
padding after each TextString read.  Pass --raw-pykmip to disable the shim
and see PyKMIP's unmodified behaviour.

The protocol version is read from the header before decoding, and the
matching KMIPVersion is passed to PyKMIP's read() and write(): KMIP 1.x
semantics (TemplateAttribute) for major 1, KMIP 2.0 semantics (Attributes)
for major 2.  Every line is handled independently; an exception on one
line becomes an {"ok": false} record and processing continues.
"""

import json
import sys

from kmip.core import enums
from kmip.core import primitives
from kmip.core import utils
from kmip.core.messages import messages

V = enums.KMIPVersion

TAG_REQUEST_MESSAGE = 0x420078
TAG_RESPONSE_MESSAGE = 0x42007B
TAG_REQUEST_HEADER = 0x420077
TAG_RESPONSE_HEADER = 0x42007A
TAG_PROTOCOL_VERSION = 0x420069
TAG_MAJOR = 0x42006A
TAG_MINOR = 0x42006B

KIND_TAGS = {
    "RequestMessage": (TAG_REQUEST_MESSAGE, TAG_REQUEST_HEADER,
                       messages.RequestMessage),
    "ResponseMessage": (TAG_RESPONSE_MESSAGE, TAG_RESPONSE_HEADER,
                        messages.ResponseMessage),
}

KMIP_VERSIONS = {
    (1, 0): V.KMIP_1_0, (1, 1): V.KMIP_1_1, (1, 2): V.KMIP_1_2,
    (1, 3): V.KMIP_1_3, (1, 4): V.KMIP_1_4, (2, 0): V.KMIP_2_0,
}


class DecodeError(Exception):
    pass


_orig_text_read_value = primitives.TextString.read_value


def _text_read_value_fixed(self, istream, kmip_version=V.KMIP_1_0):
    _orig_text_read_value(self, istream, kmip_version=kmip_version)
    if self.padding_length == self.PADDING_SIZE:
        self.padding_length = 0


def install_textstring_padding_fix():
    primitives.TextString.read_value = _text_read_value_fixed


def _items(buf, start, end):
    """Yield (tag, type, length, value_start) for TTLV items in buf[start:end]."""
    off = start
    while off + 8 <= end:
        tag = int.from_bytes(buf[off:off + 3], "big")
        typ = buf[off + 3]
        length = int.from_bytes(buf[off + 4:off + 8], "big")
        yield tag, typ, length, off + 8
        if typ == 0x01:
            off += 8 + length
        else:
            off += 8 + length + (-length % 8)


def _first(buf, start, end, want_tag, want_type):
    for tag, typ, length, vstart in _items(buf, start, end):
        if tag == want_tag:
            if typ != want_type:
                raise DecodeError("tag %06x has type %02x, want %02x"
                                  % (tag, typ, want_type))
            if vstart + length > end:
                raise DecodeError("tag %06x overruns its parent" % tag)
            return vstart, length
    raise DecodeError("tag %06x not found" % want_tag)


def peek_version(buf, kind):
    """Read ProtocolVersion (major, minor) from the message header."""
    msg_tag, hdr_tag, _ = KIND_TAGS[kind]
    if len(buf) < 8:
        raise DecodeError("message shorter than a TTLV header")
    tag = int.from_bytes(buf[0:3], "big")
    if tag != msg_tag or buf[3] != 0x01:
        raise DecodeError("expected %s structure (tag %06x), got tag %06x "
                          "type %02x" % (kind, msg_tag, tag, buf[3]))
    mlen = int.from_bytes(buf[4:8], "big")
    end = min(len(buf), 8 + mlen)
    hs, hl = _first(buf, 8, end, hdr_tag, 0x01)
    ps, pl = _first(buf, hs, hs + hl, TAG_PROTOCOL_VERSION, 0x01)
    out = []
    for t in (TAG_MAJOR, TAG_MINOR):
        vs, vl = _first(buf, ps, ps + pl, t, 0x02)
        if vl != 4:
            raise DecodeError("protocol version field length %d" % vl)
        out.append(int.from_bytes(buf[vs:vs + 4], "big", signed=True))
    return tuple(out)


def summarize(msg, kind, major, minor):
    if kind == "RequestMessage":
        header = msg.request_header
    else:
        header = msg.response_header
    ops = []
    for item in msg.batch_items:
        name = item.operation.value.name if item.operation else "-"
        if kind == "ResponseMessage":
            name += "/" + item.result_status.value.name
            if item.result_reason is not None:
                name += "/" + item.result_reason.value.name
        ops.append(name)
    return "%s v%d.%d batch_count=%d items=%d ops=%s" % (
        kind, major, minor, header.batch_count.value,
        len(msg.batch_items), ",".join(ops))


def decode_line(line):
    parts = line.split()
    if len(parts) != 2:
        raise DecodeError("expected 'KIND HEX', got %d fields" % len(parts))
    kind, hexstr = parts
    if kind not in KIND_TAGS:
        raise DecodeError("unknown kind %r" % kind)
    try:
        buf = bytes.fromhex(hexstr)
    except ValueError as e:
        raise DecodeError("bad hex: %s" % e)

    major, minor = peek_version(buf, kind)
    if major == 2:
        version = V.KMIP_2_0
    else:
        version = KMIP_VERSIONS.get((major, minor))
    if version is None:
        # PyKMIP maps unknown versions to None and then fails on version
        # comparisons; refuse up front with a clear message.
        raise DecodeError("PyKMIP does not support protocol version %d.%d"
                          % (major, minor))
    if major == 2 and minor != 0:
        raise DecodeError("PyKMIP only supports KMIP 2.0, not 2.%d" % minor)

    cls = KIND_TAGS[kind][2]
    msg = cls()
    stream = utils.BytearrayStream(buf)
    msg.read(stream, kmip_version=version)

    warnings = []
    consumed = len(buf) - len(stream.peek())
    declared = 8 + msg.length
    if consumed != declared:
        warnings.append("PyKMIP consumed %d bytes but the message declares "
                        "%d" % (consumed, declared))
    if consumed != len(buf):
        warnings.append("%d trailing bytes ignored by PyKMIP"
                        % (len(buf) - consumed))

    out = utils.BytearrayStream()
    msg.write(out, kmip_version=version)
    rec = {
        "ok": True,
        "hex": bytes(out.buffer).hex(),
        "summary": summarize(msg, kind, major, minor),
    }
    if warnings:
        rec["warning"] = "; ".join(warnings)
    return rec


def main():
    if "--raw-pykmip" not in sys.argv[1:]:
        install_textstring_padding_fix()
    for raw in sys.stdin:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            rec = decode_line(line)
        except Exception as e:  # never let one bad line stop the run
            rec = {"ok": False,
                   "error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(rec) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    try:
        main()
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. "decode.py | head"
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
