"""Connection options from the environment of ansible-playbook itself (as an
AWX credential injects them): ansible-test strips the environment, and a
task's `environment:` keyword would print the password at -vvv, so these
stay in the pytest layer. The rest of zilliz_user is the ansible-test target
tests/integration/targets/zilliz_user."""

from conftest import playbook, server_vars, snapshot


def test_connection_from_environment(milvus):
    # Only pw_carol goes in as a variable; the connection comes from the environment.
    playbook('env_connection.yml', {'pw_carol': server_vars(milvus)['pw_carol']}, env=milvus.env())
    assert 'carol' not in snapshot(milvus)[0]


def test_milvus_uri_fallback(milvus):
    env = milvus.env()
    env['MILVUS_URI'] = env.pop('ZILLIZ_URI')
    playbook('env_connection.yml', {'pw_carol': server_vars(milvus)['pw_carol']}, env=env)
