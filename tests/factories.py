"""factory_boy factories shared by the test suite."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

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
