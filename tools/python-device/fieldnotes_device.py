#!/usr/bin/env python3
"""A minimal fieldnotes device for sync protocol versions 3 and 4, in Python.

Written from Protocol/SPEC.md, Protocol/OPERATIONS.md, Protocol/SCHEMA.md and
Protocol/vectors/*.json only (not from the Swift sources), with nothing but
Python's standard library (ssl, socket, hashlib, ...). The device's Ed25519
key and self-signed certificate are made with the `openssl` command, as
SPEC §2 suggests.

  fieldnotes_device.py join CODE [--token TOKEN] --state DIR
      Parse the enrolment code (SPEC §6.1), check the token's check symbol,
      make DIR/key.pem (0600), connect over TLS 1.3, pin the hub's
      fingerprint before any application data, send magic + Hello + Enrol,
      read the Welcome, close. Saves the link in DIR/link.json.

  fieldnotes_device.py sync --state DIR [--add-note TITLE [--body TEXT]] [--max-version 3]
      Connect, pin, send magic + Hello + Vector, read Welcome, the hub's
      Vector, every Ops batch (decoded in full, seqs checked, each
      committed to DIR/ops.json and acknowledged), the hub's Done; send
      its own operations the hub lacks (with --add-note, a new note: create,
      title, and the body as one insertText run), Done, close. Prints what
      it received. It offers versions 3..4 (3..3 with --max-version 3, as a
      version 3 device would); in a version 4 session it sends each batch as
      CompressedOps when that frame is shorter (SPEC §5.10). Prints what
      it received:
        RECEIVED origin=HEX first=N last=M count=K   (one line per origin)
        SUMMARY operations=N origins=M batches=B held_origins=H held_operations=O

  fieldnotes_device.py vectors [--dir Protocol/vectors]
      Decode every vector, compare with `decoded`, re-encode and compare
      byte for byte, feed frames whole and byte by byte, check every
      rejection with its error name, tokens, fingerprints and the session.

Exit status: 0 success, 1 failure (protocol, network, hub error), 2 usage.
"""

import argparse
import hashlib
import json
import math
import os
import secrets
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import zlib

# ---------------------------------------------------------------------------
# Constants (SPEC §2, §4, §8, §9)

MAGIC = bytes([0xF9, 0x46, 0x4E, 0x53])
PROTOCOL_MIN = 3
PROTOCOL_MAX = 4
COMPRESSED_OPS_VERSION = 4  # CompressedOps (SPEC §5.10) from version 4 on

LIMIT_BEFORE_WELCOME = 1024
LIMIT_AFTER_WELCOME = 1048576
MAX_NAME = 64
MAX_ERROR_MESSAGE = 512
MAX_VECTOR_ENTRIES = 16384
MAX_BATCH_OPS = 1024
WINDOW = 4
MAX_TABLE_NAME = 255
MAX_TEXT = 524288
MAX_REASON = 1024
MAX_IDS = 1024
MAX_RUN = 524288      # characters in one insertText run
MAX_RANGES = 1024     # ranges in one deleteText
MAX_SEQ = (1 << 63) - 1
MAX_U64 = (1 << 64) - 1
IDLE_TIMEOUT = 60.0
KEEPALIVE = 20.0
SKEW_WARNING_MS = 300000

T_HELLO, T_WELCOME, T_ERROR, T_ENROL = 0x01, 0x04, 0x05, 0x06
T_VECTOR, T_OPS, T_ACK, T_DONE, T_PING, T_PONG = 0x10, 0x11, 0x12, 0x13, 0x14, 0x15
T_COMPRESSED_OPS = 0x16
TYPE_NAMES = {
    T_HELLO: "hello", T_WELCOME: "welcome", T_ERROR: "error", T_ENROL: "enrol",
    T_VECTOR: "vector", T_OPS: "ops", T_ACK: "ack", T_DONE: "done",
    T_PING: "ping", T_PONG: "pong", T_COMPRESSED_OPS: "compressedOps",
}
TYPE_CODES = {v: k for k, v in TYPE_NAMES.items()}

ERROR_CODES = {
    1: "badMagic", 2: "unsupportedVersion", 3: "malformed", 4: "frameTooLarge",
    5: "authFailed", 6: "unknownDevice", 7: "revoked", 8: "busy",
    9: "forgedOrigin", 10: "seqGap", 11: "badTag", 12: "timeout",
    13: "internal", 14: "replicaMismatch", 15: "protocolViolation",
    16: "forked", 17: "schemaViolation",
}
ERROR_NUMBERS = {v: k for k, v in ERROR_CODES.items()}

KINDS = {1: "create", 2: "assign", 3: "add", 4: "remove", 5: "erase", 6: "insertText", 7: "deleteText"}
KIND_NUMBERS = {v: k for k, v in KINDS.items()}

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CROCKFORD_CHECK = CROCKFORD + "*~$=U"

# ---------------------------------------------------------------------------
# Errors


class DecodeError(Exception):
    """A decoding failure (names as in reject.json); wire code per SPEC §8."""

    def __init__(self, name, detail=""):
        super().__init__(f"{name}: {detail}" if detail else name)
        self.name = name
        self.detail = detail

    @property
    def wire_code(self):
        if self.name == "badMagic":
            return 1
        if self.name == "frameTooLarge":
            return 4
        return 3  # malformed


class SessionError(Exception):
    """A failure this side reports with an Error frame (code) and closes."""

    def __init__(self, code, message):
        super().__init__(f"{ERROR_CODES.get(code, code)}: {message}")
        self.code = code
        self.message = message


class PeerError(Exception):
    """The hub sent an Error frame."""

    def __init__(self, code, message):
        name = ERROR_CODES.get(code, "internal (unknown code %d)" % code)
        super().__init__(f"hub sent Error {code} {name}: {message}")
        self.code = code
        self.message = message


# ---------------------------------------------------------------------------
# Primitive encoding (SPEC §3)


def enc_varint(n):
    if n < 0 or n > MAX_U64:
        raise ValueError("varint out of range")
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zigzag(n):
    return ((n << 1) ^ (n >> 63)) & MAX_U64


def unzigzag(z):
    return (z >> 1) ^ -(z & 1)


def enc_string(s, limit=None):
    b = s.encode("utf-8")
    if limit is not None and len(b) > limit:
        raise ValueError("string over limit")
    return enc_varint(len(b)) + b


class Reader:
    def __init__(self, data):
        self.b = bytes(data)
        self.pos = 0

    def remaining(self):
        return len(self.b) - self.pos

    def take(self, n, what="field"):
        if self.remaining() < n:
            raise DecodeError("truncated", f"{what} needs {n} bytes, {self.remaining()} left")
        v = self.b[self.pos:self.pos + n]
        self.pos += n
        return v

    def u8(self, what="u8"):
        return self.take(1, what)[0]

    def u16(self, what="u16"):
        return struct.unpack(">H", self.take(2, what))[0]

    def u64(self, what="u64"):
        return struct.unpack(">Q", self.take(8, what))[0]

    def varint(self, what="varint"):
        result = 0
        for i in range(10):
            if self.pos >= len(self.b):
                raise DecodeError("truncated", f"{what} cut off")
            byte = self.b[self.pos]
            self.pos += 1
            if i == 9 and byte > 1:
                # An 11th byte would follow (high bit) or the value passes 2^64 - 1.
                raise DecodeError("varintOverflow", what)
            result |= (byte & 0x7F) << (7 * i)
            if not byte & 0x80:
                if byte == 0 and i > 0:
                    raise DecodeError("nonMinimalVarint", what)
                return result
        raise DecodeError("varintOverflow", what)  # not reached

    def utf8(self, raw, what="string"):
        try:
            return raw.decode("utf-8", errors="strict")
        except UnicodeDecodeError:
            raise DecodeError("invalidUTF8", what)

    def string(self, limit, what="string"):
        n = self.varint(what + " length")
        if n > limit:
            raise DecodeError("limitExceeded", f"{what} of {n} bytes exceeds {limit}")
        return self.utf8(self.take(n, what), what)

    def end(self, what="message"):
        if self.remaining():
            raise DecodeError("trailingBytes", f"{self.remaining()} bytes after {what}")


# ---------------------------------------------------------------------------
# Values, operations and batches (OPERATIONS.md §2-§3)


def value_to_json(v):
    """Values as the vectors write them: None, bool, float, str, {"number": "Infinity"}."""
    if isinstance(v, float) and math.isinf(v):
        return {"number": "Infinity" if v > 0 else "-Infinity"}
    return v


def value_from_json(j):
    if isinstance(j, dict):
        s = j["number"]
        return {"Infinity": math.inf, "-Infinity": -math.inf}[s]
    if isinstance(j, bool) or j is None or isinstance(j, str):
        return j
    return float(j)


def dec_value(r):
    tag = r.u8("value tag")
    if tag == 0:
        return None
    if tag == 1:
        return False
    if tag == 2:
        return True
    if tag == 3:
        x = struct.unpack(">d", r.take(8, "number"))[0]
        if math.isnan(x):
            raise DecodeError("invalidValue", "NaN")
        if x == 0 and math.copysign(1.0, x) < 0:
            raise DecodeError("nonCanonical", "-0")
        if math.isfinite(x) and x == int(x) and abs(x) <= 2 ** 53:
            raise DecodeError("nonCanonical", "whole number sent as binary64")
        return x
    if tag == 4:
        return r.string(MAX_TEXT, "text value")
    if tag == 5:
        n = unzigzag(r.varint("integer value"))
        if abs(n) > 2 ** 53:
            raise DecodeError("invalidValue", "integer beyond 2^53")
        return float(n)
    raise DecodeError("invalidValue", f"value tag {tag}")


def enc_value(v):
    if v is None:
        return b"\x00"
    if v is False:
        return b"\x01"
    if v is True:
        return b"\x02"
    if isinstance(v, str):
        return b"\x04" + enc_string(v, MAX_TEXT)
    if isinstance(v, (int, float)):
        x = float(v)
        if math.isnan(x):
            raise ValueError("NaN cannot be sent")
        if math.isfinite(x) and x == int(x) and abs(x) <= 2 ** 53:
            return b"\x05" + enc_varint(zigzag(int(x)))
        return b"\x03" + struct.pack(">d", x)
    raise ValueError(f"not a value: {v!r}")


def hexid(b):
    return b.hex()


def dec_batch(data, reader=None):
    """Decode an operation batch (OPERATIONS.md §2) into the vectors' JSON form."""
    r = reader if reader is not None else Reader(data)
    origin = r.take(16, "origin")
    first = r.varint("firstSeq")
    if first < 1:
        raise DecodeError("invalidField", "firstSeq 0")
    if first > MAX_SEQ:
        raise DecodeError("limitExceeded", "firstSeq past 2^63 - 1")
    count = r.varint("count")
    if count < 1:
        raise DecodeError("invalidField", "no operations")
    if count > MAX_BATCH_OPS:
        raise DecodeError("limitExceeded", f"{count} operations")
    if count * 5 > r.remaining():
        raise DecodeError("truncated", f"{count} operations announced")
    if first + count - 1 > MAX_SEQ:
        raise DecodeError("limitExceeded", "seqs pass 2^63 - 1")
    names, records, replicas = [], [], [origin]

    def ref(table, literal, what):
        idx = r.varint(what + " reference")
        if idx == 0:
            v = literal()
            if v in table:
                raise DecodeError("nonCanonical", f"{what} literal already in table")
            table.append(v)
            return v
        if idx - 1 >= len(table):
            raise DecodeError("badReference", f"{what} reference {idx} past table of {len(table)}")
        return table[idx - 1]

    def name_literal():
        n = r.varint("name length")
        if n > MAX_TABLE_NAME:
            raise DecodeError("limitExceeded", f"name of {n} bytes")
        raw = r.take(n, "name")
        r.utf8(raw, "name")
        return raw

    def counter(what):
        """A character counter or a range's first: 1..2^63-1 (OPERATIONS.md §3.3, §3.4)."""
        c = r.varint(what)
        if c < 1:
            raise DecodeError("invalidField", f"{what} 0")
        if c > MAX_SEQ:
            raise DecodeError("limitExceeded", f"{what} past 2^63 - 1")
        return c

    def char_count(first, limit, what):
        n = r.varint(what)
        if n < 1:
            raise DecodeError("invalidField", f"{what} 0")
        if n > limit:
            raise DecodeError("limitExceeded", f"{what} {n} over {limit}")
        if first + n - 1 > MAX_SEQ:
            raise DecodeError("limitExceeded", f"{what} {n} from {first} passes 2^63 - 1")
        return n

    def char_ref(what):
        """0 none; 1 a replica literal; r >= 2 replicas entry r - 1 (1-based); then a counter."""
        idx = r.varint(what + " reference")
        if idx == 0:
            return None
        if idx == 1:
            rep = r.take(16, what + " replica")
            if rep in replicas:
                raise DecodeError("nonCanonical", f"{what} replica literal already in table")
            replicas.append(rep)
        else:
            if idx - 1 > len(replicas):
                raise DecodeError("badReference", f"{what} reference {idx} past table of {len(replicas)}")
            rep = replicas[idx - 2]
        return {"replica": hexid(rep), "counter": counter(what + " counter")}

    def id_list(seq, what):
        n = r.varint(what + " count")
        if n > MAX_IDS:
            raise DecodeError("limitExceeded", f"{n} ids")
        if n * 2 > r.remaining():
            raise DecodeError("truncated", f"{n} ids announced")
        ids = []
        for _ in range(n):
            rep = ref(replicas, lambda: r.take(16, "replica id"), "replica")
            s = r.varint("id seq")
            if rep == origin:
                if not (1 <= s <= seq - 1):
                    raise DecodeError("invalidField", f"own-origin distance {s} at seq {seq}")
                s = seq - s
            else:
                if s < 1:
                    raise DecodeError("invalidField", "seq 0")
                if s > MAX_SEQ:
                    raise DecodeError("limitExceeded", "seq past 2^63 - 1")
            ids.append({"origin": hexid(rep), "seq": s})
        return ids

    ops = []
    physical = 0
    for i in range(count):
        seq = first + i
        kind = r.u8("kind")
        if kind not in KINDS:
            raise DecodeError("unknownOperationKind", f"kind {kind}")
        physical += unzigzag(r.varint("clockDelta"))
        if not (0 <= physical < (1 << 48)):
            raise DecodeError("invalidField", f"physical clock {physical}")
        logical = r.varint("logical")
        if logical > 65535:
            raise DecodeError("invalidField", f"logical {logical}")
        record = ref(records, lambda: r.take(16, "record id"), "record")
        op = {"seq": seq, "timestamp": {"physical": physical, "logical": logical},
              "record": hexid(record), "kind": KINDS[kind]}
        if kind == 1:
            op["type"] = ref(names, name_literal, "name").decode()
        elif kind == 2:
            op["field"] = ref(names, name_literal, "name").decode()
            op["value"] = value_to_json(dec_value(r))
            op["replaces"] = id_list(seq, "replaces")
        elif kind == 3:
            op["set"] = ref(names, name_literal, "name").decode()
            op["element"] = value_to_json(dec_value(r))
        elif kind == 4:
            op["set"] = ref(names, name_literal, "name").decode()
            op["element"] = value_to_json(dec_value(r))
            op["observed"] = id_list(seq, "observed")
        elif kind == 5:
            op["reason"] = r.string(MAX_REASON, "erase reason")
        elif kind == 6:
            op["field"] = ref(names, name_literal, "name").decode()
            op["first"] = counter("first")
            op["count"] = char_count(op["first"], MAX_RUN, "count")
            op["left"] = char_ref("left")
            op["right"] = char_ref("right")
            text = r.string(MAX_TEXT, "inserted text")
            if text and len(text) != op["count"]:  # len counts code points: Unicode scalars
                raise DecodeError("invalidField", f"text of {len(text)} characters, count {op['count']}")
            op["text"] = text or None  # length 0: purged by an erase
        else:
            op["field"] = ref(names, name_literal, "name").decode()
            n = r.varint("range count")
            if n > MAX_RANGES:
                raise DecodeError("limitExceeded", f"{n} ranges")
            if n * 3 > r.remaining():
                raise DecodeError("truncated", f"{n} ranges announced")
            if n < 1:
                raise DecodeError("invalidField", "no ranges")
            ranges = []
            for _ in range(n):
                rep = ref(replicas, lambda: r.take(16, "replica id"), "replica")
                start = counter("range first")
                ranges.append({"replica": hexid(rep), "first": start,
                               "count": char_count(start, MAX_U64, "range count")})
            op["ranges"] = ranges
        ops.append(op)
    if reader is None:
        r.end("last operation")
    return {"origin": hexid(origin), "firstSeq": first, "operations": ops}


def enc_batch(batch):
    origin = bytes.fromhex(batch["origin"])
    ops = batch["operations"]
    out = bytearray(origin + enc_varint(batch["firstSeq"]) + enc_varint(len(ops)))
    names, records, replicas = [], [], [origin]

    def ref(table, v, literal):
        if v in table:
            return enc_varint(table.index(v) + 1)
        table.append(v)
        return b"\x00" + literal(v)

    def name(s):
        return ref(names, s.encode(), lambda b: enc_varint(len(b)) + b)

    def char(c):
        if c is None:
            return b"\x00"
        rep = bytes.fromhex(c["replica"])
        if rep in replicas:
            return enc_varint(replicas.index(rep) + 2) + enc_varint(c["counter"])
        replicas.append(rep)
        return b"\x01" + rep + enc_varint(c["counter"])

    def ids(seq, lst):
        o = bytearray(enc_varint(len(lst)))
        for i in lst:
            rep = bytes.fromhex(i["origin"])
            o += ref(replicas, rep, lambda b: b)
            o += enc_varint(seq - i["seq"] if rep == origin else i["seq"])
        return bytes(o)

    physical = 0
    for k, op in enumerate(ops):
        seq = batch["firstSeq"] + k
        assert op.get("seq", seq) == seq
        out.append(KIND_NUMBERS[op["kind"]])
        p = op["timestamp"]["physical"]
        out += enc_varint(zigzag(p - physical))
        physical = p
        out += enc_varint(op["timestamp"]["logical"])
        out += ref(records, bytes.fromhex(op["record"]), lambda b: b)
        kind = op["kind"]
        if kind == "create":
            out += name(op["type"])
        elif kind == "assign":
            out += name(op["field"]) + enc_value(value_from_json(op["value"])) + ids(seq, op["replaces"])
        elif kind == "add":
            out += name(op["set"]) + enc_value(value_from_json(op["element"]))
        elif kind == "remove":
            out += name(op["set"]) + enc_value(value_from_json(op["element"])) + ids(seq, op["observed"])
        elif kind == "erase":
            out += enc_string(op["reason"], MAX_REASON)
        elif kind == "insertText":
            text = op["text"]
            if text is not None and len(text) != op["count"]:
                raise ValueError("an insertText's text must hold exactly count characters")
            out += name(op["field"]) + enc_varint(op["first"]) + enc_varint(op["count"])
            out += char(op["left"]) + char(op["right"]) + enc_string(text or "", MAX_TEXT)
        else:
            if not 1 <= len(op["ranges"]) <= MAX_RANGES:
                raise ValueError("a deleteText holds 1 to 1024 ranges")
            out += name(op["field"]) + enc_varint(len(op["ranges"]))
            for g in op["ranges"]:
                out += ref(replicas, bytes.fromhex(g["replica"]), lambda b: b)
                out += enc_varint(g["first"]) + enc_varint(g["count"])
    return bytes(out)


def canonical_bytes(origin_hex, op):
    """The bytes an operation's fingerprint hashes (SPEC §5.5)."""
    kind = op["kind"]
    name = {"create": op.get("type"), "assign": op.get("field"), "add": op.get("set"),
            "remove": op.get("set"), "insertText": op.get("field"),
            "deleteText": op.get("field")}.get(kind) or ""
    lst = op.get("replaces") if kind == "assign" else op.get("observed") if kind == "remove" else []
    nb = name.encode("utf-8")
    ts = (op["timestamp"]["physical"] << 16) | op["timestamp"]["logical"]
    out = bytearray(bytes.fromhex(origin_hex))
    out += struct.pack(">QQ", op["seq"], ts)
    out += bytes.fromhex(op["record"])
    out += struct.pack(">BI", KIND_NUMBERS[kind], len(nb)) + nb
    out += struct.pack(">I", len(lst))
    for i in lst:
        out += bytes.fromhex(i["origin"]) + struct.pack(">Q", i["seq"])
    if kind == "insertText":  # the text is left out, as values are
        out += struct.pack(">QQ", op["first"], op["count"])
        for c in (op["left"], op["right"]):
            out += b"\x00" if c is None else b"\x01" + bytes.fromhex(c["replica"]) + struct.pack(">Q", c["counter"])
    elif kind == "deleteText":
        out += struct.pack(">I", len(op["ranges"]))
        for g in op["ranges"]:
            out += bytes.fromhex(g["replica"]) + struct.pack(">QQ", g["first"], g["count"])
    return bytes(out)


def fingerprint(origin_hex, op):
    return hashlib.sha256(canonical_bytes(origin_hex, op)).digest()[:8].hex()


# ---------------------------------------------------------------------------
# Messages (SPEC §5)


def dec_message(mtype, payload):
    """Decode one message payload into the vectors' JSON form."""
    r = Reader(payload)
    if mtype == T_HELLO:
        lo = r.u16("minVersion")
        hi = r.u16("maxVersion")
        if lo == 0:
            raise DecodeError("invalidField", "minVersion 0")
        if lo > hi:
            raise DecodeError("invalidField", "minVersion above maxVersion")
        replica = r.take(16, "replica")
        nonce = r.take(32, "nonce")
        clock = r.u64("wallClockMillis")
        n = r.u8("nameLength")
        if n == 0:
            raise DecodeError("invalidField", "empty device name")
        if n > MAX_NAME:
            raise DecodeError("limitExceeded", f"device name of {n} bytes")
        name = r.utf8(r.take(n, "device name"), "device name")
        r.end("Hello")
        return {"type": "hello", "minVersion": lo, "maxVersion": hi, "deviceName": name,
                "replica": replica.hex(), "nonce": nonce.hex(), "wallClockMillis": clock}
    if mtype == T_WELCOME:
        v = r.u16("version")
        if v == 0:
            raise DecodeError("invalidField", "version 0")
        hub = r.take(16, "hubReplica")
        clock = r.u64("wallClockMillis")
        r.end("Welcome")
        return {"type": "welcome", "version": v, "hubReplica": hub.hex(), "wallClockMillis": clock}
    if mtype == T_ERROR:
        code = r.u16("code")
        msg = r.string(MAX_ERROR_MESSAGE, "Error message")
        r.end("Error")
        return {"type": "error", "code": code, "codeName": ERROR_CODES.get(code), "message": msg}
    if mtype == T_ENROL:
        tok = r.take(10, "token")
        r.end("Enrol")
        return {"type": "enrol", "token": tok.hex(), "text": token_text(tok)}
    if mtype == T_VECTOR:
        count = r.varint("Vector count")
        if count > MAX_VECTOR_ENTRIES:
            raise DecodeError("limitExceeded", f"{count} Vector entries")
        if count * 25 > r.remaining():
            raise DecodeError("truncated", f"{count} Vector entries announced")
        entries = []
        prev = None
        for _ in range(count):
            origin = r.take(16, "Vector origin")
            if prev is not None and origin <= prev:
                raise DecodeError("nonCanonical", "Vector origins not in strictly increasing byte order")
            prev = origin
            seq = r.varint("Vector seq")
            if seq < 1:
                raise DecodeError("nonCanonical", "Vector seq 0")
            if seq > MAX_SEQ:
                raise DecodeError("limitExceeded", "Vector seq past 2^63 - 1")
            fp = r.take(8, "Vector fingerprint")
            entries.append({"origin": origin.hex(), "seq": seq, "fingerprint": fp.hex()})
        r.end("Vector")
        return {"type": "vector", "entries": entries}
    if mtype == T_OPS:
        bid = r.varint("batchID")
        batch = dec_batch(None, reader=r)
        r.end("Ops")
        return {"type": "ops", "batchID": bid, "batch": batch}
    if mtype == T_COMPRESSED_OPS:
        bid = r.varint("batchID")
        batch = dec_batch(inflate_batch(r))
        return {"type": "compressedOps", "batchID": bid, "batch": batch}
    if mtype in (T_ACK, T_DONE):
        a = r.varint()
        b = r.varint()
        r.end()
        if mtype == T_ACK:
            return {"type": "ack", "batchID": a, "applied": b}
        return {"type": "done", "batches": a, "operations": b}
    if mtype in (T_PING, T_PONG):
        v = r.u64("value")
        r.end()
        return {"type": TYPE_NAMES[mtype], "value": v}
    raise DecodeError("unknownMessageType", f"type 0x{mtype:02x}")


def inflate_batch(r):
    """SPEC §5.10: the inflated length (checked first), then one raw DEFLATE stream
    to the end of the payload that inflates to exactly that many bytes; never more
    than length + 1 bytes of output are made."""
    length = r.varint("inflatedLength")
    if length == 0:
        raise DecodeError("invalidField", "inflated length 0")
    if length > LIMIT_AFTER_WELCOME:
        raise DecodeError("limitExceeded", f"inflated length {length}")
    data = r.take(r.remaining(), "deflated")
    inflater = zlib.decompressobj(-15)
    try:
        out = inflater.decompress(data, length + 1)
    except zlib.error as e:
        raise DecodeError("badCompression", f"not a valid DEFLATE stream ({e})")
    if len(out) > length:
        raise DecodeError("badCompression", f"inflates past its stated {length} bytes")
    if not inflater.eof:
        raise DecodeError("badCompression", "the compressed stream ends before its last block")
    if inflater.unused_data:
        raise DecodeError("trailingBytes", f"{len(inflater.unused_data)} bytes after the compressed stream")
    if len(out) < length:
        raise DecodeError("badCompression", f"inflates to {len(out)} bytes, stated {length}")
    return out


def deflate(data):
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def ops_frame(batch_id, batch, version):
    """The frame a sender of `version` sends for a batch: CompressedOps when shorter (version 4)."""
    plain = enc_message({"type": "ops", "batchID": batch_id, "batch": batch})
    if version < COMPRESSED_OPS_VERSION:
        return plain
    packed = enc_message({"type": "compressedOps", "batchID": batch_id, "batch": batch})
    return packed if len(packed) < len(plain) else plain


def enc_message(m):
    t = m["type"]
    if t == "hello":
        name = m["deviceName"].encode()
        p = struct.pack(">HH", m["minVersion"], m["maxVersion"]) + bytes.fromhex(m["replica"]) \
            + bytes.fromhex(m["nonce"]) + struct.pack(">QB", m["wallClockMillis"], len(name)) + name
    elif t == "welcome":
        p = struct.pack(">H", m["version"]) + bytes.fromhex(m["hubReplica"]) + struct.pack(">Q", m["wallClockMillis"])
    elif t == "error":
        p = struct.pack(">H", m["code"]) + enc_string(m["message"], MAX_ERROR_MESSAGE)
    elif t == "enrol":
        p = bytes.fromhex(m["token"])
    elif t == "vector":
        p = enc_varint(len(m["entries"])) + b"".join(
            bytes.fromhex(e["origin"]) + enc_varint(e["seq"]) + bytes.fromhex(e["fingerprint"])
            for e in m["entries"])
    elif t == "ops":
        p = enc_varint(m["batchID"]) + enc_batch(m["batch"])
    elif t == "compressedOps":
        plain = enc_batch(m["batch"])
        p = enc_varint(m["batchID"]) + enc_varint(len(plain)) + deflate(plain)
    elif t == "ack":
        p = enc_varint(m["batchID"]) + enc_varint(m["applied"])
    elif t == "done":
        p = enc_varint(m["batches"]) + enc_varint(m["operations"])
    elif t in ("ping", "pong"):
        p = struct.pack(">Q", m["value"])
    else:
        raise ValueError(t)
    return struct.pack(">IB", len(p) + 1, TYPE_CODES[t]) + p


class FrameDecoder:
    """Fed bytes as they arrive; returns one complete frame or None (SPEC §4).

    Never consumes part of a frame, so the limit may change between frames.
    """

    def __init__(self):
        self.buf = bytearray()

    def feed(self, data):
        self.buf += data

    def next(self, limit):
        if len(self.buf) < 4:
            return None
        length = struct.unpack(">I", self.buf[:4])[0]
        if length > limit:
            raise DecodeError("frameTooLarge", f"frame length {length} exceeds {limit}")
        if length == 0:
            raise DecodeError("frameTooShort", "frame length 0")
        if len(self.buf) < 4 + length:
            return None
        mtype = self.buf[4]
        payload = bytes(self.buf[5:4 + length])
        del self.buf[:4 + length]
        if mtype not in TYPE_NAMES:
            raise DecodeError("unknownMessageType", f"type 0x{mtype:02x}")
        return mtype, payload


# ---------------------------------------------------------------------------
# Enrolment tokens and codes (SPEC §6.1)


def token_text(b):
    n = int.from_bytes(b, "big")
    syms = "".join(CROCKFORD[(n >> (5 * (15 - i))) & 31] for i in range(16))
    return "-".join(syms[i:i + 4] for i in range(0, 16, 4)) + "-" + CROCKFORD_CHECK[n % 37]


def parse_token(text):
    """Token text -> 10 bytes; refuses a wrong check symbol (SPEC §6.1)."""
    s = "".join(c for c in text.upper() if c not in " -\t")
    s = s.replace("O", "0").replace("I", "1").replace("L", "1")
    if len(s) != 17:
        raise ValueError(f"a token has 16 symbols and a check symbol, got {len(s)} symbols")
    n = 0
    for c in s[:16]:
        if c not in CROCKFORD:
            raise ValueError(f"{c!r} is not a token symbol")
        n = n * 32 + CROCKFORD.index(c)
    if s[16] not in CROCKFORD_CHECK:
        raise ValueError(f"{s[16]!r} is not a check symbol")
    if CROCKFORD_CHECK[n % 37] != s[16]:
        raise ValueError("the token's check symbol does not match: it was mistyped")
    return n.to_bytes(10, "big")


def parse_code(code):
    """fieldnotes://DEVICE@HOST:PORT/HUB-FINGERPRINT[#TOKEN] -> dict."""
    prefix = "fieldnotes://"
    if not code.startswith(prefix):
        raise ValueError("an enrolment code begins with fieldnotes://")
    rest = code[len(prefix):]
    rest, _, token = rest.partition("#")
    device, at, rest = rest.partition("@")
    if not at:
        raise ValueError("no DEVICE@ in the code")
    hostport, slash, fp = rest.partition("/")
    if not slash:
        raise ValueError("no /HUB-FINGERPRINT in the code")
    if hostport.startswith("["):  # an IPv6 literal, if a hub ever writes one (SPEC is silent)
        host, _, port = hostport[1:].partition("]:")
    else:
        host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit() or not (0 < int(port) < 65536):
        raise ValueError(f"bad HOST:PORT {hostport!r}")
    if not device or len(device.encode()) > MAX_NAME or not all(
            c.isascii() and (c.isalnum() or c in "._-") for c in device):
        raise ValueError(f"bad device name {device!r}")
    fp = fp.lower()  # SPEC §6.1: readers accept either case
    if len(fp) != 64 or any(c not in "0123456789abcdef" for c in fp):
        raise ValueError("HUB-FINGERPRINT must be 64 hex digits")
    return {"device": device, "host": host, "port": int(port), "fingerprint": fp,
            "token": token or None}


# ---------------------------------------------------------------------------
# Key file (SPEC §2)


def make_key(path):
    serial = bytearray(secrets.token_bytes(16))
    serial[0] &= 0x7F  # a positive INTEGER of 16 bytes
    serial[0] |= 0x01 if serial[0] == 0 else 0
    with tempfile.TemporaryDirectory() as tmp:
        k, c = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.pem")
        cmd = ["openssl", "req", "-x509", "-newkey", "ed25519", "-nodes", "-keyout", k, "-out", c,
               "-subj", "/CN=fieldnotes device", "-days", "36525", "-set_serial", "0x" + serial.hex(),
               "-addext", "basicConstraints=critical,CA:FALSE",
               "-addext", "keyUsage=critical,digitalSignature"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError("openssl failed: " + p.stderr.strip())
        data = open(k, "rb").read() + open(c, "rb").read()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)


def check_key_file(path):
    st = os.stat(path)
    if st.st_mode & 0o077:
        raise RuntimeError(f"{path} can be read by others (mode {oct(st.st_mode & 0o777)}); chmod 600 it")


# ---------------------------------------------------------------------------
# State: DIR/link.json, DIR/ops.json


def save_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class Store:
    """What the device holds: each origin's operations 1..n, in the vectors' JSON form."""

    def __init__(self, path):
        self.path = path
        self.origins = {}
        self.erased = set()
        if os.path.exists(path):
            d = json.load(open(path))
            self.origins = d["origins"]
            self.erased = set(d["erased"])

    def held(self, origin):
        return len(self.origins.get(origin, []))

    def vector(self, own, own_acked):
        entries = []
        for o in sorted(self.origins, key=bytes.fromhex):
            n = own_acked if o == own else self.held(o)
            if n > 0:
                entries.append({"origin": o, "seq": n, "fingerprint": fingerprint(o, self.origins[o][n - 1])})
        return entries

    def commit(self):
        save_json(self.path, {"origins": self.origins, "erased": sorted(self.erased)})


def add_note(store, own, title, body=None):
    """Write a note (create, assign title, and the body if any) as this device's own operations.

    The body is a text field (OPERATIONS.md §4.7): a version 3 device types it as
    one insertText run with no origins, its first character counter 1 (the
    device's first characters in this new note's body), never as an assign.
    """
    latest = max((op["timestamp"]["physical"] << 16 | op["timestamp"]["logical"]
                  for ops in store.origins.values() for op in ops), default=0)
    record = secrets.token_bytes(16).hex()
    ops = store.origins.setdefault(own, [])
    made = [{"kind": "create", "type": "note"},
            {"kind": "assign", "field": "title", "value": title, "replaces": []}]
    if body:
        made.append({"kind": "insertText", "field": "body", "first": 1, "count": len(body),
                     "left": None, "right": None, "text": body})
    first_seq = len(ops) + 1
    for extra in made:
        ts = max(int(time.time() * 1000) << 16, latest + 1)  # hybrid logical clock
        latest = ts
        op = {"seq": len(ops) + 1, "timestamp": {"physical": ts >> 16, "logical": ts & 0xFFFF},
              "record": record}
        op.update(extra)
        ops.append(op)
    store.commit()
    log(f"wrote note {record} ({title!r}) as {own}:{first_seq}..{len(ops)}")


def payload(op):
    """What an erase purges: a value, an element, inserted text; None for the rest."""
    if op["kind"] == "insertText":
        return op["text"]
    return op.get("value", op.get("element", op.get("reason")))


def purged(op):
    op = dict(op)
    if op["kind"] == "assign":
        op["value"] = None
    elif op["kind"] in ("add", "remove"):
        op["element"] = None
    elif op["kind"] == "insertText":
        op["text"] = None  # first, count and origins stay (OPERATIONS.md §4.7.7)
    return op


# ---------------------------------------------------------------------------
# Connection


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Connection:
    def __init__(self, link, keyfile, timeout):
        self.link = link
        self.dec = FrameDecoder()
        self.limit = LIMIT_BEFORE_WELCOME
        self.last_sent = time.monotonic()
        self.timeout = timeout
        self.sock = None
        self.pending_ping = None

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.maximum_version = ssl.TLSVersion.TLSv1_3
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # identity is the pinned fingerprint, checked below
        ctx.options |= ssl.OP_NO_TICKET
        # SPEC §2: X25519 first, P-256 second, nothing else. Python 3.13+ may have
        # set_groups; before that only set_ecdh_curve, which sets a single group.
        if hasattr(ctx, "set_groups"):
            ctx.set_groups("X25519:P-256")
            self.groups = "X25519:P-256"
        else:
            ctx.set_ecdh_curve("X25519")
            self.groups = "X25519 only (ssl.SSLContext has no set_groups in this Python)"
        # TLS 1.3 suites: OpenSSL's default is exactly the three SPEC §2 allows; checked after the handshake.
        ctx.load_cert_chain(keyfile)
        raw = socket.create_connection((link["host"], link["port"]), timeout=timeout)
        try:
            self.sock = ctx.wrap_socket(raw, do_handshake_on_connect=True)
        except Exception:
            raw.close()
            raise
        # Pin BEFORE any application data (SPEC §6.2 step 1).
        der = self.sock.getpeercert(binary_form=True)
        fp = hashlib.sha256(der or b"").hexdigest()
        if der is None or fp != link["fingerprint"]:
            self.sock.close()
            raise RuntimeError(f"hub certificate fingerprint {fp} is not the pinned {link['fingerprint']}: "
                               "not the hub the code names; nothing sent")
        if self.sock.version() != "TLSv1.3":
            self.close()
            raise RuntimeError(f"negotiated {self.sock.version()}, not TLS 1.3")
        suite = self.sock.cipher()[0]
        if suite not in ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"):
            self.close()
            raise RuntimeError(f"cipher suite {suite} is not allowed by SPEC §2")
        # The hub's key must be Ed25519 (SPEC §2): AlgorithmIdentifier 1.3.101.112.
        if b"\x30\x05\x06\x03\x2b\x65\x70" not in der:
            self.close()
            raise RuntimeError("the hub's certificate key is not Ed25519")
        self.tls_info = f"{self.sock.version()} {suite}, groups offered: {self.groups}"

    def send(self, data):
        self.sock.sendall(data)
        self.last_sent = time.monotonic()

    def send_error(self, code, message):
        try:
            self.send(enc_message({"type": "error", "code": code, "message": message[:200]}))
        except OSError:
            pass

    def read_magic(self):
        got = b""
        while len(got) < 4:
            chunk = self._recv()
            self.dec.feed(chunk)
            got = bytes(self.dec.buf[:4])
            for i, b in enumerate(got):
                if b != MAGIC[i]:
                    raise DecodeError("badMagic", f"hub stream begins {got.hex()}")
        del self.dec.buf[:4]

    def _recv(self):
        """One read, with the keep-alive (SPEC §6.4) and idle timeout (§9)."""
        start = time.monotonic()
        while True:
            wait = max(0.5, min(KEEPALIVE - (time.monotonic() - self.last_sent),
                                IDLE_TIMEOUT - (time.monotonic() - start)))
            self.sock.settimeout(wait)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                if time.monotonic() - start >= IDLE_TIMEOUT:
                    raise SessionError(12, f"no frame for {int(IDLE_TIMEOUT)} s")
                if self.limit == LIMIT_AFTER_WELCOME and time.monotonic() - self.last_sent >= KEEPALIVE:
                    self.pending_ping = secrets.randbits(64)
                    self.send(enc_message({"type": "ping", "value": self.pending_ping}))
                continue
            if not data:
                raise ConnectionError("the hub closed the connection")
            return data

    def frame(self):
        """Next message (decoded dict), answering Pings; raises PeerError on Error."""
        while True:
            f = self.dec.next(self.limit)
            if f is None:
                self.dec.feed(self._recv())
                continue
            m = dec_message(*f)
            if m["type"] == "error":
                raise PeerError(m["code"], m["message"])
            if m["type"] == "ping":
                if self.limit != LIMIT_AFTER_WELCOME:
                    raise SessionError(15, "Ping before the Welcome")
                self.send(enc_message({"type": "pong", "value": m["value"]}))
                continue
            if m["type"] == "pong":
                if m["value"] != self.pending_ping:
                    raise SessionError(15, "Pong for no Ping")
                self.pending_ping = None
                continue
            return m

    def close(self):
        if self.sock is None:
            return
        try:
            self.sock.settimeout(2)
            self.sock.unwrap()  # close_notify
        except (OSError, ssl.SSLError, ValueError):
            pass
        try:
            self.sock.close()
        except OSError:
            pass
        self.sock = None


def hello(link, max_version=PROTOCOL_MAX):
    return enc_message({"type": "hello", "minVersion": PROTOCOL_MIN, "maxVersion": max_version,
                        "deviceName": link["device"], "replica": link["replica"],
                        "nonce": secrets.token_bytes(32).hex(),
                        "wallClockMillis": int(time.time() * 1000)})


def expect_welcome(conn, max_version=PROTOCOL_MAX):
    conn.read_magic()
    m = conn.frame()
    if m["type"] != "welcome":
        raise SessionError(15, f"expected Welcome, got {m['type']}")
    if not (PROTOCOL_MIN <= m["version"] <= max_version):
        raise SessionError(2, f"hub selected version {m['version']}, outside {PROTOCOL_MIN}..{max_version}")
    skew = m["wallClockMillis"] - int(time.time() * 1000)
    if abs(skew) > SKEW_WARNING_MS:
        log(f"warning: the hub's clock differs from this device's by {skew / 1000:.0f} s")
    conn.limit = LIMIT_AFTER_WELCOME
    return m


def run_session(conn, body):
    """Run body(conn); on a local failure send one Error and close (SPEC §7.1 rule 11)."""
    try:
        return body(conn)
    except DecodeError as e:
        conn.send_error(e.wire_code, str(e))
        raise
    except SessionError as e:
        conn.send_error(e.code, e.message)
        raise
    finally:
        conn.close()


# ---------------------------------------------------------------------------
# Commands


def cmd_join(args):
    code = parse_code(args.code)
    token_txt = args.token or code["token"]
    if not token_txt:
        raise SystemExit("the code has no #TOKEN part: pass --token")
    token = parse_token(token_txt)  # refuses a mistyped token before connecting
    os.makedirs(args.state, exist_ok=True)
    keyfile = os.path.join(args.state, "key.pem")
    if not os.path.exists(keyfile):
        make_key(keyfile)
    check_key_file(keyfile)
    linkfile = os.path.join(args.state, "link.json")
    old = json.load(open(linkfile)) if os.path.exists(linkfile) else {}
    link = {"device": code["device"], "host": code["host"], "port": code["port"],
            "fingerprint": code["fingerprint"],
            "replica": old.get("replica") or secrets.token_bytes(16).hex(), "own_acked": 0}
    conn = Connection(link, keyfile, args.timeout)
    log(f"connected: {conn.tls_info}; hub fingerprint pinned")

    def body(c):
        c.send(MAGIC + hello(link) + enc_message({"type": "enrol", "token": token.hex()}))
        return expect_welcome(c)

    w = run_session(conn, body)
    link["hub_replica"] = w["hubReplica"]
    save_json(linkfile, link)
    print(f"joined {code['host']}:{code['port']} as {code['device']} "
          f"(replica {link['replica']}, protocol {w['version']}, hub replica {w['hubReplica']})")


def cmd_sync(args):
    linkfile = os.path.join(args.state, "link.json")
    keyfile = os.path.join(args.state, "key.pem")
    if not os.path.exists(linkfile):
        raise SystemExit(f"{args.state} has not joined a hub: run join first")
    check_key_file(keyfile)
    link = json.load(open(linkfile))
    store = Store(os.path.join(args.state, "ops.json"))
    own = link["replica"]
    if args.add_note:
        add_note(store, own, args.add_note, args.body)
    my_vector = store.vector(own, link.get("own_acked", 0))
    if args.corrupt_fingerprint:
        # Test of the hub (SPEC §7.7 rule 2): state an origin with a fingerprint that
        # differs from the hub's; the hub must count it as not held and resend all of it.
        hit = [e for e in my_vector if e["origin"] == args.corrupt_fingerprint]
        if not hit:
            raise SystemExit(f"this device holds nothing of {args.corrupt_fingerprint}")
        hit[0]["fingerprint"] = "%016x" % (int(hit[0]["fingerprint"], 16) ^ 1)
    received = {}  # origin -> [first, last, count]
    stats = {"batches": 0, "ops": 0, "forks": 0, "sent_ops": 0, "sent_applied": 0, "sent_batches": 0,
             "compressed_batches": 0, "sent_compressed": 0}

    conn = Connection(link, keyfile, args.timeout)
    log(f"connected: {conn.tls_info}; hub fingerprint pinned")

    def body(c):
        c.send(MAGIC + hello(link, args.max_version) + enc_message({"type": "vector", "entries": my_vector}))
        w = expect_welcome(c, args.max_version)
        version = w["version"]
        log(f"protocol version {version}")
        hub_vec = c.frame()
        if hub_vec["type"] != "vector":
            raise SessionError(15, f"expected the hub's Vector, got {hub_vec['type']}")
        # SPEC §7.7 rule 1: check the hub's Vector before sending anything.
        for e in hub_vec["entries"]:
            o, s = e["origin"], e["seq"]
            if o == own and s <= link.get("own_acked", 0) and \
                    fingerprint(o, store.origins[o][s - 1]) != e["fingerprint"]:
                raise SessionError(16, "the hub's history of this device's origin differs (§7.7 rule 4)")
            if o != own and s <= store.held(o) and fingerprint(o, store.origins[o][s - 1]) != e["fingerprint"]:
                stats["forks"] += 1
                log(f"warning: the hub holds a different history of origin {o} at seq {s} (a fork, §7.7)")
            if o == w["hubReplica"] and store.held(o) > s:
                log(f"warning: this device holds more of the hub's origin than the hub ({store.held(o)} > {s}); "
                    "a full device would send it back (§7.2); this minimal one does not")
        expected_batch = 1
        while True:
            m = c.frame()
            t = m["type"]
            if t == "compressedOps" and version < COMPRESSED_OPS_VERSION:
                raise SessionError(15, f"CompressedOps in a version {version} session")
            if t in ("ops", "compressedOps"):
                if t == "compressedOps":
                    stats["compressed_batches"] += 1
                if m["batchID"] != expected_batch:
                    raise SessionError(15, f"batch id {m['batchID']}, expected {expected_batch}")
                expected_batch += 1
                b = m["batch"]
                o = b["origin"]
                held = store.held(o)
                if b["firstSeq"] > held + 1:
                    raise SessionError(10, f"batch {m['batchID']} starts at seq {b['firstSeq']}; "
                                           f"device holds up to {held}")
                applied = 0
                ops = store.origins.setdefault(o, [])
                for op in b["operations"]:
                    seq = op["seq"]
                    if seq <= len(ops):
                        mine = ops[seq - 1]
                        # "same canonical bytes and value, the value as purged if the record
                        # is erased" (§7.1 rule 6): erased here, or purged by the hub.
                        same = canonical_bytes(o, mine) == canonical_bytes(o, op) and (
                            op["record"] in store.erased or strict_equal(payload(mine), payload(op))
                            or payload(op) is None)
                        if not same:
                            if o == own:
                                raise SessionError(16, f"the hub holds a different operation {o}:{seq} "
                                                       "(re-issuing under a new id is not implemented here)")
                            stats["forks"] += 1
                            log(f"warning: fork of origin {o} at seq {seq}: kept this device's history")
                        continue
                    if op["record"] in store.erased:
                        op = purged(op)
                    if op["kind"] == "erase":
                        store.erased.add(op["record"])
                        for lst in store.origins.values():
                            for k, x in enumerate(lst):
                                if x["record"] == op["record"] and x["kind"] not in ("create", "erase"):
                                    lst[k] = purged(x)
                    ops.append(op)
                    applied += 1
                store.commit()  # one transaction per batch, then the Ack (§7.1 rule 6)
                c.send(enc_message({"type": "ack", "batchID": m["batchID"], "applied": applied}))
                stats["batches"] += 1
                stats["ops"] += len(b["operations"])
                rng = received.setdefault(o, [b["firstSeq"], 0, 0])
                rng[0] = min(rng[0], b["firstSeq"])
                rng[1] = max(rng[1], b["firstSeq"] + len(b["operations"]) - 1)
                rng[2] += len(b["operations"])
            elif t == "done":
                if m["batches"] != stats["batches"] or m["operations"] != stats["ops"]:
                    raise SessionError(15, f"Done says {m['batches']} batches, {m['operations']} operations; "
                                           f"received {stats['batches']}, {stats['ops']}")
                break
            else:
                raise SessionError(15, f"unexpected {t} while receiving the hub's batches")
        if args.ping:
            # "Either side MAY send Ping at any point of this phase and MUST answer
            # a Ping with a Pong" (§7.1 rule 10): check that the hub does, promptly.
            value = secrets.randbits(64)
            c.pending_ping = value
            c.send(enc_message({"type": "ping", "value": value}))
            deadline = time.monotonic() + 10
            while c.pending_ping is not None:
                if time.monotonic() > deadline:
                    raise SessionError(12, "no Pong within 10 s")
                c.dec.feed(c._recv())
                f = c.dec.next(c.limit)
                while f is not None:
                    mm = dec_message(*f)
                    if mm["type"] == "error":
                        raise PeerError(mm["code"], mm["message"])
                    if mm["type"] != "pong" or mm["value"] != value:
                        raise SessionError(15, f"expected a Pong, got {mm['type']}")
                    c.pending_ping = None
                    f = c.dec.next(c.limit)
            log("ping answered with the same value")
        # The hub holds its stated seq of our origin; we now hold at least that much.
        hub_has = next((e["seq"] for e in hub_vec["entries"] if e["origin"] == own), 0)
        if link.get("own_acked", 0) < hub_has <= store.held(own):
            link["own_acked"] = hub_has
            save_json(linkfile, link)
        # Our turn (§7.1 rule 5a): our own operations the hub lacks (§7.2), in
        # batches of at most 1,024, at most 4 unacknowledged (rule 4); then Done.
        hub_has = next((e["seq"] for e in hub_vec["entries"] if e["origin"] == own), 0)
        start = max(hub_has, link.get("own_acked", 0)) + 1
        mine = store.origins.get(own, [])
        batches = []
        for first in range(start, len(mine) + 1, MAX_BATCH_OPS):
            ops = mine[first - 1:first - 1 + MAX_BATCH_OPS]
            batches.append({"type": "ops", "batchID": len(batches) + 1,
                            "batch": {"origin": own, "firstSeq": first, "operations": ops}})
        unacked = []
        nxt = 0
        while nxt < len(batches) or unacked:
            while nxt < len(batches) and len(unacked) < WINDOW:
                frame = ops_frame(batches[nxt]["batchID"], batches[nxt]["batch"], version)
                if frame[4] == T_COMPRESSED_OPS:
                    stats["sent_compressed"] += 1
                if len(frame) - 4 > LIMIT_AFTER_WELCOME:
                    raise SessionError(13, "batch too large for a frame (splitting not implemented)")
                c.send(frame)
                unacked.append(batches[nxt])
                nxt += 1
            m = c.frame()
            if m["type"] != "ack":
                raise SessionError(15, f"expected an Ack, got {m['type']}")
            if m["batchID"] != unacked[0]["batchID"]:
                raise SessionError(15, f"Ack for batch {m['batchID']} while batch "
                                       f"{unacked[0]['batchID']} is unacknowledged")
            done = unacked.pop(0)
            b = done["batch"]
            if m["applied"] > len(b["operations"]):
                raise SessionError(15, f"Ack says {m['applied']} applied of {len(b['operations'])}")
            link["own_acked"] = b["firstSeq"] + len(b["operations"]) - 1
            save_json(linkfile, link)
            stats["sent_ops"] += len(b["operations"])
            stats["sent_applied"] += m["applied"]
        c.send(enc_message({"type": "done", "batches": len(batches), "operations": stats["sent_ops"]}))
        stats["sent_batches"] = len(batches)
        # Complete: sent Done, got Done, every batch acknowledged. Close (rule 9).
        return w

    run_session(conn, body)
    for o, (first, last, count) in sorted(received.items()):
        print(f"RECEIVED origin={o} first={first} last={last} count={count}")
    print(f"SUMMARY operations={stats['ops']} origins={len(received)} batches={stats['batches']} "
          f"held_origins={len(store.origins)} held_operations={sum(map(len, store.origins.values()))} "
          f"forks={stats['forks']} compressed={stats['compressed_batches']}")
    print(f"SENT operations={stats['sent_ops']} batches={stats['sent_batches']} applied={stats['sent_applied']} "
          f"compressed={stats['sent_compressed']}")


# ---------------------------------------------------------------------------
# Vectors


def strict_equal(a, b):
    """Equality that tells True from 1 and 1.0 from "1"."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(strict_equal, a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def decode_frame_bytes(data, limit):
    d = FrameDecoder()
    d.feed(data)
    f = d.next(limit)
    if f is None:
        raise DecodeError("truncated", "incomplete frame")
    if d.buf:
        raise DecodeError("trailingBytes", "bytes after the frame")
    return dec_message(*f)


def decode_stream(data, limit_before, limit_after=None, begins_with_magic=False):
    """Decode a byte stream into messages; with limit_after, the limit rises after a Welcome."""
    d = FrameDecoder()
    d.feed(data)
    if begins_with_magic:
        for i in range(min(4, len(d.buf))):
            if d.buf[i] != MAGIC[i]:
                raise DecodeError("badMagic")
        if len(d.buf) < 4:
            raise DecodeError("truncated")
        del d.buf[:4]
    limit = limit_before
    out = []
    while True:
        f = d.next(limit)
        if f is None:
            break
        m = dec_message(*f)
        out.append(m)
        if m["type"] == "welcome" and limit_after:
            limit = limit_after
    if d.buf:
        raise DecodeError("truncated", "stream ends inside a frame")
    return out


def feed_bytewise(data, limit):
    d = FrameDecoder()
    out = []
    for i in range(len(data)):
        d.feed(data[i:i + 1])
        while True:
            f = d.next(limit)
            if f is None:
                break
            out.append(dec_message(*f))
    if d.buf:
        raise DecodeError("truncated", "stream ends inside a frame")
    return out


def cmd_vectors(args):
    vdir = args.dir
    fails = []
    counts = {}

    def ok(kind):
        counts[kind] = counts.get(kind, 0) + 1

    def fail(where, msg):
        fails.append(f"{where}: {msg}")

    all_frames = bytearray()
    all_msgs = []
    message_files = ["hello", "welcome", "error", "enrol", "vector", "ops", "ack", "done", "ping", "pong"]
    operation_files = ["operation-create", "operation-assign", "operation-add", "operation-remove", "operation-erase",
                       "operation-insert-text", "operation-delete-text"]
    # Every file in the directory is checked below; one this device does not know is a failure.
    known = set(message_files + operation_files + ["compressed-ops", "fingerprint", "token", "session", "reject"])
    for f in sorted(os.listdir(vdir)):
        if f.endswith(".json") and f[:-5] not in known:
            fail(f, "a vector file this device does not check")
    for name in message_files:
        for v in json.load(open(os.path.join(vdir, name + ".json")))["vectors"]:
            where = f"{name}.json/{v['name']}"
            raw = bytes.fromhex(v["hex"])
            try:
                m = decode_frame_bytes(raw, LIMIT_AFTER_WELCOME)
            except DecodeError as e:
                fail(where, f"decode failed: {e}")
                continue
            if not strict_equal(m, v["decoded"]):
                fail(where, f"decoded {json.dumps(m)} != {json.dumps(v['decoded'])}")
                continue
            again = enc_message(v["decoded"])
            if again != raw:
                fail(where, f"re-encoded {again.hex()} != {raw.hex()}")
                continue
            all_frames += raw
            all_msgs.append(m)
            ok("message")
    # CompressedOps (SPEC §5.10): DEFLATE has many encodings of one batch, so the
    # check is the batch, its inflated bytes, and that our own CompressedOps of it
    # decodes to the same message.
    for v in json.load(open(os.path.join(vdir, "compressed-ops.json")))["vectors"]:
        where = f"compressed-ops.json/{v['name']}"
        raw = bytes.fromhex(v["hex"])
        try:
            m = decode_frame_bytes(raw, LIMIT_AFTER_WELCOME)
        except DecodeError as e:
            fail(where, f"decode failed: {e}")
            continue
        if not strict_equal(m, v["decoded"]) or v.get("roundtrip") is not False:
            fail(where, f"decoded {json.dumps(m)} != {json.dumps(v['decoded'])}")
            continue
        if enc_batch(m["batch"]).hex() != v["inflated"]:
            fail(where, "the batch does not re-encode to `inflated`")
            continue
        ours = enc_message(v["decoded"])
        if not strict_equal(decode_frame_bytes(ours, LIMIT_AFTER_WELCOME), m):
            fail(where, "our own CompressedOps of the batch decodes differently")
            continue
        if ops_frame(m["batchID"], m["batch"], 4)[4] != T_COMPRESSED_OPS or ops_frame(m["batchID"], m["batch"], 3)[4] != T_OPS:
            fail(where, "a version 4 sender should compress this batch, a version 3 sender never")
            continue
        all_frames += raw
        all_msgs.append(m)
        ok("compressed")
    # Concatenated and byte by byte (SPEC §13).
    try:
        if not strict_equal(decode_stream(bytes(all_frames), LIMIT_AFTER_WELCOME), all_msgs):
            fail("concatenated", "messages differ")
        if not strict_equal(feed_bytewise(bytes(all_frames), LIMIT_AFTER_WELCOME), all_msgs):
            fail("byte by byte", "messages differ")
        ok("stream")
    except DecodeError as e:
        fail("concatenated", str(e))

    for name in operation_files:
        kind = "".join(w if i == 0 else w.capitalize() for i, w in enumerate(name[len("operation-"):].split("-")))
        for v in json.load(open(os.path.join(vdir, name + ".json")))["vectors"]:
            where = f"{name}.json/{v['name']}"
            raw = bytes.fromhex(v["hex"])
            try:
                b = dec_batch(raw)
            except DecodeError as e:
                fail(where, f"decode failed: {e}")
                continue
            if not strict_equal(b, v["decoded"]):
                fail(where, f"decoded {json.dumps(b)} != {json.dumps(v['decoded'])}")
                continue
            if enc_batch(v["decoded"]) != raw:
                fail(where, f"re-encoded {enc_batch(v['decoded']).hex()} != {raw.hex()}")
                continue
            if not any(op["kind"] == kind for op in b["operations"]):
                fail(where, f"holds no {kind} operation")
                continue
            # Inside an Ops frame too, whole and byte by byte.
            frame = enc_message({"type": "ops", "batchID": 1, "batch": b})
            if not strict_equal(feed_bytewise(frame, LIMIT_AFTER_WELCOME), [{"type": "ops", "batchID": 1, "batch": b}]):
                fail(where, "differs inside an Ops frame")
                continue
            ok("batch")

    for v in json.load(open(os.path.join(vdir, "fingerprint.json")))["vectors"]:
        where = f"fingerprint.json/{v['name']}"
        op = v["operation"]
        cb = canonical_bytes(v["origin"], op)
        if cb.hex() != v["canonical"]:
            fail(where, f"canonical {cb.hex()} != {v['canonical']}")
        elif hashlib.sha256(cb).digest()[:8].hex() != v["fingerprint"]:
            fail(where, "fingerprint differs")
        else:
            ok("fingerprint")

    for v in json.load(open(os.path.join(vdir, "token.json")))["vectors"]:
        where = f"token.json/{v['name']}"
        b = bytes.fromhex(v["bytes"])
        if token_text(b) != v["text"]:
            fail(where, f"text {token_text(b)} != {v['text']}")
            continue
        if parse_token(v["text"]) != b or parse_token(v["text"].lower().replace("-", " ")) != b:
            fail(where, "parse differs")
            continue
        if hashlib.sha256(b).hexdigest() != v["hash"]:
            fail(where, "hash differs")
            continue
        # A single mistyped symbol, and a swap of neighbours, must be refused (SPEC §6.1).
        syms = v["text"].replace("-", "")
        caught = True
        for i in range(17):
            for c in CROCKFORD if i < 16 else CROCKFORD_CHECK:
                if c == syms[i]:
                    continue
                try:
                    parse_token(syms[:i] + c + syms[i + 1:])
                    caught = False
                except ValueError:
                    pass
        for i in range(16):
            if syms[i] != syms[i + 1]:
                try:
                    parse_token(syms[:i] + syms[i + 1] + syms[i] + syms[i + 2:])
                    caught = False
                except ValueError:
                    pass
        if not caught:
            fail(where, "a typo or swap passed the check symbol")
            continue
        ok("token")

    for v in json.load(open(os.path.join(vdir, "session.json")))["vectors"]:
        where = f"session.json/{v['name']}"
        sent = {"device": 0, "hub": 0}
        streams = {"device": bytearray(), "hub": bytearray()}
        bad = False
        msgs = {"device": [], "hub": []}
        for st in v["steps"]:
            raw = bytes.fromhex(st["hex"])
            sent[st["from"]] += len(raw)
            streams[st["from"]] += raw
            if st["decoded"]["type"] == "magic":
                if raw != MAGIC:
                    fail(where, f"step {st['step']}: magic {raw.hex()}")
                    bad = True
                continue
            try:
                m = decode_frame_bytes(raw, LIMIT_AFTER_WELCOME)
            except DecodeError as e:
                fail(where, f"step {st['step']}: {e}")
                bad = True
                continue
            msgs[st["from"]].append(m)
            if not strict_equal(m, st["decoded"]) or enc_message(st["decoded"]) != raw:
                fail(where, f"step {st['step']} differs")
                bad = True
        for side in ("device", "hub"):
            try:
                got = decode_stream(bytes(streams[side]), LIMIT_BEFORE_WELCOME, LIMIT_AFTER_WELCOME,
                                    begins_with_magic=True) if side == "hub" else \
                    decode_stream(bytes(streams[side]), LIMIT_AFTER_WELCOME, begins_with_magic=True)
                if not strict_equal(got, msgs[side]):
                    fail(where, f"{side} stream differs")
                    bad = True
            except DecodeError as e:
                fail(where, f"{side} stream: {e}")
                bad = True
        if (sent["device"], sent["hub"]) != (256, 210):
            fail(where, f"bytes device {sent['device']}, hub {sent['hub']}; SPEC §12 says 256 and 210")
            bad = True
        # The hub's Vector must carry the fingerprints of the operations it then sends.
        hub_vec = next(m for m in msgs["hub"] if m["type"] == "vector")
        for m in msgs["hub"] + msgs["device"]:
            if m["type"] != "ops":
                continue
            b = m["batch"]
            for op in b["operations"]:
                for e in hub_vec["entries"]:
                    if e["origin"] == b["origin"] and e["seq"] == op["seq"] and \
                            fingerprint(b["origin"], op) != e["fingerprint"]:
                        fail(where, f"hub Vector fingerprint of {b['origin']}:{op['seq']} "
                                    f"is {e['fingerprint']}, the operation's is {fingerprint(b['origin'], op)}")
                        bad = True
        if not bad:
            ok("session")

    for v in json.load(open(os.path.join(vdir, "reject.json")))["vectors"]:
        where = f"reject.json/{v['name']}"
        raw = bytes.fromhex(v["hex"])
        try:
            if v["decoder"] == "stream":
                decode_stream(raw, LIMIT_BEFORE_WELCOME, begins_with_magic=True)
            elif v["decoder"] == "frame":
                decode_frame_bytes(raw, LIMIT_AFTER_WELCOME)
            elif v["decoder"] == "session":
                decode_stream(raw, LIMIT_AFTER_WELCOME)
            elif v["decoder"] == "batch":
                dec_batch(raw)
            else:
                fail(where, f"unknown decoder {v['decoder']}")
                continue
            fail(where, f"accepted; should be {v['error']}")
        except DecodeError as e:
            code = ERROR_CODES[e.wire_code]
            if e.name != v["error"]:
                fail(where, f"rejected with {e.name} ({e.detail}), expected {v['error']}")
            elif code != v["wireCode"]:
                fail(where, f"wire code {code}, expected {v['wireCode']}")
            else:
                ok("reject")

    for k in sorted(counts):
        print(f"  {k:12} {counts[k]} passed")
    for f in fails:
        print("FAIL " + f)
    passed = sum(counts.values())
    print(f"vectors: {passed}/{passed + len(fails)} passed" + (f", {len(fails)} FAILED" if fails else ""))
    return 1 if fails else 0


# ---------------------------------------------------------------------------


def main(argv=None):
    ap = argparse.ArgumentParser(description="A minimal fieldnotes sync device (protocol 3).")
    sub = ap.add_subparsers(dest="cmd", required=True)
    j = sub.add_parser("join", help="enrol with a hub using its enrolment code")
    j.add_argument("code")
    j.add_argument("--token", help="the token, when the code came without it")
    j.add_argument("--state", required=True)
    j.add_argument("--timeout", type=float, default=30)
    j.add_argument("--expect-error", metavar="NAME",
                   help="test: succeed only if the hub refuses with this Error (e.g. authFailed)")
    s = sub.add_parser("sync", help="sync with the hub (receive only)")
    s.add_argument("--state", required=True)
    s.add_argument("--timeout", type=float, default=30)
    s.add_argument("--max-version", type=int, choices=[3, 4], default=PROTOCOL_MAX,
                   help="offer versions 3..N in the Hello (3: behave as a version 3 device, no compression)")
    s.add_argument("--add-note", metavar="TITLE",
                   help="first write a note with this title as the device's own operations, and send it")
    s.add_argument("--body", metavar="TEXT",
                   help="with --add-note: the note's body, sent as one insertText run")
    s.add_argument("--no-ping", dest="ping", action="store_false",
                   help="do not check that the hub answers a Ping before the device's Done")
    s.add_argument("--corrupt-fingerprint", metavar="ORIGIN",
                   help="test: state ORIGIN with a wrong fingerprint; the hub must resend it all")
    s.add_argument("--expect-error", metavar="NAME",
                   help="test: succeed only if the hub refuses with this Error")
    v = sub.add_parser("vectors", help="check Protocol/vectors/*.json")
    v.add_argument("--dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                 "..", "..", "Protocol", "vectors"))
    args = ap.parse_args(argv)
    try:
        if args.cmd == "vectors":
            return cmd_vectors(args)
        if args.cmd == "join":
            cmd_join(args)
        else:
            cmd_sync(args)
        if args.expect_error:
            log(f"error: expected the hub to refuse with {args.expect_error}, but it did not")
            return 1
    except PeerError as e:
        if args.cmd != "vectors" and args.expect_error == ERROR_CODES.get(e.code):
            print(f"EXPECTED-ERROR {ERROR_CODES[e.code]}: {e.message}")
            return 0
        log(f"error: {e}")
        return 1
    except (DecodeError, SessionError) as e:
        log(f"error: sent Error to the hub and closed: {e}")
        return 1
    except (ValueError, RuntimeError, OSError, ssl.SSLError, ConnectionError) as e:
        log(f"error: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
