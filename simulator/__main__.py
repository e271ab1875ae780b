"""Run the simulator as a process: ``python -m simulator --port 0 --ready-file /tmp/sim.json``.

Once serving it prints one JSON line (``url``, ``credentials``, ``groups``) to
stdout, writes the same JSON to ``--ready-file`` (atomically), then serves
until SIGTERM or SIGINT and exits 0.

With ``--print-env`` it prints instead the ``export`` lines of the environment
variables the modules read (simulator/environment.py) and the shell variable
``WORKSPACE_APP_SIMULATOR_PID``, then closes its standard output and goes on
serving, so that ``eval "$(python -m simulator --print-env &)"`` sets them in
the calling shell and leaves the simulator running in the background.
"""

import argparse
import json
import os
import signal
import sys
import tempfile
import threading

from .dialect import ABSENT_DELETES, BUSY_STATUSES, PRESETS, THROTTLE_CODES, Dialect, parse_window
from .environment import export_lines
from .server import Simulator


def parse_args(argv=None):
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m simulator",
                                     description="Stateful simulator of the Huawei Cloud Workspace AppStream API.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one (default)")
    parser.add_argument("--servers", type=int, default=100, help="servers in the default fleet (default 100)")
    parser.add_argument("--groups", type=int, default=None, help="server groups (default 2, or one per --group-names)")
    parser.add_argument("--group-names", default=None, metavar="NAME,NAME",
                        help="names of the server groups, comma-separated (default sim-group-1, sim-group-2, ...)")
    parser.add_argument("--seed", type=int, default=0, help="seed for ids, credentials and faults (default 0)")
    parser.add_argument("--job-duration", type=float, default=2.0, help="seconds a job takes (default 2)")
    parser.add_argument("--outdated-hda", type=float, default=0.0,
                        help="fraction of servers on an older HDA version (default 0)")
    parser.add_argument("--region", default="cn-north-4", help="region / IAM project name (default cn-north-4)")
    parser.add_argument("--hide-route-policy", action="store_true",
                        help="omit route_policy from show_server_group, as some regions do")
    parser.add_argument("--rate-limit", type=float, default=None, help="requests per second before 429 (default off)")
    parser.add_argument("--session-drain", type=float, default=None, metavar="SECONDS",
                        help="while a server is in maintenance mode, one of its sessions ends every SECONDS "
                             "(default off: sessions end only when logged off)")
    parser.add_argument("--image", action="append", default=[], metavar="IMAGE_ID",
                        help="an image the tenant has, besides the stock ones and the groups' (repeatable): image "
                             "changes and group creates/updates with any other image_id fail 400 WKS.00211210")
    dialect = parser.add_argument_group(
        "dialect", "answer like the real service does instead of like the API pages say (simulator/README.md "
        "\"Dialects\"); every mode is off by default, individual flags override --dialect")
    dialect.add_argument("--dialect", choices=sorted(PRESETS), default=None,
                         help="a preset: real = --throttle-window 5/60 --throttle-code APIG.0308 --state-lag 4 "
                              "--transitions 2 --busy-status 400 --absent-deletes 200")
    dialect.add_argument("--throttle-window", default=None, metavar="LIMIT/SECONDS",
                         help="per credential at most LIMIT API requests per fixed window of SECONDS (simulator "
                              "clock); beyond: 429 with the gateway's message and no Retry-After (off: no window)")
    dialect.add_argument("--throttle-code", default=None, choices=THROTTLE_CODES,
                         help="error_code of the windowed throttle's 429 (default APIG.0308)")
    dialect.add_argument("--state-lag", type=float, default=None, metavar="SECONDS",
                         help="a job's SUCCESS shows at once, what it changed (image, HDA version, TSVI, a server "
                              "deleted or registered) only SECONDS later (default 0)")
    dialect.add_argument("--transitions", default=None, metavar="SECONDS",
                         help="servers show status UNREGISTER while an image change, TSVI update or power "
                              "transition runs and SECONDS after it ended (off: default)")
    dialect.add_argument("--busy-status", type=int, default=None, choices=BUSY_STATUSES,
                         help="HTTP status of a refusal because a server is busy (default 409)")
    dialect.add_argument("--absent-deletes", default=None, choices=ABSENT_DELETES,
                         help="200: deleting a server or group that does not exist answers 200 without a job id "
                              "(default 404)")
    dialect.add_argument("--unknown-status", default=None, metavar="WORD",
                         help="jobs, sub jobs and server records show WORD instead of WAITING (default off)")
    parser.add_argument("--ready-file", default=None, help="write the startup JSON here (tmp file + rename)")
    parser.add_argument("--print-env", action="store_true",
                        help="print 'export NAME=value' lines of the variables the modules read (and "
                             "WORKSPACE_APP_SIMULATOR_PID) instead of the JSON line, then close stdout and serve: "
                             "eval \"$(python -m simulator --print-env &)\" sets them and leaves it running")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)
    if args.group_names is not None:
        names = [name.strip() for name in args.group_names.split(",") if name.strip()]
        if not names or len(set(names)) != len(names):
            parser.error("--group-names: one or more distinct names separated by commas")
        if args.groups is not None and args.groups != len(names):
            parser.error("--groups %d but --group-names names %d groups: give one or the other" % (args.groups, len(names)))
        args.groups = names
    elif args.groups is None:
        args.groups = 2
    if args.session_drain is not None and args.session_drain < 0:
        parser.error("--session-drain: must be 0 or more seconds")
    try:
        args.dialect = dialect_config(args)
        Dialect(args.dialect)  # every value checked before the simulator starts
    except ValueError as exc:
        parser.error(str(exc))
    return args


def dialect_config(args):
    """The dialect the command line asks for: ``{"preset": ..., key: value, ...}`` (None: every mode off)."""
    config = {}
    if args.dialect is not None:
        config["preset"] = args.dialect
    if args.throttle_window is not None:
        config["throttle_window"] = parse_window(args.throttle_window)
    if args.throttle_code is not None:
        config["throttle_code"] = args.throttle_code
    if args.state_lag is not None:
        config["state_lag"] = args.state_lag
    if args.transitions is not None:
        text = args.transitions.strip().lower()
        if text in ("off", "false", "none"):
            config["transitions"] = False
        else:
            try:
                config["transitions"] = float(text)
            except ValueError:
                raise ValueError("dialect transitions: must be off or a number of seconds >= 0, got %r"
                                 % args.transitions) from None
    if args.busy_status is not None:
        config["busy_status"] = args.busy_status
    if args.absent_deletes is not None:
        config["absent_deletes"] = args.absent_deletes
    if args.unknown_status is not None:
        config["unknown_status"] = args.unknown_status
    return config or None


def write_atomically(path, text):
    """Write ``text`` to ``path`` so a reader never sees a partial file."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, tmp_path = tempfile.mkstemp(prefix=".simulator-", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(tmp_path, path)
    except BaseException:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)
        raise


def main(argv=None):
    """Start, announce, serve until a signal, stop; return the exit code."""
    args = parse_args(argv)
    simulator = Simulator(servers=args.servers, groups=args.groups, seed=args.seed, job_duration=args.job_duration,
                          region=args.region, outdated_hda=args.outdated_hda, hide_route_policy=args.hide_route_policy,
                          rate_limit=args.rate_limit, verbose=args.verbose, session_drain=args.session_drain,
                          images=args.image, dialect=args.dialect)
    stop = threading.Event()

    def request_stop(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    simulator.start(host=args.host, port=args.port)
    try:
        announcement = json.dumps(simulator.ready_info(), ensure_ascii=False)
        if args.ready_file:
            write_atomically(args.ready_file, announcement + "\n")
        if args.print_env:
            sys.stdout.write(export_lines(simulator.ready_info(), pid=os.getpid()))
            sys.stdout.flush()
            # end of output: a command substitution reading it returns while the simulator serves on
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        else:
            sys.stdout.write(announcement + "\n")
            sys.stdout.flush()
        # Event.wait with a timeout keeps the main thread responsive to signals.
        while not stop.wait(0.5):
            pass
    finally:
        simulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
