"""A real HTTP server on 127.0.0.1 that speaks just enough of the OpenAI API for tests and benches.

POST /v1/chat/completions and POST /v1/responses answer from a script, one entry per request,
in order: a reply text (as a chat message, or as the custom tool call the request asked for),
an HTTP error status (with Retry-After), a reply sent only after a delay (longer than the
client's timeout), or a raw body. Once the script is used up, every request gets the `default`
entry (an oracle that always answers one program), or HTTP 400 when there is none. Every
request's path and JSON body are recorded.

`python -m bench.llm_server --reply-file F [--port P]` serves F's text as every reply, for
trying `worldcoder learn --proposer llm` by hand.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class Scripted:
    """One scripted answer; `text` is the model's output, usage is counted when it is sent."""

    text: str = ""
    status: int = 200
    delay: float = 0.0
    raw: bytes | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


def reply(text: str, input_tokens: int = 100, output_tokens: int = 10) -> Scripted:
    return Scripted(text, input_tokens=input_tokens, output_tokens=output_tokens)


def error(status: int, retry_after: str | None = None) -> Scripted:
    headers = (("Retry-After", retry_after),) if retry_after is not None else ()
    return Scripted(status=status, headers=headers)


def slow(text: str, delay: float, input_tokens: int = 100, output_tokens: int = 10) -> Scripted:
    return Scripted(text, delay=delay, input_tokens=input_tokens, output_tokens=output_tokens)


def raw(body: bytes, status: int = 200) -> Scripted:
    return Scripted(status=status, raw=body)


@dataclass(frozen=True)
class Recorded:
    path: str
    body: dict[str, Any]


@dataclass
class _Shared:
    script: list[Scripted]
    default: Scripted | None = None
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self, path: str, body: dict[str, Any]) -> Scripted | None:
        with self.lock:
            self.requests.append(Recorded(path, body))
            return self.script.pop(0) if self.script else self.default


def _usage(entry: Scripted, chat: bool) -> dict[str, Any]:
    if chat:
        return {
            "prompt_tokens": entry.input_tokens,
            "completion_tokens": entry.output_tokens,
            "total_tokens": entry.tokens,
        }
    return {
        "input_tokens": entry.input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": entry.output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": entry.tokens,
    }


def chat_body(entry: Scripted, n: int, request: dict[str, Any]) -> dict[str, Any]:
    message = {"role": "assistant", "content": entry.text}
    return {
        "id": f"chatcmpl-{n}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "fake"),
        "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
        "usage": _usage(entry, chat=True),
    }


def _output(entry: Scripted, n: int, request: dict[str, Any]) -> dict[str, Any]:
    custom = [t for t in request.get("tools", []) if t.get("type") == "custom"]
    if custom:
        return {
            "type": "custom_tool_call",
            "id": f"ctc_{n}",
            "call_id": f"call_{n}",
            "name": custom[0]["name"],
            "input": entry.text,
            "status": "completed",
        }
    content = [{"type": "output_text", "text": entry.text, "annotations": []}]
    return {
        "type": "message",
        "id": f"msg_{n}",
        "role": "assistant",
        "status": "completed",
        "content": content,
    }


def responses_body(entry: Scripted, n: int, request: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"resp_{n}",
        "object": "response",
        "created_at": time.time(),
        "status": "completed",
        "model": request.get("model", "fake"),
        "output": [_output(entry, n, request)],
        "parallel_tool_calls": False,
        "tool_choice": request.get("tool_choice", "auto"),
        "tools": request.get("tools", []),
        "usage": _usage(entry, chat=False),
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        path = self.path.split("?", 1)[0]
        if path not in ("/v1/chat/completions", "/v1/responses"):
            self._send(404, {"error": {"message": f"no route {path}", "type": "not_found"}})
            return
        entry = self.server.shared.next(path, body)
        n = len(self.server.shared.requests)
        if entry is None:
            self._send(400, {"error": {"message": "fake server: the script is exhausted"}})
            return
        time.sleep(entry.delay)
        if entry.raw is not None:
            self._write(entry.status, entry.raw, ())
        elif entry.status != 200:
            self._send(
                entry.status, {"error": {"message": f"scripted {entry.status}"}}, entry.headers
            )
        elif path == "/v1/chat/completions":
            self._send(200, chat_body(entry, n, body))
        else:
            self._send(200, responses_body(entry, n, body))

    def _send(self, status: int, obj: object, headers: Iterable[tuple[str, str]] = ()) -> None:
        self._write(status, json.dumps(obj).encode(), headers)

    def _write(self, status: int, data: bytes, headers: Iterable[tuple[str, str]]) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout): nothing to tell it


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, shared: _Shared, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.shared = shared


class FakeOpenAI:
    """`with FakeOpenAI([...]) as fake:` then point the client at `fake.base_url`."""

    def __init__(
        self, script: Iterable[Scripted] = (), default: Scripted | None = None, port: int = 0
    ) -> None:
        self._shared = _Shared(list(script), default)
        self._server = _Server(self._shared, port)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def requests(self) -> list[Recorded]:
        with self._shared.lock:
            return list(self._shared.requests)

    @property
    def remaining(self) -> int:
        with self._shared.lock:
            return len(self._shared.script)

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def main(argv: list[str] | None = None) -> int:
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(description="an OpenAI-compatible server that always "
                                     "answers one text (an oracle LLM), on 127.0.0.1")  # fmt: skip
    parser.add_argument("--reply-file", type=Path, required=True,
                        help="the text every reply carries (e.g. a model body)")  # fmt: skip
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    with FakeOpenAI(default=reply(args.reply_file.read_text()), port=args.port) as server:
        print(f"serving {args.reply_file} at {server.base_url}; Ctrl-C stops", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
