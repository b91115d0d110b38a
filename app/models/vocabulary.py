"""The programme's fixed vocabulary: roles, pilot categories (试点范围) and domains (示范领域)."""
from workflows.engine import LabelledEnum


class Role(LabelledEnum):
    APPLICANT = ("applicant", "申报单位经办人", "Applicant")
    ENDORSER = ("endorser", "主管部门审核人", "Endorser")
    OFFICE_REVIEWER = ("office_reviewer", "省信息办经办人", "Office reviewer")
    LEADER = ("leader", "省信息办领导", "Office leader")
    JOINT_REVIEWER = ("joint_reviewer", "复审代表", "Joint reviewer")
    EXPERT = ("expert", "评审专家", "Expert")
    ADMIN = ("admin", "系统管理员", "Administrator")


class OrgKind(LabelledEnum):
    IT_OFFICE = ("it_office", "信息化主管部门", "IT office")
    DEPARTMENT = ("department", "部门", "Department")
    INSTITUTION = ("institution", "专家所在单位", "Expert's institution")


class PilotCategory(LabelledEnum):
    BUSINESS = ("business", "业务应用系统", "Business application system")
    COLLABORATIVE = ("collaborative", "协同应用系统", "Collaborative application system")
    ONLINE_SERVICE = ("online_service", "在线办事和公众参与系统",
                      "Online service and public participation system")
    RESOURCE_DATABASE = ("resource_database", "信息资源库", "Information resource database")


class Domain(LabelledEnum):
    OFFICE = ("office", "办公", "Office work")
    FINANCE = ("finance", "财政管理", "Public finance")
    TAXATION = ("taxation", "税收管理", "Taxation")
    FINANCIAL_SUPERVISION = ("financial_supervision", "金融监管", "Financial supervision")
    AGRICULTURE = ("agriculture", "涉农管理与服务", "Agricultural management and services")
    FOOD_DRUG = ("food_drug", "食品药品安全监管", "Food and drug safety")
    CREDIT = ("credit", "信用监管", "Credit supervision")
    RESOURCES = ("resources", "资源管理", "Resource management")
    ENVIRONMENT = ("environment", "环境保护", "Environmental protection")
    PUBLIC_SECURITY = ("public_security", "公共安全管理", "Public security")
    SOCIAL_SECURITY = ("social_security", "社会保障", "Social security")
    JUDICIAL = ("judicial", "司法保障", "Judicial support")


class DivisionLevel(LabelledEnum):
    PROVINCE = ("province", "省", "Province")
    PREFECTURE = ("prefecture", "州市", "Prefecture")
    COUNTY = ("county", "县市区", "County")
