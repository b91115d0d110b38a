"""Demo data: real divisions, users for every role, a plan catalogue, a batch, an expert pool."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import current_app

from app import clock
from app.demo.reference import it_office_code, load_reference_data
from app.extensions import db
from app.models import Batch, Organisation, OrgKind, PlanItem, User
from app.models.vocabulary import Domain, PilotCategory
from app.services.commands.users import create_user
from app.services.documents.signatures import ensure_signers

DEMO_PASSWORD = "Pilot#2026"

# (code, name, division) of applicant departments in a county, a prefecture and the province.
DEMO_DEPARTMENTS = (
    ("D530102MZ", "五华区民政局", "530102"),
    ("D530100CZ", "昆明市财政局", "530100"),
    ("D532901NY", "大理市农业农村局", "532901"),
    ("D530300SC", "曲靖市市场监督管理局", "530300"),
)
INSTITUTIONS = (
    ("I-YNU", "云南大学", "530102"), ("I-KUST", "昆明理工大学", "530111"),
    ("I-DLU", "大理大学", "532901"), ("I-QJNU", "曲靖师范学院", "530302"),
    ("I-YXNU", "玉溪师范学院", "530402"),
)
# username, display name, organisation code, roles
DEMO_USERS = (
    ("admin", "系统管理员", "XXB", ["admin"]),
    ("office", "李明（省信息办）", "XXB", ["office_reviewer"]),
    ("leader", "王华（省信息办主任）", "XXB", ["leader"]),
    ("fgw", "赵强（省发改委）", "FGW", ["joint_reviewer"]),
    ("czt", "钱芳（省财政厅）", "CZT", ["joint_reviewer"]),
    ("xxb", "孙伟（省信息办复审代表）", "XXB", ["joint_reviewer"]),
    ("wuhua_office", "周敏（五华区信息办）", it_office_code("530102"), ["endorser"]),
    ("kunming_office", "吴刚（昆明市信息办）", it_office_code("530100"), ["endorser"]),
    ("dali_city_office", "郑丽（大理市信息办）", it_office_code("532901"), ["endorser"]),
    ("dali_office", "冯涛（大理州信息办）", it_office_code("532900"), ["endorser"]),
    ("qujing_office", "陈静（曲靖市信息办）", it_office_code("530300"), ["endorser"]),
    ("wuhua_applicant", "刘洋（五华区民政局）", "D530102MZ", ["applicant"]),
    ("kunming_applicant", "杨帆（昆明市财政局）", "D530100CZ", ["applicant"]),
    ("dali_applicant", "黄蕾（大理市农业农村局）", "D532901NY", ["applicant"]),
    ("qujing_applicant", "何军（曲靖市市场监管局）", "D530300SC", ["applicant"]),
    ("province_applicant", "林涛（省劳动和社会保障厅）", "LDBZT", ["applicant"]),
)
EXPERTS = (
    ("expert1", "张教授", "I-YNU", "电子政务,信息安全"), ("expert2", "高研究员", "I-KUST", "软件工程"),
    ("expert3", "马教授", "I-DLU", "数据库,信息资源"), ("expert4", "罗高工", "I-QJNU", "网络工程"),
    ("expert5", "谢教授", "I-YXNU", "公共管理"), ("expert6", "韩高工", "I-KUST", "系统集成"),
    ("expert7", "唐教授", "I-DLU", "财政信息化"), ("expert8", "许研究员", "I-YXNU", "项目管理"),
    ("expert9", "邓教授", "I-QJNU", "社会保障信息化"),
)
# The domains (示范领域) each demo expert is a specialist in: the panel draw prefers them. Nobody
# covers 食品药品安全监管, so those projects' panels say the pool has no specialist.
EXPERT_DOMAINS = {
    "expert1": (Domain.OFFICE, Domain.PUBLIC_SECURITY), "expert3": (Domain.CREDIT, Domain.RESOURCES),
    "expert4": (Domain.PUBLIC_SECURITY,), "expert5": (Domain.OFFICE, Domain.SOCIAL_SECURITY),
    "expert7": (Domain.FINANCE, Domain.TAXATION), "expert8": (Domain.AGRICULTURE, Domain.ENVIRONMENT),
    "expert9": (Domain.SOCIAL_SECURITY,),
}
PLAN_ITEMS = (
    ("GH-01", "全省协同办公平台", PilotCategory.COLLABORATIVE, Domain.OFFICE),
    ("GH-02", "财政预算执行监控系统", PilotCategory.BUSINESS, Domain.FINANCE),
    ("GH-03", "涉农补贴一卡通信息系统", PilotCategory.ONLINE_SERVICE, Domain.AGRICULTURE),
    ("GH-04", "企业信用信息资源库", PilotCategory.RESOURCE_DATABASE, Domain.CREDIT),
    ("GH-05", "食品药品安全监管信息系统", PilotCategory.BUSINESS, Domain.FOOD_DRUG),
    ("GH-06", "社会保障卡业务应用", PilotCategory.ONLINE_SERVICE, Domain.SOCIAL_SECURITY),
    ("GH-07", "环境质量自动监测与信息发布", PilotCategory.RESOURCE_DATABASE, Domain.ENVIRONMENT),
    ("GH-08", "公共安全应急联动系统", PilotCategory.COLLABORATIVE, Domain.PUBLIC_SECURITY),
)


def demo_email(username: str) -> str:
    """An example address (example.gov.cn is never delivered anywhere real)."""
    return f"{username.replace('_', '.')}@example.gov.cn"


def _organisation(code: str, name: str, division: str, kind: OrgKind) -> None:
    if db.session.scalar(sa.select(Organisation.id).where(Organisation.code == code)) is None:
        db.session.add(Organisation(code=code, name=name, short_name=name, kind=kind, division_code=division))


def new_batch(name: str, year: int, quota: int | None = None) -> Batch:
    batch = Batch(name=name, year=year, opens_on=date(year, 1, 1), closes_on=date(year, 12, 31),
                  quota=quota or current_app.config["BATCH_QUOTA_DEFAULT"])
    db.session.add(batch)
    db.session.flush()
    return batch


def batch_name(year: int) -> str:
    return f"{year}年度电子政务应用试点项目"


def batch_named(year: int) -> Batch | None:
    """The demo's batch of ``year``, if it exists."""
    return db.session.scalar(sa.select(Batch).where(Batch.name == batch_name(year)))


def year_batch(year: int) -> Batch:
    """The demo's batch of ``year``, made if missing."""
    return batch_named(year) or new_batch(batch_name(year), year)


def load_demo(year: int | None = None) -> list[tuple[str, str, str]]:
    """Idempotent; returns (username, display name, roles) of the demo logins."""
    year = year or clock.today().year
    load_reference_data(current_app.config["REFERENCE_DATA_DIR"])
    for code, name, division in DEMO_DEPARTMENTS:
        _organisation(code, name, division, OrgKind.DEPARTMENT)
    for code, name, division in INSTITUTIONS:
        _organisation(code, name, division, OrgKind.INSTITUTION)
    db.session.flush()
    existing = set(db.session.scalars(sa.select(User.username)))
    for username, display, org, roles in DEMO_USERS:
        if username not in existing:
            create_user(username, DEMO_PASSWORD, display, org, roles).email = demo_email(username)
    for username, display, org, specialties in EXPERTS:
        if username not in existing:
            create_user(username, DEMO_PASSWORD, display, org, ["expert"], specialties=specialties,
                        title="高级工程师", domains=EXPERT_DOMAINS.get(username, ())).email = demo_email(username)
    have_items = set(db.session.scalars(sa.select(PlanItem.code)))
    for code, name, category, domain in PLAN_ITEMS:
        if code not in have_items:
            db.session.add(PlanItem(code=code, name=name, category=category, domain=domain))
    year_batch(year)
    db.session.flush()
    ensure_signers(DEMO_PASSWORD)  # the deployment CA, and certificates for experts and the office
    roles = {u: ",".join(r) for u, _, _, r in DEMO_USERS} | {u: "expert" for u, *_ in EXPERTS}
    return [(u, d, roles[u]) for u, d, *_ in (*DEMO_USERS, *EXPERTS)]
