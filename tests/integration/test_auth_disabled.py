"""A server with authentication disabled (it accepts any credential):
zilliz_connection_check reports auth_enabled false and fails with
require_auth; zilliz_user warns that passwords could not be verified."""

import pytest

from conftest import playbook, server_vars, snapshot, start_server


@pytest.fixture(scope='module')
def noauth_server():
    srv = start_server(roles=('db_ro',), auth=False, stop_grace=1)
    try:
        yield srv
    finally:
        srv.stop()


def test_auth_disabled(noauth_server):
    run = playbook('auth_disabled.yml', server_vars(noauth_server))
    # The warning reaches the terminal, not only the registered result.
    assert '[WARNING]: Authentication is disabled on %s' % noauth_server.uri in run.output
    users, roles = snapshot(noauth_server)
    assert 'noauth_user' not in users
    assert 'noauth_role' not in roles       # refused before the first change
