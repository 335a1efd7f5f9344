"""zilliz_role against a server with the default role limit (its own server:
the shared targets' server has the limit raised)."""

from conftest import SECRETS, playbook, server_vars, start_server


def test_role_limit_refusal_names_the_limit():
    server = start_server(roles=())
    try:
        roles = [{'name': 'lim_%d' % i} for i in range(9)]
        playbook('zilliz_role_limit.yml', server_vars(server, limit_roles=roles))
    finally:
        server.stop()


def test_user_limit_mid_batch_names_every_refused_user():
    """A self-hosted server's user limit is not readable, so it can only be met
    mid-run: the task fails as limit_exceeded, names every user refused, and
    reports the users it created."""
    server = start_server(roles=(), max_user_num=5)     # root + 4
    try:
        users = [{'name': 'lim_user_%d' % i, 'password': SECRETS['pw_batch']} for i in range(6)]
        drop = [{'name': user['name'], 'state': 'absent'} for user in users]
        playbook('zilliz_user_limit.yml', server_vars(server, limit_users=users, limit_drop=drop))
    finally:
        server.stop()
