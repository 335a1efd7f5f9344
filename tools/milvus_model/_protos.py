"""pymilvus's generated Milvus protocol modules, loaded without running
pymilvus/__init__.py (pandas and numpy: about a second), so that the model
starts fast. A later `import pymilvus` in the same process still works."""

import importlib
import importlib.util
import sys
import types


def _grpc_gen():
    if 'pymilvus' in sys.modules:
        return importlib.import_module('pymilvus.grpc_gen')
    found = importlib.util.find_spec('pymilvus')
    if found is None:
        raise ImportError('the model needs pymilvus (for its protocol stubs)')
    shell = types.ModuleType('pymilvus')
    shell.__path__ = list(found.submodule_search_locations)
    sys.modules['pymilvus'] = shell
    try:
        return importlib.import_module('pymilvus.grpc_gen')
    finally:
        for name in [n for n in sys.modules if n == 'pymilvus']:
            if sys.modules[name] is shell:
                del sys.modules[name]


_GEN = _grpc_gen()
common_pb2 = _GEN.common_pb2
milvus_pb2 = _GEN.milvus_pb2
milvus_pb2_grpc = _GEN.milvus_pb2_grpc
