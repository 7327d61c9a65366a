"""Two baresip phones call each other through the PBX: both register, 1001 dials 1002 (auto-answer), and each side
sends a tone it reads from a WAV file. baresip dumps what it decodes; both dumps must hold audio, not silence:
audio went both ways through the B2BUA and the media relay."""
import math
import struct
import subprocess
import time
import wave

from portcullis_harness import PEERS, apply_config, extensions_yaml, free_port, strong_password


def tone(path, frequency):
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * frequency * i / 8000))) for i in range(8000 * 20)))


def phone_dir(root, number, server, tone_file, rtp_ports):
    directory = root / f"phone{number}"
    (directory / "dumps").mkdir(parents=True)
    config = (PEERS / "baresip" / "config").read_text()
    config = (config.replace("SIP_LISTEN", f"127.0.0.1:{free_port()}").replace("RTP_PORTS", rtp_ports)
              .replace("TONE", str(tone_file)).replace("DUMPS", str(directory / "dumps")))
    (directory / "config").write_text(config)
    accounts = (PEERS / "baresip" / "accounts").read_text()
    (directory / "accounts").write_text(accounts.replace("NUMBER", str(number)).replace("PBX", f"127.0.0.1:{server.sip_port}")
                                        .replace("PASSWORD", strong_password(number)))
    return directory


def loudness(path):
    """RMS of the 16-bit samples of a WAV file."""
    with wave.open(str(path), "rb") as dump:
        frames = dump.readframes(dump.getnframes())
    samples = struct.unpack(f"<{len(frames) // 2}h", frames[: len(frames) // 2 * 2])
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


def test_two_baresip_phones_hear_each_other(server_factory, tmp_path):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001, 1002])).returncode == 0
    server.start()
    tone(tmp_path / "low.wav", 440)
    tone(tmp_path / "high.wav", 1000)
    callee_dir = phone_dir(tmp_path, 1002, server, tmp_path / "high.wav", "26300-26320")
    caller_dir = phone_dir(tmp_path, 1001, server, tmp_path / "low.wav", "26400-26420")
    callee = subprocess.Popen(["baresip", "-f", str(callee_dir), "-t", "20"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 10
        while time.time() < deadline and not any(r["extension"] == "1002" for r in server.registrations()):
            time.sleep(0.2)
        caller = subprocess.run(["baresip", "-f", str(caller_dir), "-e", f"/dial sip:1002@127.0.0.1:{server.sip_port}", "-t", "10"],
                                capture_output=True, text=True, timeout=40)
        assert "Call established" in caller.stdout, caller.stdout[-2000:]
    finally:
        callee.terminate()
        output, _ = callee.communicate(timeout=20)
    heard_by_caller = [p for p in (caller_dir / "dumps").glob("*dec.wav")]
    heard_by_callee = [p for p in (callee_dir / "dumps").glob("*dec.wav")]
    assert heard_by_caller and heard_by_callee, (list((caller_dir / "dumps").iterdir()), output[-1500:])
    assert loudness(heard_by_caller[0]) > 1000, "the caller heard the callee's tone"
    assert loudness(heard_by_callee[0]) > 1000, "the callee heard the caller's tone"
    record = [r for r in server.events() if r["name"] == "Extension Registered"]
    assert {r["fields"]["extension"] for r in record} == {"1001", "1002"}
