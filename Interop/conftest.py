import pytest

from portcullis_harness import Server


@pytest.fixture
def server_factory():
    servers = []

    def make(**kwargs):
        server = Server(**kwargs)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
