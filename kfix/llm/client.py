"""A small client for OpenAI-compatible chat-completions endpoints that must answer JSON.

It speaks only the common subset of the wire protocol (OpenAI, Ollama's /v1, vLLM,
llama.cpp's server) and treats the answer as untrusted text: the caller gets a parsed
JSON object, never code to run, and still has to verify it.
"""

from __future__ import annotations

import contextlib
import hashlib
import http
import json
import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from urllib3.exceptions import ReadTimeoutError

from kfix import __version__
from kfix.errors import KfixError

MAX_CONTENT_BYTES = 64 * 1024
_MAX_BODY_BYTES = 1024 * 1024  # the content, JSON-escaped, plus the envelope
_MAX_DELAY = 30.0  # seconds; caps both backoff and a server's Retry-After
_MODES = ("json_schema", "json_object", "none")
_RETRIED = frozenset({429, 502, 503, 504})  # transient: try the same request again
_FATAL = frozenset({401, 403, 404})  # no other request shape can help
_SCHEMA_REFUSED = frozenset({400, 422, 500, 501})  # llama.cpp's server answers 500
_ENV = {
    "base_url": "KFIX_LLM_BASE_URL",
    "model": "KFIX_LLM_MODEL",
    "api_key_env": "KFIX_LLM_API_KEY_ENV",
    "timeout": "KFIX_LLM_TIMEOUT",
    "retries": "KFIX_LLM_RETRIES",
    "max_tokens": "KFIX_LLM_MAX_TOKENS",
    "cache_dir": "KFIX_LLM_CACHE_DIR",
}
_NUMBERS: dict[str, tuple[type, float]] = {
    "timeout": (float, 0.1),
    "retries": (int, 0),
    "max_tokens": (int, 1),
}


class LlmError(KfixError):
    """The model endpoint could not give a usable answer; the message is one line for users."""


class BadReply(LlmError):
    """The endpoint answered, but not with a usable JSON object; asking again may help."""


@dataclass(frozen=True)
class LlmConfig:
    """Where the model is and how patiently to talk to it; names the key's variable, not the key."""

    base_url: str
    model: str = "default"
    api_key_env: str | None = "OPENAI_API_KEY"
    timeout: float = 60.0
    retries: int = 3
    max_tokens: int = 1024
    temperature: float = 0.0
    cache_dir: str | None = None
    backoff: float = 1.0  # first retry delay in seconds, doubled per retry

    @classmethod
    def load(
        cls,
        *,
        flags: Mapping[str, Any],
        environ: Mapping[str, str],
        config: Mapping[str, Any],
    ) -> LlmConfig | None:
        """Merge flags > KFIX_LLM_* environment > the config file's `llm:` section.

        All three are keyed by field name (the environment by `_ENV`); None and unset
        mean "not given here". Returns None when no source names a base_url, so kfix
        without a model behaves as before. An empty api_key_env means "send no key".
        """
        values: dict[str, Any] = {}
        for field, env_name in _ENV.items():
            for label, value in (
                (f"flag {field}", flags.get(field)),
                (env_name, environ.get(env_name) or None),
                (f"llm.{field}", config.get(field)),
            ):
                if value is not None:
                    values[field] = _convert(field, label, value)
                    break
        if not values.get("base_url"):
            return None
        values["base_url"] = _normal_base_url(values["base_url"])
        values["api_key_env"] = values.get("api_key_env", "OPENAI_API_KEY") or None
        return cls(**values)


def _convert(field: str, label: str, value: Any) -> Any:
    """Coerce one setting to its field's type, naming where a bad value came from."""
    if field not in _NUMBERS:
        if not isinstance(value, str):
            raise LlmError(f"{label}: expected a string, got {value!r}")
        return value
    kind, least = _NUMBERS[field]
    try:
        if isinstance(value, bool):  # YAML's `true` is an int to Python
            raise ValueError
        number = kind(value)
    except (TypeError, ValueError):
        raise LlmError(f"{label}: expected a number, got {value!r}") from None
    if number < least:
        raise LlmError(f"{label}: must be at least {least:g}, got {value!r}")
    return number


def _normal_base_url(url: str) -> str:
    """Accept a pasted endpoint URL too: the client appends /chat/completions itself."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise LlmError(f"llm base_url {url!r} must start with http:// or https://")
    url = url.rstrip("/")
    return url.removesuffix("/chat/completions")


@dataclass(frozen=True)
class Reply:
    """One parsed answer and how it was obtained."""

    data: Any  # the JSON object the model answered (a dict); unverified
    text: str  # the raw message content, think blocks and fences included
    cached: bool
    mode: str  # "json_schema" | "json_object" | "none", or "cache" for a cache hit
    seconds: float


@dataclass(frozen=True)
class _Answer:
    status: int
    reason: str
    body: bytes
    content_type: str
    retry_after: str | None


class _TimedOut(Exception):
    """The server accepted the request but did not answer in time: not retried."""


class ChatClient:
    """Ask one endpoint for JSON, degrading structured-output modes until one works."""

    def __init__(
        self,
        config: LlmConfig,
        *,
        use_cache: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self._use_cache = use_cache
        self._sleep = sleep
        self._url = config.base_url.rstrip("/") + "/chat/completions"
        self._shown_url = _without_userinfo(self._url)
        self._key = os.environ.get(config.api_key_env, "") if config.api_key_env else ""
        self._first_mode = 0  # index into _MODES; advances when a server refuses a mode
        self._session = requests.Session()

    def ask_json(
        self, system: str, user: str, schema: Mapping[str, Any], name: str = "answer"
    ) -> Reply:
        """Return the first JSON object the model answers; raise ModelError otherwise.

        A cached answer is returned without any request. BadReply means the endpoint
        worked but the model's text held no usable JSON object.
        """
        started = time.monotonic()
        cache_file = self._cache_file(system, user, schema)
        if cache_file is not None and self._use_cache:
            hit = self._from_cache(cache_file, started)
            if hit is not None:
                return hit
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        for index in range(self._first_mode, len(_MODES)):
            body = {
                "model": self.config.model,
                "messages": messages,
                "temperature": self.config.temperature,
                "max_tokens": self.config.max_tokens,
            }
            format_ = _response_format(_MODES[index], schema, name)
            if format_ is not None:
                body["response_format"] = format_
            answer = self._post(body)
            if 200 <= answer.status < 300:
                self._first_mode = index
                break
            if not _falls_back(_MODES[index], answer.status):
                raise self._status_error(answer)
        text = self._content(answer)
        data = self._parse(text)
        if cache_file is not None:
            _write_atomic(cache_file, text)
        return Reply(data, text, False, _MODES[index], time.monotonic() - started)

    def _post(self, body: dict[str, Any]) -> _Answer:
        """One request, retried on transient failures; fatal statuses raise at once."""
        headers = {"Accept": "application/json", "User-Agent": f"kfix/{__version__}"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        attempts = self.config.retries + 1
        attempt = 0
        while True:
            attempt += 1
            delay = min(self.config.backoff * 2 ** (attempt - 1), _MAX_DELAY)
            try:
                answer = self._exchange(body, headers)
            except _TimedOut:
                raise self._error(f"timed out after {self.config.timeout:g}s") from None
            except requests.ConnectionError as exc:
                if attempt == attempts:
                    why = _reason(exc)
                    if isinstance(exc, requests.ConnectTimeout):
                        why = f"timed out after {self.config.timeout:g}s"
                    raise self._error(f"cannot connect: {why}") from None
                self._sleep(delay)
                continue
            if answer.status in _FATAL:
                raise self._status_error(answer)
            if answer.status not in _RETRIED:
                return answer
            if attempt == attempts:
                raise self._status_error(answer, f"gave up after {attempts} attempts")
            self._sleep(_retry_after(answer, delay))

    def _exchange(self, body: dict[str, Any], headers: dict[str, str]) -> _Answer:
        """Send and read a capped body, so a runaway server cannot fill memory."""
        try:
            response = self._session.post(
                self._url, json=body, headers=headers, timeout=self.config.timeout, stream=True
            )
            with response:
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_content(64 * 1024):
                    size += len(chunk)
                    if size > _MAX_BODY_BYTES:
                        limit = _MAX_BODY_BYTES // 1024
                        raise self._error(f"response is larger than {limit} KiB")
                    chunks.append(chunk)
        except requests.ConnectTimeout:
            raise  # a ConnectionError too: retried
        except requests.Timeout:
            raise _TimedOut from None
        except requests.ConnectionError as exc:
            if exc.args and isinstance(exc.args[0], ReadTimeoutError):  # while reading the body
                raise _TimedOut from None
            raise
        except requests.RequestException as exc:
            raise self._error(f"request failed: {_reason(exc)}") from None
        status = response.status_code
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = response.reason or ""
        return _Answer(
            status,
            reason,
            b"".join(chunks),
            response.headers.get("Content-Type", ""),
            response.headers.get("Retry-After"),
        )

    def _content(self, answer: _Answer) -> str:
        """Pull choices[0].message.content out of the envelope; nothing else is relied on."""
        try:
            envelope = json.loads(answer.body)
        except ValueError:
            kind = answer.content_type.split(";")[0] or "no content type"
            raise self._error(f"response is not JSON ({kind})") from None
        try:
            content = envelope["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise self._error("response has no choices[0].message.content") from None
        if not isinstance(content, str):  # null: a refusal or a tool call, not text
            return ""
        if len(content.encode()) > MAX_CONTENT_BYTES:
            raise BadReply(
                f"model endpoint {self._shown_url}: answer is larger than "
                f"{MAX_CONTENT_BYTES // 1024} KiB"
            )
        return content

    def _parse(self, text: str) -> dict[str, Any]:
        found = first_json_object(text)
        if found is None:
            snippet = " ".join(strip_wrapping(text).split())[:80]
            if not snippet:
                snippet = "(only a <think> block)" if text.strip() else "(empty)"
            raise BadReply(f"model did not answer with a JSON object: {snippet}")
        return found

    def _cache_file(self, system: str, user: str, schema: Mapping[str, Any]) -> Path | None:
        if self.config.cache_dir is None:
            return None
        material = [self.config.base_url, self.config.model, system, user, schema]
        key = hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()
        return Path(self.config.cache_dir) / f"{key}.json"

    def _from_cache(self, path: Path, started: float) -> Reply | None:
        """A stored answer, re-parsed; unreadable or unparsable entries count as misses."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        data = first_json_object(text)
        if data is None:
            return None
        return Reply(data, text, True, "cache", time.monotonic() - started)

    def _status_error(self, answer: _Answer, note: str = "") -> LlmError:
        detail = _server_message(answer)
        message = f"{answer.status} {answer.reason}".rstrip()
        if detail:
            message += f": {detail}"
        if answer.status in (401, 403):
            message += " — " + self._key_hint()
        elif answer.status == 404:
            if "model" in detail.lower():
                message += f" — check the model name {self.config.model!r}"
            else:
                message += " — check --llm-url (it should end in /v1)"
        if note:
            message += f" ({note})"
        return self._error(message)

    def _key_hint(self) -> str:
        name = self.config.api_key_env
        if not name:
            return "the endpoint wants an API key: set llm.api_key_env to the variable holding it"
        if not self._key:
            return f"the endpoint wants an API key: set ${name}"
        return f"check the API key in ${name}"

    def _error(self, message: str) -> LlmError:
        """Prefix the endpoint, and make sure no echo of the key reaches the user."""
        message = f"model endpoint {self._shown_url}: {message}"
        if self._key:
            message = message.replace(self._key, "***")
        return LlmError(message)


def _response_format(mode: str, schema: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    if mode == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": dict(schema), "strict": True},
        }
    if mode == "json_object":
        return {"type": "json_object", "schema": dict(schema)}  # llama.cpp reads `schema`
    return None


def _falls_back(mode: str, status: int) -> bool:
    """Whether a refusal in this mode is worth the next, plainer request shape."""
    if mode == "json_schema":
        return status in _SCHEMA_REFUSED
    return mode == "json_object" and status >= 400


def _retry_after(answer: _Answer, default: float) -> float:
    """Honour Retry-After given in seconds (not the HTTP-date form), within _MAX_DELAY."""
    try:
        seconds = float(answer.retry_after or "")
    except ValueError:
        return default
    return min(max(seconds, 0.0), _MAX_DELAY) if math.isfinite(seconds) else default


_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"^[ \t]*```[\w-]*[ \t]*$", re.MULTILINE)
_OPENING = re.compile(r"[{\[]")
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")


def strip_wrapping(text: str) -> str:
    """Remove <think> blocks and ``` fences, which models wrap around their JSON."""
    text = _THINK.sub("", text)
    lowered = text.lower()
    if "</think>" in lowered:  # the template opened the block, the model only closed it
        text = text[lowered.rindex("</think>") + len("</think>") :]
        lowered = text.lower()
    if lowered.lstrip().startswith("<think>"):  # cut off while thinking
        return ""
    return _FENCE.sub("", text).strip()


def first_json_object(text: str) -> dict[str, Any] | None:
    """The first complete JSON object in the text, parsed strictly; None if there is none.

    Arrays are candidates too, and a candidate that fails to parse skips every `{` before
    the point of failure, so an object inside a broken or non-object value is never
    mistaken for the answer.
    """
    text = strip_wrapping(text)
    decoder = json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    start = _OPENING.search(text)
    while start is not None:
        try:
            value, end = decoder.raw_decode(text, start.start())
        except json.JSONDecodeError as exc:
            start = _OPENING.search(text, max(exc.pos, start.start() + 1))
            continue
        except (ValueError, RecursionError):
            return None
        if isinstance(value, dict):
            return value
        start = _OPENING.search(text, end)
    return None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Duplicate keys are ambiguous, and a way to smuggle a second value past a reader."""
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


def _server_message(answer: _Answer) -> str:
    """The server's own explanation, one line, from the common error envelopes."""
    if "html" in answer.content_type:
        return ""
    text = answer.body.decode("utf-8", "replace")
    try:
        body = json.loads(text)
    except ValueError:
        message: Any = text
    else:
        message = body
        if isinstance(body, dict):
            error = body.get("error", body.get("detail", body.get("message", "")))
            message = error.get("message", "") if isinstance(error, dict) else error
    return " ".join(str(message or "").split())[:200]


def _reason(exc: Exception) -> str:
    """The useful tail of requests' nested exception text."""
    text = str(exc)
    found = _ERRNO.search(text)
    if found:
        return found.group(1).strip()
    return text.rsplit(": ", 1)[-1].strip(" ()'\"") or type(exc).__name__


def _without_userinfo(url: str) -> str:
    """Credentials in a URL must not reach an error message."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _write_atomic(path: Path, text: str) -> None:
    """Write then rename; the cache only saves time, so a failure to write is ignored."""
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except OSError:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
