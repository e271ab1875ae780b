"""Fleet lifecycle: servers created and deleted by jobs, server groups created and deleted, the server quota and
the groups' scaling policies.

:class:`Lifecycle` is one part of :class:`~simulator.state.FleetState`, which owns the tables it uses
(``_servers``, ``_groups``, ``_group_counts`` and the per-server side tables; ``_pending_create_failures``: the
failures the next creates take; ``server_quota``). Records are built with :mod:`.fleet`'s ``add_group`` and
``add_server``, so a created server or group looks like one of the default fleet.

* ``create_servers`` (``create_app_servers``) adds the servers at once, ``vm_status`` BUILD, ``task_status``
  scheduling, ``status`` UNREGISTER, no sessions, under one CREATE_SERVER job (a sub job per server); when the job
  ends (``job_duration``) they are ACTIVE / null / REGISTERED, or BUILD_FAIL / null / UNREGISTER for those that
  failed (``fail_next_create``).
* ``delete_servers`` (``batch_delete_server``, ``delete_server``) checks the batch as the other batch operations do
  (404, 409 busy), signs the servers' sessions out, shows DELETING / deleting under one DELETE_SERVER job and
  removes them when it ends; a sub job that fails (``fail_next_job``) leaves its server ERROR / delete_failed.
* ``create_group`` / ``delete_group``: a duplicate name is a 409, a group that still has servers is not deleted
  (409).
* with ``dialect.absent_deletes`` ``"200"`` deletes of servers or groups that do not exist are not refused (the
  real service answers 200 without a job id): ``delete_servers`` leaves them out (None when none is left),
  ``delete_group`` returns None.
"""

from . import errors
from .errors import ApiError, invalid
from .fleet import FLAVORS
from .jobs import CREATE_JOB, DELETE_JOB, FAILED_SUB_JOB_STATUSES

DEFAULT_SERVER_QUOTA = 1000
# ServerStatus: what show_server_group_state counts.
SERVER_STATUSES = ("UNREGISTER", "REGISTERED", "MAINTAINING", "FREEZE", "STOPPED", "NONE")


def default_scaling_policy():
    """A group's ``scaling_policy`` while none is set (as the default fleet's groups show it)."""
    return {"enable": False, "max_scaling_amount": 0, "single_expansion_count": 0}


class Lifecycle:
    """Servers and server groups created and deleted, the quota and scaling policies (a part of ``FleetState``)."""

    # ------------------------------------------------------------------ zones, quota, hooks

    @property
    def availability_zones(self):
        """The region's availability zones; servers go to the first unless told otherwise."""
        return tuple(self.region + suffix for suffix in ("a", "b", "c"))

    def set_server_quota(self, servers):
        """The tenant's server quota: creates that would make more servers than this fail (403)."""
        if isinstance(servers, bool) or not isinstance(servers, int) or servers < 0:
            raise ValueError("the server quota is an integer >= 0, got %r" % (servers,))
        with self.lock:
            self.server_quota = servers

    def fail_next_create(self, count=1, error_code=errors.OPERATION_FAILED[0], error_msg=errors.OPERATION_FAILED[1],
                         status="FAILED"):
        """Make ``count`` servers of the next ``create_servers`` (the first ones it adds) fail to build: their sub
        jobs end with ``status`` and this error, the servers BUILD_FAIL. Calls add up for the same create."""
        if status not in FAILED_SUB_JOB_STATUSES:
            raise ValueError("status must be one of %s, got %r" % (", ".join(FAILED_SUB_JOB_STATUSES), status))
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError("count is an integer >= 1, got %r" % (count,))
        with self.lock:
            self._pending_create_failures.extend([(error_code, error_msg, status)] * count)

    # ------------------------------------------------------------------ servers

    def create_servers(self, group_id, count, availability_zone=None, root_volume=None, ou_name=None):
        """Create ``count`` servers in a group under one CREATE_SERVER job; return the job.

        An unknown group is a 404, an unknown zone a 400, a create beyond ``server_quota`` a 403; nothing is
        created then.
        """
        with self.lock:
            self.advance()
            if availability_zone is not None and availability_zone not in self.availability_zones:
                raise invalid("availability_zone must be one of %s." % ", ".join(self.availability_zones))
            if group_id not in self._groups:
                raise ApiError(404, errors.GROUP_NOT_FOUND, "server_group_id: %s" % group_id)
            if len(self._servers) + count > self.server_quota:
                raise ApiError(403, errors.SERVER_QUOTA_EXCEEDED, "Quota %d, servers %d, requested %d." % (
                    self.server_quota, len(self._servers), count))
            fields = {"availability_zone": availability_zone or self.availability_zones[0]}
            if ou_name is not None:
                fields["ou_name"] = ou_name
            server_ids = []
            for _unused in range(count):
                record = self.add_server(group_id, status="UNREGISTER", vm_status="BUILD", session_count=0, **fields)
                if root_volume:
                    record["root_volume"].update(type=root_volume["type"], size=root_volume["size"])
                server_ids.append(record["id"])
            failures, self._pending_create_failures = self._pending_create_failures, []
            for server_id, failure in zip(server_ids, failures):
                self._pending_failures.setdefault(server_id, []).insert(0, failure)
            return self._create_job(CREATE_JOB, server_ids)

    def delete_servers(self, server_ids):
        """Delete servers under one DELETE_SERVER job (404 unknown, 409 busy, nothing changed then); return it.

        Their open sessions are signed out now; the servers show DELETING until the job ends, then are gone.
        With ``dialect.absent_deletes`` ``"200"`` the ids of servers that do not exist are left out instead of
        refusing the request (404); when none is left no job is created and None is returned.
        """
        with self.lock:
            if self.dialect.absent_deletes == "200":
                self.advance()
                server_ids = [sid for sid in server_ids if sid in self._servers]
                if not server_ids:
                    return None
            self._admit_batch(server_ids)
            job = self._create_job(DELETE_JOB, server_ids)
            mono = self.clock.monotonic()
            for server_id in server_ids:
                self._servers[server_id]["vm_status"] = "DELETING"
                self._sign_out_server(server_id, mono)
            return job

    def _remove_server(self, server_id):
        """Forget a server (its DELETE_SERVER job succeeded); its ended sessions stay in the book."""
        record = self._servers.pop(server_id)
        self._group_counts[record["server_group_id"]] -= 1
        for table in (self._hda, self._tsvi, self._pending_failures, self._pending_power_failures,
                      self._status_before_stop, self._drains, self._power, self._server_sessions, self._transit):
            table.pop(server_id, None)

    # ------------------------------------------------------------------ groups

    def create_group(self, body):
        """Create a server group from a validated CreateServerGroupReq; return its record.

        A name in use is a 409 ``WKS.00211208``; an unknown ``primary_server_group_id`` a 404; an unknown
        ``image_id`` a 400 ``WKS.00211210``.
        """
        with self.lock:
            if self.group_by_name(body["name"]) is not None:
                raise ApiError(409, errors.GROUP_NAME_EXISTS, "name: %s" % body["name"])
            primary_id = body.get("primary_server_group_id")
            if primary_id is not None and primary_id not in self._groups:
                raise ApiError(404, errors.GROUP_NOT_FOUND, "primary_server_group_id: %s" % primary_id)
            self._require_image(body["image_id"])
            route_policy = None
            if body.get("route_policy") is not None:
                route_policy = {"max_session": 1 if body.get("is_vdi") else 10, "cpu_threshold": 80,
                                "mem_threshold": 80}
                route_policy.update({k: v for k, v in body["route_policy"].items() if v is not None})
            is_gpu = body["product_id"] == FLAVORS[True]["product_id"] or body.get("extra_session_type") == "GPU"
            fields = {key: body[key] for key in ("product_id", "subnet_id", "system_disk_type", "system_disk_size",
                                                 "ou_name", "extra_session_size", "enterprise_project_id")
                      if body.get(key) is not None}
            fields["tags"] = [dict(tag) for tag in body.get("tags") or []]
            if primary_id is not None:
                fields["primary_server_group_ids"] = [primary_id]
            group = self.add_group(
                body["name"], is_vdi=bool(body.get("is_vdi")),
                ip_virtual=bool((body.get("ip_virtual") or {}).get("enable")),
                app_type=body.get("app_type") or "COMMON_APP", image_id=body["image_id"], is_gpu=is_gpu,
                image_type=body["image_type"], image_product_id=body.get("image_product_id"), os_type=body["os_type"],
                route_policy=route_policy, server_group_status=body.get("server_group_status", True),
                description=body.get("description") or "", **fields)
            if primary_id is not None:
                self._groups[primary_id]["secondary_server_group_ids"].append(group["id"])
            return group

    def delete_group(self, group_id):
        """Delete an empty server group (404 unknown, 409 ``WKS.00211209`` while it has servers); return it.

        With ``dialect.absent_deletes`` ``"200"`` an unknown group is not refused: None is returned."""
        with self.lock:
            self.advance()
            if self.dialect.absent_deletes == "200" and group_id not in self._groups:
                return None
            group = self._require_group(group_id)
            if self._group_counts.get(group_id):
                raise ApiError(409, errors.GROUP_NOT_EMPTY, "server_group_id: %s (%d servers)" % (
                    group_id, self._group_counts[group_id]))
            del self._groups[group_id]
            del self._group_counts[group_id]
            for other in self._groups.values():
                for key in ("primary_server_group_ids", "secondary_server_group_ids"):
                    if group_id in (other.get(key) or ()):
                        other[key] = [gid for gid in other[key] if gid != group_id]
            return group

    def group_state(self, group_id):
        """ServerStatus -> the number of the group's servers with it (every status, zeros too)."""
        with self.lock:
            self.advance()
            self._require_group(group_id)
            counts = dict.fromkeys(SERVER_STATUSES, 0)
            for record in self._servers.values():
                if record["server_group_id"] == group_id:
                    counts[record.get("status") or "NONE"] = counts.get(record.get("status") or "NONE", 0) + 1
            return counts

    def _require_group(self, group_id):
        group = self._groups.get(group_id)
        if group is None:
            raise ApiError(404, errors.GROUP_NOT_FOUND, "server_group_id: %s" % group_id)
        return group

    # ------------------------------------------------------------------ scaling policies

    def set_scaling_policy(self, group_id, policy):
        """Set (replace) a group's scaling policy (``enable`` defaults to true); return it."""
        with self.lock:
            group = self._require_group(group_id)
            stored = {"enable": True}
            stored.update({key: value for key, value in policy.items() if value is not None})
            group["scaling_policy"] = stored
            group["update_time"] = self.clock.iso()
            return stored

    def scaling_policy(self, group_id):
        """A group's scaling policy (the disabled default while none is set)."""
        with self.lock:
            return self._require_group(group_id)["scaling_policy"]

    def delete_scaling_policy(self, group_id):
        """Back to the disabled default (a no-op when none is set)."""
        with self.lock:
            group = self._require_group(group_id)
            if group["scaling_policy"] != default_scaling_policy():
                group["scaling_policy"] = default_scaling_policy()
                group["update_time"] = self.clock.iso()
