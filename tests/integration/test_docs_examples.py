"""Examples of the documentation run as written, against a fresh local
server: only the connection (the host's uri, the vaulted passwords) comes
from the test. The role README's Milvus example, its quick-start play and the
output sample it shows."""

import ast
import copy
import hashlib
import json
import os
import re
import shlex
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, logs_in, register_secret, run_ansible, start_server, tail

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


def test_role_readme_milvus_example_runs_as_written(docs_server, tmp_path):
    yaml_blocks = fenced_blocks(ROLE_README, 'yaml')
    site = block_starting(yaml_blocks, '# site.yml')
    group_vars = block_starting(yaml_blocks, '# group_vars/milvus_servers/main.yml')
    server = docs_server  # reset: a fresh server
    client = server.client()
    try:
        reset(client)
    finally:
        client.close()
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


# --------------------------------------------------------------------------
# Every other example: the yaml blocks of README.md, the role README and
# docs/*.md, and the tasks of the modules' EXAMPLES. Each one is either run
# below (one ansible-playbook run on one shared server, reset before each
# source that needs a set-up) or marked in the text, right before it, as one
# that cannot run against a local Milvus 2.3.5:
#   Markdown: <!-- example: zilliz-cloud-only (why) -->, needs-awx, not-a-playbook
#   EXAMPLES: a comment line "# Zilliz Cloud only" (or "# Not a playbook") above the task
# A new example is run by default; one that cannot run fails the test until
# it is marked.

MARKDOWN_SOURCES = [REPO / 'README.md', ROLE_README] + sorted((REPO / 'docs').glob('*.md'))
MODULE_SOURCES = sorted(p for p in (REPO / 'plugins' / 'modules').glob('zilliz_*.py'))
MD_MARK = re.compile(r'<!-- example: (zilliz-cloud-only|needs-awx|not-a-playbook)\b[^>]*-->\s*\Z')
YAML_MARK = re.compile(r'^# (Zilliz Cloud only|Not a playbook)\b')

# Run by test_role_readme_milvus_example_runs_as_written above (an inventory
# group with its group_vars).
RUN_ABOVE = {('roles/cluster_users/README.md', '# site.yml'),
             ('roles/cluster_users/README.md', '# group_vars/milvus_servers/main.yml')}

CONNECTION = ('uri', 'login_user', 'login_password', 'token')
ROLE_CONNECTION = tuple('cluster_users_' + k for k in CONNECTION)


class Example:
    def __init__(self, source, line, text, marker):
        self.source, self.line, self.text, self.marker = source, line, text, marker
        self.data = yaml.safe_load(text)

    @property
    def first_line(self):
        return self.text.splitlines()[0]

    def __repr__(self):
        return '%s:%d' % (self.source, self.line)

    def kind(self):
        """plays, tasks, role_vars, or None (cannot run: must be marked)."""
        data = self.data
        if isinstance(data, list) and data and all(isinstance(i, dict) for i in data):
            return 'plays' if all('hosts' in i for i in data) else 'tasks'
        if isinstance(data, dict) and data and all(k.startswith('cluster_users_') for k in data):
            return 'role_vars'
        return None


def markdown_examples(path):
    text = path.read_text(encoding='utf-8')
    source = str(path.relative_to(REPO))
    for match in re.finditer(r'^```yaml\n(.*?)^```', text, re.M | re.S):
        before = text[:match.start()]
        marker = MD_MARK.search(before)
        yield Example(source, before.count('\n') + 1, match.group(1), marker.group(1) if marker else None)


def module_examples(path):
    """The EXAMPLES of a module, one Example per top-level task with the
    comment lines right above it."""
    tree = ast.parse(path.read_text(encoding='utf-8'))
    node = next(n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], 'id', '') == 'EXAMPLES')
    lines = node.value.value.split('\n')
    starts = [i for i, line in enumerate(lines) if line.startswith('- ')]
    source = str(path.relative_to(REPO))
    found = []
    for number, start in enumerate(starts):
        first = start
        while first > 0 and lines[first - 1].startswith('#'):
            first -= 1
        end = starts[number + 1] if number + 1 < len(starts) else len(lines)
        comments = lines[first:start]
        marker = next((m.group(1) for m in map(YAML_MARK.match, comments) if m), None)
        found.append(Example(source, node.lineno + start + 1, '\n'.join(lines[start:end]) + '\n', marker))
    whole = yaml.safe_load(node.value.value)
    assert [e.data[0] for e in found] == whole, '%s: EXAMPLES not split into its tasks' % source
    return found


def all_examples():
    found = {}
    for path in MARKDOWN_SOURCES:
        found[str(path.relative_to(REPO))] = list(markdown_examples(path))
    for path in MODULE_SOURCES:
        found[str(path.relative_to(REPO))] = module_examples(path)
    return found


EXAMPLES = all_examples()


def to_run(source):
    return [e for e in EXAMPLES[source] if not e.marker and (source, e.first_line) not in RUN_ABOVE]


def test_every_example_is_run_or_marked():
    assert sum(len(v) for v in EXAMPLES.values()) > 30
    for source, first_line in RUN_ABOVE:
        assert any(e.first_line == first_line for e in EXAMPLES[source]), (source, first_line)
    cannot = [e for examples in EXAMPLES.values() for e in examples
              if not e.marker and (e.source, e.first_line) not in RUN_ABOVE and e.kind() is None]
    assert not cannot, 'neither runnable nor marked as not runnable locally: %s' % cannot
    # Every source the test runs has a set-up entry (possibly empty), so a new
    # document is looked at once.
    assert sorted(s for s in EXAMPLES if to_run(s)) == sorted(SETUP)


def test_marked_examples_are_the_expected_ones():
    """Marking is kept honest: a new mark is a decision, made here too."""
    marked = sorted('%s %s' % (e.source, e.marker) for examples in EXAMPLES.values() for e in examples if e.marker)
    assert marked == [
        'docs/awx.md needs-awx',
        'docs/roles_and_privileges.md zilliz-cloud-only',
        'plugins/modules/zilliz_role.py Zilliz Cloud only',
    ]


# Test values of the vaulted variables the examples name: fixed per name.
def vault_value(name):
    return register_secret('Docs-%s @ "v" é' % hashlib.sha1(name.encode()).hexdigest()[:8])


def vault_vars(text):
    return {name: vault_value(name) for name in set(re.findall(r'\bvault_\w+', text))}


# What each source needs on a fresh Milvus before its examples run:
#   roles: created first (db_ro and db_rw exist only on Zilliz Cloud; other
#          roles the example reads but does not create)
#   users: {name: vaulted variable holding its current password}
# A source with an empty entry needs no set-up: its examples run on the
# server the previous source left (no reset either).
#   databases: created first (a grant in a missing database is refused)
#   extra: variables the example leaves to the reader
#   vars_files: content of the vars files the plays name (vault values come
#               from extra vars)
SETUP = {
    'README.md': {'roles': ['db_ro', 'db_rw'], 'vars_files': {'vars/zilliz_vault.yml': {}}},
    'roles/cluster_users/README.md': {'roles': ['db_rw'],
                                      'users': {'svc_old': 'vault_svc_old_password_previous'}},
    'docs/awx.md': {'roles': ['db_rw'], 'vars_files': {'vars/zilliz_users.vault.yml': {
        'cluster_users_accounts': [{'name': 'awx_etl', 'password': '{{ vault_awx_etl_password }}',
                                    'roles': ['db_rw']}]}}},
    'docs/roles_and_privileges.md': {},
    'docs/rotating_passwords.md': {'users': {'etl': 'vault_etl_password_old'}},
    'docs/zilliz_cloud.md': {},
    'plugins/modules/zilliz_access.py': {},
    'plugins/modules/zilliz_connection_check.py': {},
    'plugins/modules/zilliz_role.py': {'databases': ['analytics']},
    'plugins/modules/zilliz_role_info.py': {'roles': ['orders_reader']},
    'plugins/modules/zilliz_user.py': {'roles': ['db_ro', 'db_rw'], 'extra': {'cluster_accounts': [
        {'name': 'etl', 'password': '{{ vault_etl_password }}', 'roles': ['db_rw']}]}},
    'plugins/modules/zilliz_user_info.py': {},
}


def local_connection(play, uri):
    """The play's group/zilliz.cloud.zilliz module_defaults with the
    connection replaced (added when the play has none)."""
    defaults = play.setdefault('module_defaults', {}).setdefault('group/zilliz.cloud.zilliz', {})
    for key in CONNECTION:
        defaults.pop(key, None)
    defaults.update(uri=uri, login_user='root', login_password='{{ docs_root_password }}')


def replace_connection(node, uri):
    """Replace the connection wherever an example writes one: module_defaults
    of blocks and tasks, a module task's uri, and its credential when it is the
    admin's (db_admin or a token): a task that logs in as another user to test
    that user (zilliz_connection_check) keeps it."""
    if isinstance(node, list):
        for item in node:
            replace_connection(item, uri)
        return
    if not isinstance(node, dict):
        return
    if 'group/zilliz.cloud.zilliz' in node.get('module_defaults', {}):
        local_connection(node, uri)
    for key, value in node.items():
        if key.startswith('zilliz.cloud.') and isinstance(value, dict):
            value.pop('uri', None)
            if value.get('login_user') == 'db_admin' or 'token' in value:
                for name in ('login_user', 'login_password', 'token'):
                    value.pop(name, None)
        if key in ('block', 'rescue', 'always', 'tasks', 'pre_tasks', 'post_tasks'):
            replace_connection(value, uri)


def plays_of(example, uri):
    data = copy.deepcopy(example.data)
    kind = example.kind()
    if kind == 'plays':
        plays = data
    elif kind == 'tasks':
        plays = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': data}]
    else:
        for key in ROLE_CONNECTION:
            data.pop(key, None)
        plays = [{'hosts': 'localhost', 'gather_facts': False, 'vars': data,
                  'roles': [{'role': 'zilliz.cloud.cluster_users'}]}]
    for play in plays:
        replace_connection(play, uri)
        local_connection(play, uri)
        play['name'] = 'Example %r: %s' % (example, play.get('name', kind))
    return plays


def reset(client):
    """Back to a fresh server: no user but root, no custom role."""
    for name in client.list_users(timeout=10):
        if name != 'root':
            client.drop_user(name, timeout=10)
    for name in client.list_roles(timeout=10):
        if name not in ('admin', 'public'):
            for grant in client.describe_role(name, timeout=10)['privileges']:
                client.revoke_privilege(name, grant['object_type'], grant['privilege'], grant['object_name'],
                                        db_name=grant['db_name'], timeout=10)
            client.drop_role(name, timeout=10)


def prepare(client, setup, values):
    existing = client.list_databases(timeout=10)
    for name in setup.get('databases', ()):
        if name not in existing:
            client.create_database(name, timeout=10)
    for name in setup.get('roles', ()):
        client.create_role(name, timeout=10)
    for name, variable in setup.get('users', {}).items():
        client.create_user(name, values[variable], timeout=10)


def setup_job(path):
    """Run by the set-up play before each source's examples: reset the server
    and prepare what the source needs (the job file holds the secrets, so the
    command line shows none)."""
    from pymilvus import MilvusClient  # pylint: disable=import-outside-toplevel
    job = json.loads(Path(path).read_text(encoding='utf-8'))
    client = MilvusClient(job['uri'], user='root', password=job['root_password'], dedicated=True, timeout=10)
    try:
        reset(client)
        prepare(client, job['setup'], job['values'])
    finally:
        client.close()


@pytest.fixture(scope='module', name='docs_server')
def fixture_docs_server():
    # root is one of the server's superUsers, so the superuser example runs.
    server = start_server(roles=(), super_users=('root',))
    yield server
    server.stop()


def write_private(path, data):
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w', encoding='utf-8') as stream:
        json.dump(data, stream)


def test_examples_run_as_written(docs_server, tmp_path):
    """One ansible-playbook run for all of them: for each source, a set-up
    play when SETUP names something (the test's own: a fresh server, then
    what the source needs), then the source's examples, one play each."""
    plays, values, expected = [], {}, 0
    for number, source in enumerate(sorted(SETUP)):
        examples, setup = to_run(source), SETUP[source]
        text = ''.join(e.text for e in examples) + json.dumps(setup)
        source_values = vault_vars(text)
        assert not any(values.get(k, v) != v for k, v in source_values.items())
        values.update(source_values)
        values.update(setup.get('extra', {}))
        for path, content in setup.get('vars_files', {}).items():
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_text(yaml.safe_dump(content), encoding='utf-8')
        if setup:
            # Without one, the examples run on whatever the source before
            # left: each set-up is a process importing pymilvus (2 s here).
            job = tmp_path / ('setup-%02d.json' % number)
            write_private(job, {'uri': docs_server.uri, 'root_password': docs_server.root_password,
                                'setup': setup, 'values': source_values})
            plays.append({'name': 'Set-up for %s (the test\'s, not an example)' % source, 'hosts': 'localhost',
                          'gather_facts': False, 'tasks': [{
                              'name': 'A fresh server, then what the examples need',
                              'ansible.builtin.command': {'argv': [
                                  '{{ ansible_playbook_python }}', __file__, 'setup', str(job)]},
                              'changed_when': False}]})
        source_plays = [play for example in examples for play in plays_of(example, docs_server.uri)]
        expected += len(source_plays)
        plays += source_plays
    (tmp_path / 'examples.yml').write_text(yaml.safe_dump(plays, sort_keys=False, allow_unicode=True),
                                           encoding='utf-8')
    values.update(docs_root_password=docs_server.root_password, zilliz_uri=docs_server.uri)
    run = run_ansible(['ansible-playbook', 'examples.yml'], extra_vars=values, name='docs_examples',
                      cwd=tmp_path)
    assert run.rc == 0, tail(run.output)
    assert run.output.count('\nPLAY [Example ') == expected, tail(run.output)
    assert re.search(r'localhost +: ok=\d+ +changed=\d+ +unreachable=0 +failed=0 ', run.output), tail(run.output)
    # The last source run is the role README's account items: svc_old's
    # password was rotated from the previous one, etl was created.
    assert logs_in(docs_server, 'svc_old', values['vault_svc_old_password'])
    assert not logs_in(docs_server, 'svc_old', values['vault_svc_old_password_previous'])
    assert logs_in(docs_server, 'etl', values['vault_etl_password'])


def test_readme_ad_hoc_commands_run(docs_server):
    """The README's ad hoc commands, with the connection in the environment
    as the block says (the export and read lines are the connection)."""
    block = block_starting(fenced_blocks(REPO / 'README.md', 'sh'), 'export ZILLIZ_URI=')
    commands = [line for line in block.splitlines() if line.startswith('ansible ')]
    assert len(commands) == 3, block
    for number, command in enumerate(commands):
        run = run_ansible(shlex.split(command.split('  #')[0]), env=docs_server.env(),
                          name='docs_readme_ad_hoc_%d' % number)
        assert run.rc == 0, tail(run.output)


if __name__ == '__main__' and sys.argv[1:2] == ['setup']:
    setup_job(sys.argv[2])
