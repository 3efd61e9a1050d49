#!/usr/bin/env python3
"""Smoke test for a MongoDB-wire-protocol server (FerretDB or mongod), standard library only.

    python3 tests/ferretdb/mongo_smoke.py 127.0.0.1:PORT

Sends hand-built OP_MSG commands with a minimal BSON codec (no pymongo needed): hello, ping,
buildInfo, then in a scratch database: insert + find, the features the MongoDB store of issue 3
relies on (unique indexes and duplicate-key error 11000, unordered insert with a duplicate,
findAndModify with $inc and upsert, count, distinct, a write concern of majority + journaled),
and finally drops the scratch database. Exits 0 when all checks pass, 1 otherwise.
"""

import itertools
import socket
import struct
import sys
import time

OP_MSG = 2013


class Int64(int):
    """Forces BSON int64 encoding for a value that would fit in int32."""


# --- minimal BSON --------------------------------------------------------------------------

def _cstring(s):
    b = s.encode()
    if b"\0" in b:
        raise ValueError("NUL in key")
    return b + b"\0"


def _element(key, v):
    k = _cstring(key)
    if isinstance(v, bool):
        return b"\x08" + k + (b"\x01" if v else b"\x00")
    if isinstance(v, Int64):
        return b"\x12" + k + struct.pack("<q", v)
    if isinstance(v, int):
        if -(2**31) <= v < 2**31:
            return b"\x10" + k + struct.pack("<i", v)
        return b"\x12" + k + struct.pack("<q", v)
    if isinstance(v, float):
        return b"\x01" + k + struct.pack("<d", v)
    if isinstance(v, str):
        b = v.encode()
        return b"\x02" + k + struct.pack("<i", len(b) + 1) + b + b"\0"
    if isinstance(v, dict):
        return b"\x03" + k + encode(v)
    if isinstance(v, (list, tuple)):
        return b"\x04" + k + encode({str(i): x for i, x in enumerate(v)})
    if isinstance(v, bytes):
        return b"\x05" + k + struct.pack("<i", len(v)) + b"\x00" + v
    if v is None:
        return b"\x0a" + k
    raise TypeError(f"cannot encode {type(v).__name__}")


def encode(doc):
    body = b"".join(_element(k, v) for k, v in doc.items())
    return struct.pack("<i", len(body) + 5) + body + b"\0"


def decode(buf, pos=0):
    """Decodes the BSON document at buf[pos:]; returns (dict, end position)."""
    (size,) = struct.unpack_from("<i", buf, pos)
    end = pos + size
    pos += 4
    out = {}
    while buf[pos] != 0:
        t = buf[pos]
        pos += 1
        nul = buf.index(b"\0", pos)
        key = buf[pos:nul].decode()
        pos = nul + 1
        if t == 0x01:
            (v,) = struct.unpack_from("<d", buf, pos); pos += 8
        elif t in (0x02, 0x0D, 0x0E):
            (n,) = struct.unpack_from("<i", buf, pos)
            v = buf[pos + 4:pos + 3 + n].decode(); pos += 4 + n
        elif t in (0x03, 0x04):
            v, pos = decode(buf, pos)
            if t == 0x04:
                v = list(v.values())
        elif t == 0x05:
            (n,) = struct.unpack_from("<i", buf, pos)
            v = bytes(buf[pos + 5:pos + 5 + n]); pos += 5 + n
        elif t == 0x07:
            v = "ObjectId(" + buf[pos:pos + 12].hex() + ")"; pos += 12
        elif t == 0x08:
            v = buf[pos] != 0; pos += 1
        elif t == 0x09:
            (v,) = struct.unpack_from("<q", buf, pos); pos += 8
        elif t in (0x0A, 0x06, 0xFF, 0x7F):
            v = None
        elif t == 0x10:
            (v,) = struct.unpack_from("<i", buf, pos); pos += 4
        elif t == 0x11:
            (inc, ts) = struct.unpack_from("<II", buf, pos); v = (ts, inc); pos += 8
        elif t == 0x12:
            (v,) = struct.unpack_from("<q", buf, pos); pos += 8
        elif t == 0x13:
            v = bytes(buf[pos:pos + 16]); pos += 16
        else:
            raise ValueError(f"unsupported BSON type 0x{t:02x} for key {key!r}")
        out[key] = v
    return out, end


# --- OP_MSG ----------------------------------------------------------------------------------

class Conn:
    _ids = itertools.count(1)

    def __init__(self, addr, timeout=10.0):
        host, port = addr.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)

    def _recv(self, n):
        chunks = []
        while n:
            c = self.sock.recv(n)
            if not c:
                raise ConnectionError("server closed the connection")
            chunks.append(c)
            n -= len(c)
        return b"".join(chunks)

    def command(self, db, cmd):
        body = dict(cmd)
        body["$db"] = db
        payload = struct.pack("<I", 0) + b"\x00" + encode(body)
        req = next(self._ids)
        self.sock.sendall(struct.pack("<iiii", 16 + len(payload), req, 0, OP_MSG) + payload)
        length, _, resp_to, op = struct.unpack("<iiii", self._recv(16))
        rest = self._recv(length - 16)
        if op != OP_MSG or resp_to != req:
            raise ValueError(f"unexpected reply: opCode {op}, responseTo {resp_to} (want {req})")
        if rest[4] != 0:
            raise ValueError(f"unexpected OP_MSG section kind {rest[4]}")
        doc, _ = decode(rest, 5)
        return doc

    def close(self):
        self.sock.close()


# --- checks ------------------------------------------------------------------------------------

def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    addr = argv[1]
    failures = []

    def check(name, cond, detail):
        print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {detail}"))
        if not cond:
            failures.append(name)

    c = Conn(addr)
    db = f"messenger_smoke_{int(time.time() * 1000)}"

    r = c.command("admin", {"hello": 1})
    check("hello", r.get("ok") == 1.0 and r.get("isWritablePrimary") is True, r)
    print(f"     maxWireVersion={r.get('maxWireVersion')} setName={r.get('setName')!r}"
          f" logicalSessionTimeoutMinutes={r.get('logicalSessionTimeoutMinutes')}")
    r = c.command("admin", {"ping": 1})
    check("ping", r.get("ok") == 1.0, r)
    r = c.command("admin", {"buildInfo": 1})
    print(f"     buildInfo version={r.get('version')!r} ferretdbVersion={r.get('ferretdbVersion')!r}")

    r = c.command(db, {"insert": "users", "documents": [{"_id": "u1", "name": "alice", "n": 1},
                                                         {"_id": "u2", "name": "bob", "n": Int64(2)}]})
    check("insert 2 documents", r.get("ok") == 1.0 and r.get("n") == 2, r)
    r = c.command(db, {"find": "users", "filter": {"name": "alice"}})
    batch = r.get("cursor", {}).get("firstBatch", [])
    check("find by name", r.get("ok") == 1.0 and batch == [{"_id": "u1", "name": "alice", "n": 1}], r)
    r = c.command(db, {"find": "users", "filter": {}, "sort": {"_id": -1}})
    ids = [d["_id"] for d in r.get("cursor", {}).get("firstBatch", [])]
    check("find all, sorted", ids == ["u2", "u1"], r)

    r = c.command(db, {"createIndexes": "messages", "indexes": [
        {"key": {"conversation_id": 1, "seq": 1}, "name": "conv_seq", "unique": True},
        {"key": {"sender_id": 1, "client_msg_id": 1}, "name": "sender_cmid", "unique": True}]})
    check("createIndexes (unique, compound)", r.get("ok") == 1.0, r)
    r = c.command(db, {"createIndexes": "messages", "indexes": [
        {"key": {"conversation_id": 1, "seq": 1}, "name": "conv_seq", "unique": True}]})
    check("createIndexes again (idempotent)", r.get("ok") == 1.0, r)

    msgs = [{"conversation_id": "c1", "seq": Int64(1), "sender_id": "u1", "client_msg_id": "m1"},
            {"conversation_id": "c1", "seq": Int64(2), "sender_id": "u1", "client_msg_id": "m2"}]
    r = c.command(db, {"insert": "messages", "documents": msgs, "ordered": False,
                       "writeConcern": {"w": "majority", "j": True}})
    check("unordered insert with writeConcern majority+j", r.get("ok") == 1.0 and r.get("n") == 2, r)
    dup = [{"conversation_id": "c1", "seq": Int64(3), "sender_id": "u1", "client_msg_id": "m3"},
           {"conversation_id": "c1", "seq": Int64(2), "sender_id": "u2", "client_msg_id": "x"},
           {"conversation_id": "c1", "seq": Int64(4), "sender_id": "u1", "client_msg_id": "m4"}]
    r = c.command(db, {"insert": "messages", "documents": dup, "ordered": False})
    codes = [e.get("code") for e in r.get("writeErrors", [])]
    check("unordered insert: duplicate key 11000 on one, others inserted",
          r.get("n") == 2 and codes == [11000] and r["writeErrors"][0].get("index") == 1, r)

    r = c.command(db, {"findAndModify": "conversations", "query": {"_id": "c1"},
                       "update": {"$inc": {"next_seq": Int64(10)}}, "new": True, "upsert": True})
    v = r.get("value") or {}
    check("findAndModify $inc upsert (new doc)", r.get("ok") == 1.0 and v.get("next_seq") == 10, r)
    r = c.command(db, {"findAndModify": "conversations", "query": {"_id": "c1"},
                       "update": {"$inc": {"next_seq": Int64(10)}}, "new": False})
    v = r.get("value") or {}
    check("findAndModify $inc (old value returned)", r.get("ok") == 1.0 and v.get("next_seq") == 10, r)

    r = c.command(db, {"count": "messages", "query": {"conversation_id": "c1"}})
    check("count", r.get("ok") == 1.0 and r.get("n") == 4, r)
    r = c.command(db, {"distinct": "messages", "key": "sender_id", "query": {}})
    check("distinct", r.get("ok") == 1.0 and sorted(r.get("values", [])) == ["u1"], r)
    # FerretDB 1.24's $group has only the $sum and $count accumulators ($max, $min, $first,
    # $last, $avg, $push, $addToSet are NotImplemented), so take a maximum with sort + limit.
    r = c.command(db, {"aggregate": "messages", "pipeline": [
        {"$match": {"conversation_id": "c1"}},
        {"$group": {"_id": "$conversation_id", "n": {"$sum": 1}}}], "cursor": {}})
    check("aggregate $match/$group/$sum",
          r.get("ok") == 1.0 and r.get("cursor", {}).get("firstBatch") == [{"_id": "c1", "n": 4}], r)
    r = c.command(db, {"find": "messages", "filter": {"conversation_id": "c1"},
                       "sort": {"seq": -1}, "limit": 1})
    batch = r.get("cursor", {}).get("firstBatch", [])
    check("max seq via find sort -1 limit 1", len(batch) == 1 and batch[0].get("seq") == 4, r)

    r = c.command(db, {"dropDatabase": 1})
    check("dropDatabase", r.get("ok") == 1.0, r)
    c.close()

    if failures:
        print(f"{len(failures)} check(s) failed: {', '.join(failures)}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
