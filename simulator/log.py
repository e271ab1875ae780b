"""The request log: one record per request the simulator received, in arrival order."""

import collections
import threading


class RequestRecord:
    """One logged request, readable as attributes (``record.items``) or keys (``record["items"]``).

    Fields: ``time`` (epoch seconds), ``method``, ``path`` (no query string),
    ``query`` (dict), ``status`` (int, None when the connection was dropped),
    ``mutating`` (a non-GET AppStream request), ``operation`` (SDK method name,
    e.g. ``list_servers``; None for an unknown path), ``items`` (servers in a
    mutating body, else None), ``body`` (parsed JSON or None), ``fault`` (the
    injected fault kind, ``rate_limit`` for the real limiter, ``throttle_window``
    for the dialect's windowed throttle, or None),
    ``auth`` (``"aksk"``, ``"token"`` or None) and ``request_id``.
    """

    def __init__(self, fields):
        self.__dict__.update(fields)

    def __getitem__(self, key):
        return self.__dict__[key]

    def get(self, key, default=None):
        """The field's value, or ``default``."""
        return self.__dict__.get(key, default)

    def as_dict(self):
        """A plain dict copy (JSON-ready)."""
        return dict(self.__dict__)

    def __eq__(self, other):
        return isinstance(other, RequestRecord) and self.__dict__ == other.__dict__

    def __repr__(self):
        return "RequestRecord(%s %s -> %s, operation=%s)" % (self.method, self.path, self.status, self.operation)


class RequestLog:
    """Thread-safe list of :class:`RequestRecord`; ``len()``, iteration and indexing work on a snapshot."""

    def __init__(self):
        self._lock = threading.Lock()
        self._records = []

    def append(self, record):
        """Add a record (a dict of the fields; the HTTP layer calls this once per request); return it."""
        entry = RequestRecord(record)
        with self._lock:
            self._records.append(entry)
        return entry

    def __len__(self):
        with self._lock:
            return len(self._records)

    def __iter__(self):
        return iter(self.snapshot())

    def __getitem__(self, index):
        return self.snapshot()[index]

    def snapshot(self):
        """A copy of the list of records."""
        with self._lock:
            return list(self._records)

    def requests(self, method=None, operation=None, mutating=None, path=None):
        """Records filtered by method, operation name, mutating flag and/or exact path."""
        return [record for record in self.snapshot()
                if (method is None or record["method"] == method.upper())
                and (operation is None or record["operation"] == operation)
                and (mutating is None or record["mutating"] == mutating)
                and (path is None or record["path"] == path)]

    def mutations(self):
        """The mutating AppStream requests (every method but GET; not IAM, not ``/_sim``)."""
        return self.requests(mutating=True)

    def clear(self):
        """Forget every record; return how many there were."""
        with self._lock:
            count = len(self._records)
            self._records = []
            return count

    def summary(self):
        """Request counts per operation (unknown paths count under None)."""
        return dict(collections.Counter(record["operation"] for record in self.snapshot()))
