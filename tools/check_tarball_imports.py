"""Check that no Python file in the built collection tarball imports something
the tarball (or what the collection declares) does not provide.

    python tools/check_tarball_imports.py .tmp/dist/zilliz-cloud-1.0.0.tar.gz

Run by `make build`. An import resolves when it is
- the standard library;
- ansible-core or one of its own dependencies (the platform), or pytest (what
  runs tests/unit, as ansible-test units does);
- a requirement in requirements.txt, or the modules pymilvus brings (grpc,
  google.protobuf);
- `ansible_collections.zilliz.cloud.<path>`, with <path> in the tarball;
- a module next to the importing file or in a parent directory inside the
  tarball (pytest's conftest / rootdir imports);
- guarded: inside a `try:` whose handler catches ImportError, or that handler.
"""

import ast
import sys
import tarfile
from pathlib import PurePosixPath

PREFIX = 'ansible_collections.zilliz.cloud.'
PLATFORM = {'ansible', 'jinja2', 'yaml', 'cryptography', 'packaging', 'resolvelib', 'pytest'}
# What pymilvus (requirements.txt) installs and the modules use directly.
WITH_PYMILVUS = {'pymilvus', 'grpc', 'google'}


def requirement_modules(text):
    names = set()
    for line in text.splitlines():
        line = line.split('#', 1)[0].strip()
        if line:
            for sep in '<>=!~[; ':
                line = line.split(sep, 1)[0]
            names.add(line.lower().replace('-', '_'))
    return names


def guarded_lines(tree):
    """Line numbers of imports in try blocks that handle ImportError (and
    the fallbacks in their handlers)."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                handler.type is None or 'ImportError' in ast.dump(handler.type) for handler in node.handlers):
            for child in node.body + node.handlers:
                for inner in ast.walk(child):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        lines.add(inner.lineno)
    return lines


def imported_names(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def problems(members, read):
    files = set(members)
    external = PLATFORM | WITH_PYMILVUS | requirement_modules(read('requirements.txt') or '')
    stdlib = set(sys.stdlib_module_names)
    found = []

    def in_tarball(path):
        return path + '.py' in files or path + '/__init__.py' in files or any(
            f.startswith(path + '/') for f in files)

    for name in sorted(files):
        if not name.endswith('.py'):
            continue
        tree = ast.parse(read(name), filename=name)
        guarded = guarded_lines(tree)
        for lineno, module in imported_names(tree):
            top = module.split('.', 1)[0]
            if lineno in guarded or top in stdlib or top in external or top == '__future__':
                continue
            if module.startswith(PREFIX):
                if in_tarball(module[len(PREFIX):].replace('.', '/')):
                    continue
            else:
                parents = PurePosixPath(name).parents
                if any(in_tarball(str(parent / top) if str(parent) != '.' else top) for parent in parents):
                    continue
            found.append('%s:%d imports %s, which the tarball lacks' % (name, lineno, module))
    return found


def main(tarball):
    with tarfile.open(tarball) as tar:
        members = [m.name for m in tar.getmembers() if m.isfile()]

        def read(name):
            try:
                return tar.extractfile(name).read().decode('utf-8')
            except KeyError:
                return None

        found = problems(members, read)
    for line in found:
        print('  ' + line)
    print('  %d Python file(s) checked, %d unresolved import(s)' % (
        sum(m.endswith('.py') for m in members), len(found)))
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
