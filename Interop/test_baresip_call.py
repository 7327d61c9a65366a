"""Two baresip phones call each other through the PBX: both register, 1001 dials 1002 (auto-answer), and each side
sends a tone it reads from a WAV file. baresip dumps what it decodes; both dumps must hold audio, not silence:
audio went both ways through the B2BUA and the media relay."""
import math
import struct
import wave

from portcullis_harness import apply_config, extensions_yaml
from real_phones import Baresip


def tone(path, frequency):
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * frequency * i / 8000))) for i in range(8000 * 20)))


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
    callee = Baresip(server, 1002, "udp", tmp_path, tmp_path / "high.wav").registered()
    try:
        caller = Baresip(server, 1001, "udp", tmp_path, tmp_path / "low.wav", dial=f"/dial sip:1002@127.0.0.1:{server.sip_port}",
                         seconds=10)
        caller.wait_for("Call established", timeout=20)
        caller.process.wait(timeout=40)
    finally:
        callee.stop()
    assert caller.heard() and callee.heard(), "\n".join(callee.lines[-20:])
    assert loudness(caller.heard()[0]) > 1000, "the caller heard the callee's tone"
    assert loudness(callee.heard()[0]) > 1000, "the callee heard the caller's tone"
    record = [r for r in server.events() if r["name"] == "Extension Registered"]
    assert {r["fields"]["extension"] for r in record} == {"1001", "1002"}
