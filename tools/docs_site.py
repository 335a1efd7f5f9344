"""Build the collection's HTML documentation with antsibull-docs, offline.

    python tools/docs_site.py DEST      (make docs-site: DEST=.tmp/docs-site)

antsibull-docs sphinx-init writes a Sphinx project (conf.py, build.sh) into
DEST; build.sh renders the collection's plugin and role docs to rst and runs
sphinx-build with warnings as errors. Its conf.py maps intersphinx to the
Python, Jinja2 and Ansible docs, which Sphinx would download. Here:

- the Ansible inventory is a local file, ansible_devel.inv, listing the few
  labels of the Ansible docs that the generated pages link to (the links
  still point at docs.ansible.com). A page that links to another label fails
  the build with "undefined label"; add that label to EXTERNAL_LABELS;
- the other inventories are dropped (nothing links to them).

The HTML lands in DEST/build/html.
"""

import os
import subprocess
import sys
import zlib
from pathlib import Path

ANSIBLE_DOCS = 'https://docs.ansible.com/projects/ansible/devel/'
# label: (page#anchor relative to ANSIBLE_DOCS, title)
EXTERNAL_LABELS = {
    'ansible_configuration_settings': ('reference_appendices/config.html#ansible-configuration-settings',
                                       'Ansible Configuration Settings'),
    'common_return_values': ('reference_appendices/common_return_values.html#common-return-values',
                             'Return Values'),
}

OFFLINE_CONF = '''
# tools/docs_site.py: build offline. The Ansible labels come from a local
# inventory (links still go to docs.ansible.com); nothing else is linked.
intersphinx_mapping = {'ansible_devel': (%r, (%r,))}
''' % (ANSIBLE_DOCS, '../ansible_devel.inv')  # relative to the rst/ source dir


def write_inventory(path):
    lines = ''.join('%s std:label -1 %s %s\n' % (label, uri, title)
                    for label, (uri, title) in sorted(EXTERNAL_LABELS.items()))
    header = ('# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n'
              '# The remainder of this file is compressed using zlib.\n')
    path.write_bytes(header.encode('ascii') + zlib.compress(lines.encode('utf-8')))


def main(dest):
    dest = Path(dest).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    os.chmod(dest, 0o755)  # antsibull-docs wants a directory only its owner can write
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / 'antsibull-docs'), 'sphinx-init', '--use-current', '--squash-hierarchy',
                    '--fail-on-error', '--project', 'zilliz.cloud', '--copyright', 'zilliz.cloud contributors',
                    '--title', 'zilliz.cloud collection', '--dest-dir', str(dest), 'zilliz.cloud'],
                   check=True, stdout=subprocess.DEVNULL)
    with open(dest / 'conf.py', 'a', encoding='utf-8') as conf:
        conf.write(OFFLINE_CONF)
    write_inventory(dest / 'ansible_devel.inv')
    subprocess.run(['bash', str(dest / 'build.sh')], check=True)
    index = dest / 'build' / 'html' / 'index.html'
    if not index.is_file():
        sys.exit('no %s' % index)
    print('docs site: %s (%d pages)' % (index, len(list(index.parent.glob('*.html')))))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
