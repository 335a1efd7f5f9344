"""zilliz_role against a server with the default role limit (its own server:
the shared targets' server has the limit raised)."""

from conftest import playbook, server_vars, start_server


def test_role_limit_refusal_names_the_limit():
    server = start_server(roles=())
    try:
        roles = [{'name': 'lim_%d' % i} for i in range(9)]
        playbook('zilliz_role_limit.yml', server_vars(server, limit_roles=roles))
    finally:
        server.stop()
