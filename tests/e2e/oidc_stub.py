"""A throw-away OpenID Connect provider on localhost, for the sign-in browser test.

It approves every login at once as whoever `sign_in_as()` named last, and signs the id token
with a key made at start: enough for Streamlit's real `st.login` flow (discovery, redirect,
code for token, id token checked against the key set, nonce and audience) to run end to end
without a network. Never use it for anything but tests.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from joserfc import jwt
from joserfc.jwk import RSAKey


class StubProvider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test", "alg": "RS256"})
        self.email = "nobody@example.com"
        self._codes: dict[str, tuple[str | None, str, str]] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"

    def sign_in_as(self, email: str) -> None:
        self.email = email

    def start(self) -> StubProvider:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def metadata(self) -> dict:
        return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"]}

    def _authorize(self, query: dict) -> str:
        code = secrets.token_urlsafe(12)
        self._codes[code] = (query.get("nonce"), query["client_id"], self.email)
        return query["redirect_uri"] + "?" + urllib.parse.urlencode(
            {"code": code, "state": query["state"]})

    def _token(self, form: dict) -> dict:
        nonce, client_id, email = self._codes.pop(form["code"])
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": email, "aud": client_id, "iat": now,
                  "exp": now + 600, "nonce": nonce, "email": email, "email_verified": True,
                  "name": email.split("@")[0]}
        id_token = jwt.encode({"alg": "RS256", "kid": "test"}, claims, self.key)
        return {"access_token": "unused", "token_type": "Bearer", "expires_in": 600,
                "id_token": id_token}

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet test output
                pass

            def _json(self, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/.well-known/openid-configuration":
                    self._json(provider.metadata())
                elif url.path == "/jwks":
                    self._json({"keys": [provider.key.as_dict(private=False)]})
                elif url.path == "/authorize":
                    self.send_response(302)
                    self.send_header("Location", provider._authorize(query))
                    self.end_headers()
                else:
                    self.send_response(404)
                    self.end_headers()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                self._json(provider._token(form))

        return Handler
