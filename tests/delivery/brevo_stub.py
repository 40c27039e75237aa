"""A local Brevo API for tests: a real HTTP server on 127.0.0.1 that checks what Brevo checks.

``POST /v3/smtp/email`` validates the api-key, the JSON shape and Brevo's limits
(≤ 1000 versions, ≤ 99 recipients a version, required fields, ASCII header
values, a UUID idempotency key), records every request, "delivers" each version
once and answers 201 with one id per version. A repeated idempotency key gets the
first answer again and delivers nothing. ``script`` holds answers for the next
calls (429 with a reset header, 500, 402, a slow answer…); ``reject`` holds
addresses answered with 400. ``GET /v3/account`` checks the key.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

SEND_PATH = "/v3/smtp/email"
ACCOUNT_PATH = "/v3/account"
TOP_FIELDS = {
    "sender",
    "to",
    "subject",
    "htmlContent",
    "textContent",
    "headers",
    "messageVersions",
    "tags",
    "replyTo",
    "params",
}
VERSION_FIELDS = {
    "to",
    "params",
    "bcc",
    "cc",
    "replyTo",
    "subject",
    "htmlContent",
    "textContent",
    "headers",
}
HEADER_NAME = re.compile(r"[!-9;-~]+")


@dataclass
class Answer:
    """A scripted answer to the next send call.

    ``deliver`` first processes the call as Brevo would (delivers, remembers the
    key), then answers ``status`` — Brevo did the work but the answer says
    otherwise. ``delay`` seconds pass before the answer is written.
    """

    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    deliver: bool = False


UNAUTHORIZED = Answer(401, {"code": "unauthorized", "message": "Key not found"})
NOT_FOUND = Answer(404, {"code": "not_found", "message": "no such path"})


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int = 0


@dataclass
class Delivered:
    """One version as Brevo would send it: top-level values merged with the version's."""

    email: str
    name: str | None
    subject: str
    html: str
    text: str
    headers: dict[str, str]
    brevo_id: str
    idempotency_key: str


class BrevoStub:
    """Use as a context manager; ``url`` is the base URL to give the transport."""

    def __init__(self, api_key: str = "stub-api-key-0123") -> None:
        self.api_key = api_key
        self.script: deque[Answer] = deque()
        self.reject: set[str] = set()
        self.requests: list[Recorded] = []
        self.delivered: list[Delivered] = []
        self._answers: dict[str, tuple[int, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.stub = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def sends(self) -> list[Recorded]:
        """The send calls received, in order (repeats and refused ones included)."""
        return [r for r in self.requests if r.path == SEND_PATH]

    def __enter__(self) -> BrevoStub:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._closing.set()  # wakes slow answers
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    # --- what the handler calls ------------------------------------------------------

    def account(self, headers: dict[str, str]) -> Answer:
        if headers.get("api-key") != self.api_key:
            return UNAUTHORIZED
        return Answer(200, {"email": "konto@example.se", "plan": [{"type": "payAsYouGo"}]})

    def send(self, headers: dict[str, str], raw: bytes) -> Answer:
        if headers.get("api-key") != self.api_key:
            return UNAUTHORIZED
        if headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _invalid("content-type must be application/json")
        try:
            body = json.loads(raw)
        except ValueError:
            return _invalid("the body is not valid JSON")
        problem = shape_problem(body)
        if problem:
            return _invalid(problem)
        key = body["headers"]["idempotencyKey"]
        with self._lock:
            if key in self._answers:
                status, answer = self._answers[key]
                return Answer(status, answer)
            scripted = self.script.popleft() if self.script else None
            if scripted is not None and not scripted.deliver:
                return scripted
            refused = [
                r["email"]
                for v in body["messageVersions"]
                for r in v["to"]
                if r["email"] in self.reject
            ]
            if refused:
                return _invalid(f"email is not valid in to: {refused[0]}")
            ids = [self._deliver(body, version, key) for version in body["messageVersions"]]
            self._answers[key] = (201, {"messageIds": ids})
        answer = {"messageIds": ids}
        if scripted is not None:
            body = scripted.body if scripted.body is not None else answer
            return Answer(scripted.status, body, scripted.headers, scripted.delay)
        return Answer(201, answer)

    def wait(self, seconds: float) -> None:
        self._closing.wait(seconds)

    def _deliver(self, body: dict[str, Any], version: dict[str, Any], key: str) -> str:
        brevo_id = f"<{uuid.uuid4().hex}@smtp-relay.stub.brevo>"
        headers = {k: v for k, v in body["headers"].items() if k != "idempotencyKey"}
        headers.update(version.get("headers", {}))
        for recipient in version["to"]:
            self.delivered.append(
                Delivered(
                    email=recipient["email"],
                    name=recipient.get("name"),
                    subject=version.get("subject", body["subject"]),
                    html=version.get("htmlContent", body.get("htmlContent", "")),
                    text=version.get("textContent", body.get("textContent", "")),
                    headers=headers,
                    brevo_id=brevo_id,
                    idempotency_key=key,
                )
            )
        return brevo_id


def _invalid(message: str) -> Answer:
    return Answer(400, {"code": "invalid_parameter", "message": message})


def shape_problem(body: Any) -> str:
    """What Brevo would refuse in a send body, or "" when it is acceptable."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    unknown = set(body) - TOP_FIELDS
    if unknown:
        return f"unknown fields {sorted(unknown)}"
    sender = body.get("sender")
    if not isinstance(sender, dict) or not _address(sender.get("email")):
        return "sender.email is missing"
    if not isinstance(body.get("subject"), str) or not body["subject"]:
        return "subject is missing"
    if not isinstance(body.get("htmlContent"), str) and not isinstance(
        body.get("textContent"), str
    ):
        return "htmlContent or textContent is required"
    problem = _headers_problem(body.get("headers"), "headers")
    if problem:
        return problem
    try:
        uuid.UUID(str(body["headers"].get("idempotencyKey")))
    except ValueError:
        return "headers.idempotencyKey must be a UUID"
    versions = body.get("messageVersions")
    if not isinstance(versions, list) or not 1 <= len(versions) <= 1000:
        return "messageVersions must hold 1 to 1000 versions"
    total = 0
    for n, version in enumerate(versions):
        where = f"messageVersions[{n}]"
        if not isinstance(version, dict) or set(version) - VERSION_FIELDS:
            return f"{where} is not a message version"
        to = version.get("to")
        if not isinstance(to, list) or not 1 <= len(to) <= 99:
            return f"{where}.to must hold 1 to 99 recipients"
        if not all(isinstance(r, dict) and _address(r.get("email")) for r in to):
            return f"{where}.to has a recipient without email"
        total += len(to)
        for name in ("subject", "htmlContent", "textContent"):
            if name in version and not isinstance(version[name], str):
                return f"{where}.{name} must be a string"
        if "headers" in version:
            problem = _headers_problem(version["headers"], f"{where}.headers")
            if problem:
                return problem
    if total > 2000:
        return "at most 2000 recipients per call"
    return ""


def _address(value: Any) -> bool:
    return isinstance(value, str) and "@" in value and value.isascii()


def _headers_problem(headers: Any, where: str) -> str:
    if not isinstance(headers, dict):
        return f"{where} must be an object"
    for name, value in headers.items():
        if not HEADER_NAME.fullmatch(name):
            return f"{where}: bad header name {name!r}"
        if not isinstance(value, str) or not value.isascii() or "\r" in value or "\n" in value:
            return f"{where}.{name} must be one line of ASCII"
    return ""


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the tests assert on the recorded requests instead

    @property
    def stub(self) -> BrevoStub:
        stub: BrevoStub = self.server.stub  # type: ignore[attr-defined]
        return stub

    def _record(self, body: Any) -> Recorded:
        headers = {k.lower(): v for k, v in self.headers.items()}
        recorded = Recorded(self.command, self.path, headers, body)
        with self.stub._lock:
            self.stub.requests.append(recorded)
        return recorded

    def do_GET(self) -> None:
        recorded = self._record(None)
        if self.path != ACCOUNT_PATH:
            self._reply(recorded, NOT_FOUND)
            return
        self._reply(recorded, self.stub.account(recorded.headers))

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length", "0")))
        try:
            parsed: Any = json.loads(raw)
        except ValueError:
            parsed = raw
        recorded = self._record(parsed)
        if self.path != SEND_PATH:
            self._reply(recorded, NOT_FOUND)
            return
        answer = self.stub.send(recorded.headers, raw)
        if answer.delay:
            self.stub.wait(answer.delay)
        self._reply(recorded, answer)

    def _reply(self, recorded: Recorded, answer: Answer) -> None:
        recorded.status = answer.status
        data = json.dumps(answer.body or {}).encode("utf-8")
        try:
            self.send_response(answer.status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up waiting (a timeout test): the work is done anyway
