"""The site shell: pages render in English and Chinese, link only to what exists, load nothing from elsewhere."""

from __future__ import annotations

import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template import loader
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from tests.factories import CustomerFactory, StaffUserFactory

PUBLIC_PAGES = ["home", "login", "password_reset", "password_reset_done", "password_reset_complete"]
LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


class _LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in {"href", "src", "action", "srcset", "poster", "data"} and value:
                self.urls.append(value)


def urls_in(html: str) -> list[str]:
    collector = _LinkCollector()
    collector.feed(html)
    return collector.urls


def switch_language(client, code: str, next_url: str = "/"):
    response = client.post(reverse("set_language"), {"language": code, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url
    return response


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", PUBLIC_PAGES)
def test_public_pages_render_in_english(client, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Partner Portal" in html
    assert 'href="#main"' in html  # the skip link


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", PUBLIC_PAGES)
def test_public_pages_render_in_chinese_after_switching_language(client, url_name):
    switch_language(client, "zh-hans", reverse(url_name))

    response = client.get(reverse(url_name))

    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "合作伙伴门户" in html  # "Partner Portal"
    assert "跳到主要内容" in html  # the skip link


@pytest.mark.django_db
def test_language_switch_works_for_signed_out_visitors_and_switches_back(client):
    switch_language(client, "zh-hans")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert "本地支持" in client.get("/").content.decode()  # "Local support"

    switch_language(client, "en")

    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "合作伙伴门户" not in html


@pytest.mark.django_db
def test_language_form_is_a_labelled_select_posting_to_setlang(client):
    html = client.get("/").content.decode()

    form = re.search(r'<form class="lang-form" action="([^"]+)" method="post"', html)
    assert form and form.group(1) == "/i18n/setlang/"
    assert '<label for="language-select">' in html
    assert '<select id="language-select" name="language">' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "简体中文" in html


@pytest.mark.django_db
def test_home_explains_the_offer_and_leads_to_sign_up_or_sign_in(client):
    html = client.get("/").content.decode()

    for service in ("ECS", "EVS", "VPC", "EIP"):
        assert service in html
    assert "Local support" in html
    assert "One bill" in html
    try:
        assert f'href="{reverse("signup")}"' in html
    except NoReverseMatch:
        assert f'href="{reverse("login")}"' in html


@pytest.mark.django_db
def test_signed_in_customer_sees_sign_out_button_and_account_link(client):
    customer = CustomerFactory()
    client.force_login(customer.user)

    html = client.get("/").content.decode()

    assert f'action="{reverse("logout")}"' in html
    assert f'href="{reverse("account")}"' in html
    assert customer.account_name in html


def _nav_labels(html: str) -> list[str]:
    nav = html.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (None, ["Orders", "Bills", "Tickets"], ["Finance", "Support queue"]),
        ("Finance", ["Finance"], ["Orders", "Support queue"]),
        ("Support", ["Support queue"], ["Orders", "Finance"]),
        ("Operations", ["Support queue"], ["Orders", "Finance"]),  # operations staff may follow tickets too
    ],
)
def test_the_main_navigation_leads_each_role_to_its_own_pages(client, role, shown, hidden):
    user = CustomerFactory().user if role is None else StaffUserFactory(group=role)
    client.force_login(user)

    labels = _nav_labels(client.get("/").content.decode())

    assert set(shown) <= set(labels), labels
    assert not set(hidden) & set(labels), labels


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
def test_every_link_on_the_pages_goes_to_a_page_that_exists(client, signed_in):
    if signed_in:
        client.force_login(CustomerFactory().user)
    pages = ["/", reverse("login"), reverse("password_reset")] + ([reverse("account")] if signed_in else [])
    for page in pages:
        for url in urls_in(client.get(page).content.decode()):
            if url.startswith(("#", settings.STATIC_URL, "/" + settings.STATIC_URL)):
                continue
            path = url.split("?")[0]
            try:
                resolve(path)
            except Resolver404:
                pytest.fail(f"{page} links to {url}, which is not a page")


@pytest.mark.django_db
def test_no_page_loads_anything_from_another_host(client):
    customer = CustomerFactory()
    pages = ["/", reverse("login"), reverse("password_reset"), reverse("password_reset_done"), "/no-such-page/"]
    html_pages = [client.get(page).content.decode() for page in pages]
    client.force_login(customer.user)
    html_pages.append(client.get(reverse("account")).content.decode())

    for html in html_pages:
        external = [url for url in urls_in(html) if re.match(r"^(https?:)?//", url) and "//testserver" not in url]
        assert external == []


@pytest.mark.django_db
def test_not_found_page_uses_the_design(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "We could not find that page" in html
    assert "css/app.css" in html


def test_server_error_page_renders_without_a_request():
    # Django renders 500.html with no context at all; base.html must cope.
    html = loader.get_template("500.html").render()

    assert "Something went wrong on our side" in html
    assert "css/app.css" in html


def test_vendor_htmx_is_served_from_the_project():
    assert (Path(settings.BASE_DIR) / "static" / "vendor" / "htmx.min.js").stat().st_size > 10_000


def _po_entries(path: Path) -> list[tuple[str, list[str], bool]]:
    """(msgid, msgstrs, fuzzy) for each entry of a .po file, header excluded."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = block.strip().splitlines()
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        fields: dict[str, str] = {}
        current = None
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?|msgctxt) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if "msgid" in fields and fields["msgid"]:
            msgstrs = [value for key, value in fields.items() if key.startswith("msgstr")]
            entries.append((fields["msgid"], msgstrs, fuzzy))
    return entries


def test_every_string_has_a_chinese_translation():
    entries = _po_entries(LOCALE_DIR / "django.po")

    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstrs, fuzzy in entries if fuzzy or not all(msgstrs)]
    assert untranslated == []


def test_compiled_catalog_matches_the_po_file():
    with (LOCALE_DIR / "django.mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)
    for msgid, msgstrs, _fuzzy in _po_entries(LOCALE_DIR / "django.po"):
        if "%(" in msgid or "\\" in msgid:
            continue  # escapes and plural keys differ in the compiled form; checked by the pages
        assert catalog.gettext(msgid) == msgstrs[0], f"django.mo is stale; run compilemessages ({msgid!r})"


@pytest.mark.django_db
def test_field_errors_are_shown_next_to_the_field_and_tied_to_it(client):
    response = client.post(reverse("password_reset"), {"email": "not-an-email"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_email_errors"' in html
    assert re.search(r'<ul class="field-errors" id="id_email_errors">\s*<li>Enter a valid email address.</li>', html)


@pytest.mark.django_db
def test_design_components_page_is_for_staff_only(client):
    assert client.get(reverse("styleguide")).status_code == 302
    client.force_login(CustomerFactory().user)
    assert client.get(reverse("styleguide")).status_code == 302

    client.force_login(StaffUserFactory())
    response = client.get(reverse("styleguide"))

    assert response.status_code == 200
    html = response.content.decode()
    for component in ('class="badge badge-success"', '<progress id="sg-p1"', 'class="empty-state"', 'class="table"'):
        assert component in html
