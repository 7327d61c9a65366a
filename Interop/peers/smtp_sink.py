"""A real SMTP server for the tests (aiosmtpd): stores each message it accepts as a JSON file (envelope and content)
in a directory. With --cert/--key it offers STARTTLS and requires it; with --user/--password it requires AUTH
(PLAIN or LOGIN) with them; with --implicit it speaks TLS from the first byte instead (port 465 style). Prints
"ready" once listening on 127.0.0.1."""
import argparse
import json
import ssl
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Store:
    def __init__(self, directory):
        self.directory = Path(directory)

    async def handle_DATA(self, server, session, envelope):
        record = {"from": envelope.mail_from, "to": envelope.rcpt_tos, "content": envelope.content.decode("utf-8", "replace"),
                  "tls": session.ssl is not None, "authenticated": bool(session.authenticated)}
        (self.directory / f"{time.time():.6f}-{uuid.uuid4().hex}.json").write_text(json.dumps(record))
        return "250 stored"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--directory", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--implicit", action="store_true")
    args = parser.parse_args()
    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    def authenticate(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and data.login.decode() == args.user and data.password.decode() == args.password
        # handled=False: aiosmtpd then answers the failure itself (535).
        return AuthResult(success=ok, handled=False)

    if args.implicit:
        options = {"ssl_context": context}
    else:
        options = {"tls_context": context, "require_starttls": context is not None}
    if args.user:
        # With implicit TLS aiosmtpd does not see the STARTTLS it looks for, though the connection is encrypted.
        options.update(authenticator=authenticate, auth_required=True, auth_require_tls=context is not None and not args.implicit)
    controller = Controller(Store(args.directory), hostname="127.0.0.1", port=args.port, **options)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
