"""Tests of bridge.py: what moto answers about the rehearsal's machines comes from the machines.

Run: python3 -m unittest discover -s rehearsal/moto/tests -v
The SSM tests run each script with bash on this host instead of nsenter into a machine (the
rehearsal's integration tests run it in the machine); the target group tests run a real HAProxy.
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


if __name__ == "__main__":
    unittest.main()
