# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Did a mutation land? The one rule, for the items of a batch and for a single call alike.

A mutation is sent once. When it fails in a way that does not tell whether the service applied it (no answer, a
server error: :func:`uncertain`) or in a way the service's state explains better than the answer (throttled after
the client's retries, a conflict: busy, or already there), the state is read again (:func:`land`'s ``settle``):
what shows applied is ours, what shows nothing applied is sent again, up to ``retries`` resends and never past the
deadline. Nothing else decides "maybe applied" (:func:`uncertain` is its only definition), and no caller loops.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError

# A mutation answered with one of these may or may not have been applied (the service may fail after committing).
UNCERTAIN_STATUSES = frozenset([500, 502, 503, 504])
# Answers that refuse a mutation because of the state (busy, or already there): the state tells what happened. The
# service says "busy" with a 409, and (as its sibling desktop API's WKS.0407 does) possibly with a 400; which code it
# uses is confirmed nowhere, so the decision is the state's, never the code's.
CONTESTED_STATUSES = frozenset([400, 409])
# Of those, the answers that may as well mean the request itself is wrong: when the state shows nothing that explains
# the refusal (no job running, nothing applied), the refusal stands and nothing is sent again.
INVALID_STATUSES = frozenset([400])


def uncertain(exc):
    """Whether a failed mutation may have been applied all the same: no answer (the connection failed after the
    request was sent) or a server error. The one definition of "maybe applied"."""
    return exc.status is None or exc.status in UNCERTAIN_STATUSES


def settled_by_state(exc):
    """Whether the state, read again, says more than ``exc`` about a failed mutation: it may have been applied
    (:func:`uncertain`), it was throttled after the client's retries (not applied: sent again when the state agrees),
    or the service refused it because of the state (a conflict: busy with another change, or already there)."""
    return uncertain(exc) or exc.throttled or exc.status in CONTESTED_STATUSES


# What ``settle`` returns when the state explains nothing of a refusal (a 400 with no job running and nothing applied):
# the service's answer stands, and nothing is sent again.
STANDS = "the refusal stands"


def resend_pause(attempt):
    """Seconds before the ``attempt``-th resend of a mutation: none before the first (the state was just read),
    then 1, 2, 4, 8, at most 10."""
    return 0.0 if attempt <= 1 else min(2.0 ** (attempt - 2), 10.0)


class GaveUp(ApiError):
    """Resends kept failing (``retries`` spent, or the deadline near): ``answers`` holds what landed, ``pending``
    what the state showed not applied when the last resend failed, ``maybe_applied`` whether that failure may
    have been applied all the same."""

    def __init__(self, exc, answers, pending, maybe_applied=False):
        super(GaveUp, self).__init__(exc.status, exc.error_code, exc.error_msg, exc.method, exc.path, exc.request_id)
        self.answers = answers
        self.pending = pending
        self.maybe_applied = maybe_applied or uncertain(exc)


def land(keys, send, settle, retries, deadline=None, settles=settled_by_state, failed=None, clock=time.monotonic,
         sleep=time.sleep):
    """Send a mutation for ``keys`` and return ``{key: answer}``.

    ``send(keys)`` sends one call and returns ``{key: answer}``; it raises :class:`ApiError`. When the first call
    fails in a way ``settles`` (:func:`settled_by_state`, or a narrower rule of the caller's) does not cover, that
    error is raised as it is (nothing was applied, or the state cannot say more). ``failed`` is the error a first
    call already met: the state is read before anything is sent. Otherwise ``settle(keys, exc)`` reads the state:
    ``{key: answer}`` for what it shows applied (or decided: a failure answer), ``None`` (or a missing key) for what
    it shows not applied, or :data:`STANDS` when nothing in the state explains the refusal (it is then raised as it
    is, as if it were not settled); it raises when the state cannot tell. The keys shown not applied are sent
    again, after :func:`resend_pause`, up to ``retries`` resends (at least one) and only when the pause ends before
    ``deadline`` (monotonic). When resends keep failing, or the state cannot tell, :class:`GaveUp` carries what
    landed and what did not; it is final: a ``send`` that raises it (it landed its own parts) is not settled again.
    """
    answers, pending, attempt = {}, list(keys), 0
    while True:
        try:
            if failed is not None:
                exc, failed = failed, None
                raise exc
            answers.update(send(pending))
            return answers
        except GaveUp:
            raise  # settled already, by a call that lands its own parts
        except ApiError as exc:
            if not settles(exc):
                if attempt:
                    raise GaveUp(exc, answers, pending)
                raise
            try:
                verdicts = settle(pending, exc) or {}
            except GaveUp:
                raise
            except ApiError as unsettled:  # the state cannot tell, or could not be read
                raise GaveUp(unsettled, answers, pending, maybe_applied=uncertain(exc))
            if verdicts is STANDS:  # the state explains nothing: the refusal stands as the service gave it
                if attempt or answers:
                    raise GaveUp(exc, answers, pending)
                raise exc
            answers.update((key, verdict) for key, verdict in verdicts.items() if verdict is not None)
            pending = [key for key in pending if verdicts.get(key) is None]
            if not pending:
                return answers
            attempt += 1
            pause = resend_pause(attempt)
            if attempt > max(1, retries or 0) or (deadline is not None and clock() + pause > deadline):
                raise GaveUp(exc, answers, pending)
            if pause:
                sleep(pause)


ONE = "call"  # the key of a single call


def land_one(send, settle, retries, deadline=None, clock=time.monotonic, sleep=time.sleep):
    """:func:`land` for one call: ``send()`` returns its answer; ``settle(exc)`` returns what the state shows (None:
    not applied) or raises when it cannot tell. What shows not applied is sent again after a lost answer, a server
    error or throttling; after a conflict the refusal stands (the service said why; the same call would meet it
    again). The error of the last attempt is raised when resends keep failing (:class:`GaveUp`, an
    :class:`ApiError`)."""
    def settle_one(keys, exc):
        shown = settle(exc)
        if shown is None and exc.status in CONTESTED_STATUSES:
            raise exc
        return {ONE: shown}

    return land([ONE], lambda keys: {ONE: send()}, settle_one, retries, deadline=deadline, clock=clock,
                sleep=sleep)[ONE]
