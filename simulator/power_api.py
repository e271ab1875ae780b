"""Handlers of the server power endpoints: ``batch_start_server``, ``batch_stop_server``, ``batch_reboot_server``
and the ``/_sim/fail-next-power`` control.

The routes are in :data:`simulator.api.ROUTES`; the model is :mod:`.power`. All three answer 200 with an empty
body and no job id; the servers change on the simulator's clock. AppStream handlers run with the fleet lock held
(and the state advanced) by the dispatcher.
"""

from .routing import EMPTY, Reply, batch_ids_field, control, control_body, require_body
from .validation import Field

HALT_TYPES = ("SOFT", "HARD")  # ServerHaltType

# BatchStartServerReq.
START_SCHEMA = {"items": batch_ids_field()}
# ServerHaltReq (stop and reboot): ``type`` is mandatory (the API reference says so; the SDK's Go model sends it
# even when unset, as it does only for required fields).
HALT_SCHEMA = {"items": batch_ids_field(), "type": Field("str", required=True, enum=HALT_TYPES)}


def batch_start_server(sim, call):
    """PATCH /v1/{project_id}/app-servers/actions/batch-start: SHUTOFF servers power on (empty 200)."""
    sim.state.start(require_body(call, START_SCHEMA)["items"])
    return Reply(EMPTY)


def batch_stop_server(sim, call):
    """PATCH /v1/{project_id}/app-servers/actions/batch-stop: ACTIVE (or ERROR) servers power off (empty 200)."""
    return _halt(call, sim.state.stop)


def batch_reboot_server(sim, call):
    """PATCH /v1/{project_id}/app-servers/actions/batch-reboot: servers REBOOT/HARD_REBOOT for job_duration (empty
    200)."""
    return _halt(call, sim.state.reboot)


def _halt(call, operation):
    """A ServerHaltReq request (stop, reboot): ``operation(items, type)``, then the empty 200."""
    body = require_body(call, HALT_SCHEMA)
    operation(body["items"], body["type"])
    return Reply(EMPTY)


def sim_fail_next_power(sim, call):
    """POST /_sim/fail-next-power: body ``{server_ids, action?, outcome?, error_code?, error_msg?, times?}``."""
    control(sim.state.fail_next_power, **control_body(call))
    return Reply({"ok": True})
