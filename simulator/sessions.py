"""User sessions: the sessions a server starts with, new logons, sign-outs, logoffs with a notice, and the drain.

:class:`SessionBook` is one part of :class:`~simulator.state.FleetState`, which owns the tables it fills
(``_sessions``, ``_server_sessions``, ``_session_server``, ``_os_session_seq``, ``_pending_logoffs``,
``_notifications``, ``_drains``). Session records are live dicts in the wire shape of the SDK's ``SessionInfo``
(null fields included as ``None``). Ended sessions (``SignedOut``, ``InitFail``) stay in the book, as the
service's list keeps history.

A server's ``session_count`` is kept in step with its sessions on every change: it is always the number of
its sessions that have not ended (``Active``, ``Disconnected``, ``AppcInit``), so the server views read it
as a plain record field. Sessions end lazily, the way jobs advance: every read of the state first signs out
the sessions whose logoff (``log_off`` with a delay) is due and, with ``session_drain`` set, one session of
each server in maintenance mode per ``session_drain`` seconds of the simulator's clock, oldest first.
"""

from . import errors
from .errors import ApiError

LIVE_SESSION_STATES = ("Active", "Disconnected", "AppcInit")
ENDED_SESSION_STATES = ("SignedOut", "InitFail")
SESSION_STATES = LIVE_SESSION_STATES + ENDED_SESSION_STATES
# What a new logon may end up as (a logon never starts signed out).
LOGON_STATES = LIVE_SESSION_STATES + ("InitFail",)
# The share of Disconnected sessions among those a server starts with (or a test adds); the others are Active.
DISCONNECTED_SHARE = 0.25
# How far back the sessions of a new server started (seconds).
BACKDATE_RANGE = (60.0, 8 * 3600.0)
INIT_FAILURE = ("HDA.00010001", "Session initialization failed.")

_APPS = ("Notepad", "Microsoft Excel", "Microsoft Word", "WPS Office", "Google Chrome", "AutoCAD 2024")
_CLIENTS = (("Windows", "25.6.0.2010"), ("Web", "25.6.0.2011"), ("MacOS", "25.6.0.2012"), ("Linux", "25.6.0.2013"))
_NAME_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


class SessionBook:
    """Sessions on the servers, logons and logoffs, and the maintenance drain (a part of ``FleetState``)."""

    # ------------------------------------------------------------------ reads for tests

    @property
    def sessions(self):
        """Every session record, ended ones too, id -> live record, in creation order (due sign-outs first)."""
        with self.lock:
            self.advance()
            return self._sessions

    @property
    def notifications(self):
        """The logoff notices sent, oldest first: dicts with ``session_id``, ``server_id``, ``login_user``,
        ``message_type``, ``message``, ``title``, ``delay_time``, ``transaction_id``, ``sent_at`` and
        ``logoff_at`` (ISO times)."""
        with self.lock:
            self.advance()
            return list(self._notifications)

    def get_session(self, session_id):
        """The live record of a session, or None."""
        with self.lock:
            self.advance()
            return self._sessions.get(session_id)

    def sessions_of(self, server_id=None, include_ended=False):
        """The sessions of one server (None: of every server) that have not ended, oldest first; with
        ``include_ended`` the ended ones too."""
        with self.lock:
            self.advance()
            if server_id is None:
                ids = list(self._sessions)
            else:
                self._require_server(server_id)
                ids = self._server_sessions[server_id]
            records = [self._sessions[session_id] for session_id in ids]
            return records if include_ended else [s for s in records if s["session_state"] in LIVE_SESSION_STATES]

    def server_of_session(self, session_id):
        """The id of the server a session runs (ran) on."""
        with self.lock:
            self._require_session(session_id)
            return self._session_server[session_id]

    # ------------------------------------------------------------------ changes

    def log_on(self, server_id, user_name=None, session_state="Active"):
        """A user logs on to a server: a new session (``session_state`` ``Active``, ``Disconnected``,
        ``AppcInit``, or ``InitFail`` for a failed logon that never counts); return its record.

        Refused with :class:`~simulator.errors.ApiError` 409 ``SIM.0409`` while the server is in maintenance
        mode, is not running (``vm_status`` ``SHUTOFF`` or ``ERROR``), is powering off or on, or its status is not
        ``REGISTERED``; an unknown server raises KeyError.
        """
        if session_state not in LOGON_STATES:
            raise ValueError("session_state must be one of %s, got %r" % (", ".join(LOGON_STATES), session_state))
        with self.lock:
            self.advance()
            record = self._require_server(server_id)
            if record.get("maintain_status"):
                raise ApiError(409, errors.LOGON_REFUSED, "It is in maintenance mode (server_id: %s)." % server_id)
            refusal = self._power_refusal(record)
            if refusal is not None:
                raise ApiError(409, errors.LOGON_REFUSED, refusal % server_id)
            if record.get("status") != "REGISTERED":
                raise ApiError(409, errors.LOGON_REFUSED, "Its status is %s, not REGISTERED (server_id: %s)."
                               % (record.get("status"), server_id))
            now = self.clock.monotonic()
            session = self._new_session(server_id, now, session_state, user_name)
            if session_state == "InitFail":
                session.update(end_time=session["start_time"], failed_code=INIT_FAILURE[0],
                               failed_reason=INIT_FAILURE[1])
            self._count_sessions(server_id)
            return session

    def sign_out(self, session_id):
        """Sign a session out now (a no-op for one already ended); return its record."""
        with self.lock:
            self.advance()
            self._require_session(session_id)
            return self._end_session(session_id, self.clock.monotonic())

    def set_session_state(self, session_id, session_state):
        """Move a session that has not ended to another live state (``Active``, ``Disconnected``, ``AppcInit``)."""
        if session_state not in LIVE_SESSION_STATES:
            raise ValueError("session_state must be one of %s (sign_out ends a session), got %r"
                             % (", ".join(LIVE_SESSION_STATES), session_state))
        with self.lock:
            self.advance()
            session = self._require_session(session_id)
            if session["session_state"] not in LIVE_SESSION_STATES:
                raise ValueError("session %s has ended" % session_id)
            session.update(session_state=session_state, last_update_status_time=self.clock.iso())
            return session

    def log_off(self, session_ids, delay_time=0, message_type=0, message=None, title=None, transaction_id=None):
        """Send each named session that has not ended a notice and sign it out ``delay_time`` seconds later
        (0: now). Unknown and ended ids are ignored. Return the ids notified.

        A session already waiting for a logoff keeps the earlier of the two instants; each call is one more
        notice in ``notifications``.
        """
        with self.lock:
            self.advance()
            now = self.clock.monotonic()
            due = now + max(float(delay_time), 0.0)
            notified = []
            for session_id in session_ids:
                session = self._sessions.get(session_id)
                if session is None or session["session_state"] not in LIVE_SESSION_STATES:
                    continue
                due_at = min(due, self._pending_logoffs.get(session_id, due))
                self._notifications.append({
                    "session_id": session_id, "server_id": self._session_server[session_id],
                    "login_user": session["login_user"], "message_type": message_type, "message": message,
                    "title": title, "delay_time": delay_time, "transaction_id": transaction_id,
                    "sent_at": self.clock.iso(now), "logoff_at": self.clock.iso(due_at)})
                notified.append(session_id)
                if due_at <= now:
                    self._end_session(session_id, now)
                else:
                    self._pending_logoffs[session_id] = due_at
            return notified

    # ------------------------------------------------------------------ sessions of a server (builders call these)

    def _open_sessions(self, server_id, count, now, backdate=False):
        """Start ``count`` sessions on a server, a share of them Disconnected; ``backdate``: they started
        over the past hours (a new server's sessions), else now."""
        count = self._checked_count(count)
        rng = self._session_rng
        if backdate:
            starts = sorted(now - rng.uniform(*BACKDATE_RANGE) for _unused in range(count))
        else:
            starts = [now] * count
        for start in starts:
            disconnected = rng.random() < DISCONNECTED_SHARE
            session = self._new_session(server_id, start, "Disconnected" if disconnected else "Active")
            if disconnected and start < now:
                session["last_update_status_time"] = self.clock.iso(rng.uniform(start, now))
        self._count_sessions(server_id)

    def _set_session_count(self, server_id, count):
        """Start sessions, or sign out the newest, until ``count`` of the server's sessions have not ended."""
        count = self._checked_count(count)
        now = self.clock.monotonic()
        live = self._live_session_ids(server_id)
        if count > len(live):
            self._open_sessions(server_id, count - len(live), now)
        for session_id in reversed(live[count:]):
            self._end_session(session_id, now, recount=False)
        self._count_sessions(server_id)

    def _new_session(self, server_id, start, session_state, user_name=None):
        """A new session record on a server, started at the monotonic instant ``start`` (not yet counted)."""
        rng = self._session_rng
        record = self._servers[server_id]
        group = self._groups[record["server_group_id"]]
        self._os_session_seq[server_id] = self._os_session_seq.get(server_id, 1) + 1
        client_type, client_version = rng.choice(_CLIENTS)
        started = self.clock.iso(start)
        session = {
            "id": "%032x" % rng.getrandbits(128),
            "session_stamp": "%016x" % rng.getrandbits(64),
            "os_session_id": str(self._os_session_seq[server_id]),
            "protocol_type": "HDP",
            "login_user": user_name or "user-%04d" % rng.randrange(1, 10000),
            "session_type": "2",
            "app_server_group_id": group["id"],
            "app_server_group_name": record["server_group_name"],
            "pre_conn_time": self.clock.iso(start - rng.uniform(1.0, 5.0)),
            "start_time": started,
            "end_time": None,
            "status_continue_time": None,
            "machine_sid": record["sid"],
            "machine_name": record["machine_name"],
            "session_state": session_state,
            "app_name": rng.choice(_APPS),
            "client_mac": "28:6e:d4:%02x:%02x:%02x" % (rng.randrange(256), rng.randrange(256), rng.randrange(256)),
            "client_name": "DESKTOP-" + "".join(rng.choice(_NAME_CHARS) for _unused in range(7)),
            "client_ip": "192.168.%d.%d" % (rng.randrange(256), rng.randrange(2, 255)),
            "public_ip": "203.0.113.%d" % rng.randrange(1, 255),
            "client_version": client_version,
            "client_type": client_type,
            "agent_version": self._hda[server_id],
            "vm_ip": (record.get("host_address") or [{}])[0].get("addr"),
            "failed_reason": None,
            "failed_code": None,
            "last_update_status_time": started,
            "tenant_id": self.project_id,
            "primary_server_group_id": (group.get("primary_server_group_ids") or [group["id"]])[0],
            "secondary_server_group_id": None,
        }
        self._sessions[session["id"]] = session
        self._server_sessions.setdefault(server_id, []).append(session["id"])
        self._session_server[session["id"]] = server_id
        return session

    def _end_session(self, session_id, when, recount=True):
        """Sign a session out at the monotonic instant ``when`` (unless it has ended) and recount its server
        (``recount`` False: the caller recounts once after ending several)."""
        session = self._sessions[session_id]
        self._pending_logoffs.pop(session_id, None)
        if session["session_state"] in LIVE_SESSION_STATES:
            ended = self.clock.iso(when)
            session.update(session_state="SignedOut", end_time=ended, last_update_status_time=ended)
            if recount:
                self._count_sessions(self._session_server[session_id])
        return session

    @staticmethod
    def _checked_count(count):
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ValueError("session_count must be an integer >= 0, got %r" % (count,))
        return count

    def _sign_out_server(self, server_id, when):
        """Sign out every open session of a server at the monotonic instant ``when`` (it stops running or is
        deleted); its drain, if any, ends: nothing is left to drain."""
        for session_id in self._live_session_ids(server_id):
            self._end_session(session_id, when, recount=False)
        self._count_sessions(server_id)
        self._drains.pop(server_id, None)

    def _live_session_ids(self, server_id):
        return [session_id for session_id in self._server_sessions.get(server_id, ())
                if self._sessions[session_id]["session_state"] in LIVE_SESSION_STATES]

    def _count_sessions(self, server_id):
        self._servers[server_id]["session_count"] = len(self._live_session_ids(server_id))

    def _require_session(self, session_id):
        session = self._sessions.get(session_id)
        if session is None:
            raise KeyError("unknown session %s" % session_id)
        return session

    # ------------------------------------------------------------------ on the clock: logoffs due, the drain

    def _advance_sessions(self, now):
        """Sign out the sessions whose logoff is due, then drain servers in maintenance mode, up to ``now``.

        Due logoffs are taken in time order, each after the drain steps of its server that came before it,
        so a session ends at the first of its two instants.
        """
        if self._pending_logoffs:
            due = sorted(((when, session_id) for session_id, when in self._pending_logoffs.items() if when <= now),
                         key=lambda pair: pair[0])
            for when, session_id in due:
                if self.session_drain is not None:
                    self._drain_server(self._session_server[session_id], when)
                self._end_session(session_id, when)
        if self.session_drain is not None:
            self._drain_sessions(now)

    def _track_drain(self, server_id, since):
        """Start counting down the sessions of a server in maintenance mode, from ``since``, unless already counting."""
        record = self._servers[server_id]
        if (self.session_drain is not None and server_id not in self._drains and record.get("maintain_status")
                and (record.get("session_count") or 0) > 0):
            self._drains[server_id] = since + max(float(self.session_drain), 0.0)

    def _drain_sessions(self, now):
        """Sign out one session (the oldest) per ``session_drain`` seconds on each server in maintenance mode.

        Logons are refused in maintenance mode, so a server there only loses sessions. Servers put in
        maintenance some other way than ``set_maintenance``/``patch_server`` (a test editing a record)
        start draining when first seen here.
        """
        for server_id, record in self._servers.items():
            if record.get("maintain_status") and (record.get("session_count") or 0) > 0:
                self._track_drain(server_id, now)
        for server_id in list(self._drains):
            self._drain_server(server_id, now)

    def _drain_server(self, server_id, until):
        """The drain steps of one server due by the monotonic instant ``until``."""
        due = self._drains.get(server_id)
        if due is None:
            return
        record = self._servers.get(server_id)
        if record is None or not record.get("maintain_status"):
            del self._drains[server_id]
            return
        if due > until:
            return  # nothing due yet: the common case on a read
        step = max(float(self.session_drain), 0.0)
        for session_id in self._live_session_ids(server_id):
            if due > until:
                break
            self._end_session(session_id, due, recount=False)
            due += step
        self._count_sessions(server_id)
        if record["session_count"] > 0:
            self._drains[server_id] = due
        else:
            del self._drains[server_id]
