from django import template

from api import services
from api.views.pages import SESSION_KEY, may_have_tokens

register = template.Library()


@register.inclusion_tag("api/token_card_body.html", takes_context=True)
def api_token_card(context):
    """The signed-in user's API tokens, and a new token once (taken out of the session as it is shown)."""
    request = context["request"]
    if not may_have_tokens(request.user):
        return {"show": False}
    fresh = request.session.pop(SESSION_KEY, None)
    return {
        "show": True,
        "tokens": list(services.tokens_for_user(user=request.user)[:50]),
        "fresh": fresh,
        "csrf_token": context.get("csrf_token"),
    }
