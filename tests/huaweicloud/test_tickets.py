"""Tickets (OSM): international site and language headers, partner vs customer, parsing, errors."""

import io
from datetime import UTC, datetime
from unittest import mock

import pytest
import requests
from django.utils import translation
from huaweicloudsdkosm.v2 import model as m

from huaweicloud import clients, tickets
from huaweicloud.errors import LOCAL_CONNECTION, LOCAL_TOO_LARGE, CloudRejected, CloudUnavailable
from tests.huaweicloud import gateway_fakes
from tests.huaweicloud.gateway_fakes import ALICE, rejected

fakes = gateway_fakes.fakes
fresh_tokens = gateway_fakes.fresh_tokens


def test_every_call_says_international_site_and_the_active_language(fakes):
    fakes.partner_osm.list_case_categories.return_value = m.ListCaseCategoriesResponse(incident_sub_type_list=[])

    with translation.override("zh-hans"):
        tickets.ticket_categories()
    with translation.override("en"):
        tickets.ticket_categories()

    first, second = (c.args[0] for c in fakes.partner_osm.list_case_categories.call_args_list)
    assert (first.x_site, first.x_language, first.x_time_zone) == (1, "zh-cn", "GMT+0")
    assert second.x_language == "en-us"


def test_catalogue_walks_categories_problem_types_severities_and_templates(fakes):
    osm = fakes.partner_osm
    osm.list_case_categories.return_value = m.ListCaseCategoriesResponse(
        incident_sub_type_list=[
            m.IncidentSubTypeV2Do(
                incident_sub_type_id="st1",
                incident_sub_type_name="Technical",
                incident_product_category_list=[
                    m.IncidentProductCategoryV2(
                        incident_product_category_id="pc1", incident_product_category_name="ECS"
                    )
                ],
            )
        ]
    )
    osm.list_problem_types.return_value = m.ListProblemTypesResponse(
        incident_business_type_list=[
            m.SimpleIncidentBusinessTypeV2(business_type_id="bt1", business_type_name="Down", case_type="5")
        ]
    )
    osm.list_severities.return_value = m.ListSeveritiesResponse(
        severity_list=[m.SeverityV2Do(severity_id="s1", severity_name="High")]
    )
    osm.list_case_templates.return_value = m.ListCaseTemplatesResponse(
        incident_template_list=[
            m.IncidentTempV2(
                incident_template_id="t1", incident_template_name="Fault", incident_template_content="What happened?"
            )
        ]
    )

    (option,) = tickets.ticket_catalogue()

    assert option.category_id == "st1" and option.product_category.name == "ECS"
    (problem,) = option.problem_types
    assert problem.problem_type.needs_region
    assert problem.severities == (tickets.Severity("s1", "High"),)
    assert problem.templates[0].content == "What happened?"
    assert osm.list_severities.call_args.args[0].business_type_id == "bt1"


def test_create_ticket_as_the_customer(fakes):
    client = fakes.customer(ALICE, "osm")
    client.create_cases.return_value = m.CreateCasesResponse(incident_id="CS20240101000001")

    incident_id = tickets.ticket_create(
        customer=ALICE,
        category_id="st1",
        product_category_id="pc1",
        business_type_id="bt1",
        simple_description="My server is down",
        region_id="ap-southeast-1",
        attachment_ids=["acc-1"],
    )

    assert incident_id == "CS20240101000001"
    body = client.create_cases.call_args.args[0].body
    assert (body.source_id, body.region_id, body.accessory_ids) == (tickets.SOURCE_ID, "ap-southeast-1", ["acc-1"])
    fakes.partner_osm.create_cases.assert_not_called()


def test_list_detail_and_messages(fakes):
    osm = fakes.partner_osm
    osm.list_cases.return_value = m.ListCasesResponse(
        total_count=1,
        incident_info_list=[
            m.IncidentInfoV2(
                incident_id="CS1", status=1, simple_description="help", create_time=datetime(2024, 1, 1, 8)
            )
        ],
    )
    osm.show_case_detail.return_value = m.ShowCaseDetailResponse(
        incident_detail_info=m.IncidentDetailInfoV2(
            incident_id="CS1",
            status=1,
            create_time="2024-01-01T08:00:00Z",
            message_list=[
                m.IncidentMessageV2(
                    type=1,
                    content="Looking",
                    is_first_message=0,
                    accessory_list=[m.SimpleAccessoryV2(accessory_id="a1", file_actual_name="log.txt")],
                )
            ],
        )
    )
    osm.list_messages.return_value = m.ListMessagesResponse(
        count=2, message_list=[m.QueryMessageInfoV2(type=0, content="hi")]
    )

    page = tickets.tickets_list(status=1, search=["server"])
    detail = tickets.ticket_detail(incident_id="CS1")
    messages = tickets.ticket_messages(incident_id="CS1")

    assert osm.list_cases.call_args.args[0].search_key == ["server"]
    assert page.items[0].created_at == datetime(2024, 1, 1, 8, tzinfo=UTC)
    assert detail.messages[0].attachments == (tickets.Attachment("a1", "log.txt"),)
    assert messages.count == 2 and messages.items[0].content == "hi"


def test_message_action_and_upload(fakes):
    client = fakes.customer(ALICE, "osm")
    client.create_messages.return_value = m.CreateMessagesResponse()
    client.update_cases.return_value = m.UpdateCasesResponse()
    client.upload_accessory.return_value = m.UploadAccessoryResponse(accessory_id="acc-9")

    tickets.ticket_message_add(customer=ALICE, incident_id="CS1", content="More logs", attachment_ids=["acc-9"])
    tickets.ticket_action(customer=ALICE, incident_id="CS1", action="close", description="solved")
    accessory = tickets.ticket_attachment_upload(customer=ALICE, filename="C:\\logs\\a.txt", content=b"log")

    message = client.create_messages.call_args.args[0]
    assert (message.case_id, message.body.message.content) == ("CS1", "More logs")
    action = client.update_cases.call_args.args[0]
    assert (action.action_id, action.body.operate_desc) == ("close", "solved")
    assert accessory == "acc-9"
    upload = client.upload_accessory.call_args.args[0].body.file
    assert upload.name == "a.txt"
    with pytest.raises(ValueError):
        tickets.ticket_action(customer=ALICE, incident_id="CS1", action="reopen")


def test_a_200_that_says_no_is_rejected(fakes):
    fakes.partner_osm.update_cases.return_value = m.UpdateCasesResponse(error_code="OSM.0001", error_msg="cannot press")
    with pytest.raises(CloudRejected) as raised:
        tickets.ticket_action(incident_id="CS1", action="press")
    assert raised.value.error_code == "OSM.0001"


def test_refused_action_is_rejected(fakes):
    fakes.partner_osm.update_cases.side_effect = rejected(code="OSM.0002", message="not allowed")
    with pytest.raises(CloudRejected):
        tickets.ticket_action(incident_id="CS1", action="delete")


def file_answer(content: bytes, headers: dict[str, str]) -> m.DownloadAccessoriesResponse:
    raw = requests.Response()
    raw.status_code, raw.raw = 200, io.BytesIO(content)
    raw.headers.update(headers)
    return m.DownloadAccessoriesResponse(raw)


def test_download_reads_the_file_with_the_customers_identity(fakes):
    client = fakes.customer(ALICE, "osm")
    client.download_accessories.return_value = file_answer(
        b"line 1\n",
        {
            "Content-Type": "text/plain; charset=utf-8",
            "Content-Disposition": "attachment; filename*=UTF-8''%E6%97%A5.log",
        },
    )

    file = tickets.ticket_attachment_download(customer=ALICE, accessory_id="acc-7")

    assert file == tickets.AttachmentFile(
        accessory_id="acc-7", name="日.log", content_type="text/plain", content=b"line 1\n"
    )
    request = client.download_accessories.call_args.args[0]
    assert (request.accessory_id, request.x_site) == ("acc-7", 1)
    fakes.partner_osm.download_accessories.assert_not_called()


def test_download_refuses_a_file_over_the_cap_before_reading_it(fakes):
    stream = mock.Mock(spec=io.BytesIO)
    answer = file_answer(b"", {"Content-Length": str(tickets.MAX_DOWNLOAD_BYTES + 1)})
    answer.consume_download_stream(lambda raw: setattr(raw, "raw", stream))
    fakes.partner_osm.download_accessories.return_value = answer

    with pytest.raises(CloudRejected) as raised:
        tickets.ticket_attachment_download(accessory_id="acc-8")

    assert raised.value.error_code == LOCAL_TOO_LARGE
    stream.read.assert_not_called()


def test_a_download_that_breaks_off_is_cloud_unavailable(fakes):
    stream = mock.Mock(spec=io.BytesIO)
    stream.read.side_effect = requests.exceptions.ChunkedEncodingError("Connection broken")
    answer = file_answer(b"", {"Content-Type": "text/plain"})
    answer.consume_download_stream(lambda raw: setattr(raw, "raw", stream))
    fakes.partner_osm.download_accessories.return_value = answer

    with pytest.raises(CloudUnavailable) as raised:
        tickets.ticket_attachment_download(accessory_id="acc-8")

    assert raised.value.error_code == LOCAL_CONNECTION


def test_download_takes_a_json_refusal_for_a_refusal(fakes):
    fakes.partner_osm.download_accessories.return_value = file_answer(
        b'{"error_code": "OSM.01010002", "error_msg": "No operation permission."}',
        {"Content-Type": "application/json"},
    )

    with pytest.raises(CloudRejected) as raised:
        tickets.ticket_attachment_download(accessory_id="acc-9")

    assert raised.value.error_code == "OSM.01010002"


def test_the_clients_response_handler_never_reads_a_body():
    # The SDK's default handler reads a body without Content-Length: a file would be read before the cap.
    response = mock.Mock(spec=requests.Response, headers={})
    type(response).content = mock.PropertyMock(side_effect=AssertionError("the body was read"))

    clients._HttpHandler().process_response(response=response, logger=mock.Mock())

    assert clients.last_response() is response


# --- against the sandbox ----------------------------------------------------------------------------------


def demo(sandbox):
    from huaweicloud.types import CustomerRef

    return CustomerRef(sandbox.demo_customer["customer_id"], sandbox.demo_customer["account_name"])


def test_ticket_form_options(sandbox):
    categories = tickets.ticket_categories()
    problems = tickets.ticket_problem_types(product_category_id="15")
    severities = tickets.ticket_severities(product_category_id="15", business_type_id="1501")
    templates = tickets.ticket_templates(business_type_id="1501")

    technical = next(c for c in categories if c.id == "1")
    assert "15" in {p.id for p in technical.product_categories}
    assert {p.id: p.needs_region for p in problems}["1501"] is True
    assert {s.id for s in severities} == {"1", "2", "3", "4"}
    assert templates and templates[0].content
    with translation.override("zh-hans"):
        assert tickets.ticket_categories()[0].name != categories[0].name


def test_customer_opens_and_follows_a_ticket(sandbox):
    customer = demo(sandbox)
    accessory = tickets.ticket_attachment_upload(customer=customer, filename="server.log", content=b"kernel: oops\n")
    incident_id = tickets.ticket_create(
        customer=customer,
        category_id="1",
        product_category_id="15",
        business_type_id="1501",
        region_id="ap-southeast-3",
        severity_id="2",
        simple_description="I cannot log in to my server",
        attachment_ids=[accessory],
    )

    tickets.ticket_message_add(customer=customer, incident_id=incident_id, content="Still failing this morning.")
    mine = tickets.tickets_list(customer=customer, search=["cannot log in"])
    detail = tickets.ticket_detail(customer=customer, incident_id=incident_id)
    messages = tickets.ticket_messages(customer=customer, incident_id=incident_id)
    tickets.ticket_action(customer=customer, incident_id=incident_id, action="cancel", description="fixed it myself")

    assert incident_id in {t.incident_id for t in mine.items}
    assert detail.status == tickets.STATUS_PENDING_ACCEPTANCE
    assert detail.messages[0].is_first_message
    assert detail.messages[0].attachments[0].accessory_id == accessory
    assert [m.content for m in messages.items][-1] == "Still failing this morning."
    assert tickets.ticket_detail(customer=customer, incident_id=incident_id).status == tickets.STATUS_CANCELLED
    # The partner's identity sees only the partner's own tickets.
    with pytest.raises(CloudRejected) as raised:
        tickets.ticket_detail(incident_id=incident_id)
    assert raised.value.error_code == "OSM.01010002"


def test_urging_a_completed_ticket_is_rejected(sandbox):
    with pytest.raises(CloudRejected) as raised:
        tickets.ticket_action(customer=demo(sandbox), incident_id="CS20250101000013", action="press")
    assert (raised.value.status_code, raised.value.error_code) == (403, "OSM.0003")


def test_partner_reads_an_engineers_reply(sandbox):
    reply = sandbox.http.post(
        f"{sandbox.url}/_sandbox/tickets/CS20250101000001/reply", json={"content": "We are checking."}, timeout=10
    )
    reply.raise_for_status()

    detail = tickets.ticket_detail(incident_id="CS20250101000001")

    assert detail.status == tickets.STATUS_PROCESSING
    assert detail.messages[-1].content == "We are checking."
    assert detail.messages[-1].type == 1
