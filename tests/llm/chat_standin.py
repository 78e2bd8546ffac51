"""A scripted OpenAI chat-completions server on loopback, for testing kfix's model client.

Real HTTP, so the client's requests, retries, timeouts and headers are exercised for real:

    standin = ChatStandin([Answer(429, headers={"Retry-After": "0"}), '{"ok": true}'])
    with standin as base_url:          # http://127.0.0.1:PORT/v1
        ...                            # point kfix at base_url
    assert len(standin.requests) == 2

Each request to POST /v1/chat/completions takes the first scripted answer whose `when`
matches it (answers without `when` match anything); that answer is used up. When none is
left, `respond(request_json)` answers; without `respond`, the stand-in answers 500 so an
unexpected extra request fails the test loudly. A plain string in the script, or returned
by `respond`, is a 200 reply with that string as the assistant's content.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHAT_PATH = "/v1/chat/completions"


@dataclass(frozen=True)
class Answer:
    """One scripted reply. `body` (bytes, str or a JSON-able object) replaces the envelope."""

    status: int = 200
    content: str | None = None  # the assistant's message content; None sends JSON null
    body: bytes | str | Mapping[str, Any] | list[Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering, e.g. to trip a client timeout
    when: Callable[[Recorded], bool] | None = None  # only for requests this accepts
    finish_reason: str = "stop"

    @classmethod
    def error(cls, status: int, message: str = "", **kwargs: Any) -> Answer:
        """An OpenAI-style error envelope, as most compatible servers send."""
        text = message or HTTPStatus(status).phrase
        return cls(status, body={"error": {"message": text, "type": "stand_in", "code": status}},
                   **kwargs)


Scripted = Answer | str


@dataclass(frozen=True)
class Recorded:
    """One request as the stand-in saw it; header names are lower-cased."""

    method: str
    path: str
    headers: Mapping[str, str]
    json: Any  # the parsed body, or None when it was not JSON

    @property
    def mode(self) -> str:
        """The structured-output mode asked for: json_schema, json_object or none."""
        body = self.json if isinstance(self.json, dict) else {}
        format_ = body.get("response_format")
        return format_.get("type", "none") if isinstance(format_, dict) else "none"

    @property
    def messages(self) -> list[dict[str, Any]]:
        body = self.json if isinstance(self.json, dict) else {}
        return list(body.get("messages", []))


def asks_for(mode: str) -> Callable[[Recorded], bool]:
    """A `when` predicate: e.g. Answer.error(500, when=asks_for("json_schema")) like llama.cpp."""
    return lambda request: request.mode == mode


class ChatStandin:
    """The server; a context manager that yields its base URL, ending in /v1."""

    def __init__(
        self,
        script: Iterable[Scripted] = (),
        *,
        respond: Callable[[Any], Scripted] | None = None,
        model: str | None = None,
    ) -> None:
        self._script: list[Answer] = [_answer(item) for item in script]
        self._respond = respond
        self._model = model  # echoed as `model`; by default the one requested
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._ids = itertools.count(1)
        self.requests: list[Recorded] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "the stand-in is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def unused(self) -> list[Answer]:
        """Scripted answers no request has taken yet."""
        with self._lock:
            return list(self._script)

    @property
    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == CHAT_PATH and r.method == "POST"]

    def __enter__(self) -> str:
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        # A short poll interval: shutdown() waits for the loop to notice, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), daemon=True
        )
        self._thread.start()
        return self.base_url

    def __exit__(self, *exc_info: object) -> None:
        assert self._server is not None and self._thread is not None
        self._closing.set()  # wake handlers sleeping on `delay`
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def _choose(self, request: Recorded) -> Answer:
        with self._lock:
            for index, answer in enumerate(self._script):
                if answer.when is None or answer.when(request):
                    return self._script.pop(index)
        if self._respond is None:
            return Answer.error(500, "chat stand-in: no scripted answer left for this request")
        return _answer(self._respond(request.json))

    def _envelope(self, answer: Answer, request: Recorded) -> bytes:
        if answer.body is not None:
            if isinstance(answer.body, bytes):
                return answer.body
            if isinstance(answer.body, str):
                return answer.body.encode()
            return json.dumps(answer.body).encode()
        requested = request.json.get("model") if isinstance(request.json, dict) else None
        return json.dumps({
            "id": f"chatcmpl-standin-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self._model or requested or "stand-in",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": answer.content},
                "finish_reason": answer.finish_reason,
            }],
        }).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a keep-alive connection must not hold up the test's exit

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up (say, after its timeout) is expected here, not an error."""


def _answer(item: Scripted) -> Answer:
    return Answer(content=item) if isinstance(item, str) else item


def _handler_for(standin: ChatStandin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

        def do_POST(self) -> None:
            self._serve()

        def do_GET(self) -> None:
            self._serve()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: test output is for the tests."""

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = None
            path = self.path.split("?", 1)[0]
            request = Recorded(
                self.command, path, {k.lower(): v for k, v in self.headers.items()}, parsed
            )
            standin._record(request)
            if path == "/v1/models" and self.command == "GET":
                self._send(Answer(body={"object": "list", "data": [
                    {"id": standin._model or "stand-in", "object": "model"}]}), request)
            elif path != CHAT_PATH:
                self._send(Answer.error(404, f"no route {self.command} {path}"), request)
            elif self.command != "POST":
                self._send(Answer.error(405), request)
            else:
                answer = standin._choose(request)
                if answer.delay and standin._closing.wait(answer.delay):
                    return  # shutting down: the client gave up long ago
                self._send(answer, request)

        def _send(self, answer: Answer, request: Recorded) -> None:
            payload = standin._envelope(answer, request)
            self.send_response(answer.status)
            headers = {"Content-Type": "application/json", **answer.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler
