"""The chat client against a real HTTP stand-in on loopback: no mocks of `requests`."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from kfix.llm.client import BadReply, ChatClient, LlmConfig, LlmError, first_json_object

sys.path.insert(0, str(Path(__file__).parent))
from chat_standin import Answer, ChatStandin, asks_for

SCHEMA = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
KEY_ENV = "KFIX_TEST_LLM_KEY"
SECRET = "sk-test-0123456789"


class FakeSleep:
    """Records the delays instead of waiting, so backoff costs no time."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)


def client_for(
    base_url: str, sleep: FakeSleep | None = None, use_cache: bool = True, **overrides: object
) -> ChatClient:
    settings: dict[str, object] = {
        "base_url": base_url, "api_key_env": KEY_ENV, "timeout": 5.0, "retries": 2,
        "backoff": 1.0,
    }
    settings.update(overrides)
    return ChatClient(LlmConfig(**settings), use_cache=use_cache, sleep=sleep or FakeSleep())


def ask(client: ChatClient):
    return client.ask_json("You fix manifests.", "Fix this.", SCHEMA, name="fix")


def test_valid_json_and_the_request_it_sends() -> None:
    standin = ChatStandin(['{"ok": true}'])
    with standin as url:
        reply = ask(client_for(url, model="qwen"))
    assert reply.data == {"ok": True}
    assert reply.text == '{"ok": true}'
    assert (reply.cached, reply.mode) == (False, "json_schema")
    (request,) = standin.requests
    assert request.path == "/v1/chat/completions"
    assert request.json == {
        "model": "qwen",
        "messages": [
            {"role": "system", "content": "You fix manifests."},
            {"role": "user", "content": "Fix this."},
        ],
        "temperature": 0.0,
        "max_tokens": 1024,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "fix", "schema": SCHEMA, "strict": True},
        },
    }


@pytest.mark.parametrize(
    "content",
    [
        '```json\n{"ok": true}\n```',
        '```\n{"ok": true}\n```',
        '<think>maybe {"ok": false}?</think>\n{"ok": true}',
        '<THINK>\nhmm\n</THINK>```json\n{"ok": true}\n```',
        'I reasoned without an opening tag.</think>{"ok": true}',
        'Sure! Use a {placeholder} here. The answer is {"ok": true}. Hope it helps {"ok": 1}',
        '  {"ok": true, "nested": {"a": [1, {"b": "}"}]}}  trailing',
        'See [1] and [note: x]: {"ok": true}',
    ],
    ids=["fence-json", "fence-bare", "think", "think-then-fence", "think-close-only",
         "prose", "nested", "brackets-before"],
)
def test_json_is_found_inside_wrapping(content: str) -> None:
    with ChatStandin([content]) as url:
        reply = ask(client_for(url))
    assert reply.data["ok"] is True
    assert reply.text == content


@pytest.mark.parametrize(
    "content",
    [
        '{"ok": true,',
        "ok: true",
        '{"ok": tru} and {"also": broken',
        '{"ok": NaN}',
        '{"ok": true, "ok": false}',
        '<think>still thinking {"ok": true}',
        '[{"ok": true}',
        '[{"ok": true}]',
        "",
    ],
    ids=["truncated", "yaml", "broken-twice", "nan", "duplicate-key", "unterminated-think",
         "broken-array", "array", "empty"],
)
def test_content_without_a_json_object_is_a_bad_reply(content: str) -> None:
    with ChatStandin([content]) as url, pytest.raises(BadReply) as caught:
        ask(client_for(url))
    message = str(caught.value)
    assert message.startswith("model did not answer with a JSON object: ")
    assert "\n" not in message
    assert len(message) <= len("model did not answer with a JSON object: ") + 80


def test_broken_outer_object_does_not_yield_its_inner_object() -> None:
    assert first_json_object('{"patch": {"op": "add"}, oops}') is None


def test_empty_or_missing_content() -> None:
    standin = ChatStandin([Answer(content=None), Answer(body={"choices": []})])
    with standin as url:
        client = client_for(url)
        with pytest.raises(BadReply, match=r"JSON object: \(empty\)$"):
            ask(client)
        with pytest.raises(LlmError, match=r"no choices\[0\]\.message\.content"):
            ask(client)


def test_response_that_is_not_json() -> None:
    page = Answer(body="<html>Welcome to my web UI</html>", headers={"Content-Type": "text/html"})
    with ChatStandin([page]) as url, pytest.raises(LlmError) as caught:
        ask(client_for(url))
    assert str(caught.value) == (
        f"model endpoint {url}/chat/completions: response is not JSON (text/html)"
    )


def test_429_with_retry_after_then_success() -> None:
    sleep = FakeSleep()
    standin = ChatStandin([Answer.error(429, headers={"Retry-After": "0"}), '{"ok": true}'])
    with standin as url:
        reply = ask(client_for(url, sleep))
    assert reply.data == {"ok": True}
    assert len(standin.requests) == 2
    assert sleep.calls == [0.0]
    assert [r.mode for r in standin.requests] == ["json_schema", "json_schema"]


@pytest.mark.parametrize(
    ("header", "slept"),
    [("86400", 30.0), ("-5", 0.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 1.0), ("inf", 1.0)],
    ids=["capped", "negative", "http-date", "infinite"],
)
def test_retry_after_is_bounded(header: str, slept: float) -> None:
    sleep = FakeSleep()
    standin = ChatStandin([Answer.error(429, headers={"Retry-After": header}), '{"ok": true}'])
    with standin as url:
        ask(client_for(url, sleep))
    assert sleep.calls == [slept]


def test_503_twice_then_success_backs_off_exponentially() -> None:
    sleep = FakeSleep()
    standin = ChatStandin([Answer.error(503), Answer.error(503), '{"ok": true}'])
    with standin as url:
        reply = ask(client_for(url, sleep, backoff=0.5))
    assert reply.data == {"ok": True}
    assert len(standin.requests) == 3
    assert sleep.calls == [0.5, 1.0]


def test_retries_exhausted_names_the_status() -> None:
    sleep = FakeSleep()
    standin = ChatStandin([Answer.error(502, "upstream down")] * 3)
    with standin as url, pytest.raises(LlmError) as caught:
        ask(client_for(url, sleep, retries=2))
    assert str(caught.value) == (
        f"model endpoint {url}/chat/completions: 502 Bad Gateway: upstream down "
        "(gave up after 3 attempts)"
    )
    assert len(standin.requests) == 3
    assert len(sleep.calls) == 2


def test_cannot_connect_is_retried_then_reported() -> None:
    with ChatStandin() as url:
        pass  # the port is closed again now
    sleep = FakeSleep()
    with pytest.raises(LlmError) as caught:
        ask(client_for(url, sleep, retries=1))
    assert str(caught.value) == (
        f"model endpoint {url}/chat/completions: cannot connect: Connection refused"
    )
    assert sleep.calls == [1.0]


def test_500_on_json_schema_falls_back_to_json_object_and_stays_there() -> None:
    standin = ChatStandin(
        [Answer.error(500, "json_schema not supported"), '{"ok": true}', '{"ok": false}']
    )
    with standin as url:
        client = client_for(url)
        first = ask(client)
        second = ask(client)
    assert (first.mode, second.mode) == ("json_object", "json_object")
    assert second.data == {"ok": False}
    assert [r.mode for r in standin.requests] == ["json_schema", "json_object", "json_object"]
    assert standin.requests[1].json["response_format"] == {"type": "json_object", "schema": SCHEMA}


def test_json_object_refused_too_falls_back_to_no_response_format() -> None:
    sleep = FakeSleep()
    standin = ChatStandin(
        [Answer.error(422, when=asks_for("json_schema")), Answer.error(400, when=asks_for(
            "json_object"))],
        respond=lambda request: '{"ok": true}',
    )
    with standin as url:
        client = client_for(url, sleep)
        assert ask(client).mode == "none"
        assert ask(client).mode == "none"
    assert [r.mode for r in standin.requests] == ["json_schema", "json_object", "none", "none"]
    assert "response_format" not in standin.requests[2].json
    assert sleep.calls == []


def test_refusal_without_response_format_is_reported() -> None:
    standin = ChatStandin([Answer.error(400, "context length exceeded")] * 3)
    with standin as url, pytest.raises(LlmError, match=r"400 Bad Request: context length"):
        ask(client_for(url))
    assert len(standin.requests) == 3


def test_401_names_the_variable_not_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    standin = ChatStandin([Answer.error(401, f"Incorrect API key provided: {SECRET}")])
    with standin as url, pytest.raises(LlmError) as caught:
        ask(client_for(url))
    message = str(caught.value)
    assert message == (
        f"model endpoint {url}/chat/completions: 401 Unauthorized: Incorrect API key "
        f"provided: *** — check the API key in ${KEY_ENV}"
    )
    assert SECRET not in message
    assert len(standin.requests) == 1


def test_401_without_a_key_says_which_variable_to_set() -> None:
    with ChatStandin([Answer.error(401)]) as url, pytest.raises(LlmError) as caught:
        ask(client_for(url))
    assert str(caught.value).endswith(f"— the endpoint wants an API key: set ${KEY_ENV}")


def test_404_points_at_the_url() -> None:
    standin = ChatStandin()
    with standin as url, pytest.raises(LlmError) as caught:
        ask(client_for(url.removesuffix("/v1")))  # a common mistake: no /v1
    assert str(caught.value).endswith("— check --llm-url (it should end in /v1)")
    assert "404 Not Found" in str(caught.value)
    assert len(standin.requests) == 1


def test_404_for_an_unknown_model_points_at_the_model() -> None:
    standin = ChatStandin([Answer.error(404, 'model "qwen9" not found, try pulling it first')])
    with standin as url, pytest.raises(LlmError, match=r"check the model name 'qwen9'$"):
        ask(client_for(url, model="qwen9"))


def test_timeout_is_reported_and_not_retried() -> None:
    standin = ChatStandin([Answer(content='{"ok": true}', delay=2.0)])
    with standin as url, pytest.raises(LlmError) as caught:
        ask(client_for(url, timeout=0.2))
    assert str(caught.value) == f"model endpoint {url}/chat/completions: timed out after 0.2s"
    assert len(standin.requests) == 1


def test_authorization_only_when_the_variable_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    standin = ChatStandin(respond=lambda request: '{"ok": true}')
    with standin as url:
        ask(client_for(url))
        monkeypatch.setenv(KEY_ENV, "")
        ask(client_for(url))
        monkeypatch.setenv(KEY_ENV, SECRET)
        ask(client_for(url))
        ask(client_for(url, api_key_env=None))
    sent = [r.headers.get("authorization") for r in standin.requests]
    assert sent == [None, None, f"Bearer {SECRET}", None]


def test_cache_hit_makes_no_request_and_no_cache_bypasses(tmp_path: Path) -> None:
    content = '<think>x</think>```json\n{"ok": true}\n```'
    standin = ChatStandin([content, '{"ok": false}'])
    with standin as url:
        first = ask(client_for(url, cache_dir=str(tmp_path)))
        second = ask(client_for(url, cache_dir=str(tmp_path)))
        assert len(standin.requests) == 1
        fresh = ask(client_for(url, use_cache=False, cache_dir=str(tmp_path)))
    assert (first.cached, second.cached, fresh.cached) == (False, True, False)
    assert second.data == first.data == {"ok": True}
    assert (second.text, second.mode) == (content, "cache")
    assert fresh.data == {"ok": False}
    assert len(standin.requests) == 2
    key = json.dumps([url, "default", "You fix manifests.", "Fix this.", SCHEMA], sort_keys=True)
    stored = tmp_path / f"{hashlib.sha256(key.encode()).hexdigest()}.json"
    assert [p.name for p in tmp_path.iterdir()] == [stored.name]
    assert stored.read_text() == '{"ok": false}'  # refreshed by the uncached call


def test_bad_replies_are_not_cached(tmp_path: Path) -> None:
    standin = ChatStandin(["no json here", '{"ok": true}'])
    with standin as url:
        with pytest.raises(BadReply):
            ask(client_for(url, cache_dir=str(tmp_path)))
        assert list(tmp_path.iterdir()) == []
        assert ask(client_for(url, cache_dir=str(tmp_path))).cached is False


def test_oversize_reply_is_refused() -> None:
    huge = '{"ok": true, "pad": "' + "x" * (64 * 1024) + '"}'
    with ChatStandin([huge]) as url, pytest.raises(BadReply, match="larger than 64 KiB"):
        ask(client_for(url))


def test_oversize_body_is_refused() -> None:
    with ChatStandin([Answer(body=b"x" * (2 * 1024 * 1024))]) as url, pytest.raises(
        LlmError, match="response is larger than 1024 KiB"
    ):
        ask(client_for(url))


def test_credentials_in_the_url_stay_out_of_messages() -> None:
    with ChatStandin([Answer.error(403)]) as url, pytest.raises(LlmError) as caught:
        ask(client_for(url.replace("http://", "http://user:hunter2@")))
    assert "hunter2" not in str(caught.value)
    assert str(caught.value).startswith(f"model endpoint {url}/chat/completions: 403 Forbidden")


def test_load_precedence_flags_over_environment_over_config() -> None:
    config = {"base_url": "http://config/v1", "model": "c", "timeout": 9, "retries": 1,
              "max_tokens": 100, "api_key_env": "CONFIG_KEY"}
    environ = {"KFIX_LLM_BASE_URL": "http://env/v1", "KFIX_LLM_MODEL": "e",
               "KFIX_LLM_TIMEOUT": "7.5", "KFIX_LLM_RETRIES": ""}
    flags = {"base_url": "http://flag/v1/", "model": None, "max_tokens": 50}
    loaded = LlmConfig.load(flags=flags, environ=environ, config=config)
    assert loaded == LlmConfig(
        base_url="http://flag/v1", model="e", api_key_env="CONFIG_KEY", timeout=7.5,
        retries=1, max_tokens=50,
    )


def test_load_defaults_and_absence() -> None:
    assert LlmConfig.load(flags={}, environ={}, config={}) is None
    assert LlmConfig.load(flags={"base_url": None}, environ={"KFIX_LLM_MODEL": "m"},
                            config={"model": "x"}) is None
    loaded = LlmConfig.load(
        flags={}, environ={"KFIX_LLM_BASE_URL": "http://h:8080/v1/chat/completions"}, config={}
    )
    assert loaded == LlmConfig(base_url="http://h:8080/v1")
    no_key = LlmConfig.load(flags={}, environ={}, config={"base_url": "http://h/v1",
                                                            "api_key_env": ""})
    assert no_key is not None and no_key.api_key_env is None


@pytest.mark.parametrize(
    ("environ", "config", "message"),
    [
        ({"KFIX_LLM_TIMEOUT": "soon"}, {}, "KFIX_LLM_TIMEOUT: expected a number, got 'soon'"),
        ({}, {"retries": -1}, "llm.retries: must be at least 0, got -1"),
        ({}, {"max_tokens": True}, "llm.max_tokens: expected a number, got True"),
        ({}, {"model": 3}, "llm.model: expected a string, got 3"),
        ({"KFIX_LLM_BASE_URL": "localhost:8080"}, {},
         "llm base_url 'localhost:8080' must start with http:// or https://"),
    ],
)
def test_load_rejects_bad_values(environ: dict, config: dict, message: str) -> None:
    environ = {"KFIX_LLM_BASE_URL": "http://h/v1", **environ}
    with pytest.raises(LlmError) as caught:
        LlmConfig.load(flags={}, environ=environ, config=config)
    assert str(caught.value) == message
