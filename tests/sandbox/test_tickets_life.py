"""Service tickets (OSM): attachments, creating and listing tickets, messages, the owner's actions and
the engineer's side through the control API. Official OsmClient, the partner's own tickets."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import requests
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.formdata import FormFile
from huaweicloudsdkosm.v2 import (
    CreateCaseLabelsRequest,
    CreateCasesRequest,
    CreateMessageDoV2,
    CreateMessagesRequest,
    CreateMessageV2Req,
    CreateOrderIncidentV2Req,
    CreateScoresRequest,
    CreateScoreV2Req,
    DeleteAccessoriesRequest,
    DeleteCaseLabelsRequest,
    DownloadAccessoriesRequest,
    IncidentSatisfactionV2Do,
    ListAccessoryAccessUrlsRequest,
    ListCaseLabelsRequest,
    ListCaseOperateLogsRequest,
    ListCasesRequest,
    ListMessagesRequest,
    ShowCaseDetailRequest,
    ShowCaseStatusRequest,
    ShowDownloadAccessoryUrlRequest,
    UpdateCasesRequest,
    UploadAccessoryRequest,
    UploadAccessoryRequestBody,
    WorkOrderOperateV2Req,
)

from tests.sandbox_tickets_helpers import (
    CUSTOMER_TICKETS,
    PARTNER_TICKETS,
    SITE,
    build_osm,
    sandbox_ticket,
    sandbox_tickets,
    ticket_reply,
    ticket_status,
)

SOURCE_ID = "83aeb0f2834c4df49826c781d32a963e"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ECS_LOGIN = {"incident_sub_type_id": "1", "product_category_id": "15", "business_type_id": "1501"}


@pytest.fixture
def osm(sandbox):
    return build_osm(sandbox.url)


class Upload(io.BytesIO):
    """What the SDK's FormFile needs: a binary stream with a name and mode "rb"."""

    mode = "rb"

    def __init__(self, content: bytes, name: str):
        super().__init__(content)
        self.name = name


def upload(osm, content=PNG, name="screenshot.png", content_type="image/png") -> str:
    body = UploadAccessoryRequestBody(file=FormFile(Upload(content, name), content_type))
    return osm.upload_accessory(UploadAccessoryRequest(**SITE, body=body)).accessory_id


def create(osm, **fields) -> str:
    values = {
        **ECS_LOGIN,
        "region_id": "ap-southeast-3",
        "simple_description": "Cannot log in to ECS web-07 over SSH since 09:10 UTC.",
        "source_id": SOURCE_ID,
        **fields,
    }
    return osm.create_cases(CreateCasesRequest(**SITE, body=CreateOrderIncidentV2Req(**values))).incident_id


def act(osm, incident_id, action, **body):
    return osm.update_cases(
        UpdateCasesRequest(case_id=incident_id, action_id=action, **SITE, body=WorkOrderOperateV2Req(**body))
    )


def message(osm, incident_id, content, accessory_ids=None):
    body = CreateMessageV2Req(message=CreateMessageDoV2(content=content, accessory_ids=accessory_ids))
    return osm.create_messages(CreateMessagesRequest(case_id=incident_id, **SITE, body=body))


def status_of(osm, incident_id) -> int:
    return osm.show_case_status(ShowCaseStatusRequest(case_id=incident_id, **SITE)).status


def rejected(call) -> ClientRequestException:
    with pytest.raises(ClientRequestException) as caught:
        call()
    return caught.value


# --- attachments -------------------------------------------------------------------------------------


def test_upload_and_download_an_attachment(osm, sandbox):
    accessory_id = upload(osm)

    download = osm.download_accessories(DownloadAccessoriesRequest(accessory_id=accessory_id, **SITE))
    chunks = []
    download.consume_download_stream(lambda stream: chunks.extend(stream.iter_content(1024)))
    content = b"".join(chunks)
    url = osm.show_download_accessory_url(ShowDownloadAccessoryUrlRequest(accessory_id=accessory_id)).accessory_url
    urls = osm.list_accessory_access_urls(ListAccessoryAccessUrlsRequest(accessory_ids=[accessory_id], **SITE))

    assert len(accessory_id) == 32
    assert content == PNG
    # The access URL works without signing, like a presigned OBS link.
    assert requests.get(url, timeout=10).content == PNG
    assert requests.get(url.replace("token=", "token=0"), timeout=10).status_code == 403
    assert [(u.accessory_id, u.accessory_name) for u in urls.accessory_urls] == [(accessory_id, "screenshot.png")]


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"MZ\x90\x00", "setup.exe", "file type must be one of"),
        (b"just text", "photo.png", "is not a png file"),
        (b"", "empty.txt", "empty"),
        (b"x" * (10 * 1024 * 1024 + 1), "huge.log", "at most 10 MB"),
    ],
)
def test_upload_checks_type_and_size(osm, content, name, expected):
    error = rejected(lambda: upload(osm, content=content, name=name, content_type="application/octet-stream"))

    assert (error.status_code, error.error_code) == (400, "OSM.01010001")
    assert expected in error.error_msg


def test_attachments_of_a_message_cannot_be_deleted_others_can(osm):
    loose = upload(osm, content=b"2025-01-01 boot ok\n", name="boot.log", content_type="text/plain")
    attached = upload(osm)
    create(osm, accessory_ids=[attached])

    osm.delete_accessories(DeleteAccessoriesRequest(accessory_id=loose, **SITE))
    error = rejected(lambda: osm.delete_accessories(DeleteAccessoriesRequest(accessory_id=attached, **SITE)))
    gone = rejected(lambda: osm.download_accessories(DownloadAccessoriesRequest(accessory_id=loose, **SITE)))

    assert (error.status_code, error.error_code) == (403, "OSM.0003")
    assert (gone.status_code, gone.error_code) == (400, "OSM.01010002")


# --- creating -----------------------------------------------------------------------------------------


def test_create_a_ticket(osm, sandbox):
    incident_id = create(
        osm,
        severity_id="2",
        remind_mail="ops@demo-partner.example.com",
        remind_mobile="81234567",
        area_code="65",
        remind_time="09:00-18:00",
    )

    state = sandbox_ticket(sandbox, incident_id)
    today = datetime.now(UTC)
    assert incident_id.startswith("CS") and len(incident_id) == 16 and incident_id[2:].isdigit()
    assert incident_id[2:10] in {f"{today:%Y%m%d}", f"{today - timedelta(minutes=5):%Y%m%d}"}
    assert (state["owner"], state["status"], state["severity_id"]) == ("partner", 0, "2")
    assert state["messages"][0]["is_first_message"] is True


def test_ticket_numbers_increase(osm):
    first, second = create(osm), create(osm)

    assert int(second[-6:]) == int(first[-6:]) + 1


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"incident_sub_type_id": None}, "incident_sub_type_id is required"),
        ({"business_type_id": None}, "business_type_id is required"),
        ({"simple_description": None}, "simple_description is required"),
        ({"source_id": "0000"}, "source_id must be"),
        ({"region_id": None}, "region_id is required"),
        ({"region_id": "cn-north-4"}, "not a region of the international site"),
        ({"product_category_id": "81"}, "is not in incident_sub_type_id"),
        ({"business_type_id": "1601"}, "is not a problem type of product category 15"),
        ({"remind_mail": "nobody"}, "remind_mail"),
        ({"remind_time": "9-18"}, "remind_time"),
        ({"simple_description": "x" * 2001}, "at most 2000"),
    ],
)
def test_create_validates_the_request(osm, fields, expected):
    error = rejected(lambda: create(osm, **fields))

    assert (error.status_code, error.error_code) == (400, "OSM.01010001")
    assert expected in error.error_msg


def test_consultation_needs_no_region(osm):
    incident_id = create(osm, business_type_id="1503", region_id=None)

    assert status_of(osm, incident_id) == 0


@pytest.mark.parametrize(
    ("fields", "severity_id"),
    [
        ({}, "9"),
        ({"business_type_id": "1503", "region_id": None}, "1"),
        (
            {"incident_sub_type_id": "2", "product_category_id": "81", "business_type_id": "8101", "region_id": None},
            "4",
        ),
    ],
)
def test_severity_must_be_valid_for_the_problem_type(osm, fields, severity_id):
    error = rejected(lambda: create(osm, severity_id=severity_id, **fields))

    assert (error.status_code, error.error_code) == (400, "OSM.01010006")


def test_attachments_must_belong_to_the_caller(osm):
    error = rejected(lambda: create(osm, accessory_ids=["ffffffffffffffffffffffffffffffff"]))

    assert (error.status_code, error.error_code) == (400, "OSM.01010002")


# --- reading ------------------------------------------------------------------------------------------


def test_list_the_demo_tickets(osm):
    response = osm.list_cases(ListCasesRequest(**SITE))

    assert response.total_count == 4
    assert [(t.incident_id, t.status) for t in response.incident_info_list] == [
        (PARTNER_TICKETS["pending"], 0),
        (PARTNER_TICKETS["processing"], 1),
        (PARTNER_TICKETS["completed"], 3),
        (PARTNER_TICKETS["cancelled"], 4),
    ]
    first = response.incident_info_list[0]
    assert first.business_type_name == "Cannot log in to an ECS"
    assert (first.product_category_name, first.dc_name) == ("Elastic Cloud Server", "AP-Singapore")
    assert first.customer_id == "0a9f8e7d6c5b4a3928170615f4e3d2c1"
    assert first.xcustomer_name == "partner-api"
    assert first.create_time is not None


def test_list_filters(osm):
    created = create(osm, simple_description="Disk of db-03 is read-only after resize")
    now = datetime.now(UTC)

    def ids(**query):
        return [t.incident_id for t in osm.list_cases(ListCasesRequest(**SITE, **query)).incident_info_list]

    assert ids(status=1) == [PARTNER_TICKETS["processing"]]
    assert ids(incident_status="3,4") == [PARTNER_TICKETS["completed"], PARTNER_TICKETS["cancelled"]]
    assert ids(search_key=["READ-ONLY", "db-03"]) == [created]
    assert ids(search_key=["read-only", "nothing"]) == []
    assert ids(incident_id=PARTNER_TICKETS["completed"]) == [PARTNER_TICKETS["completed"]]
    start = (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(query_start_time=start) == [created]
    end = (now - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(query_end_time=end) == [PARTNER_TICKETS["cancelled"]]
    assert ids(offset=1, limit=2) == [PARTNER_TICKETS["pending"], PARTNER_TICKETS["processing"]]
    empty = osm.list_cases(ListCasesRequest(limit=0, **SITE))
    assert (empty.total_count, empty.incident_info_list) == (5, [])


@pytest.mark.parametrize(
    "query",
    [
        {"limit": 101},
        {"limit": -1},
        {"offset": 65536},
        {"status": 7},
        {"query_start_time": "yesterday"},
        {"label_id_list": ["1", "2", "3", "1", "2", "3"]},
    ],
)
def test_list_refuses_bad_queries(osm, query):
    error = rejected(lambda: osm.list_cases(ListCasesRequest(**SITE, **query)))

    assert (error.status_code, error.error_code) == (400, "OSM.01010001")


def test_detail_of_a_ticket_with_an_engineer_reply(osm):
    detail = osm.show_case_detail(ShowCaseDetailRequest(case_id=PARTNER_TICKETS["processing"], **SITE))

    info = detail.incident_detail_info
    assert (info.incident_id, info.status, info.business_ownership) == (PARTNER_TICKETS["processing"], 1, 0)
    assert (info.business_type_name, info.incident_type_name) == ("Bills and charges", "Billing and account")
    assert info.source_name == "OpenAPI"
    assert [(m.type, m.is_first_message) for m in info.message_list] == [(0, 1), (1, 0)]
    assert info.message_list[1].replier_name == "HUAWEI CLOUD Support"
    assert info.message_list[0].content == info.simple_description
    assert info.ext_info is not None


def test_a_completed_ticket_keeps_its_rating(osm, sandbox):
    detail = osm.show_case_detail(ShowCaseDetailRequest(case_id=PARTNER_TICKETS["completed"], **SITE))

    assert detail.incident_detail_info.status == 3
    assert detail.incident_detail_info.resolve_time > 0


def test_unknown_ticket_is_refused(osm):
    error = rejected(lambda: osm.show_case_detail(ShowCaseDetailRequest(case_id="CS20990101000001", **SITE)))

    assert (error.status_code, error.error_code) == (400, "OSM.01010002")


def test_labels_and_operation_logs_of_a_ticket(osm):
    labels = osm.list_case_labels(ListCaseLabelsRequest(case_id=PARTNER_TICKETS["pending"], **SITE))
    logs = osm.list_case_operate_logs(ListCaseOperateLogsRequest(case_id=PARTNER_TICKETS["cancelled"], **SITE))

    assert labels.case_label_list == []
    assert [log.operate_type for log in logs.incident_operate_log_list] == [1, 6]
    assert logs.incident_operate_log_list[1].operate_desc == "Found the answer in the documentation."


def test_label_a_ticket(osm):
    incident_id = PARTNER_TICKETS["pending"]
    osm.create_case_labels(CreateCaseLabelsRequest(case_id=incident_id, label_ids=[1, 3], **SITE))
    osm.delete_case_labels(DeleteCaseLabelsRequest(case_id=incident_id, label_ids=[1], **SITE))

    labels = osm.list_case_labels(ListCaseLabelsRequest(case_id=incident_id, **SITE)).case_label_list
    listed = osm.list_cases(ListCasesRequest(label_id_list=["3"], **SITE)).incident_info_list

    assert [(label.label_id, label.name) for label in labels] == [(3, "Follow up")]
    assert [t.incident_id for t in listed] == [incident_id]
    assert [label.name for label in listed[0].label_list] == ["Follow up"]


def test_unknown_label_is_refused(osm):
    error = rejected(
        lambda: osm.create_case_labels(
            CreateCaseLabelsRequest(case_id=PARTNER_TICKETS["pending"], label_ids=[99], **SITE)
        )
    )

    assert (error.status_code, error.error_code) == (400, "OSM.01010001")


def test_rate_a_completed_ticket(osm, sandbox):
    body = CreateScoreV2Req(
        judgement="Fast and right",
        incident_satisfaction_list=[
            IncidentSatisfactionV2Do(satisfaction_id=1, satisfaction_value=5),
            IncidentSatisfactionV2Do(satisfaction_id=2, satisfaction_value=4),
        ],
    )
    osm.create_scores(CreateScoresRequest(case_id=PARTNER_TICKETS["completed"], **SITE, body=body))

    detail = osm.show_case_detail(ShowCaseDetailRequest(case_id=PARTNER_TICKETS["completed"], **SITE))
    info = detail.incident_detail_info
    assert info.judgement == "Fast and right"
    assert [(s.satisfaction_name, s.satisfaction_value) for s in info.incident_satisfaction] == [
        ("Response speed", 5),
        ("Professionalism", 4),
    ]


def test_rating_an_open_ticket_is_refused(osm):
    body = CreateScoreV2Req(judgement="Too early")
    error = rejected(
        lambda: osm.create_scores(CreateScoresRequest(case_id=PARTNER_TICKETS["processing"], **SITE, body=body))
    )

    assert (error.status_code, error.error_code) == (403, "OSM.0003")


# --- a ticket's life ----------------------------------------------------------------------------------


def test_a_tickets_life(osm, sandbox):
    log = upload(
        osm, content=b"Nov 27 03:12:44 web-07 sshd[812]: timeout\n", name="sshd.log", content_type="text/plain"
    )
    incident_id = create(osm, accessory_ids=[log])

    replied = ticket_reply(sandbox, incident_id, "Please check the security group allows port 22.", status=17)
    assert replied["status"] == 17
    messages = osm.list_messages(ListMessagesRequest(case_id=incident_id, **SITE))
    assert messages.count == 2
    assert [(m.type, m.replier_type) for m in messages.message_list] == [(0, 0), (1, 1)]
    assert messages.message_list[0].accessory_list[0].file_actual_name == "sshd.log"
    assert messages.message_list[1].content == "Please check the security group allows port 22."

    screenshot = upload(osm)
    message(osm, incident_id, "Port 22 is open, screenshot attached.", accessory_ids=[screenshot])
    assert status_of(osm, incident_id) == 1  # the customer answered: back to processing

    ticket_reply(sandbox, incident_id, "The host firewall blocked SSH; fixed.", status=2)
    assert status_of(osm, incident_id) == 2
    act(
        osm,
        incident_id,
        "close",
        operate_desc="solved",
        judgement="Quick and clear",
        incident_satisfaction_list=[IncidentSatisfactionV2Do(satisfaction_id=3, satisfaction_value=5)],
    )

    detail = osm.show_case_detail(ShowCaseDetailRequest(case_id=incident_id, **SITE)).incident_detail_info
    assert (detail.status, detail.judgement) == (3, "Quick and clear")
    assert [(s.satisfaction_id, s.satisfaction_value) for s in detail.incident_satisfaction] == [(3, 5)]
    assert [m.type for m in detail.message_list] == [0, 1, 0, 1]
    assert detail.message_list[2].accessory_list[0].accessory_id == screenshot
    assert [o["name"] for o in sandbox_ticket(sandbox, incident_id)["operations"]] == [
        "create",
        "engineer reply",
        "status change",
        "customer message",
        "engineer reply",
        "status change",
        "close",
    ]

    act(osm, incident_id, "delete")
    listed = [t.incident_id for t in osm.list_cases(ListCasesRequest(**SITE)).incident_info_list]
    assert incident_id not in listed
    gone = rejected(lambda: status_of(osm, incident_id))
    assert (gone.status_code, gone.error_code) == (400, "OSM.01010002")
    assert sandbox_ticket(sandbox, incident_id)["deleted"] is True


def test_an_engineer_reply_accepts_a_pending_ticket(osm, sandbox):
    ticket_reply(sandbox, PARTNER_TICKETS["pending"], "We are looking into it.")

    assert status_of(osm, PARTNER_TICKETS["pending"]) == 1


def test_messages_on_a_finished_ticket_are_refused(osm):
    error = rejected(lambda: message(osm, PARTNER_TICKETS["completed"], "One more thing"))

    assert (error.status_code, error.error_code) == (403, "OSM.0003")


def test_message_needs_content(osm):
    error = rejected(lambda: message(osm, PARTNER_TICKETS["processing"], ""))

    assert (error.status_code, error.error_code) == (400, "OSM.01010001")


# --- actions and their status rules -------------------------------------------------------------------


def test_urge_once_then_too_often(osm, sandbox):
    act(osm, PARTNER_TICKETS["pending"], "press", operate_desc="Our shop is down")

    error = rejected(lambda: act(osm, PARTNER_TICKETS["pending"], "press"))

    assert (error.status_code, error.error_code) == (400, "OSM.01010004")
    assert sandbox_ticket(sandbox, PARTNER_TICKETS["pending"])["last_pressed_at"] is not None


def test_urge_again_after_an_hour(osm, sandbox):
    act(osm, PARTNER_TICKETS["processing"], "press")
    sandbox.http.post(f"{sandbox.url}/_sandbox/clock", json={"advance": 3601}, timeout=10).raise_for_status()

    act(osm, PARTNER_TICKETS["processing"], "press")

    assert [o["name"] for o in sandbox_ticket(sandbox, PARTNER_TICKETS["processing"])["operations"]][-2:] == [
        "urge",
        "urge",
    ]


def test_urge_on_a_closed_ticket_is_refused(osm):
    error = rejected(lambda: act(osm, PARTNER_TICKETS["completed"], "press"))

    assert (error.status_code, error.error_code) == (403, "OSM.0003")
    assert "cannot be urged" in error.error_msg


@pytest.mark.parametrize(
    ("ticket", "action"),
    [
        ("completed", "cancel"),
        ("pending", "close"),
        ("cancelled", "close"),
        ("processing", "delete"),
        ("pending", "delete"),
    ],
)
def test_actions_refused_in_the_wrong_status(osm, ticket, action):
    error = rejected(lambda: act(osm, PARTNER_TICKETS[ticket], action))

    assert (error.status_code, error.error_code) == (403, "OSM.0003")


def test_cancel_a_ticket_being_processed(osm):
    act(osm, PARTNER_TICKETS["processing"], "cancel", operate_desc="Not needed any more")

    assert status_of(osm, PARTNER_TICKETS["processing"]) == 4


def test_unknown_action_is_refused(osm):
    error = rejected(lambda: act(osm, PARTNER_TICKETS["pending"], "reopen"))

    assert (error.status_code, error.error_code) == (400, "OSM.01010001")


def test_close_checks_the_satisfaction_scores(osm, sandbox):
    ticket_status(sandbox, PARTNER_TICKETS["pending"], 2)

    error = rejected(
        lambda: act(
            osm,
            PARTNER_TICKETS["pending"],
            "close",
            incident_satisfaction_list=[IncidentSatisfactionV2Do(satisfaction_id=3, satisfaction_value=9)],
        )
    )

    assert (error.status_code, error.error_code) == (400, "OSM.01010001")


# --- ownership -----------------------------------------------------------------------------------------


def test_a_customers_ticket_is_not_visible_to_the_partner(osm):
    error = rejected(lambda: osm.show_case_detail(ShowCaseDetailRequest(case_id=CUSTOMER_TICKETS["pending"], **SITE)))
    listed = osm.list_cases(ListCasesRequest(incident_id=CUSTOMER_TICKETS["pending"], **SITE))
    refused_action = rejected(lambda: act(osm, CUSTOMER_TICKETS["pending"], "cancel"))

    assert (error.status_code, error.error_code) == (400, "OSM.01010002")
    assert listed.total_count == 0
    assert refused_action.error_code == "OSM.01010002"


# --- control API ---------------------------------------------------------------------------------------


def test_control_lists_tickets_by_owner(sandbox):
    partner = sandbox_tickets(sandbox, owner="partner")
    customer = sandbox_tickets(sandbox, owner=sandbox.demo_customer["customer_id"])
    completed = sandbox_tickets(sandbox, owner="partner", status=3)

    assert sorted(t["incident_id"] for t in partner) == sorted(PARTNER_TICKETS.values())
    assert sorted(t["incident_id"] for t in customer) == sorted(CUSTOMER_TICKETS.values())
    assert [t["incident_id"] for t in completed] == [PARTNER_TICKETS["completed"]]
    processing = next(t for t in customer if t["incident_id"] == CUSTOMER_TICKETS["processing"])
    assert processing["messages"][0]["accessory_ids"] == ["a3c9e0f1b2d34e5f8a6b7c8d9e0f1a2b"]


def test_control_reply_with_a_file_the_owner_downloads(sandbox, osm):
    state = ticket_reply(
        sandbox,
        PARTNER_TICKETS["pending"],
        "Screenshot of the console attached.",
        files={"console.png": (PNG, "image/png")},
    )

    (accessory_id,) = state["messages"][-1]["accessory_ids"]
    detail = osm.show_case_detail(
        ShowCaseDetailRequest(case_id=PARTNER_TICKETS["pending"], **SITE)
    ).incident_detail_info
    chunks = []
    download = osm.download_accessories(DownloadAccessoriesRequest(accessory_id=accessory_id, **SITE))
    download.consume_download_stream(lambda stream: chunks.extend(stream.iter_content(1024)))

    assert (detail.message_list[-1].type, detail.message_list[-1].accessory_list[0].file_actual_name) == (
        1,
        "console.png",
    )
    assert b"".join(chunks) == PNG
    # Another account (here: the demo customer's) does not reach it.
    customer_osm = sandbox.customer_client(sandbox.demo_customer["account_name"], service="osm")
    error = rejected(
        lambda: customer_osm.download_accessories(DownloadAccessoriesRequest(accessory_id=accessory_id, **SITE))
    )
    assert error.error_code == "OSM.01010002"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        (f"tickets/{PARTNER_TICKETS['pending']}/reply", {}, 400),
        (f"tickets/{PARTNER_TICKETS['pending']}/reply", {"content": "x", "status": 4}, 400),
        (f"tickets/{PARTNER_TICKETS['pending']}/reply", {"content": "x", "attachments": {"a.txt": "eA=="}}, 400),
        (
            f"tickets/{PARTNER_TICKETS['pending']}/reply",
            {"content": "x", "attachments": [{"file_name": "a.txt", "content_base64": "not base64!"}]},
            400,
        ),
        (
            f"tickets/{PARTNER_TICKETS['pending']}/reply",
            {"content": "x", "attachments": [{"file_name": "a.exe", "content_base64": "TVo="}]},
            400,
        ),
        (f"tickets/{PARTNER_TICKETS['pending']}/status", {"status": 6}, 400),
        ("tickets/CS20990101000001/reply", {"content": "x"}, 404),
        ("tickets/CS20990101000001/status", {"status": 1}, 404),
    ],
)
def test_control_refuses_bad_input(sandbox, path, body, status):
    response = sandbox.http.post(f"{sandbox.url}/_sandbox/{path}", json=body, timeout=10)

    assert response.status_code == status
    assert "error" in response.json()


def test_control_unknown_owner(sandbox):
    response = sandbox.http.get(f"{sandbox.url}/_sandbox/tickets", params={"owner": "nobody"}, timeout=10)

    assert response.status_code == 400
