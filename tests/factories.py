"""factory_boy factories shared by the test suite."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from billing.models import CustomerBill, PartnerBill
from customers.models import Customer
from tickets.models import Status, Ticket

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A signed-up person. Every user's password is PASSWORD unless given."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user-{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(PASSWORD)


class StaffUserFactory(UserFactory):
    """Partner staff in one role: StaffUserFactory(group="Operations")."""

    username = factory.Sequence(lambda n: f"staff-{n}")
    is_staff = True

    @factory.post_generation
    def group(self, create, extracted, **kwargs):
        if create and extracted:
            # The groups come from migration 0002_staff_groups; a missing one is a test setup bug.
            self.groups.add(Group.objects.get(name=extracted))


class CustomerFactory(factory.django.DjangoModelFactory):
    """A bound customer with its own user."""

    class Meta:
        model = Customer

    user = factory.SubFactory(UserFactory, username=factory.SelfAttribute("..account_name"))
    account_name = factory.Sequence(lambda n: f"customer-{n}")
    email = factory.LazyAttribute(lambda customer: f"{customer.account_name}@example.com")
    xaccount_id = factory.Sequence(lambda n: f"pp-test-{n:032x}")
    customer_id = factory.Sequence(lambda n: f"{n:032x}")
    binding = Customer.Binding.BOUND
    real_name_status = Customer.RealNameStatus.APPROVED
    customer_type = Customer.CustomerType.INDIVIDUAL


class TicketFactory(factory.django.DjangoModelFactory):
    """A customer's ticket HUAWEI CLOUD has created (an ECS login problem, being processed)."""

    class Meta:
        model = Ticket

    customer = factory.SubFactory(CustomerFactory)
    incident_id = factory.Sequence(lambda n: f"CS20261127{n:06d}")
    creation = Ticket.Creation.CREATED
    status = Status.PROCESSING
    subject = factory.Sequence(lambda n: f"Problem {n}")
    description = "..."
    category_id = "1"
    product_category_id = "15"
    business_type_id = "1501"


def _cycle(n: int) -> str:
    return f"{2000 + n // 12:04d}-{n % 12 + 1:02d}"


class PartnerBillFactory(factory.django.DjangoModelFactory):
    """The partner's bill of a cycle, as synced from HUAWEI CLOUD (a new cycle each time unless given)."""

    class Meta:
        model = PartnerBill

    cycle = factory.Sequence(_cycle)
    consume_amount = Decimal("1000.00")
    refunds = Decimal("-10.00")
    adjustments = Decimal("-5.00")
    tax_amount = Decimal("0.00")
    initial_amount_due = factory.LazyAttribute(lambda bill: bill.consume_amount + bill.refunds + bill.adjustments)
    synced_at = factory.LazyFunction(timezone.now)


class CustomerBillFactory(factory.django.DjangoModelFactory):
    """An issued customer bill without items (a new cycle each time unless given): for lists."""

    class Meta:
        model = CustomerBill

    customer = factory.SubFactory(CustomerFactory)
    cycle = factory.Sequence(_cycle)
    cloud_customer_id = factory.LazyAttribute(lambda bill: bill.customer.customer_id)
    account_name = factory.LazyAttribute(lambda bill: bill.customer.account_name)
    status = CustomerBill.Status.ISSUED
    number = factory.Sequence(lambda n: f"PP-TEST-{n:06d}")
    issued_at = factory.LazyFunction(timezone.now)
    official_amount = Decimal("120.00")
    cost_amount = Decimal("100.00")
    usage_amount = Decimal("110.00")
    fees_amount = Decimal("0.00")
    adjustments_amount = Decimal("0.00")
    total_amount = Decimal("110.00")
