"""The event log as the seed describes it: read/unread status per event, filters, mark read, download as CSV or JSON."""
import csv
import io
import json

from portcullis_harness import Server


def started(server_factory):
    server = server_factory().start()
    server.api_token()
    return server


def test_events_are_marked_read_filtered_by_status_and_downloaded(server_factory, tmp_path):
    server = started(server_factory)
    for number in ("1001", "1002", "1003"):
        server.cli("extension", "add", number)

    def extension_changes():
        return [e for e in json.loads(server.cli("events", "--name", "Configuration Changed", "--json").stdout)
                if e["fields"].get("section") == "extensions"]
    server.wait_until(lambda: len(extension_changes()) == 3, "the three changes were not logged")
    changes = json.loads(server.cli("events", "--name", "Configuration Changed", "--json").stdout)
    assert not any(event["read"] for event in changes)
    first = changes[-1]["id"]
    assert server.cli("events", "read", str(first)).stdout.strip() == "1 event marked read"
    assert server.cli("events", "read", str(first)).stdout.strip() == "0 events marked read"  # already read
    status, _, unread = server.api("GET", "/api/v1/events?name=Configuration%20Changed&status=unread")
    assert status == 200 and [e["id"] for e in unread["items"]] == [e["id"] for e in changes[:-1]]
    status, _, read = server.api("GET", "/api/v1/events?status=read")
    assert [e["id"] for e in read["items"]] == [first]

    # Downloads: the filter applies, CSV with a status column, JSON as the API answers.
    target = tmp_path / "unread.csv"
    assert "wrote" in server.cli("events", "download", "--status", "unread", "--name", "Configuration Changed", "--output", str(target)).stdout
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [row["id"] for row in rows] == [str(e["id"]) for e in changes[:-1]] and {row["status"] for row in rows} == {"unread"}
    downloaded = json.loads(server.cli("events", "download", "--format", "json", "--status", "read").stdout)
    assert [e["id"] for e in downloaded] == [first]
    status, headers, text = server.api("GET", "/api/v1/events?format=csv&status=read")
    assert status == 200 and headers["Content-Type"].startswith("text/csv") and "attachment" in headers["Content-Disposition"]

    # Mark all as read, then one unread again.
    marked = server.cli("events", "read", "--all").stdout
    assert marked.strip().endswith("marked read") and not marked.startswith("0 ")
    assert server.api("GET", "/api/v1/events?status=unread")[2]["items"] == []
    server.cli("events", "unread", str(first))
    assert [e["id"] for e in server.api("GET", "/api/v1/events?status=unread")[2]["items"]] == [first]


def test_bad_event_log_input_is_refused_and_changes_nothing(server_factory):
    server = started(server_factory)
    server.cli("extension", "add", "1001")
    server.wait_for_event("Configuration Changed", lambda e: e["fields"].get("created") == "1001")
    for body, words in (({"ids": [1], "all": True}, "ids or all"), ({}, "ids or all"), ({"ids": list(range(10_001))}, "at most 10000"),
                        ({"ids": ["x"]}, "not valid"), ({"every": True}, "every")):
        status, _, problem = server.api("POST", "/api/v1/events/read", body)
        assert status == 400 and words in problem["detail"], (body, problem)
    assert server.api("GET", "/api/v1/events?status=maybe")[0] == 400
    refused = server.cli("events", "read", "--all", "1", check=False)
    assert refused.returncode != 0 and "give event ids or --all" in refused.stderr
    assert server.cli("events", "download", "--format", "xml", check=False).returncode != 0
    after = server.api("GET", "/api/v1/events")[2]["items"]
    assert after and not any(event["read"] for event in after), "a refused request marked something"
