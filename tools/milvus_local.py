"""Launch a real local Milvus 2.3.5 standalone server for tests and demos.

Development tool only, not part of the collection. The binary and the
configuration template come from the embedded-Milvus wheel on PyPI
(``milvus==2.3.5``); test certificates from ``cryptography``; the readiness
probe and the root password change use pymilvus (imported lazily).

As a library (the pytest layer, tools/run_integration_targets.py, tools/benchmark.py)::

    with LocalMilvus(root_password='S3cret-pass', tls_mode=2) as srv:
        client = srv.client()    # pymilvus MilvusClient as root, TLS arguments included

As a command (tools/install_smoke.sh, tools/demo.sh)::

    python tools/milvus_local.py start --state-file F [--tls 0|1|2] [--no-auth]
        [--root-password-file P] [--max-user-num N] [--max-role-num N] [--super-user NAME ...]
    python tools/milvus_local.py status|stop --state-file F

The root password comes from ``--root-password-file`` or the
``MILVUS_LOCAL_ROOT_PASSWORD`` environment variable, never from argv, and is
not written to the state file.

What it keeps, and why:

- start (retried on new ports when another process takes one between the pick
  and the bind: five test sessions share this machine), wait (healthz, then a
  pymilvus call), stop (the whole process group; nothing left running, not even
  when the test process is killed: PR_SET_PDEATHSIG and atexit);
- free ports for every listener (proxy, coordinators, nodes, metrics, and the
  embedded etcd's client and peer ports through its own yaml), so that servers
  run side by side;
- TLS certificates (one-way and mutual, plus an unrelated CA for the failure
  tests), ``common.security.superUsers``, ``proxy.maxUserNum`` and
  ``proxy.maxRoleNum`` (template edits: they are not template variables);
- pause/resume/restart and ``_kill`` (process only, data kept): the pytest
  layer's fault tests need a server that stops answering or comes back;
- the state file and ``status``: the command-line server outlives the command.
"""

import argparse
import atexit
import contextlib
import datetime
import errno
import fcntl
import json
import logging
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import weakref

LOG = logging.getLogger('milvus_local')

DEFAULT_ROOT_PASSWORD = 'Milvus'
MILVUS_VERSION = '2.3.5'
HOST = '127.0.0.1'

# Template variables of milvus/data/config.yaml.template that are ports,
# plus the ports added here (etcd peer, metrics/healthz).
PORT_KEYS = (
    'proxy_port', 'proxy_internal_port', 'root_coord_port', 'query_coord_port',
    'query_node_port', 'index_coord_port', 'index_node_port', 'data_coord_port',
    'data_node_port', 'etcd_port', 'etcd_peer_port', 'metrics_port',
)

# Ports handed out in this process (picked, maybe not bound yet).
_RESERVED_PORTS = set()
_PORT_LOCK = threading.Lock()
_LIVE = weakref.WeakSet()


def _milvus_pkg_dir():
    import milvus  # the PyPI embedded-Milvus package
    return os.path.dirname(os.path.abspath(milvus.__file__))


def ensure_binaries():
    """Unpack the Milvus binary and its libraries once per machine (about 6 s)
    into a shared cache, under a file lock; returns the bin directory."""
    import milvus
    cache = os.environ.get('MILVUS_LOCAL_CACHE') or os.path.join(
        os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'), 'milvus-local', MILVUS_VERSION)
    os.makedirs(cache, exist_ok=True)
    with open(os.path.join(cache, '.lock'), 'w', encoding='utf-8') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # Skips files whose .lzma.md5 matches: cheap when already unpacked.
        milvus._initialize_data_files(cache)  # pylint: disable=protected-access
    return os.path.join(cache, 'bin')


# --------------------------------------------------------------------------
# ports and processes

def _port_is_free(port):
    # Milvus binds its gRPC ports on [::] (dual stack), etcd on 127.0.0.1.
    for family, addr in ((socket.AF_INET, '0.0.0.0'), (socket.AF_INET, HOST), (socket.AF_INET6, '::')):
        if family == socket.AF_INET6 and not socket.has_ipv6:
            continue
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError:
            continue
        # Same semantics as Go listeners: TIME_WAIT leftovers do not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((addr, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES) or family == socket.AF_INET:
                return False
        finally:
            sock.close()
    return True


def pick_free_ports(count, low=20000):
    """``count`` distinct free TCP ports, never handed out before in this process.

    They come from below the kernel's ephemeral range, so outgoing connections
    (the server's own clients included) cannot take them before the bind.
    """
    try:
        with open('/proc/sys/net/ipv4/ip_local_port_range', encoding='ascii') as fp:
            ephemeral_low = int(fp.read().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_low = 32768
    high = min(ephemeral_low - 1, 32000)
    if high - low < count * 10:
        low, high = 10000, 65000  # odd kernel settings: take what we can
    ports = []
    with _PORT_LOCK:
        for dummy in range(20000):
            if len(ports) == count:
                break
            port = random.randint(low, high)
            if port not in _RESERVED_PORTS and port not in ports and _port_is_free(port):
                ports.append(port)
        if len(ports) != count:
            raise RuntimeError('could not find %d free ports' % count)
        _RESERVED_PORTS.update(ports)
    return ports


def _proc_stat(pid):
    """Fields of /proc/PID/stat after the command name, or None."""
    try:
        with open('/proc/%s/stat' % pid, encoding='ascii') as fp:
            return fp.read().rsplit(')', 1)[1].split()
    except (OSError, IndexError):
        return None


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    fields = _proc_stat(pid)
    return fields is None or fields[0] != 'Z'  # a zombie is dead for our purposes


def _all_threads_stopped(pid):
    """Whether every thread of ``pid`` is stopped (state T), or it is gone."""
    try:
        threads = os.listdir('/proc/%s/task' % pid)
    except OSError:
        return True
    for thread in threads:
        fields = _proc_stat('%s/task/%s' % (pid, thread))
        if fields is not None and fields[0] not in ('T', 't'):
            return False
    return True


def _group_pids(pgid):
    """PIDs (not zombies) whose process group is ``pgid``."""
    pids = []
    for entry in os.listdir('/proc'):
        fields = _proc_stat(entry) if entry.isdigit() else None
        if fields and len(fields) > 2 and int(fields[2]) == pgid and fields[0] != 'Z':
            pids.append(int(entry))
    return pids


def stop_process_group(pgid, grace, proc=None):
    """SIGCONT and SIGTERM to process group ``pgid`` (a stopped process acts on
    SIGTERM only once continued), SIGKILL to what is left of it after ``grace``
    seconds; returns once the group is empty (at most 10 s after the SIGKILL),
    reaping ``proc``, the Popen of its leader, meanwhile."""
    for sig in (signal.SIGCONT, signal.SIGTERM):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)
    _wait_until(lambda: not _group_pids(pgid), grace, proc)
    if _group_pids(pgid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
    _wait_until(lambda: not _group_pids(pgid), 10, proc)


def _wait_until(done, seconds, proc=None):
    """Poll done() for up to ``seconds``, reaping ``proc`` (a Popen) meanwhile."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not done():
        if proc is None:
            time.sleep(0.1)
        else:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.1)


def _pdeathsig_preexec():
    """preexec_fn: the server gets SIGKILL when the process that started it
    dies (a test run killed hard, where atexit does not run). Linux only."""
    try:
        import ctypes
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec():
        prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # parent already gone
            os._exit(1)  # pylint: disable=protected-access
    return preexec


def _tail(path, lines=40):
    try:
        with open(path, 'rb') as fp:
            fp.seek(0, os.SEEK_END)
            fp.seek(max(0, fp.tell() - 16384))
            text = fp.read().decode('utf-8', 'replace')
    except OSError:
        return ''
    return '\n'.join(text.splitlines()[-lines:])


# --------------------------------------------------------------------------
# certificates

def generate_certs(directory):
    """A CA, a server certificate (localhost, 127.0.0.1), a client certificate
    and an unrelated second CA, as PEM files in ``directory``; returns their paths."""
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def issue(common_name, issuer=None, usage=None, sans=None):
        """(key, certificate): self-signed CA without issuer, else a leaf signed by issuer=(key, cert)."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        signing_key, issuer_name = (key, subject) if issuer is None else (issuer[0], issuer[1].subject)
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=30))
                   .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True))
        if issuer is None:
            builder = (builder.add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
        else:
            builder = (builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
                       .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                           issuer[0].public_key()), critical=False))
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return key, builder.sign(signing_key, hashes.SHA256())

    ca = issue('milvus-local test CA')
    server = issue('localhost', ca, ExtendedKeyUsageOID.SERVER_AUTH,
                   [x509.DNSName('localhost'), x509.IPAddress(ipaddress.ip_address(HOST))])
    client = issue('milvus-local client', ca, ExtendedKeyUsageOID.CLIENT_AUTH)
    wrong_ca = issue('milvus-local unrelated CA')

    os.makedirs(directory, exist_ok=True)
    paths = {}
    for name, filename, data in (
            ('ca_cert_path', 'ca.pem', ca[1]), ('server_cert_path', 'server.pem', server[1]),
            ('server_key_path', 'server.key', server[0]), ('client_cert_path', 'client.pem', client[1]),
            ('client_key_path', 'client.key', client[0]), ('wrong_ca_cert_path', 'wrong_ca.pem', wrong_ca[1])):
        paths[name] = os.path.join(directory, filename)
        is_key = filename.endswith('.key')
        pem = data.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()) if is_key else \
            data.public_bytes(serialization.Encoding.PEM)
        fd = os.open(paths[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if is_key else 0o644)
        with os.fdopen(fd, 'wb') as fp:
            fp.write(pem)
    return paths


# --------------------------------------------------------------------------
# configuration

def render_config(template_text, values, super_users=(), max_user_num=None,
                  max_role_num=None, etcd_config_path=None, graceful_stop_timeout=3):
    """Fill the wheel's template and apply the edits that are not variables."""

    def substitute(match):
        key = match.group(1).strip().split(':', 1)[0].split('(', 1)[0].strip()
        if key not in values:
            raise KeyError('template variable %r has no value' % key)
        val = values[key]
        if isinstance(val, bool):
            return 'true' if val else 'false'
        return str(val)

    text = re.sub(r'\{\{(.*?)\}\}', substitute, template_text)
    out = []
    section = None
    for line in text.splitlines():
        top = re.match(r'^([A-Za-z][A-Za-z0-9_]*):', line)
        if top:
            section = top.group(1)
        if section == 'etcd' and re.match(r'^  use:\s*$', line) and etcd_config_path:
            out += ['  config:', '    path: %s' % etcd_config_path]
        if re.match(r'^  ip:( |$)', line):
            line = '  ip: %s' % HOST  # every component advertises loopback
        elif section == 'common' and line.strip().startswith('# superUsers:') and super_users:
            line = '    superUsers: %s' % ','.join(super_users)
        elif section == 'common' and re.match(r'^  gracefulStopTimeout:', line):
            line = '  gracefulStopTimeout: %d' % graceful_stop_timeout
        out.append(line)
        if top and section == 'proxy':
            if max_user_num is not None:
                out.append('  maxUserNum: %d' % int(max_user_num))
            if max_role_num is not None:
                out.append('  maxRoleNum: %d' % int(max_role_num))
    return '\n'.join(out) + '\n'


def _etcd_yaml(data_dir, client_port, peer_port, log_path):
    client = 'http://%s:%d' % (HOST, client_port)
    peer = 'http://%s:%d' % (HOST, peer_port)
    return ('name: milvus-local\n'
            'data-dir: %s\n'
            'listen-client-urls: %s\n'
            'advertise-client-urls: %s\n'
            'listen-peer-urls: %s\n'
            'initial-advertise-peer-urls: %s\n'
            'initial-cluster: milvus-local=%s\n'
            'initial-cluster-state: new\n'
            'log-outputs: [%s]\n') % (data_dir, client, client, peer, peer, peer, log_path)


@contextlib.contextmanager
def _quiet_pymilvus():
    """pymilvus logs failed RPCs as ERROR tracebacks (the probe expects some);
    it configures its loggers on import, so quieten them after it."""
    import pymilvus  # noqa: F401  pylint: disable=unused-import
    names = ('pymilvus', 'pymilvus.decorators', 'pymilvus.client', 'grpc')
    saved = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


# --------------------------------------------------------------------------

class LocalMilvusError(RuntimeError):
    """The local server could not be started or controlled."""


class LocalMilvus:
    """A real Milvus 2.3.5 standalone server on free local ports, in a temp dir."""

    def __init__(self, *, auth=True, tls_mode=0, super_users=(), max_user_num=None,
                 max_role_num=None, root_password=None, start_timeout=90.0, stop_grace=5.0,
                 die_with_parent=True):
        if tls_mode not in (0, 1, 2):
            raise ValueError('tls_mode must be 0, 1 or 2')
        self.auth = bool(auth)
        self.tls_mode = int(tls_mode)
        self.super_users = tuple(super_users or ())
        self.max_user_num = max_user_num
        self.max_role_num = max_role_num
        self._wanted_root_password = root_password
        self._root_password = DEFAULT_ROOT_PASSWORD
        self.start_timeout = float(start_timeout)
        self.stop_grace = float(stop_grace)
        self.die_with_parent = die_with_parent
        self.base_dir = None
        self.ports = {}
        self.certs = {}
        self.proc = None      # Popen when this process started it
        self.pid = self.pgid = None
        self._ever_started = False
        self._atexit_registered = False

    # ---------------------------------------------------------- properties
    @property
    def port(self):
        return self.ports.get('proxy_port')

    @property
    def uri(self):
        if self.tls_mode:
            return 'https://localhost:%d' % self.port
        return 'http://%s:%d' % (HOST, self.port)

    @property
    def root_password(self):
        return self._root_password

    # Paths of the certificates generated for TLS modes (None without TLS).
    ca_cert_path = property(lambda self: self.certs.get('ca_cert_path'))
    server_cert_path = property(lambda self: self.certs.get('server_cert_path'))
    server_key_path = property(lambda self: self.certs.get('server_key_path'))
    client_cert_path = property(lambda self: self.certs.get('client_cert_path'))
    client_key_path = property(lambda self: self.certs.get('client_key_path'))
    wrong_ca_cert_path = property(lambda self: self.certs.get('wrong_ca_cert_path'))

    @property
    def log_dir(self):
        return os.path.join(self.base_dir, 'logs') if self.base_dir else None

    def env(self):
        """Environment for the collection's modules and tests."""
        env = {'ZILLIZ_URI': self.uri, 'ZILLIZ_USER': 'root', 'ZILLIZ_PASSWORD': self._root_password}
        if self.tls_mode:
            env['ZILLIZ_CA_CERT'] = self.ca_cert_path
        if self.tls_mode == 2:
            env['ZILLIZ_CLIENT_CERT'] = self.client_cert_path
            env['ZILLIZ_CLIENT_KEY'] = self.client_key_path
        return env

    def tls_client_kwargs(self):
        """pymilvus MilvusClient keyword arguments for this server's TLS mode."""
        if self.tls_mode == 1:
            return {'server_pem_path': self.ca_cert_path, 'server_name': 'localhost'}
        if self.tls_mode == 2:
            # server_pem_path must NOT be passed: it would drop the client cert.
            return {'client_pem_path': self.client_cert_path, 'client_key_path': self.client_key_path,
                    'ca_pem_path': self.ca_cert_path, 'server_name': 'localhost'}
        return {}

    def client(self, user='root', password=None, timeout=10, **kwargs):
        """A dedicated pymilvus MilvusClient (caller closes it)."""
        from pymilvus import MilvusClient
        if password is None and user == 'root':
            password = self._root_password
        args = dict(self.tls_client_kwargs())
        args.update(kwargs)
        return MilvusClient(self.uri, user=user, password=password or '', dedicated=True, timeout=timeout,
                            **args)

    # ---------------------------------------------------------- lifecycle
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def is_running(self):
        return self.pid is not None and _pid_alive(self.pid)

    def _configure(self):
        """A fresh temp dir with free ports, certificates and config files."""
        self.base_dir = tempfile.mkdtemp(prefix='milvus-local-')
        for sub in ('configs', 'logs', 'data', 'run', 'tmp'):
            os.makedirs(os.path.join(self.base_dir, sub))
        self.ports = dict(zip(PORT_KEYS, pick_free_ports(len(PORT_KEYS))))
        if self.tls_mode:
            self.certs = generate_certs(os.path.join(self.base_dir, 'certs'))
        pkg = _milvus_pkg_dir()
        with open(os.path.join(pkg, 'data', 'config.yaml.template'), encoding='utf-8') as fp:
            template = fp.read()
        data, logs = os.path.join(self.base_dir, 'data'), self.log_dir
        etcd_data = os.path.join(data, 'etcd.data')
        etcd_yaml = os.path.join(self.base_dir, 'configs', 'etcd.yaml')
        values = dict(self.ports)
        values.update({
            'etcd_log_level': 'warn',
            'etcd_log_path': os.path.join(logs, 'etcd.log'),
            'etcd_data_dir': etcd_data,
            'local_storage_dir': data,
            'rocksmq_data_dir': os.path.join(data, 'rocksmq'),
            'system_log_path': logs,
            'authorization_enabled': self.auth,
            'tls_mode': self.tls_mode,
            'server_pem_path': self.server_cert_path or 'server.pem',
            'server_key_path': self.server_key_path or 'server.key',
            'ca_pem_path': self.ca_cert_path or 'ca.pem',
        })
        text = render_config(template, values, super_users=self.super_users, max_user_num=self.max_user_num,
                             max_role_num=self.max_role_num, etcd_config_path=etcd_yaml)
        # etcd.endpoints must name the same address etcd listens on.
        text = text.replace('endpoints: localhost:%d' % self.ports['etcd_port'],
                            'endpoints: %s:%d' % (HOST, self.ports['etcd_port']))
        with open(os.path.join(self.base_dir, 'configs', 'milvus.yaml'), 'w', encoding='utf-8') as fp:
            fp.write(text)
        with open(etcd_yaml, 'w', encoding='utf-8') as fp:
            fp.write(_etcd_yaml(etcd_data, self.ports['etcd_port'], self.ports['etcd_peer_port'],
                                os.path.join(logs, 'etcd.log')))
        shutil.copy(os.path.join(pkg, 'data', 'glog.conf'), os.path.join(self.base_dir, 'configs', 'glog.conf'))

    def start(self):
        """Start the server and wait until it serves; a no-op while it runs.

        After a restart: the same ports and data. A fresh server whose port was
        taken between the pick and the bind starts again from a new temp dir
        on new ports (three attempts).
        """
        if self.is_running():
            return self
        deadline = time.monotonic() + self.start_timeout
        bin_dir = ensure_binaries()
        fresh = not self._ever_started
        for attempt in range(3 if fresh else 1):
            if fresh:
                self._configure()
            try:
                busy = [p for p in self.ports.values() if not _port_is_free(p)]
                if busy:
                    raise LocalMilvusError('address already in use: ports %s' % busy)
                self._start_once(bin_dir, deadline)
                break
            except LocalMilvusError as exc:
                clash = 'address already in use' in str(exc).lower()
                if fresh:
                    self._discard()
                if not (fresh and clash and attempt < 2):
                    raise
                LOG.info('port clash during startup, retrying on other ports')
        self._ever_started = True
        LOG.info('milvus ready at %s', self.uri)
        return self

    def _discard(self):
        """Forget a fresh server's temp dir and ports (after a failed start or a stop)."""
        with _PORT_LOCK:
            _RESERVED_PORTS.difference_update(self.ports.values())
        if self.base_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)
        self.base_dir, self.ports, self.certs = None, {}, {}
        self._ever_started = False
        self._root_password = DEFAULT_ROOT_PASSWORD  # fresh data on the next start

    def _start_once(self, bin_dir, deadline):
        env = dict(os.environ)
        env.update({
            'DEPLOY_MODE': 'STANDALONE',
            'METRICS_PORT': str(self.ports['metrics_port']),
            'MILVUS_RUN_DIR': os.path.join(self.base_dir, 'run'),
            'MILVUSCONF': os.path.join(self.base_dir, 'configs') + '/',
            'TMPDIR': os.path.join(self.base_dir, 'tmp'),
            'LD_LIBRARY_PATH': ':'.join(x for x in (bin_dir, os.environ.get('LD_LIBRARY_PATH')) if x),
        })
        preexec = None
        if self.die_with_parent and threading.current_thread() is threading.main_thread():
            preexec = _pdeathsig_preexec()
        with open(os.path.join(self.log_dir, 'milvus-stdout.log'), 'ab') as out, \
                open(os.path.join(self.log_dir, 'milvus-stderr.log'), 'ab') as err:
            # pylint: disable=consider-using-with,subprocess-popen-preexec-fn
            self.proc = subprocess.Popen(
                [os.path.join(bin_dir, 'milvus'), 'run', 'standalone'],
                cwd=self.base_dir, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                start_new_session=True, close_fds=True, preexec_fn=preexec)
        self.pid = self.pgid = self.proc.pid
        _LIVE.add(self)
        if not self._atexit_registered:
            atexit.register(_atexit_stop, weakref.ref(self))
            self._atexit_registered = True
        LOG.info('milvus pid %d starting in %s (proxy port %d)', self.pid, self.base_dir, self.port)
        try:
            self._wait_ready(deadline)
            if self.auth and self._wanted_root_password and self._wanted_root_password != self._root_password:
                with _quiet_pymilvus():
                    client = self.client(password=self._root_password)
                    try:
                        client.update_password('root', self._root_password, self._wanted_root_password, timeout=10)
                    finally:
                        client.close()
                self._root_password = self._wanted_root_password
        except BaseException as exc:
            tail = self.log_tail()
            self._kill()
            if isinstance(exc, LocalMilvusError):
                raise LocalMilvusError('%s\n--- server log tail ---\n%s' % (exc, tail)) from None
            raise

    def log_tail(self, lines=40):
        parts = []
        for name in ('milvus-stderr.log', 'milvus-stdout.log', 'milvus.log'):
            tail = _tail(os.path.join(self.log_dir, name), lines) if self.base_dir else ''
            if tail:
                parts.append('[%s]\n%s' % (name, tail))
        return '\n'.join(parts)

    def _wait_ready(self, deadline):
        """healthz on the metrics port, then a pymilvus call (the proxy serves)."""
        url = 'http://%s:%d/healthz' % (HOST, self.ports['metrics_port'])
        last = None
        while time.monotonic() < deadline:
            if not self.is_running():
                raise LocalMilvusError('milvus exited during startup (code %s)' % (
                    self.proc.poll() if self.proc else '?'))
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    healthy = b'OK' in resp.read()
            except (urllib.error.URLError, OSError) as exc:
                healthy, last = False, exc
            if healthy:
                try:
                    with _quiet_pymilvus():
                        client = self.client(timeout=5)
                        try:
                            client.get_server_version(timeout=5)
                        finally:
                            client.close()
                    return
                except Exception as exc:  # pylint: disable=broad-except
                    last = exc
            time.sleep(0.3)
        raise LocalMilvusError('milvus not ready after %.0fs: %r' % (self.start_timeout, last))

    def _kill(self):
        """Kill the process group (SIGTERM, SIGKILL after stop_grace); keeps ports and data."""
        if self.pgid is None:
            return
        pgid, pid = self.pgid, self.pid
        if self.proc is None and _pid_alive(pid) and _proc_cwd(pid) not in (None, self.base_dir):
            # Adopted from a state file, but the pid now belongs to someone else.
            LOG.warning('pid %d is not our milvus any more; not killing it', pid)
        else:
            stop_process_group(pgid, self.stop_grace, self.proc)
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        if not _pid_alive(pid):
            # Milvus 2.3 writes this fixed path whatever TMPDIR says.
            with contextlib.suppress(OSError):
                os.unlink('/tmp/milvus/server_id_%d' % pid)
            with contextlib.suppress(OSError):
                os.rmdir('/tmp/milvus')  # only when empty: other servers may use it
        self.proc = None
        self.pid = self.pgid = None

    def stop(self):
        """Stop the server and remove its temp dir; idempotent."""
        self._kill()
        _LIVE.discard(self)
        self._discard()
        LOG.info('milvus stopped')

    def restart(self):
        """Stop the process and start it again: same ports, same data."""
        self._kill()
        return self.start()

    def pause(self):
        """SIGSTOP the server: it still accepts TCP but never answers. Keep pauses
        well under ~30 s (etcd session TTL) or it may expire its own sessions.
        Returns once every thread of the server is stopped: on a loaded machine
        a thread can still answer a request some time after the signal."""
        self._signal(signal.SIGSTOP)
        deadline = time.monotonic() + 10
        while not _all_threads_stopped(self.pid):
            if time.monotonic() > deadline:
                raise LocalMilvusError('server pid %d did not stop within 10 s of SIGSTOP' % self.pid)
            time.sleep(0.01)

    def resume(self):
        self._signal(signal.SIGCONT)

    def _signal(self, sig):
        if self.pgid is None:
            raise LocalMilvusError('server is not running')
        os.killpg(self.pgid, sig)

    # ---------------------------------------------------------- state file
    def detach(self):
        """Forget the process without stopping it (the command leaves it running)."""
        self.proc = None
        _LIVE.discard(self)

    def state(self):
        return {'uri': self.uri, 'ports': self.ports, 'pid': self.pid, 'base_dir': self.base_dir,
                'tls_mode': self.tls_mode, 'certs': self.certs}

    @classmethod
    def adopt(cls, state):
        """A LocalMilvus controlling a server started by another process."""
        srv = cls(tls_mode=state.get('tls_mode', 0))
        srv.base_dir = state['base_dir']
        srv.ports = {k: int(v) for k, v in (state.get('ports') or {}).items()}
        srv.certs = state.get('certs') or {}
        srv.pid = srv.pgid = state.get('pid')
        srv._ever_started = True
        return srv


def _proc_cwd(pid):
    try:
        return os.readlink('/proc/%d/cwd' % pid)
    except OSError:
        return None


def _atexit_stop(ref):
    srv = ref()
    if srv is not None and srv in _LIVE:
        with contextlib.suppress(Exception):
            srv.stop()


# --------------------------------------------------------------------------
# command line

def _load_state(path):
    try:
        with open(path, encoding='utf-8') as fp:
            return json.load(fp)
    except FileNotFoundError:
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(description='Local Milvus %s server for tests and demos' % MILVUS_VERSION)
    sub = parser.add_subparsers(dest='cmd', required=True)
    p_start = sub.add_parser('start', help='start a detached server')
    p_start.add_argument('--state-file', required=True)
    p_start.add_argument('--tls', type=int, choices=(0, 1, 2), default=0)
    p_start.add_argument('--no-auth', action='store_true')
    p_start.add_argument('--root-password-file',
                         help='file holding the new root password (else env MILVUS_LOCAL_ROOT_PASSWORD; '
                              'else root keeps "Milvus")')
    p_start.add_argument('--max-user-num', type=int)
    p_start.add_argument('--max-role-num', type=int)
    p_start.add_argument('--super-user', action='append', default=[])
    p_start.add_argument('--timeout', type=float, default=90.0)
    for name in ('stop', 'status'):
        sub.add_parser(name).add_argument('--state-file', required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format='milvus_local: %(message)s')
    os.environ.setdefault('GRPC_VERBOSITY', 'NONE')
    state = _load_state(args.state_file)
    running = bool(state and state.get('pid')) and LocalMilvus.adopt(state).is_running()

    if args.cmd == 'start':
        if running:
            sys.stderr.write('already running: %s\n' % state.get('uri'))
            return 1
        password = os.environ.get('MILVUS_LOCAL_ROOT_PASSWORD') or None
        if args.root_password_file:
            with open(args.root_password_file, encoding='utf-8') as fp:
                password = fp.read().rstrip('\r\n')
        srv = LocalMilvus(auth=not args.no_auth, tls_mode=args.tls, super_users=args.super_user,
                          max_user_num=args.max_user_num, max_role_num=args.max_role_num,
                          root_password=password, start_timeout=args.timeout, die_with_parent=False)
        try:
            srv.start()
        except LocalMilvusError as exc:
            sys.stderr.write('%s\n' % exc)
            return 1
        with open(args.state_file + '.tmp', 'w', encoding='utf-8') as fp:
            json.dump(srv.state(), fp, indent=2)
        os.replace(args.state_file + '.tmp', args.state_file)
        srv.detach()
        print(srv.uri)
        return 0

    if args.cmd == 'status':
        print('%s %s' % ('running' if running else 'stopped', state.get('uri') if state else '(no state file)'))
        return 0 if running else 3

    if state:
        LocalMilvus.adopt(state).stop()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(args.state_file)
    return 0


if __name__ == '__main__':
    sys.exit(main())
