"""The "plain SDK script" contender of tools/bench/run.py.

What a programmer writes with the official Huawei Cloud Python SDK (huaweicloudsdkworkspaceapp) to upgrade the
access agent (HDA) of every server, or to rebuild every server onto a new image: list the servers page by page,
submit them in batches of 20, then wait for each job in turn, reading it every ``--poll-interval`` seconds.

Credentials come from the environment like the SDK's own examples: HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and
HUAWEICLOUD_SDK_PROJECT_ID. Prints one JSON line: servers submitted, jobs, jobs succeeded and failed.

    python tools/bench/sdk_fleet.py --endpoint URL hda
    python tools/bench/sdk_fleet.py --endpoint URL image --image-id ID [--image-type private] [--os-type Windows]
"""

import argparse
import json
import os
import sys
import time

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkworkspaceapp.v1 import (BatchChangeServerImageReq, BatchChangeServerImageRequest,
                                           BatchUpgradeHdaVersionReq, BatchUpgradeHdaVersionRequest,
                                           ListServersRequest, ShowJobDetailRequest, WorkspaceAppClient)

PAGE = 100
DONE = ("SUCCESS", "FAILED")


def make_client(endpoint):
    credentials = BasicCredentials(os.environ["HUAWEICLOUD_SDK_AK"], os.environ["HUAWEICLOUD_SDK_SK"],
                                   os.environ["HUAWEICLOUD_SDK_PROJECT_ID"])
    config = HttpConfig.get_default_config()
    config.timeout = (10, 60)
    return WorkspaceAppClient.new_builder().with_credentials(credentials).with_endpoints([endpoint]) \
        .with_http_config(config).build()


def list_servers(client):
    servers = []
    offset = 0
    while True:
        page = client.list_servers(ListServersRequest(offset=offset, limit=PAGE))
        servers.extend(page.items or [])
        offset += PAGE
        if offset >= page.count:
            return servers


def chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


def submit_upgrades(client, servers, batch_size):
    jobs = []
    for batch in chunks([server.id for server in servers], batch_size):
        response = client.batch_upgrade_hda_version(
            BatchUpgradeHdaVersionRequest(body=BatchUpgradeHdaVersionReq(items=batch)))
        jobs.append(response.job_id)
    return jobs


def submit_image_changes(client, servers, args, batch_size):
    jobs = []
    todo = [server.id for server in servers if server.image_id != args.image_id]
    for batch in chunks(todo, batch_size):
        response = client.batch_change_server_image(BatchChangeServerImageRequest(body=BatchChangeServerImageReq(
            server_ids=batch, image_id=args.image_id, image_type=args.image_type, os_type=args.os_type)))
        for item in response.items:
            if item.error_code:
                print("server %s refused: %s %s" % (item.server_id, item.error_code, item.error_message),
                      file=sys.stderr)
            else:
                jobs.append(item.job_id)
    return jobs


def wait_for(client, job_id, poll_interval, timeout):
    deadline = time.monotonic() + timeout
    while True:
        job = client.show_job_detail(ShowJobDetailRequest(job_id=job_id))
        if job.status in DONE:
            return job.status
        if time.monotonic() > deadline:
            return "TIMEOUT"
        time.sleep(poll_interval)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--poll-interval", type=float, default=15)
    parser.add_argument("--timeout", type=float, default=3600, help="per job")
    sub = parser.add_subparsers(dest="scenario", required=True)
    sub.add_parser("hda")
    image = sub.add_parser("image")
    image.add_argument("--image-id", required=True)
    image.add_argument("--image-type", default="private")
    image.add_argument("--os-type", default="Windows")
    args = parser.parse_args(argv)

    client = make_client(args.endpoint)
    servers = list_servers(client)
    if args.scenario == "hda":
        jobs = submit_upgrades(client, servers, args.batch_size)
    else:
        jobs = submit_image_changes(client, servers, args, args.batch_size)
    statuses = [wait_for(client, job_id, args.poll_interval, args.timeout) for job_id in jobs]
    print(json.dumps({"servers": len(servers), "jobs": len(jobs), "succeeded": statuses.count("SUCCESS"),
                      "failed": len(statuses) - statuses.count("SUCCESS")}))
    return 0 if all(status == "SUCCESS" for status in statuses) else 1


if __name__ == "__main__":
    sys.exit(main())
