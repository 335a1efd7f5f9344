"""Make `ansible_collections.zilliz.cloud` importable from a plain pytest run
(the repository root is the collection root; ansible-test expects it under
ansible_collections/zilliz/cloud, so a symlink in .tmp/ provides that path)."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _collections_root():
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


ROOT = str(_collections_root())
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
