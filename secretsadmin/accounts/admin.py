from collections.abc import Callable
from typing import Any, Concatenate

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from secretsadmin.audit import services as audit

from .actors import actor_of
from .models import ExternalIdentity
from .role_changes import record_roles_change
from .roles import forget_roles, roles_of

admin.site.unregister(User)
# Roles are the groups' names: renaming or deleting a group would change everyone's roles at
# once, unrecorded. The four role groups exist from the start (migration 0002); people are put
# in them on their user page, where the change is recorded.
admin.site.unregister(Group)


def _unless_unrecorded[**P](
    view: Callable[Concatenate[HttpRequest, P], HttpResponse],
    request: HttpRequest,
    *args: P.args,
    **kwargs: P.kwargs,
) -> HttpResponse:
    """A change the audit log cannot record is undone with it: say so instead of a 500."""
    try:
        return view(request, *args, **kwargs)
    except audit.AuditUnavailable:
        return render(request, "audit/unavailable.html", status=503)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):  # type: ignore[type-arg]  # not subscriptable at run time
    """Django's user admin, where every change of someone's roles is recorded in the audit log.
    The roles of people from an identity provider come from its groups alone: nobody here can
    make them staff, superuser or a member of a group."""

    def get_readonly_fields(
        self, request: HttpRequest, obj: User | None = None
    ) -> list[str] | tuple[str, ...]:
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and ExternalIdentity.objects.filter(user=obj).exists():
            return (*fields, "is_staff", "is_superuser", "groups", "user_permissions")
        return fields

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _unless_unrecorded(super().changeform_view, request, *args, **kwargs)

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _unless_unrecorded(super().delete_view, request, *args, **kwargs)

    def changelist_view(  # its bulk "delete selected"
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        return _unless_unrecorded(super().changelist_view, request, *args, **kwargs)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        self.delete_queryset(request, User.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        # Whoever is deleted loses their roles: recorded, or not deleted.
        with transaction.atomic():
            held = [(user, roles_of(user)) for user in queryset]
            super().delete_queryset(request, queryset)
            actor = actor_of(request)
            for user, roles in held:
                record_roles_change(actor, user, roles, frozenset())

    def save_model(
        self, request: HttpRequest, obj: User, form: "ModelForm[User]", change: bool
    ) -> None:
        # `obj` already carries the form's changes: the roles they change are the stored ones.
        before = roles_of(User.objects.get(pk=obj.pk)) if change else frozenset()
        obj._roles_before = before  # type: ignore[attr-defined]  # for save_related to record
        super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: "ModelForm[User]", formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)  # the groups, saved last
        user = form.instance
        forget_roles(user)
        before = user._roles_before  # type: ignore[attr-defined]  # set by save_model
        record_roles_change(actor_of(request), user, before, roles_of(user))
