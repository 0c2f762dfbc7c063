"""Site-wide pages: the home page."""

from __future__ import annotations

from django.shortcuts import render


def home(request):
    return render(request, "partner_portal/home.html")
