"""Shared by every test directory: make `ansible_collections.zilliz.cloud`
importable and usable by ansible-playbook. The repository root is the
collection root; Ansible finds it through .tmp/collections/ansible_collections/
zilliz/cloud, a symlink to the repository (git-ignored)."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def collections_dir():
    """The directory to put on ANSIBLE_COLLECTIONS_PATH / sys.path."""
    for parent in REPO.parents:
        if parent.name == 'ansible_collections':
            return parent.parent
    base = REPO / '.tmp' / 'collections'
    link = base / 'ansible_collections' / 'zilliz' / 'cloud'
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        try:
            link.symlink_to(REPO, target_is_directory=True)
        except FileExistsError:
            pass
    return base


if str(collections_dir()) not in sys.path:
    sys.path.insert(0, str(collections_dir()))
