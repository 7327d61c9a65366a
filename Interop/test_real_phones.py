"""Calls between real phones through the PBX (finding 4 of the hardening review: a callee answering 100 Trying, 180,
200 used to fail the call). linphone (which answers as most hardware phones do, and answers SHA-256 when offered) and
baresip call each other as caller and as callee over UDP, TCP and TLS, put the call on hold and resume it, and
cancel while ringing. Each call's record shows it answered and audio relayed both ways."""
import json
import time

import pytest

from real_phones import Baresip, Linphone, pbx, wait_until
from test_baresip_call import tone


def call_records(server, count):
    records = []

    def stored():
        records[:] = json.loads(server.cli("cdr", "list", "--json").stdout)
        return len(records) >= count
    wait_until(stored, 10, f"{count} call records")
    return list(reversed(records[:count]))


def talk(seconds=1.5):
    """Lets a call carry audio for a while (50 packets a second each way): not a wait for a condition, the
    relay's counters are read from the call record at the end."""
    time.sleep(seconds)


def registered_over(server, number, transport):
    return [r["source"].split(":")[0] for r in server.registrations() if r["extension"] == str(number)] == [transport]


@pytest.fixture
def tones(tmp_path):
    tone(tmp_path / "low.wav", 440)
    tone(tmp_path / "high.wav", 1000)
    return tmp_path / "low.wav", tmp_path / "high.wav"


@pytest.mark.parametrize("transport", ["udp", "tcp", "tls"])
def test_linphone_and_baresip_call_each_other_hold_and_resume(server_factory, tmp_path, tones, transport):
    server = pbx(server_factory, tmp_path, numbers=(1001, 1002, 1003))
    baresip = Baresip(server, 1002, transport, tmp_path, tones[1], seconds=60).registered()
    linphone = Linphone(server, 1001, transport, tmp_path, wav=tones[0]).registered()
    try:
        assert registered_over(server, 1001, transport) and registered_over(server, 1002, transport)
        target = f"sip:{{}}@127.0.0.1:{server.sip_ports[transport]}"
        mark = len(linphone.lines)
        linphone.command("call " + target.format(1002))
        linphone.wait_for("connected", after=mark)
        talk()
        mark = len(linphone.lines)
        linphone.command("pause")
        linphone.wait_for("is now paused", after=mark)
        mark = len(linphone.lines)
        linphone.command("resume")
        linphone.wait_for("Media streams established", after=mark)
        assert server.api("GET", "/healthz", token=None)[2]["mediaSessions"] == 1, "the call is up after hold and resume"
        talk()
        mark = len(linphone.lines)
        linphone.command("terminate")
        linphone.wait_for("ended", after=mark)
        # Now the other way: baresip dials, linphone answers by itself.
        linphone.command("autoanswer enable")
        mark = len(linphone.lines)
        caller = Baresip(server, 1003, transport, tmp_path, tones[1], dial=f"/dial {target.format(1001)}", seconds=8)
        linphone.wait_for("connected", after=mark, timeout=20)
        talk()
        caller.process.wait(timeout=30)
        first, second = call_records(server, 2)
        for record, caller_number, callee_number in ((first, "1001", "1002"), (second, "1003", "1001")):
            assert (record["caller"], record["callee"], record["disposition"]) == (caller_number, callee_number, "answered"), record
            assert record["packetsFromCaller"] > 50 and record["packetsFromCallee"] > 50, record
    finally:
        linphone.stop()
        baresip.stop()


def test_linphone_registers_and_calls_with_sha256_only(server_factory, tmp_path, tones):
    server = pbx(server_factory, tmp_path, extra="sip:\n  digestAlgorithms: [SHA-256]\n")
    callee = Linphone(server, 1002, "udp", tmp_path, wav=tones[1]).registered()
    caller = Linphone(server, 1001, "udp", tmp_path, wav=tones[0]).registered()
    try:
        callee.command("autoanswer enable")
        mark = len(caller.lines)
        caller.command(f"call sip:1002@127.0.0.1:{server.sip_ports['udp']}")
        caller.wait_for("connected", after=mark)
        talk()
        mark = len(caller.lines)
        caller.command("terminate")
        caller.wait_for("ended", after=mark)
        record = call_records(server, 1)[0]
        assert record["disposition"] == "answered" and record["packetsFromCallee"] > 20, record
        accepted = [e for e in server.events("Extension Registered") if e["fields"]["extension"] in ("1001", "1002")]
        assert len(accepted) == 2
        assert "algorithm=SHA-256" in (caller.home / "linphone.log").read_text()
    finally:
        caller.stop()
        callee.stop()


@pytest.mark.parametrize("transport", ["udp", "tls"])
def test_the_caller_cancels_while_the_phone_rings(server_factory, tmp_path, tones, transport):
    server = pbx(server_factory, tmp_path, numbers=(1001, 1002, 1003))
    ringing = Baresip(server, 1002, transport, tmp_path, tones[1], answer=False, seconds=60).registered()
    linphone = Linphone(server, 1001, transport, tmp_path, wav=tones[0]).registered()
    try:
        mark = len(linphone.lines)
        linphone.command(f"call sip:1002@127.0.0.1:{server.sip_ports[transport]}")
        linphone.wait_for("ringing", after=mark)
        ringing.wait_for("Incoming call")
        mark = len(linphone.lines)
        linphone.command("terminate")
        linphone.wait_for("ended", after=mark)
        ringing.wait_for("terminated|closed|487|Request Terminated|Call cancelled", timeout=10)
        # baresip dials linphone, which rings and is never answered; baresip gives up when it exits.
        mark = len(linphone.lines)
        caller = Baresip(server, 1003, transport, tmp_path, tones[1], dial=f"/dial sip:1001@127.0.0.1:{server.sip_ports[transport]}",
                         seconds=4)
        linphone.wait_for("Receiving new incoming call", after=mark)
        caller.process.wait(timeout=30)
        linphone.wait_for("ended|missed|cancel", after=mark, timeout=15)
        first, second = call_records(server, 2)
        for record in (first, second):
            assert (record["disposition"], record["hangupSide"]) == ("cancelled", "caller") and "answer" not in record, record
    finally:
        linphone.stop()
        ringing.stop()
