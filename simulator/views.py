"""Wire views: records, sessions and jobs as the API answers with them (null fields omitted), and the whole-tenant
dump.

:class:`WireViews` is one part of :class:`~simulator.state.FleetState`.
"""

# Fields only the single-object reads return.
GROUP_DETAIL_FIELDS = ("flavors", "project_name", "image_min_disk", "route_policy", "image_product_id", "image_type",
                       "ip_virtual")
SERVER_DETAIL_FIELDS = ("addresses", "root_volume", "data_volumes", "security_groups")


def strip_none(record, drop=()):
    # The service omits null fields (its JSON writer skips them), so do we.
    return {key: value for key, value in record.items() if value is not None and key not in drop}


class WireViews:
    """The answers' shapes of servers, groups, HDA details, sessions and jobs (a part of ``FleetState``)."""

    def server_view(self, record, detail=False):
        """The record as list_servers (or show_server when ``detail``) returns it."""
        view = strip_none(record, () if detail else SERVER_DETAIL_FIELDS)
        if "job_status" in view:
            view["job_status"] = self.dialect.job_status_word(view["job_status"])
        return view

    def group_view(self, group, detail=False):
        """The group as list_server_groups (or show_server_group when ``detail``) returns it."""
        drop = () if detail else GROUP_DETAIL_FIELDS
        if detail and self.hide_route_policy:
            drop = ("route_policy",)
        view = strip_none(group, drop)
        view["app_server_count"] = self._group_counts.get(group["id"], 0)
        return view

    def hda_view(self, record):
        """ServerHdaDetails of a server."""
        return {
            "server_id": record["id"],
            "machine_name": record["machine_name"],
            "maintain_status": record["maintain_status"],
            "server_name": record["name"],
            "server_group_id": record["server_group_id"],
            "server_group_name": record["server_group_name"],
            "sid": record["sid"],
            "session_count": record["session_count"],
            "status": record["status"],
            "current_version": self._hda[record["id"]],
        }

    def session_view(self, session):
        """SessionInfo of a session (list_sessions)."""
        return strip_none(session)

    def sub_job_view(self, sub):
        """JobDetailInfo / SubJobDetailInfo of a sub job."""
        return {
            "id": sub["id"],
            "job_type": sub["job_type"],
            "job_resource_info": {
                "resource_id": sub["server_id"],
                "resource_name": sub["server_name"],
                "cloud_service_type": "hws.service.type.vdi",
                "resource_type": "hws.resource.type.workspace.appstream",
            },
            "begin_time": sub["begin_time"],
            "end_time": sub["end_time"],
            "status": self.dialect.job_status_word(sub["status"]),
            "error_code": sub["error_code"],
            "error_message": sub["error_message"],
            "project_id": self.project_id,
            "job_id": sub["job_id"],
        }

    def job_header(self, job):
        """What a job's view says of the job itself (server jobs and image jobs alike), its sub jobs left out."""
        return {
            "id": job["id"],
            "job_type": job["job_type"],
            "begin_time": job["begin_time"],
            "end_time": job["end_time"],
            "status": self.dialect.job_status_word(job["status"]),
            "sub_jobs_total": len(job["sub_jobs"]),
        }

    def job_view(self, job):
        """ShowJobDetailResponse (v2) of a job."""
        view = self.job_header(job)
        view["sub_jobs"] = [strip_none(self.sub_job_view(sub)) for sub in job["sub_jobs"]]
        return strip_none(view)

    def job_view_v1(self, job):
        """ShowJobResponse (v1): integer statuses 0 failed, 1 success, 2 processing, 3 initialising."""
        codes = {"FAILED": 0, "SUCCESS": 1, "RUNNING": 2, "WAITING": 3}
        expected = self.clock.iso(job["done_at"])
        subs = []
        for sub in job["sub_jobs"]:
            view = self.sub_job_view(sub)
            subs.append(strip_none({
                "job_id": sub["id"],
                "job_type": 2,
                "job_status": codes[sub["status"]],
                "entities": [view["job_resource_info"]],
                "begin_time": sub["begin_time"],
                "end_time": sub["end_time"],
                "execute_code": sub["error_code"] or ("0" if sub["status"] == "SUCCESS" else None),
                "execute_message": sub["error_message"],
            }))
        failed = [sub for sub in job["sub_jobs"] if sub["status"] == "FAILED"]
        return {"job": strip_none({
            "job_id": job["id"],
            "job_type": 1,
            "job_status": codes[job["status"]],
            "sub_jobs": subs,
            "begin_time": job["begin_time"],
            "end_time": job["end_time"],
            "expected_end_time": expected,
            "execute_code": failed[0]["error_code"] if failed else ("0" if job["status"] == "SUCCESS" else None),
            "execute_message": failed[0]["error_message"] if failed else None,
        })}

    def iter_sub_jobs(self):
        """Every sub job, newest job first."""
        for job in reversed(list(self._jobs.values())):
            yield from job["sub_jobs"]

    def dump(self):
        """A JSON-ready picture of the whole tenant (for /_sim/state and debugging)."""
        with self.lock:
            self.advance()
            servers = []
            for record in self._servers.values():
                view = self.server_view(record, detail=True)
                view["hda_version"] = self._hda[record["id"]]
                view["hda_type"] = self.hda_type(record["id"])
                view["tsvi_enabled"] = self._tsvi[record["id"]]
                servers.append(view)
            return {
                "region": self.region,
                "project_id": self.project_id,
                "job_duration": self.job_duration,
                "session_drain": self.session_drain,
                "latest_hda": dict(self.latest_hda),
                "groups": [self.group_view(group, detail=True) for group in self._groups.values()],
                "servers": servers,
                "sessions": [self.session_view(session) for session in self._sessions.values()],
                "notifications": list(self._notifications),
                "jobs": [self.job_view(job) for job in self._jobs.values()],
                "upgrade_records": list(reversed(self._upgrade_records)),
                "power_actions": list(self._power_actions),
                "image_servers": [self.image_server_view(record) for record in self._image_servers.values()],
                "image_jobs": [self.image_job_view(job) for job in self._image_jobs.values()],
                "dialect": self.dialect.as_dict(),
            }
