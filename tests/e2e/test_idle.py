"""The idle watch (docs/protocol.md): a connection silent for half of its idle timeout gets a
ping, one still silent half a timeout later is closed, and a connection that keeps talking is
never pinged. The server keeps this timer itself (not Beast's per-read timer), so its timing is
checked here against the contract with a 2 s timeout."""

import json
import socket
import time

import pytest

from client import OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, RawWs

IDLE = 2.0
SLACK = 0.6  # scheduling on a loaded 2-core machine


def hello(raw, rid):
    raw.send_frame(OP_TEXT, json.dumps({"type": "hello", "id": rid, "version": 1,
                                         "client": "e2e-idle"}).encode())
    while True:
        opcode, payload = raw.recv_frame()
        if opcode == OP_TEXT and json.loads(payload).get("id") == rid:
            return


def greeted(server):
    """A raw connection that has said hello (so the server heard from it just now)."""
    raw = RawWs(server.host, server.port, timeout=10)
    try:
        hello(raw, 1)
    except BaseException:
        raw.close()
        raise
    return raw


@pytest.mark.server_args("--idle-timeout-seconds", "2")
def test_a_silent_connection_is_pinged_at_half_and_closed_at_the_whole_timeout(server):
    raw = greeted(server)
    try:
        last_heard = time.monotonic()
        ping_at = None
        try:
            while True:
                opcode, _ = raw.recv_frame()
                if opcode == OP_PING and ping_at is None:
                    ping_at = time.monotonic() - last_heard
                if opcode == OP_CLOSE:
                    break
        except (ConnectionError, OSError):
            pass  # the server cuts the connection; no close frame is owed to a silent peer
        closed_at = time.monotonic() - last_heard
    finally:
        raw.close()
    assert ping_at is not None
    assert IDLE / 2 - 0.1 <= ping_at <= IDLE / 2 + SLACK, ping_at
    assert IDLE - 0.1 <= closed_at <= IDLE + SLACK, closed_at


@pytest.mark.server_args("--idle-timeout-seconds", "2")
def test_a_talking_connection_is_not_pinged_and_an_answering_one_stays(server):
    raw = greeted(server)
    try:
        # A request every 0.4 s for 2.5 s: never silent for half the timeout, so no ping.
        start = time.monotonic()
        rid = 2
        while time.monotonic() - start < 2.5:
            time.sleep(0.4)
            raw.sock.settimeout(0.05)
            try:
                while True:
                    opcode, _ = raw.recv_frame()
                    assert opcode != OP_PING, "pinged while talking"
            except socket.timeout:
                pass
            raw.sock.settimeout(10)
            hello(raw, rid)
            rid += 1
        # Now silent, but answering every ping: still open after twice the timeout.
        pongs = 0
        raw.sock.settimeout(0.2)
        end = time.monotonic() + 2 * IDLE
        while time.monotonic() < end:
            try:
                opcode, payload = raw.recv_frame()
            except socket.timeout:
                continue
            assert opcode != OP_CLOSE, "closed although it answered the pings"
            if opcode == OP_PING:
                raw.send_frame(OP_PONG, payload)
                pongs += 1
        raw.sock.settimeout(10)
        assert pongs >= 2, pongs
        hello(raw, rid)  # still served
    finally:
        raw.close()
