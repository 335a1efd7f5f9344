"""Offline stand-in for the get-pip.py script that ansible-test downloads.

ansible-test bootstraps pip in each virtual environment it makes by running
``~/.ansible/test/cache/get_pip_<version>.py`` and downloads that script from
a host this network cannot reach unless the file is already there.
``make sanity-offline-setup`` copies this file to that path.

ansible-test runs it (through runpy, as ``__main__``) with the interpreter of
the new virtual environment and arguments such as::

    --disable-pip-version-check pip==24.2 --no-setuptools --no-wheel

When uv is on PATH (``make`` puts the venv's bin first), it installs the
packages it is given, pip at the version ansible-test wants, with uv: about
two seconds a venv instead of eight, and sanity makes a dozen. uv is told to
use the platform's certificate store, which pip's configuration names,
because ansible-test passes no certificate variable.

Otherwise it installs the pip bundled with Python through ``ensurepip`` and
runs ``pip install --upgrade`` with the same arguments, less the get-pip-only
options ``--no-setuptools`` and ``--no-wheel``.

Either way packages come from the package index (PyPI), which is reachable.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

GET_PIP_ONLY_OPTIONS = frozenset(('--no-setuptools', '--no-wheel'))


def main(argv: list[str]) -> int:
    args = [arg for arg in argv if arg not in GET_PIP_ONLY_OPTIONS]
    packages = [arg for arg in args if not arg.startswith('-')]

    uv = shutil.which('uv')
    if uv and packages:
        return subprocess.run([uv, 'pip', 'install', '--quiet', '--system-certs', '--python', sys.executable] + packages,
                              check=False).returncode

    subprocess.run([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'],
                   check=True, stdout=subprocess.DEVNULL)

    if not packages:
        return 0

    command = [sys.executable, '-m', 'pip', 'install', '--upgrade', '--quiet'] + args
    return subprocess.run(command, check=False).returncode


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
