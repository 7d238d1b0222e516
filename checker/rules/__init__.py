"""The rule set. ALL_RULES lists every built-in rule explicitly, in code order; docs are generated from it."""

from checker.rules.base import Rule
from checker.rules.pl101_prod_deploy_without_approval import ProdDeployWithoutApproval
from checker.rules.pl102_approval_without_notification import ApprovalWithoutNotification
from checker.rules.pl103_approval_before_verification import ApprovalBeforeVerification
from checker.rules.pl104_prod_without_staging import ProdWithoutStaging
from checker.rules.pl105_untested_promotion import UntestedPromotion
from checker.rules.pl106_artifact_rebuilt_for_prod import ArtifactRebuiltForProd
from checker.rules.pl107_first_deploy_fans_out import FirstDeployFansOut
from checker.rules.pl108_region_fanout_too_fast import RegionFanoutTooFast
from checker.rules.pl201_prod_shares_account_with_nonprod import ProdSharesAccountWithNonprod
from checker.rules.pl202_prod_deploy_in_pipeline_account import ProdDeployInPipelineAccount
from checker.rules.pl203_cross_account_artifacts_without_cmk import CrossAccountArtifactsWithoutCmk
from checker.rules.pl301_prod_deploy_without_rollback import ProdDeployWithoutRollback
from checker.rules.pl302_rollback_without_alarms import RollbackWithoutAlarms
from checker.rules.pl303_destructive_prod_stack_action import DestructiveProdStackAction
from checker.rules.pl304_blue_fleet_terminated_immediately import BlueFleetTerminatedImmediately
from checker.rules.pl401_all_at_once_prod_deploy import AllAtOnceProdDeploy
from checker.rules.pl402_rolling_prod_deploy import RollingProdDeploy
from checker.rules.pl501_unreviewed_prod_stack_change import UnreviewedProdStackChange
from checker.rules.pl502_plaintext_secret_in_pipeline import PlaintextSecretInPipeline

ALL_RULES: tuple[type[Rule], ...] = (
    ProdDeployWithoutApproval,
    ApprovalWithoutNotification,
    ApprovalBeforeVerification,
    ProdWithoutStaging,
    UntestedPromotion,
    ArtifactRebuiltForProd,
    FirstDeployFansOut,
    RegionFanoutTooFast,
    ProdSharesAccountWithNonprod,
    ProdDeployInPipelineAccount,
    CrossAccountArtifactsWithoutCmk,
    ProdDeployWithoutRollback,
    RollbackWithoutAlarms,
    DestructiveProdStackAction,
    BlueFleetTerminatedImmediately,
    AllAtOnceProdDeploy,
    RollingProdDeploy,
    UnreviewedProdStackChange,
    PlaintextSecretInPipeline,
)

__all__ = ["ALL_RULES", "Rule"]
