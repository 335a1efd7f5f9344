"""Launch a real local Milvus 2.3.5 standalone server for tests and demos.

Development tool only: it is not part of the collection.  It uses the
embedded-Milvus wheel from PyPI (``milvus==2.3.5``) for the binary and the
configuration template, ``cryptography`` for test certificates and pymilvus
(imported lazily) for the readiness probe and the root password rotation.

As a library (pytest fixtures)::

    with LocalMilvus(root_password='S3cret-pass', tls_mode=2) as srv:
        client = MilvusClient(srv.uri, user='root', password=srv.root_password,
                              dedicated=True, timeout=10, **srv.tls_client_kwargs())

As a command (Makefile demo)::

    python tools/milvus_local.py start --state-file /tmp/m.json [--tls 0|1|2]
        [--no-auth] [--root-password-file F] [--max-user-num N]
        [--super-user NAME ...]
    python tools/milvus_local.py status --state-file /tmp/m.json
    python tools/milvus_local.py stop --state-file /tmp/m.json

The root password for the command comes from ``--root-password-file`` or
the ``MILVUS_LOCAL_ROOT_PASSWORD`` environment variable, never from argv.

Every port the server listens on is chosen free (outside the kernel's
ephemeral range), so several servers can run side by side: the gRPC proxy
port, the internal proxy port, the metrics/healthz port, every coordinator
and node gRPC port, and the embedded etcd client and peer ports (etcd gets
its own yaml through ``etcd.config.path``).  The process runs in its own
session/process group; stop() kills the whole group.
"""

import argparse
import atexit
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

# Template variables of milvus/data/config.yaml.template that are ports,
# plus the ports we add ourselves (etcd peer, metrics/healthz).
PORT_KEYS = (
    'proxy_port', 'proxy_internal_port', 'root_coord_port', 'query_coord_port',
    'query_node_port', 'index_coord_port', 'index_node_port', 'data_coord_port',
    'data_node_port', 'etcd_port', 'etcd_peer_port', 'metrics_port',
)

# Ports taken by servers of this process (picked but maybe not bound yet).
_RESERVED_PORTS = set()
_PORT_LOCK = threading.Lock()
_LIVE = weakref.WeakSet()


def _milvus_pkg_dir():
    import milvus  # the PyPI embedded-Milvus package
    return os.path.dirname(os.path.abspath(milvus.__file__))


def _cache_dir():
    base = os.environ.get('MILVUS_LOCAL_CACHE') or os.path.join(
        os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'),
        'milvus-local', MILVUS_VERSION)
    return base


def ensure_binaries():
    """Unpack the Milvus binary and its libraries once into a shared cache.

    Returns the bin directory.  Unpacking takes about 6 s, so it is done once
    per machine (guarded by a file lock), not once per server.
    """
    import milvus
    cache = _cache_dir()
    os.makedirs(cache, exist_ok=True)
    with open(os.path.join(cache, '.lock'), 'w', encoding='utf-8') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            # Skips files whose .lzma.md5 matches: cheap when already unpacked.
            milvus._initialize_data_files(cache)  # pylint: disable=protected-access
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return os.path.join(cache, 'bin')


def _ephemeral_range():
    try:
        with open('/proc/sys/net/ipv4/ip_local_port_range', encoding='ascii') as fp:
            low, high = (int(x) for x in fp.read().split())
            return low, high
    except (OSError, ValueError):
        return 32768, 60999


def _port_is_free(port):
    # Milvus binds its gRPC ports on [::] (dual stack), etcd on 127.0.0.1.
    for family, addr in ((socket.AF_INET, '0.0.0.0'), (socket.AF_INET, '127.0.0.1'),
                         (socket.AF_INET6, '::')):
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


def pick_free_ports(count, low=20000, high=None):
    """Return ``count`` distinct free TCP ports.

    Ports come from below the ephemeral range, so outgoing connections (the
    server's own clients included) never take them between the pick and the
    bind.  Ports handed out earlier in this process are not reused.
    """
    eph_low, dummy = _ephemeral_range()
    high = high or min(eph_low - 1, 32000)
    if high - low < count * 10:
        low, high = 10000, 65000  # odd kernel settings: take what we can
    ports = []
    with _PORT_LOCK:
        for dummy in range(20000):
            if len(ports) == count:
                break
            port = random.randint(low, high)
            if port in _RESERVED_PORTS or port in ports:
                continue
            if _port_is_free(port):
                ports.append(port)
        if len(ports) != count:
            raise RuntimeError('could not find %d free ports' % count)
        _RESERVED_PORTS.update(ports)
    return ports


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead for our purposes
        with open('/proc/%d/stat' % pid, encoding='ascii') as fp:
            return fp.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (OSError, IndexError):
        return True


def _group_pids(pgid):
    """PIDs (not zombies) whose process group is ``pgid``."""
    pids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry, encoding='ascii') as fp:
                fields = fp.read().rsplit(')', 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != 'Z':
            pids.append(int(entry))
    return pids


def _proc_cwd(pid):
    try:
        return os.readlink('/proc/%d/cwd' % pid)
    except OSError:
        return None


def _remove_server_id_file(pid):
    try:
        os.unlink('/tmp/milvus/server_id_%d' % pid)
    except OSError:
        pass
    try:
        os.rmdir('/tmp/milvus')  # only if empty (other servers may use it)
    except OSError:
        pass


def _pdeathsig_preexec():
    """preexec_fn: the server gets SIGKILL if the process that started it dies.

    A safety net for test runs killed hard (timeouts, SIGKILL) where atexit
    does not run.  Linux only; silently skipped elsewhere.
    """
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
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
            size = fp.tell()
            fp.seek(max(0, size - 16384))
            text = fp.read().decode('utf-8', 'replace')
    except OSError:
        return ''
    return '\n'.join(text.splitlines()[-lines:])


# --------------------------------------------------------------------------
# certificates

def _write_pem(path, data, private=False):
    with open(path, 'wb') as fp:
        fp.write(data)
    if private:
        os.chmod(path, 0o600)


def generate_certs(directory, hostnames=('localhost',), ips=('127.0.0.1',)):
    """CA, server and client certificates (and a second, unrelated CA)."""
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    os.makedirs(directory, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=30)

    def key():
        return ec.generate_private_key(ec.SECP256R1())

    def key_pem(k):
        return k.private_bytes(serialization.Encoding.PEM,
                               serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption())

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def make_ca(cn):
        k = key()
        cert = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(name(cn))
                .public_key(k.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(start).not_valid_after(end)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                             key_encipherment=False, data_encipherment=False,
                                             key_agreement=False, key_cert_sign=True,
                                             crl_sign=True, encipher_only=False,
                                             decipher_only=False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(k.public_key()),
                               critical=False)
                .sign(k, hashes.SHA256()))
        return k, cert

    def make_leaf(cn, ca_key, ca_cert, usage, sans=None):
        k = key()
        builder = (x509.CertificateBuilder().subject_name(name(cn))
                   .issuer_name(ca_cert.subject).public_key(k.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(start).not_valid_after(end)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       ca_key.public_key()), critical=False))
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return k, builder.sign(ca_key, hashes.SHA256())

    pem = serialization.Encoding.PEM
    ca_key, ca_cert = make_ca('milvus-local test CA')
    sans = [x509.DNSName(h) for h in hostnames] + [x509.IPAddress(ipaddress.ip_address(i))
                                                   for i in ips]
    srv_key, srv_cert = make_leaf('localhost', ca_key, ca_cert,
                                  ExtendedKeyUsageOID.SERVER_AUTH, sans)
    cli_key, cli_cert = make_leaf('milvus-local client', ca_key, ca_cert,
                                  ExtendedKeyUsageOID.CLIENT_AUTH)
    dummy, wrong_ca = make_ca('milvus-local unrelated CA')

    paths = {
        'ca_cert_path': os.path.join(directory, 'ca.pem'),
        'server_cert_path': os.path.join(directory, 'server.pem'),
        'server_key_path': os.path.join(directory, 'server.key'),
        'client_cert_path': os.path.join(directory, 'client.pem'),
        'client_key_path': os.path.join(directory, 'client.key'),
        'wrong_ca_cert_path': os.path.join(directory, 'wrong_ca.pem'),
    }
    _write_pem(paths['ca_cert_path'], ca_cert.public_bytes(pem))
    _write_pem(paths['server_cert_path'], srv_cert.public_bytes(pem))
    _write_pem(paths['server_key_path'], key_pem(srv_key), private=True)
    _write_pem(paths['client_cert_path'], cli_cert.public_bytes(pem))
    _write_pem(paths['client_key_path'], key_pem(cli_key), private=True)
    _write_pem(paths['wrong_ca_cert_path'], wrong_ca.public_bytes(pem))
    return paths


# --------------------------------------------------------------------------
# configuration

def render_config(template_text, values, super_users=(), max_user_num=None,
                  max_role_num=None, etcd_config_path=None, advertise_ip='127.0.0.1',
                  graceful_stop_timeout=3):
    """Fill the wheel's template and apply the edits that are not variables."""

    def substitute(match):
        body = match.group(1).strip()
        key = body.split(':', 1)[0].split('(', 1)[0].strip()
        if key not in values:
            raise KeyError('template variable %r has no value' % key)
        val = values[key]
        if isinstance(val, bool):
            return 'true' if val else 'false'
        return str(val)

    text = re.sub(r'\{\{(.*?)\}\}', substitute, template_text)
    lines = text.splitlines()
    out = []
    section = None
    for line in lines:
        top = re.match(r'^([A-Za-z][A-Za-z0-9_]*):', line)
        if top:
            section = top.group(1)
        stripped = line.strip()
        if section == 'etcd' and re.match(r'^  use:\s*$', line) and etcd_config_path:
            out.append('  config:')
            out.append('    path: %s' % etcd_config_path)
        if re.match(r'^  ip:( |$)', line):
            # Advertise loopback for every component (stable and local-only).
            line = '  ip: %s' % advertise_ip
        elif stripped.startswith('# superUsers:') and section == 'common':
            if super_users:
                line = '    superUsers: %s' % ','.join(super_users)
        elif re.match(r'^  gracefulStopTimeout:', line) and section == 'common':
            line = '  gracefulStopTimeout: %d' % graceful_stop_timeout
        out.append(line)
        if top and section == 'proxy':
            if max_user_num is not None:
                out.append('  maxUserNum: %d' % int(max_user_num))
            if max_role_num is not None:
                out.append('  maxRoleNum: %d' % int(max_role_num))
    return '\n'.join(out) + '\n'


def _etcd_yaml(data_dir, client_port, peer_port, log_path):
    client = 'http://127.0.0.1:%d' % client_port
    peer = 'http://127.0.0.1:%d' % peer_port
    return ('name: milvus-local\n'
            'data-dir: %s\n'
            'listen-client-urls: %s\n'
            'advertise-client-urls: %s\n'
            'listen-peer-urls: %s\n'
            'initial-advertise-peer-urls: %s\n'
            'initial-cluster: milvus-local=%s\n'
            'initial-cluster-state: new\n'
            'log-outputs: [%s]\n') % (data_dir, client, client, peer, peer, peer, log_path)


# --------------------------------------------------------------------------

class LocalMilvusError(RuntimeError):
    """The local server could not be started or controlled."""


class LocalMilvus:
    """A real Milvus 2.3.5 standalone server on free local ports."""

    def __init__(self, *, auth=True, tls_mode=0, super_users=(), max_user_num=None,
                 max_role_num=None, root_password=None, base_dir=None, host='127.0.0.1',
                 keep=False, start_timeout=90.0, stop_grace=5.0, die_with_parent=True):
        if tls_mode not in (0, 1, 2):
            raise ValueError('tls_mode must be 0, 1 or 2')
        self.auth = bool(auth)
        self.tls_mode = int(tls_mode)
        self.super_users = tuple(super_users or ())
        self.max_user_num = max_user_num
        self.max_role_num = max_role_num
        self._wanted_root_password = root_password
        self._root_password = DEFAULT_ROOT_PASSWORD
        self._own_dir = base_dir is None
        self.base_dir = os.path.abspath(base_dir) if base_dir else None
        self._host = host
        self.keep = keep
        self.start_timeout = float(start_timeout)
        self.stop_grace = float(stop_grace)
        self.ports = {}
        self.certs = {}
        self.proc = None      # Popen when we are the parent
        self.pid = None
        self.pgid = None
        self.startup_seconds = None
        self.die_with_parent = die_with_parent
        self._ever_started = False
        self._configured = False
        self._atexit_registered = False

    # ---------------------------------------------------------- properties
    @property
    def host(self):
        return self._host

    @property
    def port(self):
        return self.ports.get('proxy_port')

    @property
    def metrics_port(self):
        return self.ports.get('metrics_port')

    @property
    def uri(self):
        if self.tls_mode:
            return 'https://localhost:%d' % self.port
        return 'http://%s:%d' % (self._host, self.port)

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
        env = {'ZILLIZ_URI': self.uri, 'ZILLIZ_USER': 'root',
               'ZILLIZ_PASSWORD': self._root_password}
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
            return {'client_pem_path': self.client_cert_path,
                    'client_key_path': self.client_key_path,
                    'ca_pem_path': self.ca_cert_path, 'server_name': 'localhost'}
        return {}

    def client(self, user='root', password=None, timeout=10, **kwargs):
        """A dedicated pymilvus MilvusClient (caller closes it)."""
        from pymilvus import MilvusClient
        if password is None and user == 'root':
            password = self._root_password
        args = dict(self.tls_client_kwargs())
        args.update(kwargs)
        return MilvusClient(self.uri, user=user, password=password or '',
                            dedicated=True, timeout=timeout, **args)

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
        """Create the data dir, ports, certificates and config files."""
        if self._configured:
            return
        if self.base_dir is None:
            self.base_dir = tempfile.mkdtemp(prefix='milvus-local-')
        for sub in ('configs', 'logs', 'data', 'run', 'tmp'):
            os.makedirs(os.path.join(self.base_dir, sub), exist_ok=True)
        if not self.ports:
            self.ports = dict(zip(PORT_KEYS, pick_free_ports(len(PORT_KEYS))))
        if self.tls_mode and not self.certs:
            self.certs = generate_certs(os.path.join(self.base_dir, 'certs'))
        pkg = _milvus_pkg_dir()
        with open(os.path.join(pkg, 'data', 'config.yaml.template'), encoding='utf-8') as fp:
            template = fp.read()
        data = os.path.join(self.base_dir, 'data')
        logs = os.path.join(self.base_dir, 'logs')
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
        text = render_config(template, values, super_users=self.super_users,
                             max_user_num=self.max_user_num, max_role_num=self.max_role_num,
                             etcd_config_path=etcd_yaml)
        # etcd.endpoints must name the same address etcd listens on.
        text = text.replace('endpoints: localhost:%d' % self.ports['etcd_port'],
                            'endpoints: 127.0.0.1:%d' % self.ports['etcd_port'])
        with open(os.path.join(self.base_dir, 'configs', 'milvus.yaml'), 'w',
                  encoding='utf-8') as fp:
            fp.write(text)
        with open(etcd_yaml, 'w', encoding='utf-8') as fp:
            fp.write(_etcd_yaml(etcd_data, self.ports['etcd_port'], self.ports['etcd_peer_port'],
                                os.path.join(logs, 'etcd.log')))
        shutil.copy(os.path.join(pkg, 'data', 'glog.conf'),
                    os.path.join(self.base_dir, 'configs', 'glog.conf'))
        self._configured = True

    def start(self):
        """Start the server and wait until it serves; idempotent while running.

        A fresh server whose ports were grabbed by someone else between the
        pick and the bind is retried on new ports (twice at most).
        """
        if self.is_running():
            return self
        t0 = time.monotonic()
        bin_dir = ensure_binaries()
        fresh = not self._ever_started
        for attempt in range(3 if fresh else 1):
            self._configure()
            busy = [p for p in self.ports.values() if not _port_is_free(p)]
            if not busy:
                try:
                    self._start_once(bin_dir, t0 + self.start_timeout)
                    break
                except LocalMilvusError as exc:
                    if not (fresh and attempt < 2 and
                            'address already in use' in str(exc).lower()):
                        self._cleanup_failed_start()
                        raise
                    LOG.info('port clash during startup, retrying on other ports')
            elif not fresh or attempt == 2:
                self._cleanup_failed_start()
                raise LocalMilvusError('ports already in use: %s' % busy)
            # fresh server: new ports, wipe the half-initialised data
            self._release_ports()
            self.ports = {}
            self._configured = False
            shutil.rmtree(os.path.join(self.base_dir, 'data'), ignore_errors=True)
        self._ever_started = True
        self.startup_seconds = time.monotonic() - t0
        LOG.info('milvus ready at %s after %.1fs', self.uri, self.startup_seconds)
        return self

    def _cleanup_failed_start(self):
        if self._own_dir and not self.keep and not self._ever_started:
            self._remove_dir()
            self.base_dir = None
            self.certs = {}
            self._configured = False

    def _release_ports(self):
        with _PORT_LOCK:
            _RESERVED_PORTS.difference_update(self.ports.values())

    def _start_once(self, bin_dir, deadline):
        env = dict(os.environ)
        env.update({
            'DEPLOY_MODE': 'STANDALONE',
            'METRICS_PORT': str(self.ports['metrics_port']),
            'MILVUS_RUN_DIR': os.path.join(self.base_dir, 'run'),
            'MILVUSCONF': os.path.join(self.base_dir, 'configs') + '/',
            'TMPDIR': os.path.join(self.base_dir, 'tmp'),
            'LD_LIBRARY_PATH': ':'.join(x for x in (bin_dir, os.environ.get('LD_LIBRARY_PATH'))
                                        if x),
        })
        preexec = None
        if self.die_with_parent and threading.current_thread() is threading.main_thread():
            preexec = _pdeathsig_preexec()
        logs = self.log_dir
        with open(os.path.join(logs, 'milvus-stdout.log'), 'ab') as out, \
                open(os.path.join(logs, 'milvus-stderr.log'), 'ab') as err:
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
        LOG.info('milvus pid %d starting in %s (proxy port %d)', self.pid, self.base_dir,
                 self.port)
        try:
            self._wait_ready(deadline)
            if self.auth and self._wanted_root_password and \
                    self._wanted_root_password != self._root_password:
                self._rotate_root_password(self._wanted_root_password)
        except BaseException as exc:
            tail = self.log_tail()
            self._kill()
            if isinstance(exc, LocalMilvusError):
                raise LocalMilvusError('%s\n--- server log tail ---\n%s' % (exc, tail)) from None
            raise

    def log_tail(self, lines=40):
        if not self.base_dir:
            return ''
        parts = []
        for name in ('milvus-stderr.log', 'milvus-stdout.log', 'milvus.log'):
            tail = _tail(os.path.join(self.base_dir, 'logs', name), lines)
            if tail:
                parts.append('[%s]\n%s' % (name, tail))
        return '\n'.join(parts)

    def _wait_ready(self, deadline):
        url = 'http://127.0.0.1:%d/healthz' % self.ports['metrics_port']
        while True:
            if not self.is_running():
                raise LocalMilvusError('milvus exited during startup (code %s)' % (
                    self.proc.poll() if self.proc else '?'))
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if b'OK' in resp.read():
                        LOG.debug('healthz OK')
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise LocalMilvusError('milvus not healthy after %.0fs' % self.start_timeout)
            time.sleep(0.2)
        last = None
        while time.monotonic() < deadline:
            try:
                self._probe()
                return
            except Exception as exc:  # pylint: disable=broad-except
                last = exc
                LOG.debug('pymilvus probe failed: %r', exc)
                if not self.is_running():
                    break
                time.sleep(0.3)
        raise LocalMilvusError('milvus healthy but pymilvus connect failed: %r' % (last,))

    def _quiet_pymilvus(self):
        import pymilvus  # noqa: F401  (configures its loggers on import)
        saved = {}
        for name in ('pymilvus', 'pymilvus.decorators', 'pymilvus.client', 'grpc'):
            lg = logging.getLogger(name)
            saved[name] = lg.level
            lg.setLevel(logging.CRITICAL)
        return saved

    @staticmethod
    def _restore_levels(saved):
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)

    def _probe(self):
        saved = self._quiet_pymilvus()
        try:
            client = self.client(timeout=5)
            try:
                client.get_server_version(timeout=5)
            finally:
                client.close()
        finally:
            self._restore_levels(saved)

    def _rotate_root_password(self, new):
        saved = self._quiet_pymilvus()
        try:
            client = self.client(password=self._root_password, timeout=10)
            try:
                client.update_password('root', self._root_password, new, timeout=10)
            finally:
                client.close()
        finally:
            self._restore_levels(saved)
        self._root_password = new
        LOG.info('root password changed')

    def _kill(self):
        """Kill the process group: SIGTERM, then SIGKILL after stop_grace."""
        if self.pgid is None:
            return
        pgid, pid = self.pgid, self.pid
        if self.proc is None and pid is not None and _pid_alive(pid) \
                and _proc_cwd(pid) not in (None, self.base_dir):
            # Adopted from a state file, but the pid now belongs to someone else.
            LOG.warning('pid %d is not our milvus any more; not killing it', pid)
        else:
            for sig in (signal.SIGCONT, signal.SIGTERM):
                try:
                    os.killpg(pgid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
            self._wait_until(lambda: not (_group_pids(pgid) or (pid and _pid_alive(pid))), self.stop_grace)
            if _group_pids(pgid):
                try:
                    os.killpg(pgid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            self._wait_until(lambda: not _group_pids(pgid), 10)
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if pid is not None and not _pid_alive(pid):
            # Milvus 2.3 writes this fixed path whatever TMPDIR says.
            _remove_server_id_file(pid)
        self.proc = None
        self.pid = self.pgid = None

    def _remove_dir(self):
        if self.base_dir and os.path.isdir(self.base_dir):
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def _wait_until(self, done, seconds):
        """Poll done() for up to `seconds`, reaping our child meanwhile."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not done():
            if self.proc is not None:
                try:
                    self.proc.wait(timeout=0.1)
                except subprocess.TimeoutExpired:
                    pass
            else:
                time.sleep(0.1)

    def stop(self):
        """Stop the server, remove its own temp dir (unless keep); idempotent."""
        self._kill()
        _LIVE.discard(self)
        self._release_ports()
        if self._own_dir and not self.keep and self.base_dir:
            self._remove_dir()
            self.base_dir = None
            self.certs = {}
            self._configured = False
            self._ever_started = False
            self._root_password = DEFAULT_ROOT_PASSWORD  # fresh data on next start
        LOG.info('milvus stopped')

    def restart(self):
        """Stop the process and start it again: same ports, same data."""
        self._kill()
        self.start()
        return self

    def pause(self):
        """SIGSTOP the server: it still accepts TCP but never answers.

        Keep pauses well under ~30 s (etcd session TTL) or the server may
        consider its own sessions expired after resume().
        """
        if self.pgid is None:
            raise LocalMilvusError('server is not running')
        os.killpg(self.pgid, signal.SIGSTOP)

    def resume(self):
        if self.pgid is None:
            raise LocalMilvusError('server is not running')
        os.killpg(self.pgid, signal.SIGCONT)

    def detach(self):
        """Forget the process without stopping it (the CLI leaves it running)."""
        self.proc = None
        _LIVE.discard(self)
        self._atexit_registered = True  # nothing left to do at exit

    # ---------------------------------------------------------- state file
    def state(self):
        return {
            'uri': self.uri, 'host': self._host, 'port': self.port, 'ports': self.ports,
            'pid': self.pid, 'pgid': self.pgid, 'base_dir': self.base_dir,
            'own_dir': self._own_dir, 'auth': self.auth, 'tls_mode': self.tls_mode,
            'super_users': list(self.super_users), 'max_user_num': self.max_user_num,
            'certs': self.certs, 'startup_seconds': self.startup_seconds,
        }

    @classmethod
    def adopt(cls, state):
        """A LocalMilvus controlling a server started elsewhere (state dict)."""
        srv = cls(auth=state.get('auth', True), tls_mode=state.get('tls_mode', 0),
                  super_users=state.get('super_users') or (),
                  max_user_num=state.get('max_user_num'),
                  base_dir=state['base_dir'], host=state.get('host', '127.0.0.1'))
        srv._own_dir = bool(state.get('own_dir'))
        srv.ports = {k: int(v) for k, v in (state.get('ports') or {}).items()}
        srv.certs = state.get('certs') or {}
        srv.pid, srv.pgid = state.get('pid'), state.get('pgid')
        srv._configured = True
        srv._ever_started = True
        srv._atexit_registered = True  # adopted servers are not stopped at exit
        return srv


def _atexit_stop(ref):
    srv = ref()
    if srv is not None and srv in _LIVE:
        try:
            srv.stop()
        except Exception:  # pylint: disable=broad-except
            pass


# --------------------------------------------------------------------------
# command line

def _read_password(args):
    if args.root_password_file:
        with open(args.root_password_file, encoding='utf-8') as fp:
            return fp.read().rstrip('\r\n')
    return os.environ.get('MILVUS_LOCAL_ROOT_PASSWORD') or None


def _load_state(path):
    try:
        with open(path, encoding='utf-8') as fp:
            return json.load(fp)
    except FileNotFoundError:
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(description='Local Milvus %s server for tests and demos'
                                     % MILVUS_VERSION)
    parser.add_argument('-v', '--verbose', action='store_true')
    sub = parser.add_subparsers(dest='cmd', required=True)
    p_start = sub.add_parser('start', help='start a detached server')
    p_start.add_argument('--state-file', required=True)
    p_start.add_argument('--tls', type=int, choices=(0, 1, 2), default=0)
    p_start.add_argument('--no-auth', action='store_true')
    p_start.add_argument('--root-password-file',
                         help='file holding the new root password (else env '
                              'MILVUS_LOCAL_ROOT_PASSWORD; else root keeps "Milvus")')
    p_start.add_argument('--max-user-num', type=int)
    p_start.add_argument('--max-role-num', type=int)
    p_start.add_argument('--super-user', action='append', default=[])
    p_start.add_argument('--base-dir', help='data dir (kept after stop); default: a temp dir')
    p_start.add_argument('--timeout', type=float, default=90.0)
    for name in ('stop', 'status'):
        p = sub.add_parser(name)
        p.add_argument('--state-file', required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format='milvus_local: %(message)s')
    os.environ.setdefault('GRPC_VERBOSITY', 'NONE')

    if args.cmd == 'start':
        state = _load_state(args.state_file)
        if state and state.get('pid') and LocalMilvus.adopt(state).is_running():
            sys.stderr.write('already running: %s\n' % state.get('uri'))
            return 1
        srv = LocalMilvus(auth=not args.no_auth, tls_mode=args.tls,
                          super_users=args.super_user, max_user_num=args.max_user_num,
                          max_role_num=args.max_role_num, root_password=_read_password(args),
                          base_dir=args.base_dir, start_timeout=args.timeout,
                          die_with_parent=False)
        try:
            srv.start()
        except LocalMilvusError as exc:
            sys.stderr.write('%s\n' % exc)
            return 1
        tmp = args.state_file + '.tmp'
        with open(tmp, 'w', encoding='utf-8') as fp:
            json.dump(srv.state(), fp, indent=2)
        os.replace(tmp, args.state_file)
        srv.detach()
        print(srv.uri)
        return 0

    state = _load_state(args.state_file)
    if args.cmd == 'status':
        if not state:
            print('stopped (no state file)')
            return 3
        srv = LocalMilvus.adopt(state)
        if srv.is_running():
            print('running %s pid %s' % (state['uri'], state['pid']))
            return 0
        print('stopped %s' % state.get('uri'))
        return 3

    # stop
    if state:
        srv = LocalMilvus.adopt(state)
        srv.stop()
    try:
        os.unlink(args.state_file)
    except FileNotFoundError:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
