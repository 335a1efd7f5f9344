# -*- coding: utf-8 -*-
# Copyright (c) Zilliz Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Static checks of shipped files (no server): the collection playbooks
document their variables, and the example inventory loads and keeps secrets
out of plain text."""

from __future__ import annotations

import pathlib
import re

import pytest

yaml = pytest.importorskip('yaml')

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
PLAYBOOK_DIR = REPO_ROOT / 'playbooks'
EXAMPLE_INVENTORY = REPO_ROOT / 'examples' / 'inventory'

# Registered results and play-local helper variables are not inputs.
NOT_INPUTS = {'check_connection_admin', 'check_connection_logins', 'check_connection_users',
              'check_connection_report', 'check_connection_failed_users', 'rotate_password_result',
              'rotate_password_roles', 'rotate_password_outcome', 'zilliz_connection_check'}


PLAYBOOKS = sorted(PLAYBOOK_DIR.glob('*.yml'))


def test_the_playbooks_are_found():
    assert {'check_connection', 'provision_users', 'rotate_password'} <= {p.stem for p in PLAYBOOKS}


@pytest.mark.parametrize('path', PLAYBOOKS, ids=lambda p: p.name)
def test_playbook_documents_its_variables(path):
    """Each playbook starts with a comment block that shows how to run it and
    names every variable it reads."""
    text = path.read_text(encoding='utf-8')
    header = '\n'.join(line for line in text.splitlines()[1:] if line.startswith('#'))
    body_start = text.index('\n- name:')
    assert 'ansible-playbook zilliz.cloud.%s' % path.stem in header
    used = set(re.findall(r'\b((?:cluster_users|check_connection|rotate_password|zilliz)_[a-z_]+)\b',
                          text[body_start:]))
    inputs = {v for v in used if v not in NOT_INPUTS and not v.startswith('zilliz_user')}
    missing = sorted(v for v in inputs if v not in header)
    assert not missing, 'undocumented variables %s' % missing


def test_example_inventory_is_documented_and_parses():
    """The shipped example stays loadable and keeps secrets out of plain text."""
    hosts = yaml.safe_load((EXAMPLE_INVENTORY / 'hosts.yml').read_text(encoding='utf-8'))
    cluster_hosts = hosts['zilliz_clusters']['hosts']
    assert len(cluster_hosts) == 2
    for host in cluster_hosts.values():
        assert host['cluster_users_login_password'].startswith('{{ vault_')
    group = yaml.safe_load((EXAMPLE_INVENTORY / 'group_vars' / 'zilliz_clusters' / 'main.yml')
                           .read_text(encoding='utf-8'))
    assert group['ansible_python_interpreter'] == '{{ ansible_playbook_python }}'
    for account in group['cluster_users_accounts']:
        assert 'password' not in account or account['password'].startswith('{{ vault_')
    assert not (EXAMPLE_INVENTORY / 'group_vars' / 'zilliz_clusters' / 'vault.yml').exists()


def test_example_inventory_loads_in_ansible():
    """Ansible's own inventory loader reads it: both clusters in the group, with their variables."""
    dataloader = pytest.importorskip('ansible.parsing.dataloader')
    manager = pytest.importorskip('ansible.inventory.manager')
    inventory = manager.InventoryManager(loader=dataloader.DataLoader(), sources=[str(EXAMPLE_INVENTORY)])
    hosts = {host.name: host for host in inventory.get_hosts('zilliz_clusters')}
    assert sorted(hosts) == ['prod_eu', 'staging_us']
    assert hosts['staging_us'].vars['cluster_users_exclusive'] is True


def test_the_build_leaves_out_what_adopt_cluster_writes(tmp_path):
    """adopt_cluster's files name real users and roles: run in a clone (or by
    an older release, inside playbooks/), they must not reach the tarball."""
    from ansible.galaxy.collection import _build_files_manifest_walk

    build_ignore = yaml.safe_load((REPO_ROOT / 'galaxy.yml').read_text(encoding='utf-8'))['build_ignore']
    for rel in ('adopted/prod.cluster_users.yml', 'playbooks/adopted/prod.cluster_users.yml',
                'elsewhere/prod.cluster_users.yml', 'playbooks/adopt_cluster.yml', 'roles/r/tasks/main.yml'):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text('---\n', encoding='utf-8')
    manifest = _build_files_manifest_walk(str(tmp_path).encode(), 'zilliz', 'cloud', build_ignore)
    files = sorted(entry['name'] for entry in manifest['files'] if entry['ftype'] == 'file')
    assert files == ['playbooks/adopt_cluster.yml', 'roles/r/tasks/main.yml']
