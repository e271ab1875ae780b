# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""User sessions: reading them per server, and what a logoff sends.

The session list names a session's server by ``machine_sid``, ``machine_name`` and ``vm_ip``, never by its id:
:class:`SessionMap` ties sessions to server records (by SID, then machine name, then server name, then IP). It
is read per server group (``app_server_group_id``, 100 per page), or for the whole tenant when the servers'
groups are not known.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import host_addresses, named, pages, unique

# SessionInfo.session_state
SESSION_STATES = ("Active", "Disconnected", "AppcInit", "SignedOut", "InitFail")
# A session in one of these has not ended: it holds the server (session_count counts it).
OPEN_STATES = ("Active", "Disconnected", "AppcInit")
# LogoffUserSessionReq.message_type, by name
MESSAGE_TYPES = dict(info=0, warning=1, serious=2)
# LogoffUserSessionReq: 1..999 session ids per call; delay_time 0..999999 s; message and title up to 255 characters
LOGOFF_MAX_SESSIONS = 999
MAX_DELAY_TIME = 999999
MAX_MESSAGE_LENGTH = 255


def addresses(server):
    return [a["addr"] for a in host_addresses(server)]


class SessionMap:
    """Which of some servers a session is on."""

    KEYS = (("machine_sid", lambda s: [s.get("sid")]), ("machine_name", lambda s: [s.get("machine_name")]),
            ("machine_name", lambda s: [s.get("name")]), ("vm_ip", addresses))

    def __init__(self, servers):
        self.servers = dict((server["id"], server) for server in servers)
        self.index = []
        for session_key, values in self.KEYS:
            found = {}
            for server in servers:
                for value in values(server):
                    if value:
                        found.setdefault(value, set()).add(server["id"])
            # a value two servers share tells nothing
            self.index.append((session_key, dict((v, ids.pop()) for v, ids in found.items() if len(ids) == 1)))

    def server_of(self, session):
        """The id of the server ``session`` is on, or None when it is on none of them."""
        for session_key, by_value in self.index:
            server_id = by_value.get(session.get(session_key))
            if server_id:
                return server_id
        return None


def session_label(session):
    """``user-01 (Active)``: how messages and ``--diff`` name a session."""
    return "%s (%s)" % (session.get("login_user") or session.get("id"), session.get("session_state"))


class SessionReader:
    """Reads the sessions of some servers: per server group, or the whole tenant for servers of no known group.

    ``user_names`` (exact) and ``states`` narrow the read (one user name and the states go to the API; several
    user names are matched here). With ``keep_unplaced`` (the servers are every server of the groups read, or of
    the tenant), the sessions on none of them are kept in ``unplaced`` (their server is gone). With ``tenant`` the
    whole tenant's sessions are read at once (also those of a group that lists no server any more).
    """

    def __init__(self, client, servers, user_names=None, states=None, keep_unplaced=False, tenant=False):
        self.client = client
        self.map = SessionMap(servers)
        self.group_of = dict((server["id"], server.get("server_group_id")) for server in servers)
        self.names = dict((server["id"], server.get("name") or server["id"]) for server in servers)
        self.user_names = unique(user_names) if user_names else None
        self.states = list(states) if states else None
        self.keep_unplaced = keep_unplaced
        self.tenant = tenant
        self.unplaced = []
        self.listed = {}  # group id (None: the tenant) -> sessions its last listing returned

    def scopes(self, server_ids):
        if self.tenant:
            return [None]
        groups = unique(self.group_of.get(server_id) for server_id in server_ids)
        return [None] if None in groups else groups

    def cost(self, server_ids):
        """Requests :meth:`read` is expected to send (a scope not read yet: one page)."""
        return sum(pages(self.listed.get(scope, 0)) for scope in self.scopes(server_ids))

    def read(self, server_ids):
        """``{server_id: [session, ...]}`` for every given server (an empty list when it has none)."""
        wanted = set(server_ids)
        found = dict((server_id, []) for server_id in server_ids)
        user = self.user_names[0] if self.user_names and len(self.user_names) == 1 else None
        self.unplaced = []
        for scope in self.scopes(server_ids):
            sessions = api.list_sessions(self.client, app_server_group_id=scope, user_name=user,
                                         session_state=self.states)
            self.listed[scope] = len(sessions)
            for session in sessions:
                if self.user_names and session.get("login_user") not in self.user_names:
                    continue
                if self.states and session.get("session_state") not in self.states:
                    continue
                server_id = self.map.server_of(session)
                if server_id in wanted:
                    found[server_id].append(session)
                elif server_id is None and self.keep_unplaced:
                    self.unplaced.append(session)
        for sessions in found.values():
            sessions.sort(key=lambda session: (session.get("login_user") or "", session.get("id") or ""))
        return found


class EmptyServers:
    """A waiter's state read (``cost``, ``read``) for draining: the servers that have no session left of the
    reader's selection. ``last`` keeps every server's sessions as the last read found them."""

    def __init__(self, reader):
        self.reader = reader
        self.last = {}

    def cost(self, server_ids):
        return self.reader.cost(server_ids)

    def read(self, server_ids):
        self.last.update(self.reader.read(server_ids))
        return dict((server_id, []) for server_id in server_ids if not self.last.get(server_id))

    def waiting(self, server_ids):
        """For a progress line: ``still with sessions: web-01 (2), web-02 (1)`` (a server not read yet: its name)."""
        names = self.reader.names
        shown = sorted(names.get(sid, sid) if sid not in self.last else "%s (%d)" % (names.get(sid, sid),
                                                                                     len(self.last[sid]))
                       for sid in server_ids)
        return "still with sessions: %s" % named(shown)
