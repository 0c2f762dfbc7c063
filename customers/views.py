"""Customer pages: sign-up, the account page, real-name authentication, and sign-in / sign-out / password."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers import realname, signup
from customers.forms import (
    CUSTOMER_AGREEMENT_URL,
    PRIVACY_STATEMENT_URL,
    EnterpriseRealNameForm,
    IndividualRealNameForm,
    SignInForm,
    SignUpForm,
)
from customers.models import Customer, RealNameApplication


@login_required
def account(request):
    # Reached through the signed-in user only, so a customer never sees another customer's row.
    # The reverse accessor also caches the row on request.user for the header's navigation.
    try:
        customer = request.user.customer
    except Customer.DoesNotExist:
        customer = None
    # Only a rejection needs the application (HUAWEI CLOUD's opinion): other states read the row alone.
    rejected = customer is not None and customer.real_name_status == Customer.RealNameStatus.REJECTED
    latest = customer.realname_applications.first() if rejected else None
    return render(request, "customers/account.html", {"customer": customer, "realname_latest": latest})


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # The session is gone, but messages fall back to the cookie storage for the next page.
        messages.success(request, _("You have signed out."))
        return response


# --- sign-up -------------------------------------------------------------------------------------


def _client_ip(request) -> str | None:
    # django-axes resolved it already, with the same proxy settings as its lockouts.
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")


@sensitive_post_parameters("password", "verification_code")
@require_http_methods(["GET", "POST"])
def signup_page(request):
    if request.user.is_authenticated:
        return redirect("account")
    code_wait = 0
    code_sent = False
    if request.method == "POST":
        action = "send_code" if request.POST.get("action") == "send_code" else "create"
        form = SignUpForm(request.POST, action=action)
        if action == "send_code":
            if form.is_valid():
                try:
                    sent = signup.signup_code_send(
                        email=form.cleaned_data["email"], client_ip=_client_ip(request), language=get_language()
                    )
                except signup.SignupRefused as refusal:
                    form.add_error(refusal.field, refusal.message)
                    code_wait = refusal.retry_after or 0
                else:
                    code_sent, code_wait = True, sent.retry_after
        elif form.is_valid():
            data = form.cleaned_data
            try:
                result = signup.signup_customer_create(
                    account_name=data["account_name"],
                    email=data["email"],
                    mobile=data["mobile"],
                    password=data["password"],
                    verification_code=data["verification_code"],
                    language=get_language(),
                )
            except signup.SignupRefused as refusal:
                form.add_error(refusal.field, refusal.message)
            else:
                login(request, result.customer.user, backend="django.contrib.auth.backends.ModelBackend")
                if result.pending:
                    messages.info(
                        request,
                        _(
                            "Welcome! Your account is ready to use here; we are still setting up your HUAWEI CLOUD "
                            "account, which usually takes a minute or two."
                        ),
                    )
                else:
                    messages.success(request, _("Welcome! Your account and your HUAWEI CLOUD account are ready."))
                return redirect("account")
    else:
        form = SignUpForm()
    context = {
        "form": form,
        "code_sent": code_sent,
        "code_wait": code_wait,
        "customer_agreement_url": CUSTOMER_AGREEMENT_URL,
        "privacy_statement_url": PRIVACY_STATEMENT_URL,
    }
    return render(request, "customers/signup.html", context)


# Live checks per client IP per minute: typing is debounced, so a person stays far below this.
LIVE_CHECKS_PER_MINUTE = 60


@require_GET
def signup_check(request):
    """The live answer beside a sign-up field: a small HTML fragment (htmx or fetch)."""
    field = request.GET.get("field", "")
    value = request.GET.get("value", "")
    if field not in signup.SEARCH_TYPES:
        return HttpResponseBadRequest()
    if not value.strip():
        return HttpResponse("")
    key = f"signup:live-checks:{_client_ip(request)}"
    cache.add(key, 0, 60)
    try:
        count = cache.incr(key)
    except ValueError:
        count = 1
    if count > LIVE_CHECKS_PER_MINUTE:
        answer = signup.IdentityAnswer("unknown", _("Checking paused for a minute; we will check when you sign up."))
    else:
        answer = signup.signup_identity_check(field=field, value=value)
    response = render(request, "customers/includes/identity_check.html", {"answer": answer})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def signup_code(request):
    """ "Send code" with JavaScript: JSON with the message and the seconds before the next code."""
    email = request.POST.get("email", "")
    try:
        sent = signup.signup_code_send(email=email, client_ip=_client_ip(request), language=get_language())
    except signup.SignupRefused as refusal:
        return JsonResponse(
            {"ok": False, "message": str(refusal.message), "retry_after": refusal.retry_after or 0}, status=400
        )
    message = _("We sent a code to %(email)s. It is valid for %(minutes)d minutes.") % {
        "email": email.strip(),
        "minutes": sent.valid_minutes,
    }
    return JsonResponse({"ok": True, "message": message, "retry_after": sent.retry_after})


# --- real-name authentication --------------------------------------------------------------------

REALNAME_FORMS = {
    RealNameApplication.Method.INDIVIDUAL: IndividualRealNameForm,
    RealNameApplication.Method.ENTERPRISE: EnterpriseRealNameForm,
    RealNameApplication.Method.ENTERPRISE_CHANGE: EnterpriseRealNameForm,
}


def _own_customer(request) -> Customer:
    try:
        return request.user.customer
    except Customer.DoesNotExist:
        raise Http404 from None


@login_required
@sensitive_post_parameters("verified_number", "legal_id_number")
@require_http_methods(["GET", "POST"])
def realname_page(request):
    customer = _own_customer(request)
    is_individual = (
        customer.real_name_status == Customer.RealNameStatus.APPROVED
        and customer.customer_type == Customer.CustomerType.INDIVIDUAL
    )
    default_method = (
        RealNameApplication.Method.ENTERPRISE_CHANGE if is_individual else RealNameApplication.Method.INDIVIDUAL
    )
    method = request.POST.get("method") or request.GET.get("method") or default_method
    if method not in REALNAME_FORMS:
        method = default_method
    form_class = REALNAME_FORMS[method]
    problem = realname.realname_can_apply(customer=customer, method=method)
    if request.method == "POST" and problem is None:
        form = form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                realname.realname_apply(customer=customer, **form.service_kwargs())
            except realname.RealNameRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(
                    request, _("Thank you. HUAWEI CLOUD is reviewing your application; we will email you the result.")
                )
                return redirect("realname")
    else:
        form = form_class(initial={"method": method})
    applications = list(customer.realname_applications.prefetch_related("files")[:10])
    context = {
        "customer": customer,
        "method": method,
        "form": form,
        "problem": problem,
        "applications": applications,
        "latest": applications[0] if applications else None,
        "is_individual": is_individual,
        "bank_card_enabled": settings.REALNAME_BANK_CARD_ENABLED,
        "bank_card_unavailable": realname.BANK_CARD_UNAVAILABLE,
        "methods": RealNameApplication.Method,
    }
    return render(request, "customers/realname.html", context)


@login_required
@require_GET
def realname_file(request, pk: int):
    """A KYC file, to its owner and to staff allowed to see real-name applications; a 404 to anyone else."""
    file = realname.realname_file_for(user=request.user, pk=pk)
    if file is None:
        raise Http404
    try:
        handle = default_storage.open(file.storage_name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=file.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
