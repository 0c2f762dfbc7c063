"""A customer bill as a PDF a customer can file, in English or Chinese (reportlab).

Chinese text uses the CID font STSong-Light, which every PDF reader has: no font file is shipped.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.http import HttpResponse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from billing.models import CustomerBill, CustomerBillItem

CJK_FONT = "STSong-Light"
# The languages a bill is printed in; any other asked for gets English.
LANGUAGES = ("en", "zh-hans")


def _font(language: str) -> str:
    if language.startswith("zh"):
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        return CJK_FONT
    return "Helvetica"


def bill_pdf(bill: CustomerBill, *, language: str = "en") -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    with translation.override(language):
        font = _font(language)
        body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
        title = ParagraphStyle("title", parent=body, fontSize=16, leading=20, spaceAfter=6)
        small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=10, textColor=colors.grey)

        def p(text, style=body):
            from xml.sax.saxutils import escape

            return Paragraph(escape(str(text)), style)

        number = bill.number or _("Draft")
        story = [
            p(settings.PARTNER_NAME, small),
            p(_("Bill %(number)s") % {"number": number}, title),
            p(
                _("Customer: %(name)s (%(account)s)")
                % {"name": bill.customer_name or bill.account_name, "account": bill.account_name}
            ),
            p(_("Bill cycle: %(cycle)s") % {"cycle": bill.cycle}),
            p(
                _("Issued: %(date)s")
                % {"date": formats.date_format(bill.issued_at, "DATE_FORMAT") if bill.issued_at else "-"}
            ),
            p(_("Version: %(version)s") % {"version": bill.version}),
            Spacer(1, 6 * mm),
        ]
        header = [_("Service"), _("Resource"), _("Lines"), _("Amount (%(currency)s)") % {"currency": bill.currency}]
        rows = [[p(h) for h in header]]
        items = bill.items.order_by("kind", "service_type_name", "resource_name", "resource_id", "pk")
        for item in items.iterator(chunk_size=2000):
            if item.kind == CustomerBillItem.Kind.USAGE:
                service = item.service_type_name or item.service_type_code
                resource = f"{item.resource_name} {item.resource_id}".strip()
            else:
                service, resource = item.get_kind_display(), item.description
            rows.append([p(service), p(resource), str(item.line_count or ""), f"{item.amount:,.2f}"])
        totals = [
            (_("Usage"), bill.usage_amount),
            (_("Fixed fees"), bill.fees_amount),
            (_("Adjustments"), bill.adjustments_amount),
            (_("Total"), bill.total_amount),
        ]
        for label, amount in totals:
            rows.append(["", p(label), "", f"{amount:,.2f}"])
        table = Table(rows, colWidths=[45 * mm, 85 * mm, 15 * mm, 30 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), font),
                    ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                    ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                    ("LINEABOVE", (0, -len(totals)), (-1, -len(totals)), 0.6, colors.black),
                    ("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.black),
                ]
            )
        )
        story += [table, Spacer(1, 6 * mm)]
        story.append(
            p(
                _("Prices of HUAWEI CLOUD services as rated by %(partner)s. Amounts are rounded to the cent per line.")
                % {"partner": settings.PARTNER_NAME},
                small,
            )
        )
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            title=str(number),
            author=settings.PARTNER_NAME,
            leftMargin=15 * mm,
            rightMargin=15 * mm,
            topMargin=15 * mm,
            bottomMargin=15 * mm,
        )
        doc.build(story)
        return buffer.getvalue()


def bill_pdf_response(bill: CustomerBill, *, language: str) -> HttpResponse:
    """The bill's PDF as a download (the pages and the API): `<number>-<language>.pdf`."""
    language = language if language in LANGUAGES else "en"
    name = f"{bill.number or f'draft-{bill.pk}'}-{language}.pdf"
    response = HttpResponse(bill_pdf(bill, language=language), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
