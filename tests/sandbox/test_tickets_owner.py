"""Service tickets belong to the account whose identity signs the call: a customer (IAM token or
temporary AK/SK from assume_role) sees and acts on its own tickets only, and so does the partner."""

from __future__ import annotations

import io

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.formdata import FormFile
from huaweicloudsdkosm.v2 import (
    CreateCasesRequest,
    CreateMessageDoV2,
    CreateMessagesRequest,
    CreateMessageV2Req,
    CreateOrderIncidentV2Req,
    DownloadAccessoriesRequest,
    ListCasesRequest,
    ListHasVerifiedContactsRequest,
    ListMessagesRequest,
    ShowCaseDetailRequest,
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
    ticket_reply,
)

DEMO_CUSTOMER_ID = "5e1c0d7a9b8f4e2d8c6a4b2e0f1d3c5a"
SOURCE_ID = "83aeb0f2834c4df49826c781d32a963e"
PDF = b"%PDF-1.4\n% invoice\n"


class Upload(io.BytesIO):
    mode = "rb"

    def __init__(self, content: bytes, name: str):
        super().__init__(content)
        self.name = name


@pytest.fixture
def customer_osm(sandbox):
    return sandbox.customer_client("demo-customer", service="osm")


@pytest.fixture
def osm(sandbox):
    return build_osm(sandbox.url)


def upload(client) -> str:
    body = UploadAccessoryRequestBody(file=FormFile(Upload(PDF, "invoice.pdf"), "application/pdf"))
    return client.upload_accessory(UploadAccessoryRequest(**SITE, body=body)).accessory_id


def create(client, **fields) -> str:
    body = CreateOrderIncidentV2Req(
        incident_sub_type_id="2",
        product_category_id="81",
        business_type_id="8101",
        simple_description="Why was I charged twice for EIP bandwidth in October?",
        source_id=SOURCE_ID,
        **fields,
    )
    return client.create_cases(CreateCasesRequest(**SITE, body=body)).incident_id


def listed(client) -> list[str]:
    return [t.incident_id for t in client.list_cases(ListCasesRequest(**SITE)).incident_info_list]


def rejected(call) -> ClientRequestException:
    with pytest.raises(ClientRequestException) as caught:
        call()
    return caught.value


def test_a_customer_sees_its_own_tickets(customer_osm):
    response = customer_osm.list_cases(ListCasesRequest(**SITE))

    assert sorted(t.incident_id for t in response.incident_info_list) == sorted(CUSTOMER_TICKETS.values())
    first = response.incident_info_list[0]
    assert (first.customer_id, first.xcustomer_id, first.xcustomer_name) == (
        DEMO_CUSTOMER_ID,
        DEMO_CUSTOMER_ID,
        "demo-customer",
    )


def test_a_customer_does_not_see_the_partners_tickets(customer_osm):
    error = rejected(
        lambda: customer_osm.show_case_detail(ShowCaseDetailRequest(case_id=PARTNER_TICKETS["pending"], **SITE))
    )

    assert (error.status_code, error.error_code) == (400, "OSM.01010002")


def test_a_customers_ticket_life(customer_osm, osm, sandbox):
    accessory_id = upload(customer_osm)
    incident_id = create(customer_osm, accessory_ids=[accessory_id], remind_mail="demo-customer@example.com")

    assert sandbox_ticket(sandbox, incident_id)["owner"] == DEMO_CUSTOMER_ID
    assert incident_id in listed(customer_osm)
    assert incident_id not in listed(osm)

    ticket_reply(sandbox, incident_id, "The second charge is the bandwidth add-on; details attached soon.", status=2)
    body = CreateMessageV2Req(message=CreateMessageDoV2(content="I never bought an add-on."))
    customer_osm.create_messages(CreateMessagesRequest(case_id=incident_id, **SITE, body=body))
    messages = customer_osm.list_messages(ListMessagesRequest(case_id=incident_id, **SITE)).message_list
    assert [(m.type, m.replier_name) for m in messages] == [
        (0, "demo-customer"),
        (1, "HUAWEI CLOUD Support"),
        (0, "demo-customer"),
    ]

    customer_osm.update_cases(
        UpdateCasesRequest(case_id=incident_id, action_id="close", **SITE, body=WorkOrderOperateV2Req())
    )
    assert sandbox_ticket(sandbox, incident_id)["status"] == 3


def test_the_partner_cannot_act_on_a_customers_ticket_or_use_its_files(customer_osm, osm):
    accessory_id = upload(customer_osm)

    error = rejected(lambda: create(osm, accessory_ids=[accessory_id]))
    download = rejected(lambda: osm.download_accessories(DownloadAccessoriesRequest(accessory_id=accessory_id, **SITE)))
    message = rejected(
        lambda: osm.create_messages(
            CreateMessagesRequest(
                case_id=CUSTOMER_TICKETS["processing"],
                **SITE,
                body=CreateMessageV2Req(message=CreateMessageDoV2(content="partner here")),
            )
        )
    )

    assert (error.status_code, error.error_code) == (400, "OSM.01010002")
    assert download.error_code == "OSM.01010002"
    assert message.error_code == "OSM.01010002"


def test_another_customer_does_not_see_the_ticket(customer_osm, sandbox):
    incident_id = create(customer_osm)
    acme = sandbox.customer_client("acme-retail", service="osm")

    error = rejected(lambda: acme.show_case_detail(ShowCaseDetailRequest(case_id=incident_id, **SITE)))

    assert error.error_code == "OSM.01010002"
    assert listed(acme) == []


def test_temporary_keys_act_as_the_customer_too(sandbox):
    client = sandbox.customer_client("demo-customer", service="osm", temporary=True)

    assert sorted(listed(client)) == sorted(CUSTOMER_TICKETS.values())


def test_a_customers_registered_contacts_count_as_verified(customer_osm):
    response = customer_osm.list_has_verified_contacts(ListHasVerifiedContactsRequest(**SITE))

    assert response.count == 2
    assert [(c.contact_way, c.contact_value, c.area_code) for c in response.contact_list] == [
        (0, "81234567", "65"),
        (1, "demo-customer@example.com", ""),
    ]
