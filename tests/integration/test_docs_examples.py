"""Examples of the documentation run as written, against a fresh local
server: only the connection (the host's uri, the vaulted passwords) comes
from the test. The role README's Milvus example, its quick-start play and the
output sample it shows."""

import json
import re

import yaml

from conftest import REPO, register_secret, run_ansible, start_server, tail

ROLE_README = REPO / 'roles' / 'cluster_users' / 'README.md'
VAULT = {
    'vault_etl_password': register_secret('Etl: docs @ "example" 1'),
    'vault_dashboard_password': register_secret('Dashboard: docs é 2'),
}


def fenced_blocks(path, language):
    """The fenced code blocks of one language in a Markdown file, in order."""
    return re.findall(r'^```%s\n(.*?)^```' % language, path.read_text(encoding='utf-8'), re.M | re.S)


def block_starting(blocks, first_line):
    found = [b for b in blocks if b.startswith(first_line)]
    assert len(found) == 1, 'no single block starts with %r' % first_line
    return found[0]


def readme_summary(uri):
    """The summary lines of the README's Output sample, for a server at uri."""
    sample = block_starting(fenced_blocks(ROLE_README, 'text'), 'TASK [zilliz.cloud.cluster_users : Summary')
    lines = json.loads('{' + sample.split('{', 1)[1].rsplit('}', 1)[0] + '}')['msg']
    return [line.replace('http://milvus.example.internal:19530', uri) for line in lines]


def printed_summary(output):
    start = output.rindex('TASK [zilliz.cloud.cluster_users : Summary')
    return json.loads('{' + output[start:].split('=> {', 1)[1].split('\n}\n', 1)[0] + '}')['msg']


def test_role_readme_milvus_example_runs_as_written(tmp_path):
    yaml_blocks = fenced_blocks(ROLE_README, 'yaml')
    site = block_starting(yaml_blocks, '# site.yml')
    group_vars = block_starting(yaml_blocks, '# group_vars/milvus_servers/main.yml')
    server = start_server(roles=())
    try:
        (tmp_path / 'site.yml').write_text(site, encoding='utf-8')
        (tmp_path / 'group_vars' / 'milvus_servers').mkdir(parents=True)
        (tmp_path / 'group_vars' / 'milvus_servers' / 'main.yml').write_text(group_vars, encoding='utf-8')
        inventory = {'zilliz_clusters': {'children': {'milvus_servers': {'hosts': {
            'milvus_lab': {'cluster_users_uri': server.uri}}}}}}
        (tmp_path / 'hosts.yml').write_text(yaml.safe_dump(inventory), encoding='utf-8')
        extra = dict(VAULT, vault_milvus_root_password=server.root_password)
        args = ['ansible-playbook', 'site.yml', '-i', 'hosts.yml']

        run = run_ansible(args, extra_vars=extra, name='docs_role_readme_milvus', cwd=tmp_path)
        assert run.rc == 0, tail(run.output)
        assert printed_summary(run.output) == readme_summary(server.uri)
        assert server.client(user='etl', password=VAULT['vault_etl_password'], timeout=5).close() is None

        run = run_ansible(args, extra_vars=extra, name='docs_role_readme_milvus_again', cwd=tmp_path)
        assert run.rc == 0 and re.search(r'milvus_lab +: ok=\d+ +changed=0 ', run.output), tail(run.output)
    finally:
        server.stop()
