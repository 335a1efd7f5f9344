"""zilliz_user, zilliz_user_info and module_defaults through ansible-playbook."""

from conftest import playbook, server_vars, snapshot


def test_user_lifecycle(milvus):
    playbook('zilliz_user.yml', server_vars(milvus))
    users, roles = snapshot(milvus)
    assert users.get('alice') == ['db_ro']
    assert 'bob' not in users and 'ghost' not in users
    assert 'root' in users


def test_connection_from_environment(milvus):
    # Only pw_carol goes in as a variable; the connection comes from the environment.
    playbook('env_connection.yml', {'pw_carol': server_vars(milvus)['pw_carol']}, env=milvus.env())
    assert 'carol' not in snapshot(milvus)[0]


def test_milvus_uri_fallback(milvus):
    env = milvus.env()
    env['MILVUS_URI'] = env.pop('ZILLIZ_URI')
    playbook('env_connection.yml', {'pw_carol': server_vars(milvus)['pw_carol']}, env=env)


def test_zilliz_user_limit_checked_before_any_change(milvus):
    before = snapshot(milvus)
    users = [{'name': 'cap_user_%03d' % i, 'password': server_vars(milvus)['pw_dave'] + 'Aa1'} for i in range(101)]
    playbook('zilliz_user_limit.yml', server_vars(milvus, cap_users=users))
    assert snapshot(milvus) == before
