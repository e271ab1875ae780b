"""Scripted answers of the recorded service (``tests/harness/recorded.py``) for the image server calls: each one
applies the call to the simulator's model (``simulator/image_servers.py``), as the service would, and answers what
the service answers; and the simulator's clock moved past every image job before each image job read (the module's
waits end at their first read)."""

from tests.harness.recorded import Error

BASE = dict(image_type="private", product_id="workspace.appstream.general.xlarge.2", vpc_id="vpc-1",
            subnet_id="subnet-1", system_disk_type="SAS", system_disk_size=80,
            authorize_accounts=[dict(account="builder")])
FAST = dict(poll_interval=0.01, wait_timeout=10)


def path_id(request, from_end):
    return request.path.split("/")[-from_end]


def serve_image_servers(service, lost=()):
    """Script create, update, attach-app, build and batch delete; ``lost`` names the operations whose first call is
    applied and then answered 500 (an answer that does not tell). Image jobs finish before each read."""
    def lose(operation, answer):
        if operation not in lost:
            return answer

        def first(request):
            answer(request)
            return Error(500, "WKS.00210000", "internal error")
        return first

    service.reply("create_image_server", lose("create_image_server", lambda request: {
        "job_id": service.state.create_image_server(request.body)["id"]}),
        lambda request: {"job_id": service.state.create_image_server(request.body)["id"]})
    service.reply("update_image_server", lambda request: service.state.update_image_server(
        path_id(request, 1), request.body) and {})

    def build(request):
        return {"job_id": service.state.build_image(path_id(request, 3), request.body)["id"]}
    service.reply("recreate_server_image", lose("recreate_server_image", build), build)

    def attach(request):
        return {"uri": service.state.attach_image_server_apps(path_id(request, 3), request.body["items"])}
    service.reply("attach_image_server_app", lose("attach_image_server_app", attach), attach)

    def delete(request):
        job = service.state.delete_image_servers(request.body["items"], request.body.get("recursive"))
        return {"job_id": job["id"]} if job else {}
    service.reply("batch_delete_image_server", delete)
    service.before("show_image_job", lambda request: service.state.fast_forward(61), once=False)


def base_image(service):
    """The image of the tenant's server group ``apps-prod`` (made on the first call): a base image it has."""
    groups = [group for group in service.state.groups.values() if group["name"] == "apps-prod"]
    return (groups[0] if groups else service.group("apps-prod"))["image_id"]


def made_image_server(service, name="golden-src"):
    """An ACTIVE image server made by the simulator (its create job ended); its id."""
    job = service.state.create_image_server(dict(
        name=name, root_volume=dict(type="SAS", size=80), image_ref=dict(id=base_image(service), image_type="private"),
        vpc_id="vpc-1", subnet_id="subnet-1", product_id="p", authorize_accounts=[]))
    service.state.fast_forward(61)
    return job["sub_jobs"][0]["resource_id"]
