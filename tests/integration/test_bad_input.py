"""Bad input: every case fails with a clear message and
error_category=invalid_input, and the server is left exactly as it was."""

import pytest

from conftest import playbook, register_secret, server_vars, snapshot

BAD_SECRETS = {
    'pw_short': register_secret('q7#Zx'),                 # 5 bytes
    'pw_long': register_secret('Ünï' + 'é' * 35),         # 38 characters, 75 bytes
    'pw_one_class': register_secret('onlylowercaseletters'),
    'pw_seven': register_secret('Ab1!xyz'),
    'pw_in_uri': register_secret('Ur1-P@ss-in-uri'),
    'pw_bi_admin': register_secret('B1 admin: "pw" ø'),
    'pw_db_admin': register_secret('Db-@dmin 0wner'),
}


@pytest.fixture
def admins(milvus):
    """db_admin (the Zilliz Cloud owner account name) and bi_admin (admin role)."""
    client = milvus.client(user='root', password=milvus.root_password)
    try:
        client.create_user('db_admin', BAD_SECRETS['pw_db_admin'], timeout=10)
        client.create_user('bi_admin', BAD_SECRETS['pw_bi_admin'], timeout=10)
        client.grant_role('bi_admin', 'admin', timeout=10)
        yield milvus
    finally:
        for name in ('db_admin', 'bi_admin'):
            client.drop_user(name, timeout=10)
        client.close()


def test_bad_input_matrix(admins):
    before = snapshot(admins)
    playbook('bad_input.yml', server_vars(admins, **BAD_SECRETS))
    assert snapshot(admins) == before
