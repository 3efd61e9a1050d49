"""The server reads each WebSocket message whole however the client cuts it into frames and TCP
segments: the read side waits for a message to begin before it gives it a buffer (an idle
connection holds none), so every way a message can begin and continue is exercised here."""

import json
import time

from client import OP_CONT, OP_PING, OP_PONG, OP_TEXT, RawWs


def request_bytes(rid, rtype="hello", **fields):
    body = {"type": rtype, "id": rid, **fields}
    if rtype == "hello":
        body.update(version=1, client="e2e-framing")
    return json.dumps(body).encode()


def read_replies(raw, count, nulls=0):
    """Replies until `count` distinct request ids and `nulls` replies with id null (errors for
    frames that have no id) have come; pongs are collected apart. Returns ({id: reply}, pongs)."""
    replies, pongs, null_replies = {}, [], []
    while len(replies) < count or len(null_replies) < nulls:
        opcode, payload = raw.recv_frame()
        if opcode == OP_PONG:
            pongs.append(payload)
        elif opcode == OP_TEXT:
            msg = json.loads(payload)
            if msg.get("id") is None:
                null_replies.append(msg)
            else:
                replies[msg["id"]] = msg
    if null_replies:
        replies[None] = null_replies
    return replies, pongs


def test_messages_cut_and_pipelined_in_every_way_are_read_whole(server):
    raw = RawWs(server.host, server.port)
    try:
        # The frame header in one TCP segment, the payload in a later one.
        frame = RawWs.frame_bytes(OP_TEXT, request_bytes(1))
        raw.sock.sendall(frame[:2])
        time.sleep(0.05)
        raw.sock.sendall(frame[2:])
        replies, _ = read_replies(raw, 1)
        assert replies[1]["type"] == "result", replies

        # One byte at a time.
        for byte in RawWs.frame_bytes(OP_TEXT, request_bytes(2, "user.me")):
            raw.sock.sendall(bytes([byte]))
        replies, _ = read_replies(raw, 1)
        assert replies[2]["code"] == "not_authenticated", replies

        # A ping before a message, and one between its fragments (an empty first fragment).
        payload = request_bytes(3, "user.me")
        raw.sock.sendall(RawWs.frame_bytes(OP_PING, b"before")
                         + RawWs.frame_bytes(OP_TEXT, b"", fin=False)
                         + RawWs.frame_bytes(OP_CONT, payload[:10], fin=False)
                         + RawWs.frame_bytes(OP_PING, b"between")
                         + RawWs.frame_bytes(OP_CONT, payload[10:], fin=True))
        replies, pongs = read_replies(raw, 1)
        assert replies[3]["code"] == "not_authenticated", replies
        while len(pongs) < 2:
            opcode, data = raw.recv_frame()
            if opcode == OP_PONG:
                pongs.append(data)
        assert pongs == [b"before", b"between"]

        # Many messages in one TCP segment, with empty messages among them.
        burst = b"".join(RawWs.frame_bytes(OP_TEXT, request_bytes(10 + i, "user.me"))
                         + RawWs.frame_bytes(OP_TEXT, b"") for i in range(20))
        raw.sock.sendall(burst)
        replies, _ = read_replies(raw, 20, nulls=20)  # the empty messages' errors have no id
        assert all(replies[10 + i]["code"] == "not_authenticated" for i in range(20)), replies
        assert [e["code"] for e in replies[None]] == ["invalid_json"] * 20, replies[None]

        # A message larger than any buffer the server keeps, after all that.
        big = request_bytes(99, "hello")[:-1] + b', "pad": "' + b"p" * 40000 + b'"}'
        raw.send_frame(OP_TEXT, big)
        replies, _ = read_replies(raw, 1)
        assert replies[99]["type"] == "result", replies
    finally:
        raw.close()


def test_pipelined_requests_fill_the_read_buffer_and_are_answered_in_order(server):
    """More requests in one TCP segment than the server's first read takes (Beast reads up to
    1,536 bytes): the reads that fill their buffer are followed at once by another, the last
    short one waits for readiness, and every request is answered, in order. (150: within the
    default request burst, 200, whose excess would be answered at once by the IO thread.)"""
    raw = RawWs(server.host, server.port)
    try:
        raw.send_frame(OP_TEXT, request_bytes(0))
        replies, _ = read_replies(raw, 1)
        assert replies[0]["type"] == "result", replies
        burst = b"".join(RawWs.frame_bytes(OP_TEXT, request_bytes(1 + i, "user.me"))
                         for i in range(150))
        assert len(burst) > 3 * 1536
        raw.sock.sendall(burst)
        order = []
        while len(order) < 150:
            opcode, payload = raw.recv_frame()
            if opcode == OP_TEXT:
                order.append(json.loads(payload)["id"])
        assert order == list(range(1, 151))
        # And the connection still reads what comes after a pause.
        time.sleep(0.05)
        raw.send_frame(OP_TEXT, request_bytes(500, "user.me"))
        replies, _ = read_replies(raw, 1)
        assert replies[500]["code"] == "not_authenticated", replies
    finally:
        raw.close()
