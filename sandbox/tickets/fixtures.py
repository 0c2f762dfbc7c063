"""The OSM catalogue: ticket categories, product categories, problem types, severities, templates,
regions, satisfaction dimensions, area codes and labels, in English and Chinese.

Ids are stable (tests and demos name them). The real catalogue is much larger; this one covers the
products the partner portal sells (ECS, EVS, VPC, EIP) plus billing and account questions.
Problem type ids are unique across product categories, so a `business_type_id` names its category.
"""

from __future__ import annotations

from dataclasses import dataclass

EN = "en"
ZH = "zh"

# Fixed by Huawei for tickets created through the API (reference 7).
SOURCE_ID = "83aeb0f2834c4df49826c781d32a963e"
SOURCE_NAME = {EN: "OpenAPI", ZH: "OpenAPI"}

CASE_TYPE_CONSULTATION = "0"
CASE_TYPE_FAULT = "5"


def text(value: dict[str, str], language: str) -> str:
    return value.get(language) or value[EN]


@dataclass(frozen=True)
class ProblemType:
    id: str
    name: dict[str, str]
    case_type: str
    severity_ids: tuple[str, ...]
    templates: tuple[dict, ...] = ()

    @property
    def needs_region(self) -> bool:
        return self.case_type == CASE_TYPE_FAULT


@dataclass(frozen=True)
class ProductCategory:
    id: str
    acronym: str
    name: dict[str, str]
    desc: dict[str, str]
    problem_types: tuple[ProblemType, ...]
    can_use_support_plan: bool = True


@dataclass(frozen=True)
class SubType:
    id: str
    name: dict[str, str]
    product_categories: tuple[ProductCategory, ...]


SEVERITIES = {
    "1": {EN: "Critical: services are unavailable", ZH: "严重：业务不可用"},
    "2": {EN: "Major: services are seriously affected", ZH: "主要：业务受到严重影响"},
    "3": {EN: "Minor: services are slightly affected", ZH: "次要：业务受到轻微影响"},
    "4": {EN: "Suggestion: consultation or advice", ZH: "提示：咨询或建议"},
}
FAULT_SEVERITIES = ("1", "2", "3", "4")
CONSULTATION_SEVERITIES = ("3", "4")


def _fault(id: str, en: str, zh: str, templates: tuple[dict, ...] = ()) -> ProblemType:
    return ProblemType(id, {EN: en, ZH: zh}, CASE_TYPE_FAULT, FAULT_SEVERITIES, templates)


def _consultation(id: str, en: str, zh: str, *, severities=CONSULTATION_SEVERITIES, templates=()) -> ProblemType:
    return ProblemType(id, {EN: en, ZH: zh}, CASE_TYPE_CONSULTATION, severities, templates)


def _template(id: str, en_name: str, zh_name: str, en_content: str, zh_content: str) -> dict:
    return {"id": id, "name": {EN: en_name, ZH: zh_name}, "content": {EN: en_content, ZH: zh_content}}


LOGIN_TEMPLATE = _template(
    "T150101",
    "Cannot log in to an ECS",
    "无法登录弹性云服务器",
    "ECS ID:\nRegion:\nLogin method (VNC / SSH / RDP):\nError message shown:\nWhen did it start:\n"
    "What have you tried (restart, password reset, security group check):",
    "云服务器ID：\n区域：\n登录方式（VNC / SSH / RDP）：\n报错信息：\n开始时间：\n已尝试的操作（重启、重置密码、检查安全组）：",
)
PERFORMANCE_TEMPLATE = _template(
    "T150201",
    "ECS performance problem",
    "云服务器性能问题",
    "ECS ID:\nFlavor:\nSymptom (CPU / memory / disk I/O / network):\nTime range (UTC):\nMonitoring screenshots attached:",
    "云服务器ID：\n规格：\n现象（CPU / 内存 / 磁盘IO / 网络）：\n时间段（UTC）：\n是否附监控截图：",
)
DISK_TEMPLATE = _template(
    "T160101",
    "Disk attach or detach failure",
    "云硬盘挂载或卸载失败",
    "Disk ID:\nServer ID:\nOperation (attach / detach):\nError message:\nWhen did it happen (UTC):",
    "云硬盘ID：\n云服务器ID：\n操作（挂载 / 卸载）：\n报错信息：\n发生时间（UTC）：",
)
NETWORK_TEMPLATE = _template(
    "T170101",
    "Network connectivity problem",
    "网络不通",
    "VPC ID:\nSource (IP / ECS ID):\nDestination (IP / port):\nProtocol:\nping / traceroute output attached:",
    "VPC ID：\n源（IP / 云服务器ID）：\n目的（IP / 端口）：\n协议：\n是否附 ping / traceroute 结果：",
)
EIP_TEMPLATE = _template(
    "T180101",
    "EIP unreachable",
    "弹性公网IP无法访问",
    "EIP address:\nBound to (ECS / ELB / NAT):\nBandwidth ID:\nFrom where is it unreachable:\nWhen did it start (UTC):",
    "弹性公网IP：\n绑定对象（云服务器 / ELB / NAT）：\n带宽ID：\n从何处无法访问：\n开始时间（UTC）：",
)
BILL_TEMPLATE = _template(
    "T810101",
    "Question about a bill",
    "账单疑问",
    "Billing cycle (YYYY-MM):\nOrder or resource ID:\nAmount in question:\nWhat you expected:",
    "账期（YYYY-MM）：\n订单或资源ID：\n有疑问的金额：\n您的预期：",
)

SUB_TYPES: tuple[SubType, ...] = (
    SubType(
        "1",
        {EN: "Technical issues", ZH: "技术问题"},
        (
            ProductCategory(
                "15",
                "ECS",
                {EN: "Elastic Cloud Server", ZH: "弹性云服务器"},
                {EN: "Scalable virtual servers", ZH: "可随时自助获取、可弹性伸缩的云服务器"},
                (
                    _fault("1501", "Cannot log in to an ECS", "云服务器无法登录", (LOGIN_TEMPLATE,)),
                    _fault("1502", "ECS performance problem", "云服务器性能问题", (PERFORMANCE_TEMPLATE,)),
                    _consultation("1503", "ECS usage and configuration", "云服务器使用与配置咨询"),
                ),
            ),
            ProductCategory(
                "16",
                "EVS",
                {EN: "Elastic Volume Service", ZH: "云硬盘"},
                {EN: "Block storage for servers", ZH: "为云服务器提供的块存储"},
                (
                    _fault("1601", "Disk cannot be attached or detached", "云硬盘无法挂载或卸载", (DISK_TEMPLATE,)),
                    _consultation("1602", "Disk expansion and backup", "云硬盘扩容与备份咨询"),
                ),
            ),
            ProductCategory(
                "17",
                "VPC",
                {EN: "Virtual Private Cloud", ZH: "虚拟私有云"},
                {EN: "Isolated private networks", ZH: "隔离的、私密的虚拟网络环境"},
                (
                    _fault("1701", "Network connectivity problem", "网络连通性问题", (NETWORK_TEMPLATE,)),
                    _consultation("1702", "Security groups and network ACLs", "安全组与网络ACL咨询"),
                ),
            ),
            ProductCategory(
                "18",
                "EIP",
                {EN: "Elastic IP", ZH: "弹性公网IP"},
                {EN: "Public IP addresses and bandwidth", ZH: "独立的公网IP地址和带宽"},
                (
                    _fault("1801", "EIP cannot be reached", "弹性公网IP无法访问", (EIP_TEMPLATE,)),
                    _consultation("1802", "Bandwidth and EIP configuration", "带宽与弹性公网IP配置咨询"),
                ),
            ),
        ),
    ),
    SubType(
        "2",
        {EN: "Billing and account", ZH: "费用与账号"},
        (
            ProductCategory(
                "81",
                "Billing",
                {EN: "Billing", ZH: "费用中心"},
                {EN: "Bills, payments, refunds and unsubscriptions", ZH: "账单、支付、退款与退订"},
                (
                    _consultation("8101", "Bills and charges", "账单与扣费", severities=(), templates=(BILL_TEMPLATE,)),
                    _consultation("8102", "Refunds and unsubscriptions", "退款与退订", severities=()),
                ),
                can_use_support_plan=False,
            ),
            ProductCategory(
                "82",
                "Account",
                {EN: "Account and real-name authentication", ZH: "账号与实名认证"},
                {EN: "Sign-in, security settings and real-name authentication", ZH: "登录、安全设置与实名认证"},
                (
                    _consultation("8201", "Real-name authentication", "实名认证", severities=()),
                    _consultation("8202", "Account sign-in and security", "账号登录与安全", severities=()),
                ),
                can_use_support_plan=False,
            ),
        ),
    ),
)

PRODUCT_CATEGORIES: dict[str, tuple[SubType, ProductCategory]] = {
    category.id: (sub_type, category) for sub_type in SUB_TYPES for category in sub_type.product_categories
}
PROBLEM_TYPES: dict[str, tuple[ProductCategory, ProblemType]] = {
    problem.id: (category, problem)
    for sub_type in SUB_TYPES
    for category in sub_type.product_categories
    for problem in category.problem_types
}

# Regions of the international site (list_regions / list_customers_regions; `dc_name` of a ticket).
REGIONS = (
    ("ap-southeast-1", {EN: "CN-Hong Kong", ZH: "中国-香港"}),
    ("ap-southeast-2", {EN: "AP-Bangkok", ZH: "亚太-曼谷"}),
    ("ap-southeast-3", {EN: "AP-Singapore", ZH: "亚太-新加坡"}),
    ("ap-southeast-4", {EN: "AP-Jakarta", ZH: "亚太-雅加达"}),
    ("af-south-1", {EN: "AF-Johannesburg", ZH: "非洲-约翰内斯堡"}),
    ("la-north-2", {EN: "LA-Mexico City2", ZH: "拉美-墨西哥城二"}),
    ("la-south-2", {EN: "LA-Santiago", ZH: "拉美-圣地亚哥"}),
    ("sa-brazil-1", {EN: "LA-Sao Paulo1", ZH: "拉美-圣保罗一"}),
    ("me-east-1", {EN: "ME-Riyadh", ZH: "中东-利雅得"}),
    ("tr-west-1", {EN: "TR-Istanbul", ZH: "土耳其-伊斯坦布尔"}),
)
REGION_NAMES = dict(REGIONS)

# Satisfaction dimensions for closing a ticket: each scored 1..5 (`value` is the top score).
SATISFACTION_DIMENSIONS = (
    (1, {EN: "Response speed", ZH: "响应速度"}, {EN: "How fast the engineers answered", ZH: "工程师响应是否及时"}),
    (
        2,
        {EN: "Professionalism", ZH: "专业能力"},
        {EN: "How well the problem was understood", ZH: "问题理解与处理是否专业"},
    ),
    (3, {EN: "Overall satisfaction", ZH: "总体满意度"}, {EN: "Your overall experience", ZH: "您对本次服务的总体评价"}),
)
SATISFACTION_MAX = 5
SATISFACTION_CATEGORY_ID = "1"
SATISFACTION_CATEGORY_NAME = {EN: "Service ticket satisfaction", ZH: "工单满意度"}

# Country/region calling codes for remind_mobile (area_code without the leading 00 or +).
AREA_CODES = (
    (1, "65", {EN: "Singapore", ZH: "新加坡"}),
    (2, "852", {EN: "Hong Kong (China)", ZH: "中国香港"}),
    (3, "66", {EN: "Thailand", ZH: "泰国"}),
    (4, "62", {EN: "Indonesia", ZH: "印度尼西亚"}),
    (5, "60", {EN: "Malaysia", ZH: "马来西亚"}),
    (6, "63", {EN: "Philippines", ZH: "菲律宾"}),
    (7, "27", {EN: "South Africa", ZH: "南非"}),
    (8, "52", {EN: "Mexico", ZH: "墨西哥"}),
    (9, "56", {EN: "Chile", ZH: "智利"}),
    (10, "55", {EN: "Brazil", ZH: "巴西"}),
    (11, "966", {EN: "Saudi Arabia", ZH: "沙特阿拉伯"}),
    (12, "90", {EN: "Türkiye", ZH: "土耳其"}),
    (13, "86", {EN: "Chinese mainland", ZH: "中国大陆"}),
)
AREA_CODE_VALUES = {code for _, code, _ in AREA_CODES}

# Every account sees the same ticket labels (the sandbox does not implement create_labels).
LABELS = (
    (1, {EN: "Urgent", ZH: "紧急"}, "#E54545"),
    (2, {EN: "Billing", ZH: "计费"}, "#3F8CFF"),
    (3, {EN: "Follow up", ZH: "待跟进"}, "#2EB872"),
)
LABEL_IDS = {label_id for label_id, _, _ in LABELS}

# Attachments (show_accessory_limits; console limits: the API's own are not published).
ACCESSORY_FILE_TYPES = ("jpg", "jpeg", "png", "gif", "bmp", "pdf", "txt", "log", "zip")
ACCESSORY_MAX_BYTES = 10 * 1024 * 1024
ACCESSORY_MAX_COUNT = 10  # per ticket or message
ACCESSORY_DAILY_BYTES = 100 * 1024 * 1024  # per account and day -> OSM.01010005
CC_EMAIL_MAX_COUNT = 10
MONTHLY_TICKET_QUOTA = 100
