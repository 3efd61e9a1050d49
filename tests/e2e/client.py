"""A small protocol client for the end-to-end tests (websockets 10.4, asyncio API).

A background task reads every frame: replies are matched to their request by "id", everything
else (events, and errors with a null id) is queued as an event. Every wait has a timeout, so no
test can hang.
"""

import asyncio
import base64
import functools
import itertools
import json
import os
import socket
import struct
import time

import websockets
from websockets.exceptions import ConnectionClosed

from harness import ADMIN_PASSWORD, ADMIN_USER, insecure_ssl_context

USER_PASSWORD = "user-password-1"
REPLY_TIMEOUT = float(os.environ.get("MESSENGER_E2E_REPLY_TIMEOUT", "15"))
EVENT_TIMEOUT = 5.0

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def run(coro, timeout=120):
    """Runs one test body with an overall time bound."""

    async def bounded():
        try:
            return await asyncio.wait_for(coro, timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"the test did not finish within {timeout} s") from None

    return asyncio.run(bounded())


def async_test(timeout=120):
    """Turns `async def test_x(server, ...)` into a plain pytest test bounded by `timeout`."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return run(fn(*args, **kwargs), timeout)

        return wrapper

    return decorate


class ProtocolError(Exception):
    """An error reply to a request made with Client.call()."""

    def __init__(self, reply):
        super().__init__(f"{reply.get('code')}: {reply.get('message')} (reply {reply})")
        self.reply = reply
        self.code = reply.get("code")


class Closed(Exception):
    """The connection closed while a reply or event was awaited."""

    def __init__(self, code, reason=""):
        super().__init__(f"connection closed with code {code} {reason!r}")
        self.code = code
        self.reason = reason


class Client:
    _names = itertools.count(1)

    def __init__(self, ws, name):
        self.ws = ws
        self.name = name
        self._ids = itertools.count(1)
        self._pending = {}  # json-encoded id -> future
        self.events = []  # not yet consumed events (and null-id errors)
        self.all_frames = []  # every frame received, in order
        self.unmatched_replies = []  # replies whose id matched no pending request
        self._event_arrived = asyncio.Event()
        self.closed = asyncio.Event()
        self.close_code = None
        self.close_reason = ""
        self.token = None
        self.user = None
        self._reader = asyncio.get_running_loop().create_task(self._read_loop())

    @classmethod
    async def connect(cls, url, name=None, hello=True, **ws_kwargs):
        kwargs = dict(compression=None, max_size=2**25, ping_interval=None, close_timeout=3,
                      open_timeout=10, max_queue=None)
        kwargs.update(ws_kwargs)
        try:
            ws = await asyncio.wait_for(websockets.connect(url, **kwargs), 15)
        except asyncio.TimeoutError:
            raise AssertionError(f"no WebSocket connection to {url} within 15 s") from None
        client = cls(ws, name or f"c{next(cls._names)}")
        if hello:
            await client.hello()
        return client

    # ---- reading ----

    async def _read_loop(self):
        try:
            async for frame in self.ws:
                if isinstance(frame, bytes):
                    msg = {"type": "<binary>", "data": frame}
                else:
                    msg = json.loads(frame)
                self.all_frames.append(msg)
                self._dispatch(msg)
        except ConnectionClosed:
            pass
        except Exception as e:  # a frame that is not JSON: record it, it fails tests that look
            self.events.append({"type": "<unparsable>", "error": repr(e)})
        finally:
            self.close_code = self.ws.close_code
            self.close_reason = self.ws.close_reason
            self.closed.set()
            self._event_arrived.set()
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(Closed(self.close_code, self.close_reason))
            self._pending.clear()

    def _dispatch(self, msg):
        mtype = msg.get("type")
        if mtype in ("result", "error") and msg.get("id") is not None:
            key = json.dumps(msg["id"])
            fut = self._pending.pop(key, None)
            if fut is not None and not fut.done():
                fut.set_result(msg)
            else:
                self.unmatched_replies.append(msg)
            return
        self.events.append(msg)
        self._event_arrived.set()

    # ---- requests ----

    async def send_raw(self, text):
        """Sends a text frame as is (str) or a binary frame (bytes)."""
        await self.ws.send(text)

    async def send_frame(self, opcode, payload, fin=True):
        """Sends one frame with any opcode and payload, e.g. a text frame with invalid UTF-8."""
        await self.ws.write_frame(fin, opcode, payload)

    async def request(self, rtype, *, id=None, timeout=REPLY_TIMEOUT, **fields):
        """Sends a request and returns its reply (a result or an error)."""
        rid = next(self._ids) if id is None else id
        return await self.request_obj(dict({"type": rtype, "id": rid}, **fields), timeout)

    async def request_obj(self, obj, timeout=REPLY_TIMEOUT):
        """Sends a whole request object (its "id" is used for matching) and returns the reply."""
        key = json.dumps(obj["id"])
        fut = asyncio.get_running_loop().create_future()
        if self.closed.is_set():
            raise Closed(self.close_code, self.close_reason)
        self._pending[key] = fut
        try:
            await self.ws.send(json.dumps(obj))
        except ConnectionClosed:
            self._pending.pop(key, None)
            if fut.done():
                fut.exception()  # retrieved: no "exception never retrieved" warning
            await asyncio.wait_for(self.closed.wait(), 5)
            raise Closed(self.close_code, self.close_reason)
        try:
            return await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            self._pending.pop(key, None)
            raise AssertionError(f"{self.name}: no reply to {obj.get('type')} within {timeout}s"
                                 f" (request {str(obj)[:300]})")

    async def call(self, rtype, **fields):
        """Sends a request and returns its "result"; raises ProtocolError on an error reply."""
        reply = await self.request(rtype, **fields)
        if reply.get("type") != "result":
            raise ProtocolError(reply)
        assert "result" in reply, reply
        return reply["result"]

    async def error(self, rtype, **fields):
        """Sends a request that must fail; returns the error code."""
        reply = await self.request(rtype, **fields)
        assert reply.get("type") == "error", f"{rtype} should fail but got {reply}"
        assert isinstance(reply.get("code"), str) and reply["code"], reply
        assert isinstance(reply.get("message"), str), reply
        return reply["code"]

    async def expect_error(self, code, rtype, **fields):
        got = await self.error(rtype, **fields)
        if isinstance(code, (tuple, list, set)):
            assert got in code, f"{rtype}: expected one of {code}, got {got}"
        else:
            assert got == code, f"{rtype}: expected {code}, got {got}"
        return got

    # ---- the usual requests ----

    async def hello(self, version=1):
        result = await self.call("hello", version=version, client="e2e-tests/1")
        self.hello_result = result
        return result

    async def login(self, username, password, device="e2e"):
        result = await self.call("auth.login", username=username, password=password,
                                 device=device)
        self.token = result["token"]
        self.user = result["user"]
        return result

    async def resume(self, token):
        result = await self.call("auth.resume", token=token)
        self.token = token
        self.user = result["user"]
        return result

    @property
    def user_id(self):
        return self.user["id"]

    async def send_msg(self, conversation_id, text, client_msg_id=None):
        cmid = client_msg_id or f"{self.name}-{time.monotonic_ns()}"
        return await self.call("msg.send", conversation_id=conversation_id,
                               client_msg_id=cmid, text=text)

    async def history_all(self, conversation_id, page=100):
        """Every message of a conversation, paging forwards with "after"."""
        messages, after = [], 0
        for _ in range(100000):
            result = await self.call("msg.history", conversation_id=conversation_id,
                                     after=after, limit=page)
            batch = result["messages"]
            messages += batch
            if not batch:
                break
            after = batch[-1]["seq"]
            if not result["has_more"]:
                break
        return messages

    # ---- events ----

    async def next_event(self, etype=None, where=None, timeout=EVENT_TIMEOUT):
        """Removes and returns the first queued event of that type (and predicate); waits for
        one up to the timeout."""
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if (etype is None or ev.get("type") == etype) and (where is None or where(ev)):
                    return self.events.pop(i)
            if self.closed.is_set():
                raise Closed(self.close_code, self.close_reason)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                types = [e.get("type") for e in self.events]
                raise AssertionError(f"{self.name}: no {etype} event within {timeout}s "
                                     f"(queued: {types})")
            self._event_arrived.clear()
            try:
                await asyncio.wait_for(self._event_arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def no_event(self, etype, where=None, within=0.5):
        """Asserts that no such event arrives within the time."""
        await asyncio.sleep(within)
        found = [e for e in self.events
                 if e.get("type") == etype and (where is None or where(e))]
        assert not found, f"{self.name}: unexpected {etype} events: {found}"

    def drop_events(self, etype=None):
        self.events = [e for e in self.events if etype is not None and e.get("type") != etype]

    def count_events(self, etype, where=None):
        return sum(1 for e in self.events
                   if e.get("type") == etype and (where is None or where(e)))

    async def wait_closed(self, timeout=10):
        """Waits for the server to close the connection; returns the close code."""
        try:
            await asyncio.wait_for(self.closed.wait(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"{self.name}: connection still open after {timeout}s")
        return self.close_code

    async def close(self):
        try:
            await asyncio.wait_for(self.ws.close(), 5)
        except Exception:
            pass
        self._reader.cancel()
        try:
            await self._reader
        except BaseException:
            pass

    async def abort(self):
        """Drops the TCP connection without a closing handshake."""
        self.ws.transport.abort()
        await asyncio.wait_for(self.closed.wait(), 5)


# ---- helpers that set up users ----


async def connect(server, name=None, hello=True):
    kwargs = {"ssl": insecure_ssl_context()} if server.url.startswith("wss:") else {}
    return await Client.connect(server.url, name=name, hello=hello, **kwargs)


async def login(server, username, password=USER_PASSWORD, name=None, device="e2e"):
    client = await connect(server, name=name or username)
    await client.login(username, password, device)
    return client


async def login_admin(server, name="admin"):
    return await login(server, ADMIN_USER, server.admin_password or ADMIN_PASSWORD, name=name)


async def resume(server, token, name=None):
    client = await connect(server, name=name)
    await client.resume(token)
    return client


async def create_user(admin, username, password=USER_PASSWORD, **profile):
    fields = dict(display_name=profile.pop("display_name", username.capitalize()),
                  department=profile.pop("department", "Engineering"),
                  title=profile.pop("title", "Engineer"),
                  email=profile.pop("email", f"{username}@example.com"),
                  is_admin=profile.pop("is_admin", False))
    assert not profile, profile
    if password is not None:
        fields["password"] = password
    result = await admin.call("admin.user.create", username=username, **fields)
    return result["user"]


async def make_users(server, names, admin=None):
    """Creates users and logs each one in; returns {name: Client}."""
    own_admin = admin is None
    if own_admin:
        admin = await login_admin(server)
    clients = {}
    for name in names:
        await create_user(admin, name)
        clients[name] = await login(server, name)
    if own_admin:
        await admin.close()
    return clients


async def close_all(*clients):
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


def conv_member_ids(conversation):
    return sorted(m["user_id"] for m in conversation["members"])


# ---- a raw WebSocket client over a plain socket (for clients that misbehave on purpose) ----


class RawWs:
    """A minimal blocking WebSocket client: full control of frames and of reading."""

    def __init__(self, host, port, rcvbuf=None, timeout=10):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        status = head.split(b"\r\n")[0]
        if b" 101 " not in status + b" ":
            raise ConnectionError(f"handshake refused: {status!r}")
        self._ids = itertools.count(1)

    def send_frame(self, opcode, payload, fin=True):
        self.sock.sendall(self.frame_bytes(opcode, payload, fin))

    @staticmethod
    def frame_bytes(opcode, payload, fin=True):
        """One masked client frame, as sent on the wire."""
        header = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload)) if n < 4096 else \
            _mask_fast(payload, mask)
        return header + mask + masked

    def send_json(self, obj):
        self.send_frame(OP_TEXT, json.dumps(obj).encode())

    def request(self, rtype, **fields):
        """Sends a request and reads frames until its reply (events are skipped)."""
        rid = next(self._ids)
        self.send_json(dict({"type": rtype, "id": rid}, **fields))
        while True:
            opcode, payload = self.recv_frame()
            if opcode == OP_CLOSE:
                raise Closed(*close_info(payload))
            if opcode == OP_TEXT:
                msg = json.loads(payload)
                if msg.get("id") == rid:
                    return msg

    def _read_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buf)))
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def recv_frame(self):
        """Returns (opcode, payload) of the next whole message (continuations joined)."""
        payload_all, first_opcode = b"", None
        while True:
            b0, b1 = self._read_exact(2)
            opcode, fin = b0 & 0x0F, bool(b0 & 0x80)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read_exact(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read_exact(8))[0]
            payload = self._read_exact(n)
            if opcode >= 0x8:
                return opcode, payload
            if first_opcode is None:
                first_opcode = opcode
            payload_all += payload
            if fin:
                return first_opcode, payload_all

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def _mask_fast(payload, mask):
    n = len(payload)
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


def close_info(payload):
    """(code, reason) of a close frame payload."""
    if len(payload) >= 2:
        return struct.unpack("!H", payload[:2])[0], payload[2:].decode("utf-8", "replace")
    return 1005, ""
