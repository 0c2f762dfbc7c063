"""OSM ticket catalogue and configuration calls (reference 7), with the official OsmClient and the partner's AK/SK."""

from __future__ import annotations

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkosm.v2 import (
    ListAreaCodesRequest,
    ListCaseCategoriesRequest,
    ListCaseCountsRequest,
    ListCaseLimitsRequest,
    ListCaseQuotasRequest,
    ListCaseTemplatesRequest,
    ListCustomersRegionsRequest,
    ListHasVerifiedContactsRequest,
    ListLabelsRequest,
    ListProblemTypesRequest,
    ListProductCategoriesRequest,
    ListRegionsRequest,
    ListSatisfactionDimensionsRequest,
    ListSeveritiesRequest,
    ShowAccessoryLimitsRequest,
)

from tests.sandbox_tickets_helpers import SITE, build_osm

ZH = {**SITE, "x_language": "zh-cn"}


@pytest.fixture
def osm(sandbox):
    return build_osm(sandbox.url)


def rejected(call) -> ClientRequestException:
    with pytest.raises(ClientRequestException) as caught:
        call()
    return caught.value


def test_categories_in_english_and_chinese(osm):
    english = osm.list_case_categories(ListCaseCategoriesRequest(**SITE))
    chinese = osm.list_case_categories(ListCaseCategoriesRequest(**ZH))

    assert english.total_count == 2
    technical = english.incident_sub_type_list[0]
    assert (technical.incident_sub_type_id, technical.incident_sub_type_name) == ("1", "Technical issues")
    acronyms = [c.incident_product_category_acronym for c in technical.incident_product_category_list]
    assert acronyms == ["ECS", "EVS", "VPC", "EIP"]
    ecs = technical.incident_product_category_list[0]
    assert (ecs.incident_product_category_id, ecs.incident_product_category_name) == ("15", "Elastic Cloud Server")
    billing = english.incident_sub_type_list[1].incident_product_category_list
    assert [c.incident_product_category_acronym for c in billing] == ["Billing", "Account"]
    assert chinese.incident_sub_type_list[0].incident_product_category_list[0].incident_product_category_name == (
        "弹性云服务器"
    )


def test_without_language_header_names_are_chinese(osm):
    # Huawei's default X-Language is zh-cn (reference 7).
    response = osm.list_case_categories(ListCaseCategoriesRequest(x_site=1))

    assert response.incident_sub_type_list[0].incident_sub_type_name == "技术问题"


@pytest.mark.parametrize("x_site", [None, 0])
def test_china_site_is_refused_for_international_accounts(osm, x_site):
    error = rejected(lambda: osm.list_case_categories(ListCaseCategoriesRequest(x_site=x_site, x_language="en-us")))

    assert (error.status_code, error.error_code) == (403, "CBC.0156")
    assert "X-Site: 1" in error.error_msg


def test_product_categories_filter_by_name(osm):
    response = osm.list_product_categories(ListProductCategoriesRequest(product_category_name="elastic", **SITE))

    assert [c.incident_product_category_acronym for c in response.incident_product_category_list] == [
        "ECS",
        "EVS",
        "EIP",
    ]
    assert response.total_count == 3


def test_problem_types_say_which_need_a_region(osm):
    response = osm.list_problem_types(ListProblemTypesRequest(product_category_id="15", **SITE))

    assert response.total_count == 3
    assert [(p.business_type_id, p.case_type) for p in response.incident_business_type_list] == [
        ("1501", "5"),
        ("1502", "5"),
        ("1503", "0"),
    ]
    assert response.incident_business_type_list[0].business_type_name == "Cannot log in to an ECS"


def test_problem_types_of_an_unknown_product_category_are_refused(osm):
    error = rejected(lambda: osm.list_problem_types(ListProblemTypesRequest(product_category_id="999", **SITE)))

    assert (error.status_code, error.error_code) == (400, "OSM.01010001")
    assert "product_category_id" in error.error_msg


def test_severities_depend_on_the_problem_type(osm):
    fault = osm.list_severities(ListSeveritiesRequest(product_category_id="15", business_type_id="1501", **SITE))
    consultation = osm.list_severities(ListSeveritiesRequest(product_category_id="15", business_type_id="1503", **SITE))
    billing = osm.list_severities(ListSeveritiesRequest(product_category_id="81", business_type_id="8101", **SITE))
    chinese = osm.list_severities(ListSeveritiesRequest(product_category_id="15", business_type_id="1501", **ZH))

    assert fault.show is True
    assert [s.severity_id for s in fault.severity_list] == ["1", "2", "3", "4"]
    assert fault.severity_list[0].severity_name.startswith("Critical")
    assert [s.severity_id for s in consultation.severity_list] == ["3", "4"]
    assert (billing.show, billing.severity_list) == (False, [])
    assert chinese.severity_list[0].severity_name.startswith("严重")


def test_severities_of_a_problem_type_of_another_category_are_refused(osm):
    error = rejected(
        lambda: osm.list_severities(ListSeveritiesRequest(product_category_id="16", business_type_id="1501", **SITE))
    )

    assert (error.status_code, error.error_code) == (400, "OSM.01010001")


def test_templates(osm):
    response = osm.list_case_templates(ListCaseTemplatesRequest(business_type_id="1501", **SITE))
    none = osm.list_case_templates(ListCaseTemplatesRequest(business_type_id="1503", **SITE))

    assert response.total_count == 1
    template = response.incident_template_list[0]
    assert template.incident_template_id == "T150101"
    assert "ECS ID:" in template.incident_template_content
    assert (none.total_count, none.incident_template_list) == (0, [])


def test_templates_need_a_problem_type(osm):
    error = rejected(lambda: osm.list_case_templates(ListCaseTemplatesRequest(**SITE)))

    assert (error.status_code, error.error_code) == (400, "OSM.01010001")
    assert "business_type_id is required" in error.error_msg


def test_regions(osm):
    regions = osm.list_regions(ListRegionsRequest(**SITE))
    customer_regions = osm.list_customers_regions(ListCustomersRegionsRequest(**ZH))

    names = {r.region_id: r.region_name for r in regions.data_center_list}
    assert names["ap-southeast-3"] == "AP-Singapore"
    assert regions.total_count == len(regions.data_center_list) == 10
    assert {r.region_id: r.region_name for r in customer_regions.region_infos}["ap-southeast-1"] == "中国-香港"


def test_area_codes_satisfaction_dimensions_labels_and_limits(osm):
    area_codes = osm.list_area_codes(ListAreaCodesRequest(**SITE))
    dimensions = osm.list_satisfaction_dimensions(ListSatisfactionDimensionsRequest(**SITE))
    labels = osm.list_labels(ListLabelsRequest(**SITE))
    accessory_limits = osm.show_accessory_limits(ShowAccessoryLimitsRequest(**SITE))
    case_limits = osm.list_case_limits(ListCaseLimitsRequest(**SITE))
    quotas = osm.list_case_quotas(ListCaseQuotasRequest(**SITE))

    assert {a.area_code: a.area_name for a in area_codes.area_code_list}["65"] == "Singapore"
    assert [(d.satisfaction_id, d.satisfaction_name, d.value) for d in dimensions.satisfaction_dimension_list][2] == (
        3,
        "Overall satisfaction",
        5,
    )
    assert labels.total_count == 3 and labels.label_list[0].name == "Urgent"
    assert accessory_limits.accessory_limit.limit_size == "10"
    assert "pdf" in accessory_limits.accessory_limit.limit_file_type.split(",")
    assert case_limits.config.create_case_ccemail_max_count == 10
    assert quotas.total == 100 and 0 <= quotas.un_used <= 100


def test_labels_page_limit_is_checked(osm):
    error = rejected(lambda: osm.list_labels(ListLabelsRequest(limit=101, **SITE)))

    assert (error.status_code, error.error_code) == (400, "OSM.01010001")


def test_partner_has_no_verified_contacts(osm):
    response = osm.list_has_verified_contacts(ListHasVerifiedContactsRequest(**SITE))

    assert (response.count, response.contact_list) == (0, [])


def test_case_counts_of_the_demo_world(osm):
    response = osm.list_case_counts(ListCaseCountsRequest(**SITE))

    assert {c.status: c.count for c in response.incident_status_counts} == {0: 1, 1: 1, 3: 1, 4: 1}


def test_case_counts_status_is_checked(osm):
    error = rejected(lambda: osm.list_case_counts(ListCaseCountsRequest(status=9, **SITE)))

    assert (error.status_code, error.error_code) == (400, "OSM.01010001")
