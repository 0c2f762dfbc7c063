"""Forms of the customer pages: sign-in, sign-up and real-name authentication."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from customers import realname, signup
from customers.models import RealNameApplication, RealNameFile


class SignInForm(AuthenticationForm):
    """Django's sign-in form in the portal's words; django-axes counts its failures."""

    error_messages = {
        "invalid_login": _(
            "That account name and password do not match. Check both and try again; passwords are case-sensitive."
        ),
        "inactive": _("This account is disabled. Please contact support."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Account name")
        self.fields["password"].label = _("Password")


# --- sign-up -------------------------------------------------------------------------------------

# Huawei's documents a sign-up page must show (reference 3.3).
CUSTOMER_AGREEMENT_URL = "https://www.huaweicloud.com/intl/en-us/declaration/sa_cua.html"
PRIVACY_STATEMENT_URL = "https://www.huaweicloud.com/intl/en-us/declaration/sa_prp.html"


class SignUpForm(forms.Form):
    """Sign-up. With `action="send_code"` only the email is validated (the "Send code" button)."""

    account_name = forms.CharField(
        label=_("Account name"),
        max_length=32,
        help_text=signup.ACCOUNT_NAME_RULE,
        widget=forms.TextInput(attrs={"autocomplete": "username", "data-check": "account_name", "spellcheck": "false"}),
    )
    email = forms.CharField(
        label=_("Email"),
        max_length=64,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "data-check": "email"}),
    )
    mobile_country_code = forms.CharField(
        label=_("Country code"),
        required=False,
        max_length=6,
        widget=forms.TextInput(
            attrs={"placeholder": "0065", "inputmode": "numeric", "autocomplete": "tel-country-code"}
        ),
    )
    mobile_number = forms.CharField(
        label=_("Mobile number"),
        required=False,
        max_length=15,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel-national", "data-check": "mobile"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, and not like your account name or email."),
    )
    verification_code = forms.CharField(
        label=_("Email verification code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}),
        help_text=_("Press “Send code”: HUAWEI CLOUD emails you 6 digits, valid for 10 minutes."),
    )
    accept_terms = forms.BooleanField(
        label=_("I have read and agree to the HUAWEI CLOUD Customer Agreement and Privacy Statement.")
    )

    def __init__(self, *args, action: str = "create", **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        if action == "send_code":
            for name, field in self.fields.items():
                field.required = name == "email"

    def clean_account_name(self) -> str:
        value = self.cleaned_data["account_name"].strip()
        if self.action == "send_code" or not value:
            return value
        answer = signup.signup_identity_check(field="account_name", value=value)
        if answer.state in ("invalid", "taken"):
            raise forms.ValidationError(answer.message)
        return value

    def clean_email(self) -> str:
        value = self.cleaned_data["email"].strip()
        problem = signup.email_problem(value)
        if problem is not None:
            raise forms.ValidationError(problem)
        if self.action != "send_code":
            answer = signup.signup_identity_check(field="email", value=value)
            if answer.state == "taken":
                raise forms.ValidationError(answer.message)
        return value

    def clean_verification_code(self) -> str:
        value = self.cleaned_data["verification_code"].strip()
        if value and not value.isdigit():
            raise forms.ValidationError(_("The code is the 6 digits in the email from HUAWEI CLOUD."))
        return value

    def clean(self):
        cleaned = super().clean()
        if self.action == "send_code":
            return cleaned
        code = cleaned.get("mobile_country_code", "").strip()
        number = "".join(cleaned.get("mobile_number", "").split())
        cleaned["mobile"] = ""
        if code or number:
            mobile = f"{code if code.startswith('00') else '00' + code.lstrip('+')}-{number}"
            answer = signup.signup_identity_check(field="mobile", value=mobile)
            if answer.state in ("invalid", "taken"):
                self.add_error("mobile_number", answer.message)
            else:
                cleaned["mobile"] = mobile
        password = cleaned.get("password")
        if password:
            user = get_user_model()(username=cleaned.get("account_name", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password", error)
            email = cleaned.get("email", "")
            if email and email.lower() in password.lower():
                self.add_error("password", _("The password must not contain your email address."))
        return cleaned


# --- real-name authentication --------------------------------------------------------------------


class _FileField(forms.FileField):
    widget = forms.ClearableFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", _("JPG, PNG, GIF, BMP or PDF, at most 10 MB."))
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"accept": ".jpg,.jpeg,.png,.gif,.bmp,.pdf,image/*,application/pdf"})

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            return realname.file_check(upload)
        return upload


# What HUAWEI CLOUD accepts as a certificate number (spaces are dropped first).
CERTIFICATE_NUMBER = re.compile(r"^[A-Za-z0-9()\-]{4,64}$")


class CertificateNumberInput(forms.TextInput):
    """Never written back into the page: a form shown again asks for the number again (like a password)."""

    def __init__(self):
        super().__init__(attrs={"autocomplete": "off", "spellcheck": "false"})

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


NUMBER_HELP = _("Sent to HUAWEI CLOUD only; we keep the last four characters. If this form comes back, type it again.")


def _certificate_number(value: str) -> str:
    value = "".join(value.split())
    if not CERTIFICATE_NUMBER.match(value):
        raise forms.ValidationError(
            _("Type the number as it is printed: 4 to 64 letters and digits (hyphens and brackets are fine).")
        )
    return value


def _name_with_letters(value: str, message) -> str:
    value = value.strip()
    if not any(ch.isalpha() for ch in value):
        raise forms.ValidationError(message)
    return value


class IndividualRealNameForm(forms.Form):
    method = forms.CharField(widget=forms.HiddenInput, initial=RealNameApplication.Method.INDIVIDUAL)
    name = forms.CharField(label=_("Full name, as on the document"), max_length=200)
    verified_type = forms.TypedChoiceField(
        label=_("ID type"), coerce=int, choices=RealNameApplication.VerifiedType.choices
    )
    verified_number = forms.CharField(
        label=_("ID number"), max_length=64, widget=CertificateNumberInput, help_text=NUMBER_HELP
    )
    front = _FileField(label=_("Front of the document (for a passport: the photo page)"))
    back = _FileField(label=_("Back of the document (not needed for a passport)"), required=False)
    hand_held = _FileField(label=_("Photo of you holding the front of the document"))

    def clean_name(self) -> str:
        return _name_with_letters(self.cleaned_data["name"], _("Type your name in letters, as on the document."))

    def clean_verified_number(self) -> str:
        return _certificate_number(self.cleaned_data["verified_number"])

    def clean(self):
        cleaned = super().clean()
        verified_type = cleaned.get("verified_type")
        needs_back = verified_type is not None and verified_type != RealNameApplication.VerifiedType.PASSPORT
        if needs_back and not cleaned.get("back") and "back" not in self.errors:
            self.add_error("back", _("This document type needs a photo of the back too."))
        return cleaned

    def files_in_order(self) -> list[tuple[str, realname.CheckedFile]]:
        roles = [RealNameFile.Role.FRONT]
        if self.cleaned_data["verified_type"] != RealNameApplication.VerifiedType.PASSPORT:
            roles.append(RealNameFile.Role.BACK)
        roles.append(RealNameFile.Role.HAND_HELD)
        return [(role, self.cleaned_data[role]) for role in roles]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "method": RealNameApplication.Method.INDIVIDUAL,
            "name": data["name"],
            "verified_type": data["verified_type"],
            "verified_number": data["verified_number"],
            "files": self.files_in_order(),
        }


class EnterpriseRealNameForm(forms.Form):
    """Enterprise authentication, or an approved individual's change to one (same fields, reference 4.3/4.4).

    The legal representative is optional, as at HUAWEI CLOUD; given, both sides of their ID go with it.
    """

    method = forms.CharField(widget=forms.HiddenInput, initial=RealNameApplication.Method.ENTERPRISE)
    name = forms.CharField(label=_("Company name"), max_length=200)
    certificate_type = forms.TypedChoiceField(
        label=_("Certificate type"), coerce=int, choices=RealNameApplication.CertificateType.choices
    )
    verified_number = forms.CharField(
        label=_("Certificate number"), max_length=64, widget=CertificateNumberInput, help_text=NUMBER_HELP
    )
    reg_country = forms.RegexField(
        label=_("Country or region of registration"),
        regex=r"^[A-Za-z]{2}$",
        max_length=2,
        help_text=_("Two-letter code, such as SG or MY."),
        error_messages={"invalid": _("Use the two-letter country code, such as SG.")},
    )
    reg_address = forms.CharField(label=_("Registered address"), max_length=300)
    licence = _FileField(label=_("Photo or scan of the certificate"))
    licence_back = _FileField(label=_("Back of the certificate (if it has one)"), required=False)
    legal_name = forms.CharField(label=_("Legal representative's name (optional)"), max_length=200, required=False)
    legal_id_number = forms.CharField(
        label=_("Legal representative's ID number"),
        max_length=64,
        required=False,
        widget=CertificateNumberInput,
        help_text=NUMBER_HELP,
    )
    legal_front = _FileField(label=_("Legal representative's ID, portrait side"), required=False)
    legal_back = _FileField(label=_("Legal representative's ID, emblem side"), required=False)

    LEGAL_FIELDS = ("legal_name", "legal_id_number", "legal_front", "legal_back")

    def clean_name(self) -> str:
        return _name_with_letters(
            self.cleaned_data["name"], _("A company name needs letters, not only digits or signs.")
        )

    def clean_verified_number(self) -> str:
        return _certificate_number(self.cleaned_data["verified_number"])

    def clean_legal_id_number(self) -> str:
        value = self.cleaned_data["legal_id_number"]
        return _certificate_number(value) if value.strip() else ""

    def clean_reg_country(self) -> str:
        return self.cleaned_data["reg_country"].upper()

    def clean_method(self) -> str:
        value = self.cleaned_data["method"]
        if value not in (RealNameApplication.Method.ENTERPRISE, RealNameApplication.Method.ENTERPRISE_CHANGE):
            raise forms.ValidationError(_("Choose how to authenticate."))
        return value

    def clean(self):
        cleaned = super().clean()
        given = [name for name in self.LEGAL_FIELDS if cleaned.get(name) or name in self.errors]
        if given:
            for name in self.LEGAL_FIELDS:
                if name not in given:
                    self.add_error(
                        name, _("With a legal representative, please give their name, ID number and both ID sides.")
                    )
        return cleaned

    def files_in_order(self) -> list[tuple[str, realname.CheckedFile]]:
        """HUAWEI CLOUD's order: certificate front, back, then the representative's ID portrait and emblem sides."""
        data = self.cleaned_data
        roles = [RealNameFile.Role.LICENCE]
        if data.get("licence_back"):
            roles.append(RealNameFile.Role.BACK)
        if data.get("legal_name"):
            roles += [RealNameFile.Role.LEGAL_FRONT, RealNameFile.Role.LEGAL_BACK]
        field_of = {RealNameFile.Role.BACK: "licence_back"}
        return [(role, data[field_of.get(role, role)]) for role in roles]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "method": data["method"],
            "name": data["name"],
            "certificate_type": data["certificate_type"],
            "verified_number": data["verified_number"],
            "legal_name": data["legal_name"],
            "legal_id_number": data["legal_id_number"],
            "reg_country": data["reg_country"],
            "reg_address": data["reg_address"],
            "files": self.files_in_order(),
        }
