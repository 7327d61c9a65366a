"""Real phones for the interop tests: linphone (Debian's linphone-cli, driven over standard input) and baresip, each
registering one extension over UDP, TCP or TLS from 127.0.0.1, and a PBX with the listeners they need."""
import os
import re
import subprocess
import threading
import time
from pathlib import Path

from portcullis_harness import PEERS, apply_config, end, extensions_yaml, free_port, strong_password


def pbx(server_factory, tmp_path, numbers=(1001, 1002), extra=""):
    """A PBX listening on UDP and TCP (one port) and TLS (another), with the extensions `numbers`."""
    key, certificate = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                    str(key), "-out", str(certificate), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    udp_tcp, tls = free_port(), free_port()
    server = server_factory(sip_listen=[f"127.0.0.1:{udp_tcp}", f"tls:127.0.0.1:{tls}"],
                            extra_args=["--tls-certificate", str(certificate), "--tls-key", str(key)])
    server.sip_port = udp_tcp
    assert apply_config(server, extensions_yaml(list(numbers), extra=extra)).returncode == 0
    server.start()
    server.tls_port = tls
    return server


def wait_until(condition, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} within {timeout}s")


class Linphone:
    """linphonec with its own HOME and rc file (it rewrites both), commands on standard input, its console output
    collected line by line. Audio comes from a WAV file (`play`), there being no sound card."""

    def __init__(self, server, number, transport, directory, wav=None):
        self.number, self.server, self.transport, self.wav = number, server, transport, wav
        self.home = Path(directory) / f"linphone{number}"
        (self.home / ".local" / "share" / "linphone").mkdir(parents=True)
        port = server.sip_ports[transport]
        ports = {"udp": f"sip_port={free_port()}\nsip_tcp_port=0\nsip_tls_port=0",
                 "tcp": f"sip_port=0\nsip_tcp_port={free_port()}\nsip_tls_port=0",
                 # -2: no TLS listener; calls come back over the registered connection.
                 "tls": "sip_port=0\nsip_tcp_port=0\nsip_tls_port=-2\nverify_server_certs=0\nverify_server_cn=0"}[transport]
        self.rc = self.home / "linphonerc"
        self.rc.write_text(f"[sip]\n{ports}\ndefault_proxy=0\n[rtp]\naudio_rtp_port={free_port()}\n[sound]\necho_cancellation=0\n"
                           f"[proxy_0]\nreg_proxy=<sip:127.0.0.1:{port};transport={transport}>\n"
                           f"reg_identity=sip:{number}@127.0.0.1:{port}\nreg_expires=120\nreg_sendregister=1\n"
                           f"[auth_info_0]\nusername={number}\npasswd={strong_password(number)}\ndomain=127.0.0.1:{port}\n")
        self.lines = []
        self.process = subprocess.Popen(["linphonec", "-c", str(self.rc), "-d", "6", "-l", str(self.home / "linphone.log")],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        env={**os.environ, "HOME": str(self.home)}, bufsize=1)
        threading.Thread(target=self._collect, daemon=True).start()
        self.command("soundcard use files")
        if wav:
            self.command(f"play {wav}")

    def _collect(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    def command(self, text):
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def wait_for(self, pattern, timeout=15, after=0):
        """The first console line from index `after` on that matches `pattern`."""
        found = []

        def seen():
            found.extend(line for line in self.lines[after:] if re.search(pattern, line))
            return bool(found)
        try:
            wait_until(seen, timeout, f"linphone {self.number}: {pattern!r}")
        except AssertionError as error:
            raise AssertionError(f"{error}\n" + "\n".join(self.lines[-25:])) from None
        return found[0]

    def registered(self):
        wait_until(lambda: any(r["extension"] == str(self.number) for r in self.server.registrations()), 20,
                   f"linphone {self.number} registered over {self.transport}")
        return self

    def stop(self):
        if self.process.poll() is None:
            try:
                self.command("quit")
                self.process.wait(timeout=10)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


class Baresip:
    """baresip with one account over `transport`; answers by itself unless `answer` is false; audio from `wav`,
    everything it decodes dumped to WAV files."""

    def __init__(self, server, number, transport, directory, wav, answer=True, dial=None, seconds=20):
        self.number, self.server = number, server
        self.directory = Path(directory) / f"baresip{number}"
        (self.directory / "dumps").mkdir(parents=True)
        config = (PEERS / "baresip" / "config").read_text()
        rtp = free_port()
        config = (config.replace("SIP_LISTEN", f"127.0.0.1:{free_port()}").replace("RTP_PORTS", f"{rtp}-{rtp + 20}")
                  .replace("TONE", str(wav)).replace("DUMPS", str(self.directory / "dumps")))
        (self.directory / "config").write_text(config)
        account = (PEERS / "baresip" / "accounts").read_text()
        account = (account.replace("NUMBER", str(number)).replace("PBX", f"127.0.0.1:{server.sip_ports[transport]}")
                   .replace("transport=udp", f"transport={transport}").replace("PASSWORD", strong_password(number)))
        if not answer:
            account = account.replace("answermode=auto", "answermode=manual")
        (self.directory / "accounts").write_text(account)
        arguments = ["baresip", "-f", str(self.directory), "-t", str(seconds)] + (["-e", dial] if dial else [])
        self.process = subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    def wait_for(self, pattern, timeout=15):
        try:
            wait_until(lambda: any(re.search(pattern, line) for line in self.lines), timeout, f"baresip {self.number}: {pattern!r}")
        except AssertionError as error:
            raise AssertionError(f"{error}\n" + "\n".join(self.lines[-25:])) from None

    def registered(self):
        wait_until(lambda: any(r["extension"] == str(self.number) for r in self.server.registrations()), 20,
                   f"baresip {self.number} registered")
        return self

    def heard(self):
        """What it decoded, as WAV files."""
        return list((self.directory / "dumps").glob("*dec.wav"))

    def stop(self):
        end(self.process)
