"""Tests of bridge.py: what moto answers about the rehearsal's machines comes from the machines.

Run: python3 -m unittest discover -s rehearsal/moto/tests -v
The SSM tests run each script with bash on this host instead of nsenter into a machine (the
rehearsal's integration tests run it in the machine); the target group tests run a real HAProxy;
the RDS tests a real PostgreSQL of their own (Debian's postgresql-15, as the stack's).
"""

import base64
import http.server
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")

import aws_patches  # noqa: E402
import bridge  # noqa: E402

import boto3  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from moto import mock_aws  # noqa: E402

REGION = "ap-northeast-2"
HOST_KEYS = "-----BEGIN SSH HOST KEY KEYS-----\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBridgeTestKey root@machine\n-----END SSH HOST KEY KEYS-----\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class BridgeTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.folder = pathlib.Path(tempfile.mkdtemp(prefix="moto-bridge-"))
        self.addCleanup(shutil.rmtree, self.folder)
        self.bridge_file = self.folder / "bridge.json"
        aws_patches.apply_all()
        bridge.install(str(self.bridge_file))
        self.addCleanup(aws_patches.apply_all)  # the bridge out again, the patches as the other tests expect them
        self.mock = mock_aws()
        self.mock.start()
        self.addCleanup(self.mock.stop)
        self.ec2 = boto3.client("ec2", region_name=REGION)
        image = self.ec2.register_image(Name="debian-13-amd64-test", RootDeviceName="/dev/xvda")["ImageId"]
        self.instance_id = self.ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]

    def describe(self, instances: dict, balancer: dict | None = None) -> None:
        """The bridge file as the build writes it: a temp name, then a rename."""
        temporary = self.bridge_file.with_suffix(".tmp")
        temporary.write_text(json.dumps({"instances": instances, **({"loadBalancer": balancer} if balancer else {})}))
        temporary.rename(self.bridge_file)

    def machine(self, **extra: object) -> dict:
        console = self.folder / "console.log"
        return {"machine": "tableorder-test", "nspawnPidFile": str(self.folder / "nspawn.pid"), "consoleLog": str(console), "sshPort": free_port(), **extra}


class ConsoleAndStatus(BridgeTestCase):
    def test_the_console_output_is_the_machines_console_and_none_before_it_boots(self) -> None:
        self.assertNotIn("Output", self.ec2.get_console_output(InstanceId=self.instance_id))

        machine = self.machine()
        pathlib.Path(machine["consoleLog"]).write_text("x" * 70000 + "\n" + HOST_KEYS)
        self.describe({self.instance_id: machine})
        output = self.ec2.get_console_output(InstanceId=self.instance_id)["Output"]
        self.assertTrue(output.endswith(HOST_KEYS))
        self.assertEqual(bridge.CONSOLE_BYTES, len(output.encode()))

    def test_status_checks_initialize_until_the_machine_runs_and_listens(self) -> None:
        def status() -> tuple[str, str]:
            found = self.ec2.describe_instance_status(InstanceIds=[self.instance_id])["InstanceStatuses"][0]
            return found["InstanceStatus"]["Status"], found["SystemStatus"]["Status"]

        self.assertEqual(("initializing", "initializing"), status())
        self.describe({self.instance_id: self.machine()})
        self.assertEqual(("initializing", "initializing"), status())  # no systemd-nspawn behind its pid file


class RunCommand(BridgeTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.describe({self.instance_id: self.machine()})
        # the script runs with bash here; in the rehearsal, with nsenter in the machine
        original = bridge.machine_command
        bridge.machine_command = lambda machine: ["/bin/bash", "-s"]
        self.addCleanup(setattr, bridge, "machine_command", original)
        self.ssm = boto3.client("ssm", region_name=REGION)

    def send(self, script: str, timeout: str = "60") -> str:
        return self.ssm.send_command(
            InstanceIds=[self.instance_id], DocumentName="AWS-RunShellScript", Parameters={"commands": [script], "executionTimeout": [timeout]}
        )["Command"]["CommandId"]

    def wait(self, command_id: str) -> dict:
        for _ in range(200):
            invocation = self.ssm.get_command_invocation(CommandId=command_id, InstanceId=self.instance_id)
            if invocation["Status"] not in ("Pending", "InProgress", "Delayed"):
                return invocation
            time.sleep(0.05)
        self.fail(f"command {command_id} did not finish")

    def test_a_script_runs_and_its_output_and_exit_code_come_back(self) -> None:
        done = self.wait(self.send("echo out; echo err >&2"))
        self.assertEqual(("Success", 0, "out\n", "err\n"), (done["Status"], done["ResponseCode"], done["StandardOutputContent"], done["StandardErrorContent"]))
        failed = self.wait(self.send("exit 3"))
        self.assertEqual(("Failed", 3), (failed["Status"], failed["ResponseCode"]))

    def test_the_output_is_cut_at_ssms_limits(self) -> None:
        done = self.wait(self.send("head -c 30000 /dev/zero | tr '\\0' o; head -c 9000 /dev/zero | tr '\\0' e >&2"))
        self.assertEqual((bridge.STDOUT_LIMIT, bridge.STDERR_LIMIT), (len(done["StandardOutputContent"]), len(done["StandardErrorContent"])))

    def test_a_command_runs_in_progress_until_done_and_the_execution_timeout_stops_it(self) -> None:
        command_id = self.send("sleep 30", timeout="1")
        time.sleep(0.3)
        self.assertEqual("InProgress", self.ssm.get_command_invocation(CommandId=command_id, InstanceId=self.instance_id)["Status"])
        done = self.wait(command_id)
        self.assertEqual(("TimedOut", "ExecutionTimedOut"), (done["Status"], done["StatusDetails"]))

    def test_cancel_command_stops_the_script(self) -> None:
        command_id = self.send(f"sleep 30; touch {self.folder}/not-cancelled")
        time.sleep(0.3)
        self.ssm.cancel_command(CommandId=command_id, InstanceIds=[self.instance_id])
        self.assertEqual("Cancelled", self.wait(command_id)["Status"])
        self.assertFalse((self.folder / "not-cancelled").exists())


class Health(http.server.BaseHTTPRequestHandler):
    """A server's /api/health, as HAProxy's checks ask it (503 while unhealthy)."""

    unhealthy = False

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(503 if Health.unhealthy else 200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


class TargetGroupMovesHAProxy(BridgeTestCase):
    def setUp(self) -> None:
        super().setUp()
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        self.assertTrue(os.path.exists(haproxy), "haproxy is not installed: apt-get install haproxy (the rehearsal's load balancer)")
        self.app = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
        threading.Thread(target=self.app.serve_forever, daemon=True).start()
        self.addCleanup(self.app.shutdown)
        socket_path = self.folder / "admin.sock"
        config = self.folder / "haproxy.cfg"
        config.write_text(
            f"global\n    stats socket {socket_path} mode 600 level admin\n"
            "defaults\n    mode http\n    timeout connect 2s\n    timeout client 10s\n    timeout server 10s\n"
            f"frontend web\n    bind 127.0.0.1:{free_port()}\n    default_backend app\n"
            "backend app\n    option httpchk GET /api/health\n    default-server inter 100ms fall 2 rise 2\n"
            f"    server app-1 127.0.0.1:{self.app.server_address[1]} check disabled\n"
        )
        self.haproxy = subprocess.Popen([haproxy, "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(self.haproxy.wait)
        self.addCleanup(self.haproxy.terminate)
        for _ in range(100):
            if socket_path.exists():
                break
            time.sleep(0.05)
        self.balancer = {"socket": str(socket_path), "backend": "app"}
        self.describe({self.instance_id: self.machine(balancerServer="app-1")}, self.balancer)
        vpc = self.ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        self.elbv2 = boto3.client("elbv2", region_name=REGION)
        self.group = self.elbv2.create_target_group(Name="app", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
        self.elbv2.modify_target_group_attributes(TargetGroupArn=self.group, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}])

    def state(self) -> str:
        found = self.elbv2.describe_target_health(TargetGroupArn=self.group, Targets=[{"Id": self.instance_id}])["TargetHealthDescriptions"]
        return found[0]["TargetHealth"]["State"]

    def until(self, state: str) -> None:
        for _ in range(100):
            if self.state() == state:
                return
            time.sleep(0.1)
        self.fail(f"the target never became {state} (it is {self.state()}; HAProxy: {bridge.HAProxy(self.balancer).servers()})")

    def test_registering_makes_the_server_ready_and_haproxys_checks_call_it_healthy(self) -> None:
        self.assertTrue(bridge.HAProxy(self.balancer).servers()["app-1"][0].startswith("MAINT"))
        self.elbv2.register_targets(TargetGroupArn=self.group, Targets=[{"Id": self.instance_id}])
        self.until("healthy")
        self.app.shutdown()
        self.app.server_close()
        self.until("unhealthy")

    def test_a_registered_target_is_not_healthy_before_haproxys_checks_pass(self) -> None:
        Health.unhealthy = True
        self.addCleanup(setattr, Health, "unhealthy", False)
        self.elbv2.register_targets(TargetGroupArn=self.group, Targets=[{"Id": self.instance_id}])
        self.assertIn(self.state(), ("initial", "unhealthy"))
        self.until("unhealthy")
        Health.unhealthy = False
        self.until("healthy")

    def test_deregistering_drains_then_puts_the_server_in_maintenance(self) -> None:
        self.elbv2.register_targets(TargetGroupArn=self.group, Targets=[{"Id": self.instance_id}])
        self.until("healthy")
        self.elbv2.deregister_targets(TargetGroupArn=self.group, Targets=[{"Id": self.instance_id}])
        self.assertTrue(bridge.HAProxy(self.balancer).servers()["app-1"][0].startswith(("DRAIN", "MAINT")))
        self.until("unused")  # nothing is open on it: the drain ends at once
        self.assertTrue(bridge.HAProxy(self.balancer).servers()["app-1"][0].startswith("MAINT"))


class Postgres15:
    """A PostgreSQL 15 cluster of a test's own: its superuser over a private socket, passwords over TCP on 127.0.0.1."""

    BIN = pathlib.Path("/usr/lib/postgresql/15/bin")

    def __init__(self, folder: pathlib.Path) -> None:
        self.folder = folder / "postgres"
        self.socket = self.folder / "run"
        self.port = free_port()
        self.socket.mkdir(parents=True)
        shutil.chown(folder, "postgres")
        subprocess.run(["chown", "-R", "postgres:", str(self.folder)], check=True)
        self.as_postgres("initdb", "-D", str(self.folder / "data"), "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8")
        options = f"-k {self.socket} -p {self.port} -c listen_addresses=127.0.0.1"
        self.as_postgres("pg_ctl", "start", "-w", "-D", str(self.folder / "data"), "-l", str(self.folder / "log"), "-o", options)

    def as_postgres(self, program: str, *arguments: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.BIN / program), *arguments], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        self.as_postgres("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.folder / "data"))

    def bridged(self, snapshots: pathlib.Path) -> dict:
        return {"socket": str(self.socket), "port": self.port, "bin": str(self.BIN), "snapshots": str(snapshots)}

    def sql(self, statements: str, database: str = "postgres", user: str = "postgres", password: str | None = None) -> str:
        host = ["-h", "127.0.0.1"] if password is not None else ["-h", str(self.socket)]
        environment = {**os.environ, "PGPASSWORD": password} if password is not None else None
        done = subprocess.run(
            [str(self.BIN / "psql"), *host, "-p", str(self.port), "-U", user, "-d", database, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"],
            input=statements.encode(), capture_output=True, env=environment, check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr.decode())
        return done.stdout.decode().strip()


class RdsInstancesArePostgresDatabases(unittest.TestCase):
    """A snapshot moto takes is a dump of the instance's database; an instance restored from it is a database with that data."""

    def setUp(self) -> None:
        self.folder = pathlib.Path(tempfile.mkdtemp(prefix="moto-bridge-rds-"))
        self.addCleanup(shutil.rmtree, self.folder)
        self.postgres = Postgres15(self.folder)
        self.addCleanup(self.postgres.stop)
        self.snapshots = self.folder / "rds-snapshots"
        bridge_file = self.folder / "bridge.json"
        bridge_file.write_text(json.dumps({"instances": {}, "database": self.postgres.bridged(self.snapshots)}))
        aws_patches.apply_all()
        bridge.install(str(bridge_file))
        self.addCleanup(aws_patches.apply_all)
        self.mock = mock_aws()
        self.mock.start()
        self.addCleanup(self.mock.stop)
        self.rds = boto3.client("rds", region_name=REGION)
        self.secrets = boto3.client("secretsmanager", region_name=REGION)

        # the stack's instance, and its database as the build makes it: the master user owns it, the app's data in it
        instance = self.rds.create_db_instance(
            DBInstanceIdentifier="table-order-db", DBInstanceClass="db.t3.small", Engine="postgres", AllocatedStorage=20,
            DBName="tableorder", MasterUsername="tableorder", ManageMasterUserPassword=True, BackupRetentionPeriod=7,
        )["DBInstance"]
        self.first_secret = instance["MasterUserSecret"]["SecretArn"]
        self.postgres.sql(f"CREATE ROLE tableorder LOGIN CREATEROLE PASSWORD '{self.password(self.first_secret)}'")
        self.postgres.sql("CREATE DATABASE tableorder OWNER tableorder")
        self.postgres.sql("CREATE TABLE orders (number text PRIMARY KEY); INSERT INTO orders VALUES ('o-1'), ('o-2')", "tableorder", "tableorder", self.password(self.first_secret))

    def password(self, secret_arn: str) -> str:
        return json.loads(self.secrets.get_secret_value(SecretId=secret_arn)["SecretString"])["password"]

    def orders(self, database: str) -> list[str]:
        return self.postgres.sql("SELECT number FROM orders ORDER BY number", database).split()

    def rename(self, identifier: str, new: str) -> None:
        self.rds.modify_db_instance(DBInstanceIdentifier=identifier, NewDBInstanceIdentifier=new, ApplyImmediately=True)

    def test_a_snapshot_restored_into_a_new_instance_brings_its_data_back_under_the_stacks_endpoint(self) -> None:
        self.rds.create_db_snapshot(DBInstanceIdentifier="table-order-db", DBSnapshotIdentifier="table-order-db-manual-1")
        self.assertTrue((self.snapshots / "table-order-db-manual-1.dump").is_file())
        self.postgres.sql("DELETE FROM orders", "tableorder")

        restored = self.rds.restore_db_instance_from_db_snapshot(
            DBSnapshotIdentifier="table-order-db-manual-1", DBInstanceIdentifier="table-order-db-restore-1", ManageMasterUserPassword=True, DeletionProtection=True,
        )["DBInstance"]
        self.assertEqual(["o-1", "o-2"], self.orders("table-order-db-restore-1"))
        self.assertEqual([], self.orders("tableorder"))
        # its master user logs in with the new instance's own secret, which marks the database as that instance's
        second_secret = restored["MasterUserSecret"]["SecretArn"]
        self.assertNotEqual(self.first_secret, second_secret)
        self.assertEqual("2", self.postgres.sql("SELECT count(*) FROM orders", "table-order-db-restore-1", "tableorder", self.password(second_secret)))
        self.assertEqual(second_secret, self.postgres.sql("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'table-order-db-restore-1'"))

        # the renames move the endpoints: the old instance's data goes with it, the stack's endpoint leads to the restored data
        self.rename("table-order-db", "table-order-db-replaced-1")
        self.rename("table-order-db-restore-1", "table-order-db")
        self.assertEqual(["o-1", "o-2"], self.orders("tableorder"))
        self.assertEqual([], self.orders("table-order-db-replaced-1"))
        databases = self.postgres.sql("SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1') ORDER BY 1").split()
        self.assertEqual(["table-order-db-replaced-1", "tableorder"], databases)

        # and a snapshot of the instance now under the stack's name is of the restored data
        self.postgres.sql("INSERT INTO orders VALUES ('o-3')", "tableorder")
        self.rds.create_db_snapshot(DBInstanceIdentifier="table-order-db", DBSnapshotIdentifier="table-order-db-manual-2")
        self.rds.restore_db_instance_from_db_snapshot(DBSnapshotIdentifier="table-order-db-manual-2", DBInstanceIdentifier="table-order-db-restore-2")
        self.assertEqual(["o-1", "o-2", "o-3"], self.orders("table-order-db-restore-2"))

    def test_a_connected_client_does_not_keep_a_rename_from_happening(self) -> None:
        client = subprocess.Popen(
            [str(Postgres15.BIN / "psql"), "-h", str(self.postgres.socket), "-p", str(self.postgres.port), "-U", "postgres", "-d", "tableorder", "-c", "SELECT pg_sleep(60)"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.addCleanup(client.wait)
        self.addCleanup(client.kill)
        for _ in range(50):
            if self.postgres.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'tableorder'") == "1":
                break
            time.sleep(0.1)
        self.rename("table-order-db", "table-order-db-replaced-1")
        self.assertEqual(["o-1", "o-2"], self.orders("table-order-db-replaced-1"))
        self.assertEqual("t", self.postgres.sql("SELECT datallowconn FROM pg_database WHERE datname = 'table-order-db-replaced-1'"))

    def test_a_point_in_time_restore_is_refused_and_a_snapshot_without_data_cannot_be_restored(self) -> None:
        with self.assertRaises(ClientError) as refused:
            self.rds.restore_db_instance_to_point_in_time(SourceDBInstanceIdentifier="table-order-db", TargetDBInstanceIdentifier="table-order-db-pitr", UseLatestRestorableTime=True)
        self.assertEqual("InvalidRestoreFault", refused.exception.response["Error"]["Code"])
        self.assertNotIn("table-order-db-pitr", [i["DBInstanceIdentifier"] for i in self.rds.describe_db_instances()["DBInstances"]])

        self.rds.create_db_snapshot(DBInstanceIdentifier="table-order-db", DBSnapshotIdentifier="taken")
        (self.snapshots / "taken.dump").unlink()
        with self.assertRaises(ClientError) as missing:
            self.rds.restore_db_instance_from_db_snapshot(DBSnapshotIdentifier="taken", DBInstanceIdentifier="table-order-db-restore-1")
        self.assertEqual("InvalidDBSnapshotState", missing.exception.response["Error"]["Code"])

    def test_a_snapshot_of_an_instance_whose_database_cannot_be_dumped_fails_and_leaves_no_snapshot(self) -> None:
        self.postgres.sql("DROP DATABASE tableorder")
        with self.assertRaises(ClientError) as failed:
            self.rds.create_db_snapshot(DBInstanceIdentifier="table-order-db", DBSnapshotIdentifier="nothing")
        self.assertEqual("InvalidDBInstanceState", failed.exception.response["Error"]["Code"])
        self.assertEqual([], self.rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"])


if __name__ == "__main__":
    unittest.main()
