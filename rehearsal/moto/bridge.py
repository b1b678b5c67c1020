"""The bridge from moto's objects to this machine's real parts, and nothing more.

The rehearsal's AWS is moto; its instances are machines on this host (systemd-nspawn, booted through
cloud-init by the build) and its load balancer is the stack's HAProxy. The build describes them in
one JSON file (the bridge file, written with a temp name and a rename, read afresh on every use):

    {"instances": {"i-...": {"machine": "<name>", "nspawnPidFile": "<path>", "consoleLog": "<path>", "sshPort": 2222,
                             "balancerServer": "app-1"}},
     "loadBalancer": {"socket": "<haproxy admin socket>", "backend": "app"}}

What moto answers about them comes from them:
- EC2 GetConsoleOutput: the machine's real console (the last 64 KiB, as EC2 keeps), where cloud-init prints the host keys;
- EC2 DescribeInstanceStatus: "initializing" until the machine runs and its sshd listens, then "ok";
- SSM SendCommand / GetCommandInvocation / CancelCommand (AWS-RunShellScript): the script runs as root in the
  machine (nsenter into its namespaces, the way the SSM agent runs it there), with SSM's states and output limits;
- ELBv2 RegisterTargets / DeregisterTargets / DescribeTargetHealth: HAProxy sets the server ready or draining; its
  own health checks are the target's health; a deregistered target drains until nothing is open on it or the
  target group's deregistration delay has passed, then goes to maintenance (its sessions shut) and is unused;
- RDS: each DB instance's data is a database in the stack's PostgreSQL (the bridge file's "database": its socket,
  port, client programs and snapshot folder), the one its endpoint leads to. CreateDBSnapshot dumps it (pg_dump)
  into the snapshot folder under the snapshot's identifier; RestoreDBInstanceFromDBSnapshot loads that dump into
  a new database for the new instance, whose master user takes the password of the instance's own managed
  secret; a rename (ModifyDBInstance NewDBInstanceIdentifier) renames the database as the endpoint moves, so the
  database an identifier's endpoint led to is the one the instance renamed to it gets.
Instances the bridge file does not name are machines not booted yet: no console, status initializing,
commands wait for them until SSM's delivery timeout.
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import signal
import socket
import subprocess
import threading
import time
from typing import Any

from aws_patches import replace

CONSOLE_BYTES = 65536  # EC2 keeps the most recent 64 KiB of console output
STDOUT_LIMIT = 24000  # what GetCommandInvocation returns of a command's output
STDERR_LIMIT = 8000


class BridgeFile:
    """The build's description of this machine's parts (see the module's docstring)."""

    def __init__(self, path: str) -> None:
        self.path = pathlib.Path(path)

    def read(self) -> dict[str, Any]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def instance(self, instance_id: str) -> dict[str, Any] | None:
        return self.read().get("instances", {}).get(instance_id)

    def load_balancer(self) -> dict[str, Any] | None:
        return self.read().get("loadBalancer")

    def database(self) -> dict[str, Any] | None:
        return self.read().get("database")


def machine_init_pid(instance: dict[str, Any]) -> int | None:
    """The machine's PID 1 (its systemd): the child of the systemd-nspawn whose pid the build keeps."""
    try:
        nspawn = int(pathlib.Path(instance["nspawnPidFile"]).read_text().strip())
        if not pathlib.Path(f"/proc/{nspawn}/comm").read_text().startswith("systemd-nspawn"):
            return None
        for task in pathlib.Path(f"/proc/{nspawn}/task").iterdir():
            children = (task / "children").read_text().split()
            if children:
                return int(children[0])
    except (OSError, ValueError, KeyError):
        return None
    return None


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def console_tail(instance: dict[str, Any]) -> str:
    try:
        with open(instance["consoleLog"], "rb") as console:
            console.seek(0, os.SEEK_END)
            console.seek(max(0, console.tell() - CONSOLE_BYTES))
            return console.read().decode("utf-8", errors="replace")
    except (OSError, KeyError):
        return ""


def machine_command(instance: dict[str, Any]) -> list[str] | None:
    """How a script runs as root in the machine: bash reading it on stdin, in the machine's namespaces."""
    init = machine_init_pid(instance)
    if init is None:
        return None
    return [
        "nsenter", "--target", str(init), "--mount", "--uts", "--ipc", "--net", "--pid", "--",
        "/usr/bin/env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8",
        "/bin/bash", "-s",
    ]


class HAProxy:
    """HAProxy's runtime API (a unix socket): one command per connection."""

    def __init__(self, balancer: dict[str, Any]) -> None:
        self.socket = balancer["socket"]
        self.backend = balancer.get("backend", "app")

    def command(self, text: str) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(10)
            connection.connect(self.socket)
            connection.sendall(text.encode("ascii") + b"\n")
            answer = b""
            while chunk := connection.recv(8192):
                answer += chunk
        return answer.decode("ascii", errors="replace")

    def set_state(self, server: str, state: str) -> None:
        answer = self.command(f"set server {self.backend}/{server} state {state}").strip()
        if answer:
            raise RuntimeError(f"HAProxy refused state {state} for {server}: {answer}")
        if state == "maint":
            self.command(f"shutdown sessions server {self.backend}/{server}")

    def servers(self) -> dict[str, tuple[str, int, str]]:
        """The backend's servers from `show stat`: name -> (status, current sessions, last check's result: INI, L7OK, L4CON, ...)."""
        lines = [line for line in self.command("show stat").splitlines() if line.strip()]
        if not lines or not lines[0].startswith("# "):
            return {}
        header = lines[0][2:].split(",")
        proxy, name, sessions, status, check = (header.index(c) for c in ("pxname", "svname", "scur", "status", "check_status"))
        result = {}
        for line in lines[1:]:
            fields = line.split(",")
            if len(fields) > status and fields[proxy] == self.backend and fields[name] not in ("BACKEND", "FRONTEND"):
                result[fields[name]] = (fields[status], int(fields[sessions] or 0), fields[check])
        return result


# ---- EC2: console output and status checks -----------------------------------------------------


def install_ec2(bridge: BridgeFile) -> None:
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.ec2.models.instances import Instance
    from moto.ec2.responses.general import General
    from moto.ec2.utils import Base64EncodedString

    def get_console_output(self: General) -> ActionResult:
        instance_id = self._get_param("InstanceId")
        instance = self.ec2_backend.get_instance(instance_id)
        result: dict[str, Any] = {"InstanceId": instance.id, "Timestamp": utcnow()}
        machine = bridge.instance(instance.id)
        text = console_tail(machine) if machine else ""
        if text:
            result["Output"] = Base64EncodedString.from_raw_string(text)
        return ActionResult(result)

    def status(self: Instance) -> dict[str, Any]:
        if self.state_code != 16:
            return {"Status": "not-applicable"}
        machine = bridge.instance(self.id)
        ready = machine is not None and machine_init_pid(machine) is not None and listening(int(machine["sshPort"]))
        state = "ok" if ready else "initializing"
        return {"Details": [{"Name": "reachability", "Status": "passed" if ready else "initializing"}], "Status": state}

    replace(General, "get_console_output", get_console_output)
    replace(Instance, "instance_status", property(status))
    replace(Instance, "system_status", property(status))


# ---- SSM: Run Command on the machine -----------------------------------------------------------


class Invocation:
    """One instance's part of a command: runs the AWS-RunShellScript script in that machine."""

    def __init__(self, bridge: BridgeFile, command: Any, response: dict[str, Any]) -> None:
        self.bridge = bridge
        self.command = command
        self.response = response
        self.process: subprocess.Popen[bytes] | None = None
        self.cancelled = threading.Event()
        response.update(
            {
                "Status": "Pending",
                "StatusDetails": "Pending",
                "ResponseCode": -1,
                "ExecutionStartDateTime": "",
                "ExecutionEndDateTime": "",
                "ExecutionElapsedTime": "",
            }
        )
        threading.Thread(target=self.run, daemon=True).start()

    def finish(self, status: str, details: str, code: int = -1, stdout: str = "", stderr: str = "") -> None:
        end = datetime.datetime.now(datetime.timezone.utc)
        self.response.update(
            {
                "Status": status,
                "StatusDetails": details,
                "ResponseCode": code,
                "StandardOutputContent": stdout[:STDOUT_LIMIT],
                "StandardErrorContent": stderr[:STDERR_LIMIT],
                "ExecutionEndDateTime": end.isoformat(),
            }
        )
        statuses = {invocation["Status"] for invocation in self.command.invocations}
        if not statuses & {"Pending", "InProgress"}:
            self.command.status = "Success" if statuses == {"Success"} else "Failed" if "Failed" in statuses else statuses.pop()
            self.command.status_details = self.command.status

    def run(self) -> None:
        instance_id = self.response["InstanceId"]
        deadline = time.monotonic() + float(self.command.timeout_seconds or 3600)
        argv = None
        while not self.cancelled.is_set():
            machine = self.bridge.instance(instance_id)
            argv = machine_command(machine) if machine else None
            if argv is not None or time.monotonic() > deadline:
                break
            time.sleep(1)
        if self.cancelled.is_set():
            return self.finish("Cancelled", "Cancelled")
        if argv is None:
            return self.finish("TimedOut", "DeliveryTimedOut")

        script = "\n".join(self.command.parameters.get("commands", []))
        timeout = float((self.command.parameters.get("executionTimeout") or ["3600"])[0])
        start = datetime.datetime.now(datetime.timezone.utc)
        self.response.update({"Status": "InProgress", "StatusDetails": "InProgress", "ExecutionStartDateTime": start.isoformat()})
        self.command.status = self.command.status_details = "InProgress"
        # a session of its own: a timeout or a cancel stops the script and everything it started
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            stdout, stderr = self.process.communicate(script.encode("utf-8"), timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            stdout, stderr = self.process.communicate()
            return self.finish("TimedOut", "ExecutionTimedOut", -1, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"))
        if self.cancelled.is_set():
            return self.finish("Cancelled", "Cancelled")
        code = self.process.returncode
        self.finish("Success" if code == 0 else "Failed", "Success" if code == 0 else "Failed", code, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"))

    def cancel(self) -> None:
        self.cancelled.set()
        self.kill()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def install_ssm(bridge: BridgeFile) -> None:
    from moto.core.responses import ActionResult, EmptyResult
    from moto.ssm.models import Command, SimpleSystemManagerBackend
    from moto.ssm.responses import SimpleSystemManagerResponse

    init = Command.__init__

    def __init__(self: Command, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.status = self.status_details = "Pending"
        self.runs = [Invocation(bridge, self, response) for response in self.invocations]

    def cancel_command(self: SimpleSystemManagerBackend, command_id: str, instance_ids: list[str]) -> None:
        command = self.get_command_by_id(command_id)
        for run in getattr(command, "runs", []):
            if not instance_ids or run.response["InstanceId"] in instance_ids:
                run.cancel()

    def cancel_command_response(self: SimpleSystemManagerResponse) -> ActionResult:
        self.ssm_backend.cancel_command(command_id=self._get_param("CommandId"), instance_ids=self._get_param("InstanceIds", []))
        return EmptyResult()

    replace(Command, "__init__", __init__)
    replace(SimpleSystemManagerBackend, "cancel_command", cancel_command)
    replace(SimpleSystemManagerResponse, "cancel_command", cancel_command_response)


# ---- ELBv2: the target group moves HAProxy -----------------------------------------------------


def install_elbv2(bridge: BridgeFile) -> None:
    from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup

    from moto.elbv2.models import ELBv2Backend

    register = FakeTargetGroup.register
    deregister = FakeTargetGroup.deregister
    health_for = FakeTargetGroup.health_for
    describe_target_health = ELBv2Backend.describe_target_health
    draining: dict[tuple[str, str], float] = {}  # deregistered targets still draining: (target group, instance id) -> when

    def balanced(instance_id: str) -> tuple[HAProxy, str] | None:
        balancer = bridge.load_balancer()
        machine = bridge.instance(instance_id)
        if balancer is None or machine is None or "balancerServer" not in machine:
            return None
        return HAProxy(balancer), machine["balancerServer"]

    def move(instance_id: str, state: str) -> bool:
        """HAProxy follows the target group; when it cannot (not running yet, not listing the machine), the
        build's next HAProxy start takes the registrations from the target group instead."""
        if server := balanced(instance_id):
            haproxy, name = server
            try:
                haproxy.set_state(name, state)
                if state == "ready":
                    # as the ALB: a registered target is not healthy before its own checks say so
                    haproxy.command(f"set server {haproxy.backend}/{name} health down")
                return True
            except (OSError, RuntimeError) as error:
                print(f"bridge: HAProxy did not take {name} {state}: {error}", flush=True)
        return False

    def register_targets(self: FakeTargetGroup, targets: list[dict[str, Any]]) -> None:
        register(self, targets)
        for target in targets:
            draining.pop((self.arn, target["Id"]), None)
            move(target["Id"], "ready")

    def deregister_targets(self: FakeTargetGroup, targets: list[dict[str, Any]]) -> None:
        deregister(self, targets)
        for target in targets:
            if move(target["Id"], "drain"):
                draining[(self.arn, target["Id"])] = time.monotonic()

    def target_health(self: FakeTargetGroup, target: dict[str, Any], ec2_backend: Any) -> FakeHealthStatus:
        target_id = target["Id"]
        server = balanced(target_id)
        if server is None:
            return health_for(self, target, ec2_backend)
        haproxy, name = server
        port = self.targets.get(target_id, {}).get("Port", self.port)
        status, sessions, check = haproxy.servers().get(name, ("", 0, ""))
        if target_id in self.targets:
            if status.startswith("UP"):
                return FakeHealthStatus(target_id, port, self.health_check_port, "healthy")
            if status.startswith("DOWN") and check not in ("", "INI") and not check.endswith("OK"):
                return FakeHealthStatus(target_id, port, self.health_check_port, "unhealthy", "Target.FailedHealthChecks", "Health checks failed")
            return FakeHealthStatus(target_id, port, self.health_check_port, "initial", "Elb.InitialHealthChecking", "Initial health checks in progress")
        if (self.arn, target_id) in draining:
            delay = float(self.attributes.get("deregistration_delay.timeout_seconds", 300))
            if sessions > 0 and time.monotonic() - draining[(self.arn, target_id)] < delay:
                return FakeHealthStatus(
                    target_id, port, self.health_check_port, "draining", "Target.DeregistrationInProgress", "Target deregistration is in progress"
                )
            # the delay is over, or nothing is open: the load balancer closes what is left and stops checking it
            move(target_id, "maint")
            draining.pop((self.arn, target_id))
        return health_for(self, target, ec2_backend)

    def describe_target_health_with_draining(self: Any, target_group_arn: str, targets: list[dict[str, Any]]) -> list[FakeHealthStatus]:
        # asked for every target, the group lists the ones still draining too, as ELBv2 does
        if not targets and (target_group := self.target_groups.get(target_group_arn)) is not None:
            targets = list(target_group.targets.values()) + [
                {"Id": target_id} for (arn, target_id) in draining if arn == target_group_arn and target_id not in target_group.targets
            ]
        return describe_target_health(self, target_group_arn, targets)

    replace(ELBv2Backend, "describe_target_health", describe_target_health_with_draining)
    replace(FakeTargetGroup, "register", register_targets)
    replace(FakeTargetGroup, "deregister", deregister_targets)
    replace(FakeTargetGroup, "health_for", target_health)


# ---- RDS: each instance's data is a database in the stack's PostgreSQL ---------------------------


class Postgres:
    """The stack's PostgreSQL as its superuser, over its private socket, with its own client programs."""

    def __init__(self, database: dict[str, Any]) -> None:
        self.socket = database["socket"]
        self.port = str(database["port"])
        self.bin = pathlib.Path(database["bin"])
        self.snapshots = pathlib.Path(database["snapshots"])

    def connection(self, program: str) -> list[str]:
        return [str(self.bin / program), "-h", self.socket, "-p", self.port, "-U", "postgres"]

    def run(self, argv: list[str], stdin: str = "") -> str:
        done = subprocess.run(argv, input=stdin.encode("utf-8"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=3600, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{pathlib.Path(argv[0]).name} failed ({done.returncode}): {done.stderr.decode('utf-8', 'replace').strip()[-2000:]}")
        return done.stdout.decode("utf-8", "replace")

    def sql(self, statements: str, database: str = "postgres") -> str:
        """Statements on psql's standard input (never in its arguments: a password may be among them)."""
        return self.run([*self.connection("psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", database], statements)

    def exists(self, name: str) -> bool:
        return self.sql(f"SELECT 1 FROM pg_database WHERE datname = {literal(name)}").strip() == "1"

    def dump_file(self, snapshot_id: str) -> pathlib.Path:
        return self.snapshots / f"{snapshot_id}.dump"

    def dump(self, name: str, snapshot_id: str) -> None:
        """pg_dump's custom format into the snapshot folder (a temp name, then a rename: a dump there is whole)."""
        self.snapshots.mkdir(parents=True, exist_ok=True)
        final = self.dump_file(snapshot_id)
        temporary = final.with_suffix(".tmp")
        self.run([*self.connection("pg_dump"), "-Fc", "-f", str(temporary), "-d", name])
        temporary.rename(final)

    def load(self, snapshot_id: str, name: str, owner: str) -> None:
        """A new database from the snapshot's dump, its objects owned and granted as they were (roles are the cluster's)."""
        self.sql(f"DROP DATABASE IF EXISTS {identifier(name)} WITH (FORCE)")
        self.sql(f"CREATE DATABASE {identifier(name)} OWNER {identifier(owner)}")
        self.run([*self.connection("pg_restore"), "--exit-on-error", "--single-transaction", "-d", name, str(self.dump_file(snapshot_id))])

    def rename(self, old: str, new: str) -> None:
        """Closes what is connected to it (as the old endpoint stops answering), then renames it."""
        self.sql(f"ALTER DATABASE {identifier(old)} ALLOW_CONNECTIONS false")
        for attempt in range(50):
            self.sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = {literal(old)} AND pid <> pg_backend_pid()")
            try:
                self.sql(f"ALTER DATABASE {identifier(old)} RENAME TO {identifier(new)}")
                break
            except RuntimeError:
                if attempt == 49:
                    self.sql(f"ALTER DATABASE {identifier(old)} ALLOW_CONNECTIONS true")
                    raise
                time.sleep(0.2)
        self.sql(f"ALTER DATABASE {identifier(new)} ALLOW_CONNECTIONS true")


def identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def install_rds(bridge: BridgeFile) -> None:
    from moto.rds.exceptions import InvalidParameterValue, RDSClientError
    from moto.rds.models import RDSBackend

    create_db_snapshot = RDSBackend.create_db_snapshot
    restore_from_snapshot = RDSBackend.restore_db_instance_from_db_snapshot
    restore_to_point_in_time = RDSBackend.restore_db_instance_to_point_in_time
    modify_db_instance = RDSBackend.modify_db_instance
    # the database each identifier's endpoint leads to; an instance terraform created holds its DBName
    databases: dict[tuple[str, str], str] = {}

    def postgres() -> Postgres | None:
        database = bridge.database()
        return Postgres(database) if database else None

    def database_of(backend: Any, instance_id: str) -> str:
        return databases.setdefault((backend.region_name, instance_id), backend.databases[instance_id].db_name or instance_id)

    def snapshot(self: RDSBackend, db_instance_identifier: str, db_snapshot_identifier: str, snapshot_type: str = "manual", *args: Any, **kwargs: Any) -> Any:
        taken = create_db_snapshot(self, db_instance_identifier, db_snapshot_identifier, snapshot_type, *args, **kwargs)
        # manual snapshots (a final snapshot is one) hold the data; moto's automated one of a new instance has none to hold
        if snapshot_type == "manual" and (server := postgres()) is not None:
            try:
                server.dump(database_of(self, db_instance_identifier), db_snapshot_identifier)
            except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
                del self.database_snapshots[db_snapshot_identifier]
                raise RDSClientError("InvalidDBInstanceState", f"The rehearsal could not dump {db_instance_identifier}'s database for snapshot {db_snapshot_identifier}: {error}") from error
        return taken

    def restore(self: RDSBackend, from_snapshot_id: str, overrides: dict[str, Any]) -> Any:
        server = postgres()
        name = from_snapshot_id.split(":")[-1]
        if server is not None and name in self.database_snapshots and not server.dump_file(name).exists():
            raise RDSClientError("InvalidDBSnapshotState", f"The rehearsal holds no data for snapshot {name} (no dump of it in {server.snapshots}).")
        instance = restore_from_snapshot(self, from_snapshot_id, overrides)
        if server is not None:
            database = databases[(self.region_name, instance.db_instance_identifier)] = instance.db_instance_identifier
            try:
                server.load(name, database, instance.master_username)
                take_master_secret(server, instance, database)
            except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
                # no instance without its data: the request fails as a whole
                del self.databases[instance.db_instance_identifier]
                if getattr(instance, "master_user_secret", None) is not None:
                    instance.master_user_secret.delete_secret()
                raise RDSClientError("InvalidRestoreFault", f"The rehearsal could not load snapshot {name} into {database}: {error}") from error
        return instance

    def take_master_secret(server: Postgres, instance: Any, database: str) -> None:
        """The restored instance's master user logs in with its own managed secret's password (roles are the cluster's)."""
        secret = getattr(instance, "master_user_secret", None)
        if secret is None:
            return
        password = json.loads(secret.secret.secret_string)["password"]
        server.sql(f"ALTER ROLE {identifier(instance.master_username)} PASSWORD {literal(password)}")
        # the build's marker: this database belongs to the instance of this master secret (see RehearsalSite)
        server.sql(f"COMMENT ON DATABASE {identifier(database)} IS {literal(secret.secret_arn)}")

    def point_in_time(self: RDSBackend, source_db_identifier: str, target_db_identifier: str, overrides: dict[str, Any]) -> Any:
        if postgres() is not None:
            raise RDSClientError(
                "InvalidRestoreFault",
                "The rehearsal cannot make a point-in-time restore real: its instances' databases share one PostgreSQL "
                "whose WAL archive restores the whole cluster, not one instance's database. Restore a snapshot.",
            )
        return restore_to_point_in_time(self, source_db_identifier, target_db_identifier, overrides)

    def modify(self: RDSBackend, db_instance_identifier: str, db_kwargs: dict[str, Any]) -> Any:
        new_id = db_kwargs.get("new_db_instance_identifier")
        server = postgres()
        if not new_id or server is None or db_instance_identifier not in self.databases:
            return modify_db_instance(self, db_instance_identifier, db_kwargs)
        old, new = database_of(self, db_instance_identifier), databases.get((self.region_name, new_id), new_id)
        if server.exists(new):
            raise InvalidParameterValue(f"The rehearsal's PostgreSQL has a database {new} already: the endpoint of {new_id} leads there.")
        if server.exists(old):
            server.rename(old, new)
        try:
            modified = modify_db_instance(self, db_instance_identifier, db_kwargs)
        except RDSClientError:
            if server.exists(new):
                server.rename(new, old)
            raise
        # the old identifier's endpoint keeps leading to its database name; the new one leads to this
        databases[(self.region_name, new_id)] = new
        return modified

    replace(RDSBackend, "create_db_snapshot", snapshot)
    replace(RDSBackend, "restore_db_instance_from_db_snapshot", restore)
    replace(RDSBackend, "restore_db_instance_to_point_in_time", point_in_time)
    replace(RDSBackend, "modify_db_instance", modify)


def install(bridge_path: str) -> BridgeFile:
    bridge = BridgeFile(bridge_path)
    install_ec2(bridge)
    install_ssm(bridge)
    install_elbv2(bridge)
    install_rds(bridge)
    return bridge
