"""Tests of aws_patches.py: each class asserts the AWS behaviour one patch restores (PATCH names it).

Run: python3 -m unittest discover -s rehearsal/moto/tests -v
(TableOrder.Build.Tests runs this too: Rehearsal/MotoPatchesTests.) TestPatchesAreNeeded runs each
class again with its patch left out (every other patch applied), and expects it to fail.
"""

import io
import json
import os
import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
# moto's default AMIs (dozens per region, each with a snapshot) are of no use here and cost seconds
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")

import aws_patches  # noqa: E402

aws_patches.apply_all()

import boto3  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from moto import mock_aws  # noqa: E402

REGION = "ap-northeast-2"


class MotoTestCase(unittest.TestCase):
    PATCH = ""

    def setUp(self) -> None:
        self.mock = mock_aws()
        self.mock.start()

    def tearDown(self) -> None:
        self.mock.stop()

    @staticmethod
    def client(service: str):  # type: ignore[no-untyped-def]
        return boto3.client(service, region_name=REGION)

    def network(self) -> tuple[str, list[str], str]:
        """A VPC with two private subnets and a security group: (vpc, subnets, group)."""
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]
            for i, zone in ((2, "a"), (3, "c"))
        ]
        group = ec2.create_security_group(GroupName="redis", Description="Redis", VpcId=vpc)["GroupId"]
        return vpc, subnets, group


class IamConditionsOnKeysMotoDoesNotSupply(MotoTestCase):
    PATCH = "iam_statements_conditioned_on_keys_moto_does_not_supply_do_not_apply"

    def bucket(self, statement: dict) -> str:  # type: ignore[type-arg]
        s3 = self.client("s3")
        s3.create_bucket(Bucket="releases", CreateBucketConfiguration={"LocationConstraint": REGION})
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::releases", "arn:aws:s3:::releases/*"], **statement}]}
        s3.put_bucket_policy(Bucket="releases", Policy=json.dumps(policy))
        return "releases"

    def test_a_deny_on_insecure_transport_lets_objects_be_written_and_read(self) -> None:
        bucket = self.bucket({"Sid": "DenyInsecureTransport", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
        s3 = self.client("s3")
        s3.put_object(Bucket=bucket, Key="releases/current", Body=b"abc")
        self.assertEqual(b"abc", s3.get_object(Bucket=bucket, Key="releases/current")["Body"].read())
        with self.assertRaises(ClientError) as missing:
            s3.head_object(Bucket=bucket, Key="releases/none")
        self.assertEqual("404", missing.exception.response["Error"]["Code"])

    def test_a_deny_without_a_condition_still_denies(self) -> None:
        bucket = self.bucket({"Sid": "DenyAll"})
        with self.assertRaises(ClientError) as denied:
            self.client("s3").put_object(Bucket=bucket, Key="releases/current", Body=b"abc")
        self.assertEqual("403", str(denied.exception.response["ResponseMetadata"]["HTTPStatusCode"]))


class RdsBackupWindowTouchingTheMaintenanceWindow(MotoTestCase):
    PATCH = "rds_backup_window_may_end_where_the_maintenance_window_begins"

    def create(self, backup: str, maintenance: str):  # type: ignore[no-untyped-def]
        return self.client("rds").create_db_instance(
            DBInstanceIdentifier="db",
            DBInstanceClass="db.t3.small",
            Engine="postgres",
            AllocatedStorage=20,
            MasterUsername="tableorder",
            MasterUserPassword="a-password-of-length",
            PreferredBackupWindow=backup,
            PreferredMaintenanceWindow=maintenance,
        )["DBInstance"]

    def test_windows_that_only_touch_are_accepted(self) -> None:
        instance = self.create("03:00-04:00", "mon:04:00-mon:05:00")
        self.assertEqual("03:00-04:00", instance["PreferredBackupWindow"])
        self.assertEqual("mon:04:00-mon:05:00", instance["PreferredMaintenanceWindow"])

    def test_windows_that_overlap_are_still_refused(self) -> None:
        with self.assertRaises(ClientError) as refused:
            self.create("03:00-04:30", "mon:04:00-mon:05:00")
        self.assertIn("must not overlap", refused.exception.response["Error"]["Message"])


class RdsParametersOfTheUser(MotoTestCase):
    PATCH = "rds_parameters_set_by_the_user_have_source_user"

    def test_a_parameter_set_by_the_user_has_source_user_and_the_source_filter_finds_it(self) -> None:
        rds = self.client("rds")
        rds.create_db_parameter_group(DBParameterGroupName="pg", DBParameterGroupFamily="postgres15", Description="TLS")
        rds.modify_db_parameter_group(
            DBParameterGroupName="pg",
            Parameters=[{"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}],
        )
        everything = rds.describe_db_parameters(DBParameterGroupName="pg")["Parameters"]
        self.assertEqual(["user"], [p.get("Source") for p in everything if p["ParameterName"] == "rds.force_ssl"])
        user = rds.describe_db_parameters(DBParameterGroupName="pg", Source="user")["Parameters"]
        self.assertEqual([("rds.force_ssl", "1")], [(p["ParameterName"], p["ParameterValue"]) for p in user])
        self.assertEqual([], rds.describe_db_parameters(DBParameterGroupName="pg", Source="engine-default")["Parameters"])


class RdsPerformanceInsights(MotoTestCase):
    PATCH = "rds_performance_insights_settings_are_kept"

    def test_performance_insights_are_reported_as_created_and_as_modified(self) -> None:
        rds = self.client("rds")
        rds.create_db_instance(
            DBInstanceIdentifier="db",
            DBInstanceClass="db.t3.small",
            Engine="postgres",
            AllocatedStorage=20,
            MasterUsername="tableorder",
            MasterUserPassword="a-password-of-length",
            EnablePerformanceInsights=True,
            PerformanceInsightsRetentionPeriod=7,
        )
        created = rds.describe_db_instances(DBInstanceIdentifier="db")["DBInstances"][0]
        self.assertEqual((True, 7), (created.get("PerformanceInsightsEnabled"), created.get("PerformanceInsightsRetentionPeriod")))

        rds.modify_db_instance(DBInstanceIdentifier="db", EnablePerformanceInsights=False, ApplyImmediately=True)
        self.assertFalse(rds.describe_db_instances(DBInstanceIdentifier="db")["DBInstances"][0].get("PerformanceInsightsEnabled"))


class RdsResourceIdOfEachInstance(MotoTestCase):
    PATCH = "rds_each_instance_has_its_own_resource_id"

    def test_each_instance_a_restored_one_too_has_its_own_resource_id_and_a_rename_keeps_it(self) -> None:
        rds = self.client("rds")
        created = rds.create_db_instance(
            DBInstanceIdentifier="db", DBInstanceClass="db.t3.small", Engine="postgres", AllocatedStorage=20,
            MasterUsername="tableorder", MasterUserPassword="a-password-of-length",
        )["DBInstance"]["DbiResourceId"]
        rds.create_db_snapshot(DBInstanceIdentifier="db", DBSnapshotIdentifier="db-manual")
        restored = rds.restore_db_instance_from_db_snapshot(DBSnapshotIdentifier="db-manual", DBInstanceIdentifier="db-restore")["DBInstance"]["DbiResourceId"]
        self.assertRegex(created, r"^db-[A-Z0-9]{26}$")
        self.assertNotEqual(created, restored)

        rds.modify_db_instance(DBInstanceIdentifier="db", NewDBInstanceIdentifier="db-replaced", ApplyImmediately=True)
        found = rds.describe_db_instances(Filters=[{"Name": "dbi-resource-id", "Values": [created]}])["DBInstances"]
        self.assertEqual(["db-replaced"], [i["DBInstanceIdentifier"] for i in found])


class RdsModifyKeepsTheManagedSecret(MotoTestCase):
    PATCH = "rds_modify_keeps_the_managed_master_secret"

    def test_asking_for_management_again_keeps_the_secret_and_turning_it_on_makes_one(self) -> None:
        rds = self.client("rds")
        managed = rds.create_db_instance(
            DBInstanceIdentifier="managed", DBInstanceClass="db.t3.small", Engine="postgres", AllocatedStorage=20,
            MasterUsername="tableorder", ManageMasterUserPassword=True,
        )["DBInstance"]["MasterUserSecret"]["SecretArn"]
        again = rds.modify_db_instance(DBInstanceIdentifier="managed", ManageMasterUserPassword=True, ApplyImmediately=True)["DBInstance"]
        self.assertEqual(managed, again["MasterUserSecret"]["SecretArn"])
        self.assertEqual(1, len(self.client("secretsmanager").list_secrets()["SecretList"]))

        rds.create_db_instance(
            DBInstanceIdentifier="own", DBInstanceClass="db.t3.small", Engine="postgres", AllocatedStorage=20,
            MasterUsername="tableorder", MasterUserPassword="a-password-of-length",
        )
        turned_on = rds.modify_db_instance(DBInstanceIdentifier="own", ManageMasterUserPassword=True, ApplyImmediately=True)["DBInstance"]
        self.assertIn("SecretArn", turned_on["MasterUserSecret"])


class RdsManagedMasterSecret(MotoTestCase):
    PATCH = "rds_managed_master_secret_holds_the_master_user_and_a_generated_password"

    def test_the_secret_holds_the_instances_master_user_and_a_password_of_its_own(self) -> None:
        rds = self.client("rds")
        passwords = []
        for name in ("one", "two"):
            instance = rds.create_db_instance(
                DBInstanceIdentifier=name,
                DBInstanceClass="db.t3.small",
                Engine="postgres",
                AllocatedStorage=20,
                MasterUsername="tableorder_admin",
                ManageMasterUserPassword=True,
            )["DBInstance"]
            secret = json.loads(self.client("secretsmanager").get_secret_value(SecretId=instance["MasterUserSecret"]["SecretArn"])["SecretString"])
            self.assertEqual("tableorder_admin", secret["username"])
            self.assertGreaterEqual(len(secret["password"]), 16)
            passwords.append(secret["password"])
        self.assertNotEqual(passwords[0], passwords[1])


class ElastiCacheMemberClusters(MotoTestCase):
    PATCH = "elasticache_member_clusters_are_cache_clusters"

    def test_the_members_are_cache_clusters_with_the_groups_settings_and_go_with_it(self) -> None:
        _, subnets, group = self.network()
        elasticache = self.client("elasticache")
        elasticache.create_cache_subnet_group(CacheSubnetGroupName="redis", CacheSubnetGroupDescription="private", SubnetIds=subnets[:1])
        replication_group = elasticache.create_replication_group(
            ReplicationGroupId="redis",
            ReplicationGroupDescription="Pub/Sub",
            Engine="redis",
            EngineVersion="7.1",
            CacheNodeType="cache.t3.micro",
            NumCacheClusters=1,
            CacheSubnetGroupName="redis",
            SecurityGroupIds=[group],
            PreferredMaintenanceWindow="mon:05:00-mon:06:00",
            AtRestEncryptionEnabled=True,
            TransitEncryptionEnabled=True,
            TransitEncryptionMode="required",
        )["ReplicationGroup"]
        self.assertEqual(["redis-001"], replication_group["MemberClusters"])

        member = elasticache.describe_cache_clusters(CacheClusterId="redis-001")["CacheClusters"][0]
        self.assertEqual("redis", member["ReplicationGroupId"])
        self.assertEqual("cache.t3.micro", member["CacheNodeType"])
        self.assertEqual("mon:05:00-mon:06:00", member["PreferredMaintenanceWindow"])
        self.assertEqual([group], [g["SecurityGroupId"] for g in member["SecurityGroups"]])
        self.assertTrue(member["AtRestEncryptionEnabled"])
        self.assertTrue(member["TransitEncryptionEnabled"])
        self.assertEqual("required", member["TransitEncryptionMode"])

        elasticache.delete_replication_group(ReplicationGroupId="redis")
        with self.assertRaises(ClientError) as gone:
            elasticache.describe_cache_clusters(CacheClusterId="redis-001")
        self.assertEqual("CacheClusterNotFound", gone.exception.response["Error"]["Code"])


class ElastiCacheDeletedReplicationGroup(MotoTestCase):
    PATCH = "elasticache_deleted_replication_group_is_gone"

    def test_a_deleted_group_is_gone(self) -> None:
        elasticache = self.client("elasticache")
        elasticache.create_replication_group(
            ReplicationGroupId="redis", ReplicationGroupDescription="Pub/Sub", Engine="redis", CacheNodeType="cache.t3.micro", NumCacheClusters=1
        )
        deleting = elasticache.delete_replication_group(ReplicationGroupId="redis")["ReplicationGroup"]
        self.assertEqual("deleting", deleting["Status"])
        with self.assertRaises(ClientError) as gone:
            elasticache.describe_replication_groups(ReplicationGroupId="redis")
        self.assertEqual("ReplicationGroupNotFoundFault", gone.exception.response["Error"]["Code"])


class ElastiCacheDeleteCacheSubnetGroup(MotoTestCase):
    PATCH = "elasticache_delete_cache_subnet_group"

    def test_a_subnet_group_in_use_is_refused_and_a_free_one_deleted(self) -> None:
        _, subnets, _ = self.network()
        elasticache = self.client("elasticache")
        elasticache.create_cache_subnet_group(CacheSubnetGroupName="redis", CacheSubnetGroupDescription="private", SubnetIds=subnets[:1])
        elasticache.create_cache_cluster(CacheClusterId="one", Engine="redis", CacheNodeType="cache.t3.micro", NumCacheNodes=1, CacheSubnetGroupName="redis")
        with self.assertRaises(ClientError) as refused:
            elasticache.delete_cache_subnet_group(CacheSubnetGroupName="redis")
        self.assertEqual("CacheSubnetGroupInUse", refused.exception.response["Error"]["Code"])

        elasticache.create_cache_subnet_group(CacheSubnetGroupName="unused", CacheSubnetGroupDescription="private", SubnetIds=subnets[1:])
        elasticache.delete_cache_subnet_group(CacheSubnetGroupName="unused")
        names = [g["CacheSubnetGroupName"] for g in elasticache.describe_cache_subnet_groups()["CacheSubnetGroups"]]
        self.assertEqual(["redis"], names)


class ElastiCacheAuthToken(MotoTestCase):
    PATCH = "elasticache_modify_replication_group_sets_the_auth_token"
    TOKEN = "a" * 20 + "B4-tokens-of-its-own"

    def group(self, transit: bool) -> None:
        self.client("elasticache").create_replication_group(
            ReplicationGroupId="redis",
            ReplicationGroupDescription="Pub/Sub",
            Engine="redis",
            CacheNodeType="cache.t3.micro",
            NumCacheClusters=1,
            TransitEncryptionEnabled=transit,
        )

    def test_rotate_turns_auth_on_for_a_group_with_in_transit_encryption(self) -> None:
        self.group(transit=True)
        elasticache = self.client("elasticache")
        self.assertFalse(elasticache.describe_replication_groups(ReplicationGroupId="redis")["ReplicationGroups"][0]["AuthTokenEnabled"])
        modified = elasticache.modify_replication_group(
            ReplicationGroupId="redis", AuthToken=self.TOKEN, AuthTokenUpdateStrategy="ROTATE", ApplyImmediately=True
        )["ReplicationGroup"]
        self.assertTrue(modified["AuthTokenEnabled"])
        self.assertTrue(elasticache.describe_replication_groups(ReplicationGroupId="redis")["ReplicationGroups"][0]["AuthTokenEnabled"])

    def test_what_aws_refuses_is_refused(self) -> None:
        self.group(transit=False)
        elasticache = self.client("elasticache")
        for token, strategy, code in (
            (self.TOKEN, "ROTATE", "InvalidParameterCombination"),  # no in-transit encryption
        ):
            with self.assertRaises(ClientError) as refused:
                elasticache.modify_replication_group(ReplicationGroupId="redis", AuthToken=token, AuthTokenUpdateStrategy=strategy, ApplyImmediately=True)
            self.assertEqual(code, refused.exception.response["Error"]["Code"])

        elasticache.create_replication_group(
            ReplicationGroupId="tls", ReplicationGroupDescription="TLS", Engine="redis", CacheNodeType="cache.t3.micro", NumCacheClusters=1, TransitEncryptionEnabled=True
        )
        for token, strategy, code in (
            ("short", "ROTATE", "InvalidParameterValue"),
            ("a" * 20 + "@" + "b" * 10, "ROTATE", "InvalidParameterValue"),
            (self.TOKEN, "SET", "InvalidParameterCombination"),  # SET only after a ROTATE
        ):
            with self.subTest(token=token, strategy=strategy):
                with self.assertRaises(ClientError) as refused:
                    elasticache.modify_replication_group(ReplicationGroupId="tls", AuthToken=token, AuthTokenUpdateStrategy=strategy, ApplyImmediately=True)
                self.assertEqual(code, refused.exception.response["Error"]["Code"])


class Ec2SecurityGroupReferenceDescriptions(MotoTestCase):
    PATCH = "ec2_rules_that_reference_a_security_group_keep_their_description"

    def test_a_rule_from_another_group_keeps_its_description(self) -> None:
        ec2 = self.client("ec2")
        vpc, _, redis = self.network()
        app = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=redis,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6379, "UserIdGroupPairs": [{"GroupId": app, "Description": "Redis from the app server"}]}],
        )
        rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [redis]}])["SecurityGroupRules"]
        ingress = [r for r in rules if not r["IsEgress"]]
        self.assertEqual([(app, "Redis from the app server")], [(r["ReferencedGroupInfo"]["GroupId"], r.get("Description")) for r in ingress])


class Ec2LaunchTemplateTags(MotoTestCase):
    PATCH = "ec2_launch_template_tags_tag_the_template"

    def test_the_templates_own_tags_are_not_in_its_data(self) -> None:
        ec2 = self.client("ec2")
        template = ec2.create_launch_template(
            LaunchTemplateName="app",
            LaunchTemplateData={"InstanceType": "t3.medium", "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "app-server"}]}]},
            TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "Project", "Value": "table-order"}]}],
        )["LaunchTemplate"]
        self.assertEqual([{"Key": "Project", "Value": "table-order"}], template["Tags"])
        data = ec2.describe_launch_template_versions(LaunchTemplateId=template["LaunchTemplateId"])["LaunchTemplateVersions"][0]["LaunchTemplateData"]
        self.assertEqual(["instance"], [spec["ResourceType"] for spec in data["TagSpecifications"]])


class AutoScalingLaunchLifecycleHooks(MotoTestCase):
    PATCH = "autoscaling_launch_lifecycle_hooks_hold_new_instances"

    def setUp(self) -> None:
        super().setUp()
        ec2 = self.client("ec2")
        vpc, subnets, _ = self.network()
        image = ec2.register_image(Name="debian-13-amd64-test", RootDeviceName="/dev/xvda")["ImageId"]
        ec2.create_launch_template(LaunchTemplateName="app", LaunchTemplateData={"ImageId": image, "InstanceType": "t3.medium"})
        elbv2 = self.client("elbv2")
        self.target_group = elbv2.create_target_group(Name="app", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
        self.client("autoscaling").create_auto_scaling_group(
            AutoScalingGroupName="app-servers",
            MinSize=2,
            MaxSize=2,
            DesiredCapacity=2,
            VPCZoneIdentifier=",".join(subnets),
            LaunchTemplate={"LaunchTemplateName": "app", "Version": "$Latest"},
            TargetGroupARNs=[self.target_group],
            LifecycleHookSpecificationList=[
                {"LifecycleHookName": "launching", "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING", "DefaultResult": "ABANDON", "HeartbeatTimeout": 900}
            ],
        )

    def instances(self) -> dict[str, str]:
        group = self.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=["app-servers"])["AutoScalingGroups"][0]
        return {i["InstanceId"]: i["LifecycleState"] for i in group["Instances"]}

    def targets(self) -> list[str]:
        health = self.client("elbv2").describe_target_health(TargetGroupArn=self.target_group)["TargetHealthDescriptions"]
        return sorted(h["Target"]["Id"] for h in health)

    def complete(self, instance_id: str, result: str) -> None:
        self.client("autoscaling").complete_lifecycle_action(
            AutoScalingGroupName="app-servers", LifecycleHookName="launching", InstanceId=instance_id, LifecycleActionResult=result
        )

    def test_the_hook_of_the_create_holds_the_first_instances_out_of_service_and_the_target_group(self) -> None:
        hooks = self.client("autoscaling").describe_lifecycle_hooks(AutoScalingGroupName="app-servers")["LifecycleHooks"]
        self.assertEqual([("launching", 900, "ABANDON")], [(h["LifecycleHookName"], h["HeartbeatTimeout"], h["DefaultResult"]) for h in hooks])
        self.assertEqual(["Pending:Wait", "Pending:Wait"], list(self.instances().values()))
        self.assertEqual([], self.targets())

    def test_continue_puts_the_instance_in_service_and_registers_it(self) -> None:
        first, second = sorted(self.instances())
        self.complete(first, "CONTINUE")
        self.assertEqual({first: "InService", second: "Pending:Wait"}, self.instances())
        self.assertEqual([first], self.targets())
        with self.assertRaises(ClientError):
            self.complete(first, "CONTINUE")  # no lifecycle action is waiting any more

    def test_abandon_terminates_the_instance_and_the_group_launches_a_replacement(self) -> None:
        first, second = sorted(self.instances())
        self.complete(first, "ABANDON")
        instances = self.instances()
        self.assertNotIn(first, instances)
        self.assertEqual(2, len(instances))
        self.assertEqual({"Pending:Wait"}, set(instances.values()))
        state = self.client("ec2").describe_instances(InstanceIds=[first])["Reservations"][0]["Instances"][0]["State"]["Name"]
        self.assertEqual("terminated", state)


class TestPatchesAreNeeded(unittest.TestCase):
    """Each patch's tests fail when moto runs with every patch but that one."""

    def test_each_patch_is_needed_by_its_tests(self) -> None:
        classes = [c for c in MotoTestCase.__subclasses__() if c.PATCH]
        self.assertEqual(sorted(aws_patches.PATCHES), sorted(c.PATCH for c in classes), "every patch has a test class, and every test class a patch")
        try:
            for test_class in classes:
                with self.subTest(patch=test_class.PATCH):
                    aws_patches.apply_all(skip=frozenset([test_class.PATCH]))
                    output = io.StringIO()
                    result = unittest.TextTestRunner(stream=output).run(unittest.defaultTestLoader.loadTestsFromTestCase(test_class))
                    self.assertFalse(result.wasSuccessful(), f"{test_class.__name__} passes without {test_class.PATCH}")
        finally:
            aws_patches.apply_all()


if __name__ == "__main__":
    unittest.main()
