"""Server repair: reinstall (``REINSTALL_OS``, one job per server) and rejoin-domain (``REJOIN_DOMAIN``, one job per
call with a sub job per server); a part of ``FleetState``, on the job engine of :mod:`.jobs`.

* A reinstall rebuilds the server from the image it runs: while its job runs the server shows ``vm_status``
  ``REBUILD`` and ``task_status`` ``rebuilding`` (and, with ``dialect.transitions``, ``status`` UNREGISTER, as an
  image change does); its user sessions end when the job is created; ``update_access_agent`` brings its HDA to the
  latest version when the job succeeds; a failed one leaves ``rebuild_fail``. The batch answers per server
  (ServerJobInfo items: an unknown or busy server gets an error in its item, the others go on); the single-server
  call answers ``{job_id}`` or refuses (404 unknown, busy status).
* A rejoin keeps ``status`` REGISTERED throughout (the real quirk: only the job tells when the join ended) and shows
  ``task_status`` ``rejoining_domain`` while its job runs; the batch takes 1..20 servers, is refused as a whole when
  one is unknown (404) or busy (busy status), and answers ``{job_id}``.

``fail_next_job`` fails the next sub job of a server of either kind, like any other job.
"""

from .jobs import REINSTALL_JOB, REJOIN_JOB


class Repairs:
    """The two repair operations (a part of ``FleetState``)."""

    def reinstall(self, server_ids, update_access_agent=False):
        """One REINSTALL_OS job per server; ServerJobInfo items (per-item errors inline)."""
        with self.lock:
            self.advance()
            return self._job_per_server(server_ids,
                                        lambda server_id: self._start_reinstall(server_id, update_access_agent))

    def reinstall_one(self, server_id, update_access_agent=False):
        """The single-server reinstall: its job (404 unknown, busy status when a job or power change runs)."""
        with self.lock:
            self._admit_batch([server_id])
            return self._start_reinstall(server_id, update_access_agent)

    def _start_reinstall(self, server_id, update_access_agent):
        job = self._create_job(REINSTALL_JOB, [server_id], {"update_access_agent": bool(update_access_agent)})
        self._sign_out_server(server_id, self.clock.monotonic())  # the rebuild begins: its users are signed out
        return job

    def _reinstalled(self, record, params):
        """A reinstall succeeded: the image stays, the agent is upgraded when asked."""
        if params.get("update_access_agent"):
            self._hda[record["id"]] = self.latest_hda_for(record["id"])

    def rejoin_domain(self, server_ids):
        """One REJOIN_DOMAIN job with a sub job per server; status stays REGISTERED while it runs."""
        with self.lock:
            self._admit_batch(server_ids)
            return self._create_job(REJOIN_JOB, server_ids)
