"""zilliz_connection_check against the shared local Milvus (authentication on)."""

import sys

from conftest import REPO, playbook, register_secret, server_vars, snapshot

sys.path.insert(0, str(REPO / 'tools'))
from milvus_local import pick_free_ports  # noqa: E402

API_KEY = register_secret('0123456789abcdef' * 4)


def test_connection_check(milvus):
    before = snapshot(milvus)
    playbook('connection_check.yml', server_vars(milvus, api_key=API_KEY, closed_port=pick_free_ports(1)[0]))
    assert snapshot(milvus) == before
