# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a plan destroys or interrupts, as the operator reads it before it happens (check mode, ``--diff``) and after
(the result, a warning).

Both engines fill one :class:`Disruption` from what the modules declare (the batch engine from
``Operation.disrupts``/``disruption``/``ending_sessions``, the resource engine for every delete, with what
``Resource.before_delete`` deleted first), and render it the same way:

* the result keys ``destroys`` (what goes away: ``server web-01 (id)``, ``server group night-shift (id)``) and
  ``interrupts`` (what is interrupted: ``server web-02 (id): rebooted``, ``session alice (Active) on web-01 (id)``);
* in ``--diff``, the same lines as a text after the before/after (the diff's ``prepared``, which Ansible prints);
* a warning naming the user sessions that end (``this run ends 2 user session(s): ...``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DELETED = "deleted"  # an item that goes away (destroys); any other word is an interruption (interrupts)
SESSIONS_WARNED = 20  # sessions a warning names (the result and the diff name all)


def session_line(session, server):
    """``session alice (Active) on web-01 (id)``."""
    return "session %s (%s) on %s" % (session.get("login_user") or session.get("id"), session.get("session_state"),
                                      server)


class Disruption:
    """The lines of what a run destroys and interrupts, in the order they were added (the engines add them in name
    order: each server, then the sessions on it)."""

    def __init__(self, destroys=None, interrupts=None, sessions=None):
        self.destroys = list(destroys or [])
        self.interrupts = list(interrupts or [])
        self.sessions = list(sessions or [])  # the session lines of interrupts, for the warning

    @classmethod
    def of_result(cls, result):
        """What a result (of a run inside another: the servers deleted before their group) lists."""
        interrupts = list(result.get("interrupts") or [])
        return cls(result.get("destroys"), interrupts, [line for line in interrupts if line.startswith("session ")])

    def __bool__(self):
        return bool(self.destroys or self.interrupts)

    __nonzero__ = __bool__

    def item(self, what, label, verb, sessions=()):
        """An item (``what``: its noun, ``label``: ``name (id)``) that ``verb`` (:data:`DELETED`: destroyed; else
        interrupted, e.g. ``rebooted``; None: only its ``sessions`` end) and the sessions on it that end."""
        if verb == DELETED:
            self.destroys.append("%s %s" % (what, label))
        elif verb:
            self.interrupts.append("%s %s: %s" % (what, label, verb))
        for session in sessions:
            line = session_line(session, label)
            self.interrupts.append(line)
            self.sessions.append(line)

    def destroy(self, what, label):
        self.destroys.append("%s %s" % (what, label))

    def result(self):
        """The result keys (only those with lines)."""
        keys = {}
        if self.destroys:
            keys["destroys"] = list(self.destroys)
        if self.interrupts:
            keys["interrupts"] = list(self.interrupts)
        return keys

    def text(self, check_mode):
        """The ``--diff`` text: ``destroys``/``interrupts`` headers, one line each below (empty when there is
        nothing)."""
        lines = []
        for title, entries in (("destroys", self.destroys), ("interrupts", self.interrupts)):
            if entries:
                heading = "would %s" % title.rstrip("s") if check_mode else "this run %s" % title
                lines.append("%s (%d):" % (heading, len(entries)))
                lines.extend("  " + entry for entry in entries)
        return "".join(line + "\n" for line in lines)

    def warning(self, check_mode):
        """``this run ends 2 user session(s): ...`` (``would end`` in check mode), or None."""
        if not self.sessions:
            return None
        named = [line[len("session "):] for line in self.sessions[:SESSIONS_WARNED]]
        more = len(self.sessions) - len(named)
        return "this run %s %d user session(s): %s%s" % (
            "would end" if check_mode else "ends", len(self.sessions), "; ".join(named),
            "; ... (%d more, listed under interrupts)" % more if more > 0 else "")
