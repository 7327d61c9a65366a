"""A real OpenID provider for the tests: oidc-provider-mock (PyPI) on 127.0.0.1, nonce required. A small WSGI layer in
front of it can play an attacker between the provider and Portcullis, as the file given with --mode says:
  honest          the provider as it is
  bad-signature   the id_token's signature is altered on its way back
  wrong-audience  the code and the token are issued to another client ("other-client")
Prints "ready" once listening."""
import argparse
import io
import json
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import oidc_provider_mock
import werkzeug.serving


class Attacker:
    def __init__(self, app, mode_file):
        self.app = app
        self.mode_file = Path(mode_file)

    def mode(self):
        return self.mode_file.read_text().strip() if self.mode_file.exists() else "honest"

    def __call__(self, environ, start_response):
        mode = self.mode()
        path = environ.get("PATH_INFO", "")
        if mode == "wrong-audience" and path == "/oauth2/authorize":
            query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
            query["client_id"] = "other-client"
            environ["QUERY_STRING"] = urlencode(query)
        if mode == "wrong-audience" and path == "/oauth2/token":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            form = dict(parse_qsl(environ["wsgi.input"].read(length).decode()))
            form["client_id"] = "other-client"
            body = urlencode(form).encode()
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
            environ.pop("HTTP_AUTHORIZATION", None)
        if mode != "bad-signature" or path != "/oauth2/token":
            return self.app(environ, start_response)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers

        body = b"".join(self.app(environ, capture))
        answer = json.loads(body)
        header, payload, signature = answer["id_token"].split(".")
        answer["id_token"] = ".".join([header, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])
        body = json.dumps(answer).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"] + [("Content-Length", str(len(body)))]
        start_response(captured["status"], headers)
        return [body]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", required=True, help="a file holding the mode")
    args = parser.parse_args()
    app = Attacker(oidc_provider_mock.app(require_nonce=True), args.mode)
    server = werkzeug.serving.make_server("127.0.0.1", args.port, app, threaded=True)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
