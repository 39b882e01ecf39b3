"""A local HTTP stand-in for a provider's endpoints (GitHub cannot be reached from here, and
forged or slow answers need a server that misbehaves on purpose).

``StandIn(routes)`` serves ``{(method, path): handler}`` on 127.0.0.1 in a thread; a handler
gets ``(query: dict, form: dict, headers)`` and returns ``(status, json_body)``. Every request
is kept in ``.requests`` for assertions.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


class StandIn:
    def __init__(self, routes: dict) -> None:
        self.routes = routes
        self.requests: list[dict] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _handle(self, method):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                form = dict(parse_qsl(body))
                query = dict(parse_qsl(parts.query))
                stand_in.requests.append(
                    {
                        "method": method,
                        "path": parts.path,
                        "query": query,
                        "form": form,
                        "headers": dict(self.headers),
                    }
                )
                handler = stand_in.routes.get((method, parts.path))
                status, payload = handler(query, form, self.headers) if handler else (404, {})
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
