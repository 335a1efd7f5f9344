"""A model of newer Milvus servers and of Zilliz Cloud, for tests only.

No Milvus newer than 2.3.5 runs on this machine, so the v2 grants, privilege
groups and version-specific behaviours are tested against this model: an
in-memory gRPC server speaking the Milvus protocol (pymilvus's generated
servicer) for the RBAC calls. It is a stand-in where no real server can run,
never a replacement for the real 2.3.5 where it can (see docs/model.md).

    with ModelMilvus('2.6.18', root_password='S3cret-pass') as srv:
        client = srv.client()        # pymilvus MilvusClient as the login user

Version-dependent behaviour: rules.py (one rule per behaviour, with its source).
Never shipped (tools/ is in galaxy.yml's build_ignore); imports nothing from plugins/.
"""

from .rules import PROFILES, RULES  # noqa: F401
from .server import State, serve

DEFAULT_ROOT_PASSWORD = 'Milvus'
HOST = '127.0.0.1'


class ModelMilvus:
    """One model server on a free loopback port, in this process (it ends with it)."""

    tls_mode = 0

    def __init__(self, profile='2.6.18', *, root_password=None, max_user_num=None, max_role_num=None, port=0):
        if profile not in PROFILES:
            raise ValueError('unknown profile %r (known: %s)' % (profile, ', '.join(PROFILES)))
        self.profile = profile
        self._password = root_password or DEFAULT_ROOT_PASSWORD
        self.max_user_num = max_user_num
        self.max_role_num = max_role_num
        self._port = port
        self.state = None
        self.server = None
        self.port = None

    @property
    def uri(self):
        return 'http://%s:%d' % (HOST, self.port)

    @property
    def root_password(self):
        return self._password

    @property
    def login_user(self):
        return RULES['login_user'].values[self.profile]

    @property
    def version(self):
        return RULES['version_text'].values[self.profile]

    def start(self):
        if self.server is None:
            self.state = State(self.profile, self._password, self.max_user_num, self.max_role_num)
            self.server, self.port = serve(self.state, HOST, self._port)
        return self

    def stop(self):
        if self.server is not None:
            self.server.stop(0).wait(5)
            self.server = None

    def is_running(self):
        return self.server is not None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def env(self):
        return {'ZILLIZ_URI': self.uri, 'ZILLIZ_USER': self.login_user, 'ZILLIZ_PASSWORD': self._password}

    def tls_client_kwargs(self):
        return {}

    def client(self, user=None, password=None, timeout=10, **kwargs):
        """A dedicated pymilvus MilvusClient (caller closes it)."""
        from pymilvus import MilvusClient  # pylint: disable=import-outside-toplevel
        user = user or self.login_user
        if password is None and user == self.login_user:
            password = self._password
        return MilvusClient(self.uri, user=user, password=password or '', dedicated=True, timeout=timeout, **kwargs)
