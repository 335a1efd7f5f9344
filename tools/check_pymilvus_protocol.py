"""Check that the collection's gRPC code works with the installed pymilvus.

    python tools/check_pymilvus_protocol.py      (run by `make pymilvus-versions`
                                                  once per pymilvus version)

The modules do not import pymilvus: plugins/module_utils/_connection.py loads
the protocol stubs pymilvus ships (pymilvus/grpc_gen) on their own. This
checks, with whatever pymilvus this Python has:

- the stubs load that way, without pymilvus/__init__.py (nor pandas/numpy);
- every request message the plugins build (`milvus_pb2.X(field=...)`, read
  from the plugins' source, so new RPCs are checked without editing this
  file) exists and has the fields they set, and can be serialised;
- every enum value and constant they name (`milvus_pb2.A.B`) exists;
- every RPC they call (`_rpc('Method', ...)`, `_stub.Method(...)`) is a
  method of MilvusServiceStub.

Needs no server. Prints one line per check; exit 1 on any failure.
"""

import ast
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COLLECTIONS = REPO / '.tmp' / 'collections'
PROTO_MODULES = ('milvus_pb2', 'milvus_pb2_grpc', 'common_pb2')


def uses(paths):
    """(messages {(module, name): set(fields)}, attributes {(module, a, b, ...)}, rpcs set)."""
    messages, attributes, rpcs = {}, set(), set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'), filename=str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                func = node.func
                chain = _chain(func)
                if chain and chain[0] in PROTO_MODULES and len(chain) == 2 and chain[1][0].isupper() \
                        and chain[1].endswith(('Request', 'Stub')):
                    messages.setdefault(tuple(chain), set()).update(k.arg for k in node.keywords if k.arg)
                if func.attr == '_rpc' and node.args and isinstance(node.args[0], ast.Constant):
                    rpcs.add(node.args[0].value)
                if isinstance(func.value, ast.Attribute) and func.value.attr == '_stub':
                    rpcs.add(func.attr)
            elif isinstance(node, ast.Attribute):
                chain = _chain(node)
                if chain and chain[0] in PROTO_MODULES and len(chain) > 2:
                    attributes.add(tuple(chain))
    return messages, attributes, rpcs


def _chain(node):
    """['milvus_pb2', 'OperateUserRoleType', 'AddUserToRole'] for that expression, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id] + parts[::-1]
    return None


def _default(empty, name):
    """The default value of field `name`, taken from an empty message (the
    descriptor API differs between protobuf versions)."""
    value = getattr(empty, name)
    if hasattr(value, 'extend'):     # repeated field
        return []
    if hasattr(value, 'SerializeToString'):  # nested message
        return type(value)()
    return value


def main():
    sys.path.insert(0, str(COLLECTIONS))
    failures = []

    def check(ok, text):
        print('  %s  %s' % ('ok    ' if ok else 'FAILED', text))
        if not ok:
            failures.append(text)

    from ansible_collections.zilliz.cloud.plugins.module_utils import _connection as conn
    import importlib.metadata
    version = importlib.metadata.version('pymilvus')
    print('pymilvus %s, grpcio %s, protobuf %s' % (
        version, importlib.metadata.version('grpcio'), importlib.metadata.version('protobuf')))
    check(conn.HAS_PYMILVUS, 'the protocol stubs load (%s)' % (
        'from pymilvus/grpc_gen' if conn.HAS_PYMILVUS else conn.PYMILVUS_IMPORT_ERROR.strip().splitlines()[-1]))
    if not conn.HAS_PYMILVUS:
        return 1
    check('pymilvus' not in sys.modules and 'pandas' not in sys.modules,
          'without running pymilvus/__init__.py (no pandas)')

    paths = sorted((REPO / 'plugins').rglob('*.py'))
    messages, attributes, rpcs = uses(paths)
    modules = {name: getattr(conn, name) for name in PROTO_MODULES}
    stub = conn.milvus_pb2_grpc.MilvusServiceStub(conn.grpc.insecure_channel('127.0.0.1:1'))
    for (module, name), fields in sorted(messages.items()):
        cls = getattr(modules[module], name, None)
        if cls is None:
            check(False, '%s.%s exists' % (module, name))
            continue
        if name.endswith('Stub'):
            check(True, '%s.%s exists' % (module, name))
            continue
        known = cls.DESCRIPTOR.fields_by_name
        missing = sorted(f for f in fields if f not in known)
        if missing:
            check(False, '%s has fields %s' % (name, ', '.join(missing)))
            continue
        # Every field it sets, at its default value: the message builds and serialises.
        message = cls(**{f: _default(cls(), f) for f in fields})
        check(isinstance(message.SerializeToString(), bytes),
              '%s(%s) builds' % (name, ', '.join(sorted(fields))))
    for chain in sorted(attributes):
        value = modules[chain[0]]
        for part in chain[1:]:
            value = getattr(value, part, None)
        check(value is not None, '.'.join(chain) + ' exists')
    for rpc in sorted(rpcs):
        check(callable(getattr(stub, rpc, None)), 'MilvusServiceStub.%s exists' % rpc)
    check(bool(messages) and bool(rpcs), '%d messages, %d RPCs found in plugins/' % (len(messages), len(rpcs)))
    print('pymilvus %s: %s' % (version, 'FAILED (%d)' % len(failures) if failures else 'ok'))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
