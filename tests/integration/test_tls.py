"""TLS through ansible-playbook against real local Milvus servers with
generated certificates: one-way TLS (ca_cert as a path and as inline PEM),
mutual TLS, and the failures (wrong CA, wrong server_name, no client
certificate, plain vs TLS) each reported as tls_error with a clear message."""

import tempfile
from pathlib import Path

import pytest

from conftest import playbook, server_vars, snapshot, start_server


def _server(tls_mode):
    return start_server(tls_mode=tls_mode, stop_grace=1)


@pytest.fixture(scope='module')
def tls_server():
    srv = _server(1)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope='module')
def mtls_server():
    srv = _server(2)
    try:
        yield srv
    finally:
        srv.stop()


def _run_with_private_tmp(name, extra_vars):
    """Run a playbook with TMPDIR pointing at an empty directory, and return
    what the modules left there (an inline ca_cert is written to a temporary
    file that must be deleted after the run)."""
    with tempfile.TemporaryDirectory(prefix='zilliz-tls-test-') as tmp:
        playbook(name, extra_vars, env={'TMPDIR': tmp})
        return sorted(p.name for p in Path(tmp).rglob('zilliz-ca-*'))


def test_one_way_tls(tls_server, milvus):
    leftovers = _run_with_private_tmp('tls_one_way.yml', server_vars(
        tls_server, plain_uri=milvus.uri, plain_root_password=milvus.root_password))
    assert leftovers == [], 'inline ca_cert temp files left behind: %s' % leftovers
    users, dummy = snapshot(tls_server)
    assert users.get('tls_user') == ['db_ro']
    assert 'tls_other' not in users


def test_mutual_tls(mtls_server):
    leftovers = _run_with_private_tmp('tls_mutual.yml', server_vars(mtls_server))
    assert leftovers == [], 'inline ca_cert temp files left behind: %s' % leftovers
    assert snapshot(mtls_server)[0].get('mtls_user') == ['db_rw']
