"""The domain model: one module per aggregate; importing this registers every table."""
from app.models.acceptance import Acceptance, AcceptanceScore, PanelMember, vacant_seats
from app.models.application import (
    PAST_PLAN_GATE,
    Application,
    Attachment,
    Endorsement,
    EndorsementSummary,
    JointOpinion,
)
from app.models.audit import (
    Alert,
    AuditCheckpoint,
    AuditHead,
    AuditRecord,
    Notification,
    OutboxMessage,
    OutboxStatus,
    ScheduledRun,
)
from app.models.calendar import CalendarDay, CalendarYear, DayKind
from app.models.change_request import ChangeAttachment, ChangeRequest
from app.models.delegation import Delegation
from app.models.document import DocumentVersion, IssuedDocument, SigningCredential
from app.models.dossier import DossierExport, DossierStatus
from app.models.evaluation import (
    DemonstrationObjection,
    DemonstrationPublication,
    Evaluation,
)
from app.models.material import MATERIAL_KINDS, MATERIAL_STAGES, Material
from app.models.org import Division, Organisation
from app.models.programme import Batch, Counter, PlanItem
from app.models.project import FundingAttachment, FundingRequest, MidtermCheck, Project
from app.models.time_limit import StepLimit
from app.models.token import ApiToken
from app.models.user import (
    LOCALES,
    Expert,
    ExpertDomain,
    MailPreference,
    User,
    UserRole,
)
from app.models.vocabulary import DivisionLevel, Domain, OrgKind, PilotCategory, Role

__all__ = [
    "Acceptance", "AcceptanceScore", "PanelMember", "vacant_seats", "Application", "Attachment", "Endorsement",
    "JointOpinion", "AuditCheckpoint", "AuditHead", "AuditRecord", "Notification", "OutboxMessage", "OutboxStatus", "ScheduledRun",
    "DemonstrationObjection", "DemonstrationPublication", "Evaluation", "Division", "Organisation", "Batch", "Counter",
    "PlanItem", "FundingRequest", "FundingAttachment", "MidtermCheck", "Project", "Expert", "ExpertDomain", "User",
    "UserRole",
    "Domain", "DivisionLevel", "OrgKind", "PilotCategory", "Role", "DocumentVersion", "IssuedDocument",
    "SigningCredential", "ApiToken", "Alert", "LOCALES", "MailPreference", "CalendarDay", "CalendarYear", "DayKind",
    "StepLimit", "DossierExport", "DossierStatus", "Delegation",
    "ChangeAttachment", "ChangeRequest",
    "Material", "MATERIAL_KINDS", "MATERIAL_STAGES", "EndorsementSummary", "PAST_PLAN_GATE",
]
