# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The access_review filter: one report over many clusters, from what the
access_review playbook registered per cluster (zilliz_user_info with
privileges=true, and zilliz_role / zilliz_user in check mode against the
declared lists). As data, JSON, Markdown or a self-contained HTML page.
Pure; unit-tested. Only names, grants and categories go in: module results
carry no secret, and the URI is cut to scheme, host and port."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
from html import escape as _html_escape
from urllib.parse import urlsplit

from ansible.errors import AnsibleFilterError

FORMATS = ('data', 'summary', 'json', 'markdown', 'html')

MISSING = 'missing'          # declared, not on the cluster
UNDECLARED = 'undeclared'    # on the cluster, not declared
DIFFERS = 'differs'          # on both, not the same (a password that does not authenticate)
PRESENT = 'present'          # declared absent, still there

_ROLE_ACTIONS = (('grant:', 'grant', MISSING), ('revoke:', 'grant', UNDECLARED))
_USER_ACTIONS = (('update_password', 'password', DIFFERS),
                 ('grant_role:', 'membership', MISSING), ('revoke_role:', 'membership', UNDECLARED))

_SCOPE_EVERYTHING = 'everything'
_ALL_DATABASES = 'all databases'
_ALL_COLLECTIONS = 'all collections'
_DATABASE_LEVEL = 'database level'


def _safe_uri(uri):
    """Scheme, host and port only: a user, password, query or fragment never reaches the report."""
    if not uri:
        return None
    try:
        parts = urlsplit(str(uri))
        host = parts.hostname
        port = parts.port
    except ValueError:
        return '(not a valid URI)'
    if not host:
        return '(not a valid URI)'
    if ':' in host:
        host = '[%s]' % host
    return '%s://%s%s' % (parts.scheme or 'http', host, ':%d' % port if port else '')


def _failed(result):
    return isinstance(result, dict) and (result.get('error_category') or result.get('failed')
                                         or result.get('unreachable'))


def _ran(result):
    return isinstance(result, dict) and not result.get('skipped') and bool(result)


def _error(result):
    return dict(category=result.get('error_category') or 'error',
                message=str(result.get('msg') or 'failed without a message'))


def _drift_items(entries, rules, exclusive, kind_of_subject):
    items = []
    for entry in entries or ():
        unlisted = bool(entry.get('unlisted'))
        actions = list(entry.get('actions') or ())
        if any(a.startswith('drop_') for a in actions):
            # A drop brings its revokes along: the subject is the drift, not each grant.
            items.append(dict(kind=kind_of_subject, subject=entry['name'], change=UNDECLARED if unlisted else PRESENT,
                              detail='', applied_by_cluster_users=exclusive if unlisted else True))
            continue
        if any(a.startswith('create_') for a in actions):
            # So does a creation: what it would be created with is the detail.
            items.append(dict(kind=kind_of_subject, subject=entry['name'], change=MISSING,
                              detail=', '.join(a for a in actions if not a.startswith('create_')),
                              applied_by_cluster_users=True))
            continue
        for action in actions:
            for prefix, kind, change in rules:
                if action == prefix or (prefix.endswith(':') and action.startswith(prefix)):
                    items.append(dict(kind=kind, subject=entry['name'], change=change,
                                      detail=action[len(prefix):], applied_by_cluster_users=True))
    return items


def _scope(entry):
    """(database, object) a grant reaches, as the matrix columns name it."""
    if entry['object_type'] == '*':
        return (_SCOPE_EVERYTHING, '')
    database = _ALL_DATABASES if entry['db_name'] == '*' else entry['db_name']
    if entry['object_type'] == 'Global':
        return (database, _DATABASE_LEVEL)
    if entry['object_type'] == 'User':
        return (database, 'user ' + ('*' if entry['object_name'] == '*' else entry['object_name']))
    return (database, _ALL_COLLECTIONS if entry['object_name'] == '*' else entry['object_name'])


def _column(scope):
    return scope[0] if not scope[1] else '%s: %s' % scope


def _matrix(users):
    """Users against the scopes their grants reach (computed when rendering: the data holds each grant once)."""
    scopes = set()
    rows = []
    for user in users:
        cells = {}
        for entry in user.get('privileges') or ():
            scope = _scope(entry)
            scopes.add(scope)
            cells.setdefault(scope, {}).setdefault(entry['privilege'], set()).add(entry['role'] or 'superuser')
        rows.append(dict(user=user['name'], privileged=bool(user.get('privileged')), cells=cells))
    order = sorted(scopes, key=lambda s: (s[0] != _SCOPE_EVERYTHING, s[0] != _ALL_DATABASES, s[0],
                                          s[1] != _DATABASE_LEVEL, s[1] != _ALL_COLLECTIONS, s[1]))
    columns = [_column(scope) for scope in order]
    out_rows = []
    for row in rows:
        cells = []
        for scope in order:
            privileges = row['cells'].get(scope, {})
            cells.append([dict(privilege=p, roles=sorted(privileges[p])) for p in sorted(privileges)])
        out_rows.append(dict(user=row['user'], privileged=row['privileged'], cells=cells))
    return dict(columns=columns, rows=out_rows)


def _cluster(item):
    if not isinstance(item, dict) or 'host' not in item:
        raise AnsibleFilterError('access_review expects a list of dicts with host, info, roles_check and users_check')
    info = item.get('info') or {}
    cluster = dict(host=str(item['host']), uri=_safe_uri(item.get('uri')), status='ok', error=None,
                   declared=dict(users=bool(item.get('declared_users')), roles=bool(item.get('declared_roles'))))
    if _failed(info) or not _ran(info) or 'users' not in info:
        error = _error(info) if _failed(info) else dict(category='not_read', message='the cluster was not read')
        cluster.update(status='unreachable' if error['category'] in ('unreachable', 'timeout') else 'error',
                       error=error, users=[], roles=[], databases=[], privileged=[], drift=[],
                       drift_errors=[])
        cluster['summary'] = dict(users=None, roles=None, privileged=None, drift=None)
        return cluster
    users = [dict(name=u['name'], roles=list(u.get('roles') or ()), privileged=bool(u.get('privileged')),
                  sweeping=list(u.get('sweeping') or ()), privileges=list(u.get('privileges') or ()))
             for u in info['users']]
    roles = [dict(name=r['name'], users=list(r.get('users') or ()), privileged=bool(r.get('privileged')),
                  sweeping=list(r.get('sweeping') or ()), grants=len(r.get('privileges') or ()),
                  privileges=list(r.get('privileges') or ()))
             for r in info.get('role_grants') or ()]
    drift, drift_errors = [], []
    for key, list_key, rules, kind, exclusive in (
            ('roles_check', 'roles', _ROLE_ACTIONS, 'role', item.get('roles_exclusive')),
            ('users_check', 'users', _USER_ACTIONS, 'user', item.get('users_exclusive'))):
        result = item.get(key)
        if _failed(result):
            error = _error(result)
            error['check'] = list_key
            drift_errors.append(error)
        elif _ran(result):
            drift.extend(_drift_items(result.get(list_key), rules, bool(exclusive), kind))
    privileged = [u['name'] for u in users if u['privileged']]
    cluster.update(users=users, roles=roles, databases=list(info.get('databases') or ()), privileged=privileged,
                   drift=drift, drift_errors=drift_errors)
    if drift_errors:
        cluster['status'] = 'error'
        cluster['error'] = drift_errors[0]
    cluster['summary'] = dict(users=len(users), roles=len(roles), privileged=len(privileged), drift=len(drift))
    return cluster


def review_data(clusters, title='Access review', generated=None):
    if not isinstance(clusters, (list, tuple)):
        raise AnsibleFilterError('access_review expects a list of clusters')
    items = sorted((_cluster(item) for item in clusters), key=lambda c: c['host'])
    totals = dict(clusters=len(items), reviewed=len([c for c in items if c['summary']['users'] is not None]),
                  unreachable=len([c for c in items if c['status'] == 'unreachable']),
                  errors=len([c for c in items if c['status'] == 'error']),
                  users=sum(c['summary']['users'] or 0 for c in items),
                  privileged=sum(c['summary']['privileged'] or 0 for c in items),
                  drift=sum(c['summary']['drift'] or 0 for c in items))
    return dict(title=str(title), generated=generated and str(generated), totals=totals, clusters=items)


def summary(data):
    """The review without the users, roles and matrix: small enough for a job artifact."""
    keys = ('host', 'uri', 'status', 'error', 'summary', 'privileged', 'drift', 'drift_errors')  # no users, roles
    return dict(title=data['title'], generated=data['generated'], totals=data['totals'],
                clusters=[dict((k, c[k]) for k in keys) for c in data['clusters']])


# ----- Markdown ---------------------------------------------------------------

_MD_SPECIAL = dict((ord(c), '\\' + c) for c in '\\|*`[]')


def _md(text):
    """Text for a Markdown line or table cell: markup characters escaped, HTML and line breaks neutralised."""
    return str(text).translate(_MD_SPECIAL).replace('\n', ' ').replace('<', '&lt;')


def _md_table(header, rows):
    lines = ['| %s |' % ' | '.join(_md(h) for h in header), '|%s' % ' --- |' * len(header)]
    lines += ['| %s |' % ' | '.join(_md(c) for c in row) for row in rows]
    return lines


def _cell_text(cell):
    return ', '.join('%s (%s)' % (p['privilege'], ', '.join(p['roles'])) for p in cell)


_CHANGE_TEXT = {MISSING: 'declared, not on the cluster', UNDECLARED: 'on the cluster, not declared',
                PRESENT: 'declared absent, still on the cluster',
                DIFFERS: 'the declared password does not authenticate (update_password: always would rotate it)'}


def _drift_text(item):
    change = _CHANGE_TEXT[item['change']]
    if item['kind'] == 'grant':
        text = 'role %s: grant %s %s' % (item['subject'], item['detail'], change)
    elif item['kind'] == 'membership':
        text = 'user %s: role %s %s' % (item['subject'], item['detail'], change)
    elif item['kind'] == 'password':
        text = 'user %s: %s' % (item['subject'], change)
    else:
        text = '%s %s: %s' % (item['kind'], item['subject'], change)
        if item['detail']:
            text += ' (to be created with %s)' % item['detail']
    if not item['applied_by_cluster_users']:
        text += '; cluster_users leaves it (not exclusive)'
    return text


def _status_text(cluster):
    if cluster['error']:
        return '%s (%s: %s)' % (cluster['status'], cluster['error']['category'], cluster['error']['message'])
    return cluster['status']


def _roles_of(cluster):
    return dict((u['name'], ', '.join(u['roles'])) for u in cluster['users'])


def _count(value):
    return '-' if value is None else str(value)


def render_markdown(data):
    t = data['totals']
    lines = ['# %s' % _md(data['title']), '']
    if data['generated']:
        lines += ['Generated %s.' % _md(data['generated']), '']
    lines += ['%d cluster(s): %d reviewed, %d unreachable, %d with errors; %d user(s), %d privileged; %d drift item(s).'
              % (t['clusters'], t['reviewed'], t['unreachable'], t['errors'], t['users'], t['privileged'],
                 t['drift']), '']
    lines += _md_table(['cluster', 'status', 'users', 'roles', 'privileged users', 'drift'],
                       [[c['host'], _status_text(c), _count(c['summary']['users']), _count(c['summary']['roles']),
                         _count(c['summary']['privileged']), _count(c['summary']['drift'])]
                        for c in data['clusters']])
    for cluster in data['clusters']:
        lines += ['', '## %s' % _md(cluster['host']), '']
        lines += ['- address: %s' % _md(cluster['uri'] or '-'), '- status: %s' % _md(_status_text(cluster))]
        if cluster['summary']['users'] is None:
            continue
        lines.append('- privileged users: %s' % _md(', '.join(cluster['privileged']) or 'none'))
        lines.append('- databases: %s' % _md(', '.join(cluster['databases']) or '-'))
        lines += ['', '### Access', '']
        roles_of = _roles_of(cluster)
        matrix = _matrix(cluster['users'])
        lines += _md_table(['user', 'roles'] + matrix['columns'],
                           [[row['user'] + (' (privileged)' if row['privileged'] else ''), roles_of[row['user']]]
                            + [_cell_text(cell) for cell in row['cells']]
                            for row in matrix['rows']])
        lines += ['', '### Roles', '']
        lines += _md_table(['role', 'members', 'grants', 'sweeping'],
                           [[r['name'], ', '.join(r['users']) or '-', str(r['grants']), ', '.join(r['sweeping']) or '-']
                            for r in cluster['roles']])
        lines += ['', '### Drift', '']
        if not (cluster['declared']['users'] or cluster['declared']['roles']):
            lines.append('No declared lists for this cluster: drift not checked.')
        elif not cluster['drift'] and not cluster['drift_errors']:
            lines.append('None: the cluster matches the declared lists.')
        lines += ['- %s' % _md(_drift_text(item)) for item in cluster['drift']]
        lines += ['- could not check the %s: %s: %s' % (_md(e['check']), _md(e['category']), _md(e['message']))
                  for e in cluster['drift_errors']]
    return '\n'.join(lines) + '\n'


# ----- HTML -------------------------------------------------------------------

def _h(text):
    return _html_escape(str(text), quote=True)


_CSS = '''
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;padding-top:12px;border-top:2px solid #dde3ee}
h3{font-size:15px;margin:18px 0 6px}.muted{color:#5c6679}
table{border-collapse:collapse;margin:6px 0 10px;font-size:13px}
th,td{border:1px solid #d3d9e4;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef2f8}tr.privileged td:first-child{font-weight:600}
.badge{display:inline-block;padding:1px 8px;border-radius:9px;font-size:12px;font-weight:600;margin-left:6px}
.ok{background:#d9f2df;color:#14532d}.unreachable{background:#fde2e1;color:#7f1d1d}.error{background:#fdecc8;color:#7c3a00}
.flag{background:#fde2e1;color:#7f1d1d}.cards{display:flex;gap:10px;flex-wrap:wrap;margin:8px 0}
.card{border:1px solid #d3d9e4;border-radius:6px;padding:6px 12px;min-width:90px}
.card b{display:block;font-size:20px}ul.drift li{margin:2px 0}.matrix td{white-space:nowrap}
small{color:#5c6679;font-size:11px}
'''


def _html_table(header, rows, css_class=''):
    out = ['<table%s><thead><tr>' % (' class="%s"' % css_class if css_class else '')]
    out += ['<th>%s</th>' % _h(h) for h in header]
    out.append('</tr></thead><tbody>')
    for row_class, cells in rows:
        out.append('<tr%s>' % (' class="%s"' % row_class if row_class else ''))
        out += ['<td>%s</td>' % cell for cell in cells]      # cells are escaped by the caller
        out.append('</tr>')
    out.append('</tbody></table>')
    return ''.join(out)


def _html_cell(cell):
    return '<br>'.join('%s <small>%s</small>' % (_h(p['privilege']), _h(', '.join(p['roles']))) for p in cell)


def _cards(pairs):
    return '<div class="cards">%s</div>' % ''.join(
        '<div class="card"><b>%s</b>%s</div>' % (_h(value), _h(label)) for label, value in pairs)


def _html_cluster(cluster):
    out = ['<section id="%s"><h2>%s<span class="badge %s">%s</span></h2>' % (
        _h('cluster-' + cluster['host']), _h(cluster['host']), _h(cluster['status']), _h(cluster['status']))]
    out.append('<p class="muted">%s</p>' % _h(cluster['uri'] or ''))
    if cluster['error']:
        out.append('<p class="error">%s: %s</p>' % (_h(cluster['error']['category']), _h(cluster['error']['message'])))
    summary = cluster['summary']
    if summary['users'] is None:
        out.append('</section>')
        return ''.join(out)
    out.append(_cards([('users', summary['users']), ('roles', summary['roles']),
                       ('privileged users', summary['privileged']), ('drift', summary['drift'])]))
    out.append('<p>Privileged: %s. Databases: %s.</p>' % (
        ', '.join('<span class="badge flag">%s</span>' % _h(n) for n in cluster['privileged']) or 'none',
        _h(', '.join(cluster['databases']) or '-')))
    out.append('<h3>Access</h3>')
    roles_of = _roles_of(cluster)
    matrix = _matrix(cluster['users'])
    out.append(_html_table(['user', 'roles'] + matrix['columns'],
                           [('privileged' if row['privileged'] else '',
                             [_h(row['user']) + (' <span class="badge flag">privileged</span>' if row['privileged']
                                                 else ''), _h(roles_of.get(row['user'], ''))]
                             + [_html_cell(cell) for cell in row['cells']])
                            for row in matrix['rows']], 'matrix'))
    out.append('<h3>Roles</h3>')
    out.append(_html_table(['role', 'members', 'grants', 'sweeping'],
                           [('privileged' if r['privileged'] else '',
                             [_h(r['name']), _h(', '.join(r['users']) or '-'), _h(r['grants']),
                              _h(', '.join(r['sweeping']) or '-')]) for r in cluster['roles']]))
    out.append('<h3>Drift</h3>')
    if not (cluster['declared']['users'] or cluster['declared']['roles']):
        out.append('<p class="muted">No declared lists for this cluster: drift not checked.</p>')
    elif not cluster['drift'] and not cluster['drift_errors']:
        out.append('<p>None: the cluster matches the declared lists.</p>')
    items = ['<li>%s</li>' % _h(_drift_text(item)) for item in cluster['drift']]
    items += ['<li class="error">could not check the %s: %s: %s</li>' % (_h(e['check']), _h(e['category']),
                                                                         _h(e['message']))
              for e in cluster['drift_errors']]
    if items:
        out.append('<ul class="drift">%s</ul>' % ''.join(items))
    out.append('</section>')
    return ''.join(out)


def render_html(data):
    t = data['totals']
    head = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<title>%s</title><style>%s</style></head><body>' % (_h(data['title']), _CSS))
    out = [head, '<h1>%s</h1>' % _h(data['title'])]
    if data['generated']:
        out.append('<p class="muted">Generated %s</p>' % _h(data['generated']))
    out.append(_cards([('clusters', t['clusters']), ('reviewed', t['reviewed']), ('unreachable', t['unreachable']),
                       ('errors', t['errors']), ('users', t['users']), ('privileged', t['privileged']),
                       ('drift', t['drift'])]))
    out.append(_html_table(['cluster', 'status', 'users', 'roles', 'privileged users', 'drift'],
                           [('', ['<a href="#%s">%s</a>' % (_h('cluster-' + c['host']), _h(c['host'])),
                                  '<span class="badge %s">%s</span>' % (_h(c['status']), _h(c['status'])),
                                  _h(_count(c['summary']['users'])), _h(_count(c['summary']['roles'])),
                                  _h(_count(c['summary']['privileged'])), _h(_count(c['summary']['drift']))])
                            for c in data['clusters']]))
    out += [_html_cluster(cluster) for cluster in data['clusters']]
    out.append('</body></html>\n')
    return ''.join(out)


def access_review(clusters, format='data', title='Access review', generated=None):  # pylint: disable=redefined-builtin
    """The review of `clusters` as data, JSON, Markdown or HTML. `clusters`
    may also be the data of an earlier call, rendered as it is."""
    if format not in FORMATS:
        raise AnsibleFilterError('access_review: format must be one of %s, not %r' % (', '.join(FORMATS), format))
    if isinstance(clusters, dict) and 'totals' in clusters and 'clusters' in clusters:
        data = clusters
    else:
        data = review_data(clusters, title, generated)
    if format == 'summary':
        return summary(data)
    if format == 'json':
        return json.dumps(data, indent=2, sort_keys=True) + '\n'
    if format == 'markdown':
        return render_markdown(data)
    if format == 'html':
        return render_html(data)
    return data


class FilterModule(object):
    def filters(self):
        return {'access_review': access_review}
