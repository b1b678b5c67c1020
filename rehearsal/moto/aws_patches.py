"""Where moto 5.2.1 differs from AWS for what the TableOrder stack uses: one patch per difference.

Each patch restores one documented AWS behaviour: its docstring says which, and names the public
page that documents it. Each is written the way moto's own code for that service is written (the
same models, exceptions and response helpers), so that it could go upstream as it stands, and
tests/test_aws_patches.py has a test for each that fails without it (TestPatchesAreNeeded runs
each of those tests with every patch but its own). No patch makes moto accept a request AWS refuses.

The launcher (launcher.py) applies them all before moto serves its first request.
"""

from __future__ import annotations

import datetime
import re
import threading
import uuid
from typing import Any, Callable

PATCHES: dict[str, Callable[[], None]] = {}

_MISSING = object()
_PRISTINE: dict[tuple[int, str], tuple[Any, str, Any]] = {}


def patch(function: Callable[[], None]) -> Callable[[], None]:
    PATCHES[function.__name__] = function
    return function


def replace(owner: Any, name: str, value: Any) -> None:
    """Sets owner.name to value; the value before the first patch is kept for restore()."""
    key = (id(owner), name)
    if key not in _PRISTINE:
        pristine = owner.__dict__.get(name, _MISSING) if isinstance(owner, type) else getattr(owner, name, _MISSING)
        _PRISTINE[key] = (owner, name, pristine)
    setattr(owner, name, value)


def restore() -> None:
    """Puts back what moto had before any patch."""
    for owner, name, pristine in _PRISTINE.values():
        if pristine is _MISSING:
            if name in vars(owner):
                delattr(owner, name)
        else:
            setattr(owner, name, pristine)


def apply_all(skip: frozenset[str] = frozenset()) -> list[str]:
    """Applies every patch but those in skip (the tests leave one out to show it is needed); returns the names applied."""
    unknown = skip - PATCHES.keys()
    if unknown:
        raise ValueError(f"No such patch: {', '.join(sorted(unknown))}")
    restore()
    applied = []
    for name, function in PATCHES.items():
        if name not in skip:
            function()
            applied.append(name)
    return applied


# ---- IAM policy evaluation (bucket policies) ---------------------------------------------------


@patch
def iam_statements_conditioned_on_keys_moto_does_not_supply_do_not_apply() -> None:
    """IAM policy evaluation: a statement is in effect only when its Condition holds, and AWS gives
    every condition the request's context (aws:SecureTransport, aws:PrincipalArn, ...). moto
    evaluates bucket policies with no request context at all and then counts a condition whose key
    has no value as holding, so a conditional Deny denies unconditionally: S3's recommended
    "Deny s3:* when aws:SecureTransport is false" refuses every object request, over TLS or not. A
    statement whose condition names a key moto does not supply is not applied (moto cannot tell
    whether AWS would apply it); conditions on the keys moto does supply are evaluated as before.
    On the rehearsal's AWS every request comes from its one deploy principal, over loopback: the
    release bucket's writer statements (aws:PrincipalArn) would let it through on AWS too.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
    """
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    is_action_permitted = IAMPolicyStatement.__dict__["is_action_permitted"]

    def is_action_permitted_with_known_keys(
        self: IAMPolicyStatement,
        action: str,
        resource: str = "*",
        principal: str | None = None,
        incoming_condition_values: dict[str, str] | None = None,
    ) -> PermissionResult:
        supplied = incoming_condition_values or {}
        keys = [key for values in (self._statement.get("Condition") or {}).values() for key in values]
        if any(key not in supplied for key in keys):
            return PermissionResult.NEUTRAL
        return is_action_permitted(self, action, resource, principal, incoming_condition_values)

    replace(IAMPolicyStatement, "is_action_permitted", is_action_permitted_with_known_keys)


# ---- RDS ------------------------------------------------------------------------------------


@patch
def rds_backup_window_may_end_where_the_maintenance_window_begins() -> None:
    """RDS: the backup window must not overlap the weekly maintenance window ("Must not conflict
    with the preferred maintenance window"); windows that only touch, a backup window 03:00-04:00
    and a maintenance window mon:04:00-mon:05:00, share no minute and are accepted. moto counts a
    zero-second overlap as one (its checks compare the overlap with ">= 0"): the checks say "> 0".
    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.BackupWindow.html
    """
    from moto.rds import models, utils
    from moto.rds.utils import get_overlap_between_two_date_ranges, get_start_date_end_date_from_time

    def valid_preferred_maintenance_window(maintenance_window: Any, backup_window: Any) -> str | None:
        # moto.rds.utils.valid_preferred_maintenance_window, the overlap checks "> 0"
        MINUTES_30 = 1800
        HOURS_24 = 86400
        base_date = datetime.datetime.now().strftime("%d/%m/%y")
        try:
            p = re.compile("([a-z]{3}):([0-9]{2}):([0-9]{2})-([a-z]{3}):([0-9]{2}):([0-9]{2})")
            if len(maintenance_window) != 19 or re.search(p, maintenance_window) is None:
                return f"Invalid maintenance window format: {maintenance_window}. Should be specified as a range ddd:hh24:mi-ddd:hh24:mi (24H Clock UTC). Example: Sun:23:45-Mon:00:15"
            if backup_window:
                (backup_window_start, backup_window_end, backup_spill) = get_start_date_end_date_from_time(base_date, backup_window)
                (maintenance_window_start, maintenance_window_end, maintenance_spill) = get_start_date_end_date_from_time(
                    base_date, maintenance_window[4:10] + maintenance_window[14::]
                )
                if get_overlap_between_two_date_ranges(backup_window_start, backup_window_end, maintenance_window_start, maintenance_window_end) > 0:
                    return "The backup window and maintenance window must not overlap."

                # Due to spill overs, adjust the windows
                elif maintenance_spill:
                    backup_window_start += datetime.timedelta(days=1)
                    backup_window_end += datetime.timedelta(days=1)
                elif backup_spill:
                    maintenance_window_start += datetime.timedelta(days=1)
                    maintenance_window_end += datetime.timedelta(days=1)

                # If spills, rerun overlap test with adjusted windows
                if maintenance_spill or backup_spill:
                    if get_overlap_between_two_date_ranges(backup_window_start, backup_window_end, maintenance_window_start, maintenance_window_end) > 0:
                        return "The backup window and maintenance window must not overlap."

            maintenance_window_start, maintenance_window_end, _ = get_start_date_end_date_from_time(
                base_date, maintenance_window[4:10] + maintenance_window[14::]
            )
            delta = maintenance_window_end - maintenance_window_start
            delta_seconds = delta.seconds + (delta.days * 86400)
            if delta_seconds >= MINUTES_30 and delta_seconds <= HOURS_24:
                return None
            elif delta_seconds >= 0 and delta_seconds <= MINUTES_30:
                return "The maintenance window must be at least 30 minutes."
            else:
                return "Maintenance window must be less than 24 hours."
        except Exception:
            return f"Invalid day:hour:minute value: {maintenance_window}"

    replace(utils, "valid_preferred_maintenance_window", valid_preferred_maintenance_window)
    replace(models, "valid_preferred_maintenance_window", valid_preferred_maintenance_window)


@patch
def rds_parameters_set_by_the_user_have_source_user() -> None:
    """RDS: a parameter set in a DB parameter group is reported with Source "user"
    (DescribeDBParameters' Parameter.Source: user, system or engine-default), and the Source filter
    of DescribeDBParameters returns only parameters of that source. moto reports no Source, so
    terraform's aws provider, which keeps the parameters whose Source is "user", reads the group's
    parameters as gone and plans to set them again on every run.
    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBParameters.html
    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Parameter.html
    """
    from moto.core.responses import ActionResult
    from moto.rds.exceptions import DBParameterGroupNotFoundError
    from moto.rds.models import DBParameterGroup
    from moto.rds.responses import RDSResponse

    def update_parameters(self: DBParameterGroup, new_parameters: Any) -> None:
        for new_parameter in new_parameters:
            parameter = self.parameters[new_parameter["ParameterName"]]
            parameter.update(new_parameter)
            parameter["Source"] = "user"

    def describe_db_parameters(self: RDSResponse) -> ActionResult:
        db_parameter_group_name = self.params.get("DBParameterGroupName")
        source = self.params.get("Source")
        db_parameter_groups = self.backend.describe_db_parameter_groups({"db_parameter_group_name": db_parameter_group_name})
        if not db_parameter_groups:
            raise DBParameterGroupNotFoundError(db_parameter_group_name)
        parameters = [
            parameter
            for parameter in db_parameter_groups[0].parameters.values()
            if source is None or parameter.get("Source") == source
        ]
        result = {"Parameters": parameters}
        return ActionResult(result)

    replace(DBParameterGroup, "update_parameters", update_parameters)
    replace(RDSResponse, "describe_db_parameters", describe_db_parameters)


@patch
def rds_performance_insights_settings_are_kept() -> None:
    """RDS: CreateDBInstance and ModifyDBInstance take EnablePerformanceInsights and
    PerformanceInsightsRetentionPeriod (7 days, the free tier, when enabled without a period), and
    DescribeDBInstances reports them as PerformanceInsightsEnabled and
    PerformanceInsightsRetentionPeriod. moto drops both.
    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html
    """
    from moto.rds.models import DBInstance

    init = DBInstance.__init__
    update = DBInstance.update

    def __init__(self: DBInstance, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.performance_insights_enabled = bool(kwargs.get("enable_performance_insights"))
        self.performance_insights_retention_period = (
            kwargs.get("performance_insights_retention_period") or 7 if self.performance_insights_enabled else None
        )

    def update_with_performance_insights(self: DBInstance, **db_kwargs: Any) -> None:
        enable_performance_insights = db_kwargs.pop("enable_performance_insights", None)
        update(self, **db_kwargs)
        if enable_performance_insights is not None:
            self.performance_insights_enabled = bool(enable_performance_insights)
            if not self.performance_insights_enabled:
                self.performance_insights_retention_period = None
            elif not self.performance_insights_retention_period:
                self.performance_insights_retention_period = 7

    replace(DBInstance, "__init__", __init__)
    replace(DBInstance, "update", update_with_performance_insights)


@patch
def rds_each_instance_has_its_own_resource_id() -> None:
    """RDS: DbiResourceId is "the AWS Region-unique, immutable identifier for the DB instance": every
    instance, a restored one too, gets its own, and a rename keeps it. moto gives every instance the same
    one (db-M5ENSHXFPU6XHZ4G4ZEI5QIO2U), so after a restore two instances answer DescribeDBInstances'
    dbi-resource-id filter, and terraform's aws provider (whose aws_db_instance id is the resource id)
    finds two where AWS has one.
    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html
    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html
    """
    import string

    from moto.moto_api._internal import mock_random as random
    from moto.rds.models import DBInstance

    init = DBInstance.__init__

    def __init__(self: DBInstance, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.dbi_resource_id = "db-" + "".join(random.choice(string.ascii_uppercase + string.digits) for _ in range(26))

    replace(DBInstance, "__init__", __init__)


@patch
def rds_modify_keeps_the_managed_master_secret() -> None:
    """RDS: ModifyDBInstance with ManageMasterUserPassword=true turns the management on for an instance
    whose master password is not managed yet; an instance that manages it already keeps its secret
    (and its password): only RotateMasterUserPassword makes a new password. moto makes a new secret on
    every such call, as terraform's aws provider sends after importing an instance (a restored one).
    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html
    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html
    """
    from moto.rds.models import DBInstance

    update = DBInstance.update

    def update_keeping_the_secret(self: DBInstance, manage_master_user_password: bool | None = None, **db_kwargs: Any) -> None:
        if manage_master_user_password is True and getattr(self, "master_user_secret", None) is not None:
            manage_master_user_password = None
        update(self, manage_master_user_password=manage_master_user_password, **db_kwargs)

    replace(DBInstance, "update", update_keeping_the_secret)


@patch
def rds_managed_master_secret_holds_the_master_user_and_a_generated_password() -> None:
    """RDS: with ManageMasterUserPassword, RDS generates the master user's password and keeps it in
    a Secrets Manager secret whose JSON holds the instance's master username and that password.
    moto writes the username "admin" and the password "P@55w0rd!" for every instance.
    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html
    """
    import json
    import secrets

    from moto.rds.models import MasterUserSecret

    def _generate_secret_string(self: MasterUserSecret) -> str:
        credentials = {
            "username": self.resource.master_username,
            "password": secrets.token_urlsafe(30),
        }
        return json.dumps(credentials)

    replace(MasterUserSecret, "_generate_secret_string", _generate_secret_string)


# ---- ElastiCache ----------------------------------------------------------------------------


@patch
def elasticache_member_clusters_are_cache_clusters() -> None:
    """ElastiCache: the member clusters a replication group lists (MemberClusters: <id>-001, ...)
    are cache clusters: DescribeCacheClusters answers them, with the group's settings (node type,
    engine, parameter and subnet group, maintenance window, security groups, at-rest and in-transit
    encryption, AUTH), and they go with the group. moto lists members it never creates, and
    terraform's aws provider reads a replication group's security groups, encryption and
    maintenance window from its first member cluster.
    https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ReplicationGroup.html
    https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CacheCluster.html
    """
    from moto.elasticache.models import CacheCluster, ElastiCacheBackend

    create = ElastiCacheBackend.create_replication_group
    delete = ElastiCacheBackend.delete_replication_group

    def create_replication_group(self: ElastiCacheBackend, *args: Any, **kwargs: Any) -> Any:
        replication_group = create(self, *args, **kwargs)
        for node_group in replication_group.node_groups:
            for member in node_group["node_group_members"]:
                cache_cluster = CacheCluster(
                    account_id=self.account_id,
                    region_name=self.region_name,
                    cache_cluster_id=member["cache_cluster_id"],
                    cache_node_type=replication_group.cache_node_type,
                    replication_group_id=replication_group.replication_group_id,
                    az_mode="single-az",
                    preferred_availability_zone=member.get("preferred_availability_zone"),
                    num_cache_nodes=1,
                    engine=replication_group.engine,
                    engine_version=replication_group.engine_version,
                    cache_parameter_group_name=replication_group.cache_parameter_group_name,
                    cache_subnet_group_name=replication_group.cache_subnet_group_name,
                    transit_encryption_enabled=replication_group.transit_encryption_enabled,
                    network_type=replication_group.network_type,
                    ip_discovery=replication_group.ip_discovery,
                    snapshot_name=None,
                    preferred_maintenance_window=replication_group.preferred_maintenance_window,
                    port=replication_group.port,
                    notification_topic_arn=replication_group.notification_topic_arn,
                    auto_minor_version_upgrade=replication_group.auto_minor_version_upgrade,
                    snapshot_retention_limit=replication_group.snapshot_retention_limit,
                    snapshot_window=replication_group.snapshot_window,
                    auth_token=None,
                    outpost_mode=None,
                    preferred_outpost_arn=None,
                    preferred_availability_zones=None,
                    cache_security_group_names=replication_group.cache_security_group_names,
                    security_group_ids=replication_group.security_group_ids,
                    tags=None,
                    snapshot_arns=None,
                    preferred_outpost_arns=None,
                    log_delivery_configurations=[],
                    cache_node_ids_to_remove=None,
                    cache_node_ids_to_reboot=None,
                )
                cache_cluster.auth_token_enabled = replication_group.auth_token_enabled
                cache_cluster.at_rest_encryption_enabled = replication_group.at_rest_encryption_enabled
                cache_cluster.transit_encryption_mode = replication_group.transit_encryption_mode
                cache_cluster.security_groups = [
                    {"SecurityGroupId": security_group_id, "Status": "active"}
                    for security_group_id in replication_group.security_group_ids or []
                ]
                self.cache_clusters[cache_cluster.cache_cluster_id] = cache_cluster
        return replication_group

    def delete_replication_group(self: ElastiCacheBackend, replication_group_id: str, retain_primary_cluster: bool | None) -> Any:
        members = list(self.replication_groups[replication_group_id].member_clusters) if replication_group_id in self.replication_groups else []
        replication_group = delete(self, replication_group_id, retain_primary_cluster)
        for cache_cluster_id in members:
            if not (retain_primary_cluster and cache_cluster_id == replication_group.primary_cluster_id):
                self.cache_clusters.pop(cache_cluster_id, None)
        return replication_group

    replace(ElastiCacheBackend, "create_replication_group", create_replication_group)
    replace(ElastiCacheBackend, "delete_replication_group", delete_replication_group)


@patch
def elasticache_deleted_replication_group_is_gone() -> None:
    """ElastiCache: DeleteReplicationGroup answers with the group "deleting", and the group is then
    deleted: DescribeReplicationGroups answers ReplicationGroupNotFoundFault for it. moto keeps it
    "deleting" for ever, and terraform destroy waits for it to go.
    https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteReplicationGroup.html
    """
    from moto.elasticache.models import ElastiCacheBackend

    delete = ElastiCacheBackend.delete_replication_group

    def delete_replication_group(self: ElastiCacheBackend, replication_group_id: str, retain_primary_cluster: bool | None) -> Any:
        replication_group = delete(self, replication_group_id, retain_primary_cluster)
        self.replication_groups.pop(replication_group_id)
        return replication_group

    replace(ElastiCacheBackend, "delete_replication_group", delete_replication_group)


@patch
def elasticache_delete_cache_subnet_group() -> None:
    """ElastiCache: DeleteCacheSubnetGroup deletes a cache subnet group that no cluster uses; one in
    use is refused with CacheSubnetGroupInUse. moto has no such operation, so terraform destroy
    waits for the group to go.
    https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteCacheSubnetGroup.html
    """
    from moto.core.responses import EmptyResult
    from moto.elasticache.exceptions import CacheSubnetGroupNotFound, ElastiCacheException
    from moto.elasticache.models import ElastiCacheBackend
    from moto.elasticache.responses import ElastiCacheResponse

    class CacheSubnetGroupInUse(ElastiCacheException):
        code = "CacheSubnetGroupInUse"

        def __init__(self, cache_subnet_group_name: str):
            super().__init__(f"Cache subnet group {cache_subnet_group_name} is currently in use by a cache cluster.")

    def delete_cache_subnet_group(self: ElastiCacheBackend, cache_subnet_group_name: str) -> None:
        if cache_subnet_group_name not in self.cache_subnet_groups:
            raise CacheSubnetGroupNotFound(cache_subnet_group_name)
        in_use = list(self.cache_clusters.values()) + list(self.replication_groups.values())
        if any(cluster.cache_subnet_group_name == cache_subnet_group_name for cluster in in_use):
            raise CacheSubnetGroupInUse(cache_subnet_group_name)
        self.cache_subnet_groups.pop(cache_subnet_group_name)

    def delete_cache_subnet_group_response(self: ElastiCacheResponse) -> EmptyResult:
        cache_subnet_group_name = self._get_param("CacheSubnetGroupName")
        self.elasticache_backend.delete_cache_subnet_group(cache_subnet_group_name=cache_subnet_group_name)
        return EmptyResult()

    replace(ElastiCacheBackend, "delete_cache_subnet_group", delete_cache_subnet_group)
    replace(ElastiCacheResponse, "delete_cache_subnet_group", delete_cache_subnet_group_response)


@patch
def elasticache_modify_replication_group_sets_the_auth_token() -> None:
    """ElastiCache: ModifyReplicationGroup with AuthToken and AuthTokenUpdateStrategy changes the
    AUTH token of a group with in-transit encryption: ROTATE (the default) adds the token (on a group
    without AUTH it turns AUTH on), SET replaces the tokens (allowed only after a ROTATE), DELETE
    turns AUTH off. The token is 16-128 printable characters without '/', '"', '@' or '%'. A group
    without in-transit encryption refuses AUTH. moto has no ModifyReplicationGroup.
    https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyReplicationGroup.html
    https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html
    """
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.elasticache.exceptions import (
        InvalidParameterCombinationException,
        InvalidParameterValueException,
        ReplicationGroupNotFound,
    )
    from moto.elasticache.models import ElastiCacheBackend, ReplicationGroup
    from moto.elasticache.responses import ElastiCacheResponse

    def modify_replication_group(
        self: ElastiCacheBackend,
        replication_group_id: str,
        auth_token: str | None,
        auth_token_update_strategy: str | None,
        apply_immediately: bool | None,
    ) -> ReplicationGroup:
        if replication_group_id not in self.replication_groups:
            raise ReplicationGroupNotFound(replication_group_id)
        replication_group = self.replication_groups[replication_group_id]
        strategy = auth_token_update_strategy or "ROTATE"
        if strategy not in ("ROTATE", "SET", "DELETE"):
            raise InvalidParameterValueException(f"Invalid AuthTokenUpdateStrategy: {strategy}. Valid values: ROTATE, SET, DELETE.")
        if auth_token_update_strategy and not auth_token and strategy != "DELETE":
            raise InvalidParameterValueException("The parameter AuthToken must be provided with AuthTokenUpdateStrategy ROTATE or SET.")
        if auth_token is None and strategy != "DELETE":
            return replication_group
        if not replication_group.transit_encryption_enabled:
            raise InvalidParameterCombinationException("AUTH token can only be used with in-transit encryption enabled.")
        if strategy == "DELETE":
            if auth_token:
                raise InvalidParameterCombinationException("AuthToken must not be provided with AuthTokenUpdateStrategy DELETE.")
            tokens: list[str] = []
        else:
            if not (16 <= len(auth_token or "") <= 128) or any(c in (auth_token or "") for c in '/"@%') or not (auth_token or "").isprintable():
                raise InvalidParameterValueException(
                    "Invalid AuthToken provided: it must be 16 to 128 printable characters and must not contain '/', '\"', '@' or '%'."
                )
            previous: list[str] = getattr(replication_group, "auth_tokens", [])
            if strategy == "SET" and not getattr(replication_group, "auth_token_rotated", False):
                raise InvalidParameterCombinationException("AuthTokenUpdateStrategy SET is allowed only after ROTATE.")
            tokens = [*previous[-1:], auth_token] if strategy == "ROTATE" else [auth_token]  # type: ignore[list-item]
            replication_group.auth_token_rotated = strategy == "ROTATE"
        replication_group.auth_tokens = tokens
        replication_group.auth_token_enabled = bool(tokens)
        replication_group.auth_token_last_modified_date = utcnow() if tokens else None
        for cache_cluster_id in replication_group.member_clusters:
            if cache_cluster_id in self.cache_clusters:
                self.cache_clusters[cache_cluster_id].auth_token_enabled = replication_group.auth_token_enabled
        return replication_group

    def modify_replication_group_response(self: ElastiCacheResponse) -> ActionResult:
        replication_group = self.elasticache_backend.modify_replication_group(
            replication_group_id=self._get_param("ReplicationGroupId"),
            auth_token=self._get_param("AuthToken"),
            auth_token_update_strategy=self._get_param("AuthTokenUpdateStrategy"),
            apply_immediately=self._get_bool_param("ApplyImmediately"),
        )
        result = {"ReplicationGroup": replication_group}
        return ActionResult(result)

    replace(ElastiCacheBackend, "modify_replication_group", modify_replication_group)
    replace(ElastiCacheResponse, "modify_replication_group", modify_replication_group_response)


# ---- EC2 ------------------------------------------------------------------------------------


@patch
def ec2_rules_that_reference_a_security_group_keep_their_description() -> None:
    """EC2: a security group rule whose source is another security group keeps the description it
    was authorized with (UserIdGroupPair.Description), and DescribeSecurityGroupRules returns it as
    the rule's Description. moto returns only the descriptions of CIDR rules.
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SecurityGroupRule.html
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_UserIdGroupPair.html
    """
    from moto.ec2.models.security_groups import SecurityGroupRule

    def description(self: SecurityGroupRule) -> str | None:
        return self.ip_range.get("Description") or self.source_group.get("Description")

    replace(SecurityGroupRule, "description", property(description))


@patch
def ec2_launch_template_tags_tag_the_template() -> None:
    """EC2: CreateLaunchTemplate's TagSpecifications (resource type launch-template) tag the launch
    template itself; they are not part of the version's LaunchTemplateData, whose TagSpecifications
    are the ones given in LaunchTemplateData (for the instances and volumes launched from it). moto
    copies them into the version's data, so DescribeLaunchTemplateVersions shows a launch-template
    tag specification no one asked the instances to have.
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RequestLaunchTemplateData.html
    """
    from moto.ec2.models import EC2Backend

    create = EC2Backend.create_launch_template

    def create_launch_template(self: EC2Backend, name: str, description: str, template_data: dict[str, Any], tag_spec: dict[str, Any]) -> Any:
        if "TagSpecifications" in template_data:
            template_data["TagSpecifications"] = [
                spec for spec in template_data["TagSpecifications"] if spec.get("ResourceType") != "launch-template"
            ]
        return create(self, name, description, template_data, tag_spec)

    replace(EC2Backend, "create_launch_template", create_launch_template)


# ---- Auto Scaling ---------------------------------------------------------------------------


@patch
def autoscaling_launch_lifecycle_hooks_hold_new_instances() -> None:
    """Auto Scaling: the lifecycle hooks given when a group is created (LifecycleHookSpecificationList)
    are in place before its first instances launch. An instance launched while the group has an
    autoscaling:EC2_INSTANCE_LAUNCHING hook waits in Pending:Wait, counted in the group's capacity but
    not registered with its target groups, until CompleteLifecycleAction: CONTINUE puts it
    InService (and registers it), ABANDON terminates it and the group launches a replacement. With
    no answer within the hook's heartbeat timeout, the hook's DefaultResult applies. moto ignores
    LifecycleHookSpecificationList, launches every instance InService and has no
    CompleteLifecycleAction.
    https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks.html
    https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CreateAutoScalingGroup.html
    https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CompleteLifecycleAction.html
    """
    from moto.autoscaling.exceptions import ValidationError
    from moto.autoscaling.models import AutoScalingBackend, FakeAutoScalingGroup, InstanceState
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import EmptyResult

    launching = "autoscaling:EC2_INSTANCE_LAUNCHING"
    waiting = ("Pending", "Pending:Wait", "Pending:Proceed")

    def launch_hook(group: FakeAutoScalingGroup) -> Any:
        return next(
            (
                hook
                for hook in group.autoscaling_backend.lifecycle_hooks.values()
                if hook.auto_scaling_group_name == group.name and hook.lifecycle_transition == launching
            ),
            None,
        )

    create_group = AutoScalingBackend.create_auto_scaling_group
    create_group_response = AutoScalingResponse.create_auto_scaling_group
    replace_instances = FakeAutoScalingGroup.replace_autoscaling_group_instances

    def create_auto_scaling_group_response(self: AutoScalingResponse) -> Any:
        name = self._get_param("AutoScalingGroupName")
        if name not in self.autoscaling_backend.autoscaling_groups:
            for hook in self._get_params().get("LifecycleHookSpecificationList", []):
                self.autoscaling_backend.create_lifecycle_hook(
                    name=hook["LifecycleHookName"],
                    as_name=name,
                    transition=hook.get("LifecycleTransition"),
                    timeout=int(hook["HeartbeatTimeout"]) if hook.get("HeartbeatTimeout") else None,
                    result=hook.get("DefaultResult"),
                )
        return create_group_response(self)

    def create_auto_scaling_group(self: AutoScalingBackend, name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return create_group(self, name, *args, **kwargs)
        except Exception:
            # a group that was not created keeps no hooks
            for key in [key for key, hook in self.lifecycle_hooks.items() if hook.auto_scaling_group_name == name]:
                self.lifecycle_hooks.pop(key)
            raise

    def active_instances(self: FakeAutoScalingGroup) -> list[InstanceState]:
        # an instance held by a launch hook already counts in the group's capacity
        return [state for state in self.instance_states if state.lifecycle_state == "InService" or state.lifecycle_state in waiting]

    def replace_autoscaling_group_instances(self: FakeAutoScalingGroup, count_needed: int, propagated_tags: dict[str, str]) -> None:
        known = {state.instance.id for state in self.instance_states}
        replace_instances(self, count_needed, propagated_tags)
        hook = launch_hook(self)
        if hook is None:
            return
        for state in self.instance_states:
            if state.instance.id not in known:
                state.lifecycle_state = "Pending:Wait"
                state.lifecycle_action_token = str(uuid.uuid4())
                timer = threading.Timer(hook.heartbeat_timeout, _timed_out, args=(self, state.instance.id, hook.default_result))
                timer.daemon = True
                timer.start()
                state.heartbeat_timer = timer

    def _timed_out(group: FakeAutoScalingGroup, instance_id: str, default_result: str) -> None:
        try:
            complete(group, instance_id, default_result)
        except ValidationError:
            pass  # completed meanwhile

    def complete(group: FakeAutoScalingGroup, instance_id: str, result: str) -> None:
        state = next((s for s in group.instance_states if s.instance.id == instance_id), None)
        if state is None or state.lifecycle_state != "Pending:Wait":
            raise ValidationError(f"No active Lifecycle Action found with instance ID {instance_id}")
        timer = getattr(state, "heartbeat_timer", None)
        if timer is not None:
            timer.cancel()
        backend = group.autoscaling_backend
        if result == "CONTINUE":
            state.lifecycle_state = "InService"
            backend.update_attached_elbs(group.name)
            backend.update_attached_target_groups(group.name)
        else:
            group.instance_states.remove(state)
            backend.ec2_backend.terminate_instances([instance_id])
            # the group keeps its capacity: a replacement launches (and waits for the hook in turn)
            group.set_desired_capacity(group.desired_capacity)

    def complete_lifecycle_action(
        self: AutoScalingBackend,
        group_name: str,
        hook_name: str,
        result: str,
        instance_id: str | None,
        token: str | None,
    ) -> None:
        if group_name not in self.autoscaling_groups:
            raise ValidationError(f"AutoScalingGroup name not found - {group_name}")
        group = self.autoscaling_groups[group_name]
        if f"{group_name}_{hook_name}" not in self.lifecycle_hooks:
            raise ValidationError(f"No Lifecycle Hook found with name {hook_name} for group {group_name}")
        if result not in ("CONTINUE", "ABANDON"):
            raise ValidationError(f"Invalid LifecycleActionResult {result}: CONTINUE or ABANDON")
        if instance_id is None:
            state = next((s for s in group.instance_states if getattr(s, "lifecycle_action_token", None) == token), None)
            if state is None:
                raise ValidationError(f"No active Lifecycle Action found with token {token}")
            instance_id = state.instance.id
        complete(group, instance_id, result)

    def complete_lifecycle_action_response(self: AutoScalingResponse) -> EmptyResult:
        self.autoscaling_backend.complete_lifecycle_action(
            group_name=self._get_param("AutoScalingGroupName"),
            hook_name=self._get_param("LifecycleHookName"),
            result=self._get_param("LifecycleActionResult"),
            instance_id=self._get_param("InstanceId"),
            token=self._get_param("LifecycleActionToken"),
        )
        return EmptyResult()

    def update_attached_target_groups(self: AutoScalingBackend, group_name: str) -> None:
        # An instance is registered once, when it is in service; one deregistered since (a drain)
        # is not registered again by the group.
        group = self.autoscaling_groups[group_name]
        if not group.target_group_arns:
            return
        entering = [
            state
            for state in group.instance_states
            if state.lifecycle_state == "InService" and not getattr(state, "registered_with_target_groups", False)
        ]
        if not entering:
            return
        for target_group in self.elbv2_backend.describe_target_groups(target_group_arns=group.target_group_arns, load_balancer_arn=None, names=None):
            targets = [{"Id": state.instance.id, "Port": target_group.port} for state in entering]
            self.elbv2_backend.register_targets(target_group.arn, targets)
        for state in entering:
            state.registered_with_target_groups = True

    replace(AutoScalingResponse, "create_auto_scaling_group", create_auto_scaling_group_response)
    replace(AutoScalingBackend, "create_auto_scaling_group", create_auto_scaling_group)
    replace(FakeAutoScalingGroup, "active_instances", active_instances)
    replace(FakeAutoScalingGroup, "replace_autoscaling_group_instances", replace_autoscaling_group_instances)
    replace(AutoScalingBackend, "complete_lifecycle_action", complete_lifecycle_action)
    replace(AutoScalingResponse, "complete_lifecycle_action", complete_lifecycle_action_response)
    replace(AutoScalingBackend, "update_attached_target_groups", update_attached_target_groups)
