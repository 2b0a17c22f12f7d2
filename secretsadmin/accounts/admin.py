from collections.abc import Callable
from typing import Any, Concatenate

from django import forms
from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import ManyToManyField, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from secretsadmin.audit import services as audit

from .access import deny
from .actors import actor_of
from .models import ExternalIdentity
from .role_changes import record_roles_change
from .roles import Role, forget_roles, has_role, roles_of

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


# What someone holding the admin role, but no superuser, sees of a user: their roles are theirs
# to tick, the rest is shown as it is.
ROLE_MANAGER_FIELDSETS = (
    (None, {"fields": ("username", "email", "first_name", "last_name")}),
    ("Access", {"fields": ("groups", "is_active")}),
    ("Important dates", {"fields": ("last_login", "date_joined")}),
)
ROLES_HELP = (
    "viewer: reads sets, keys and statuses. editor: also changes them. auditor: reads them too, "
    "and reads, exports and verifies the audit log. admin: all of these, and manages roles here."
)
ROLE_MANAGER_READ_ONLY = (
    "username", "email", "first_name", "last_name", "is_active", "last_login", "date_joined",
)  # fmt: skip


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):  # type: ignore[type-arg]  # not subscriptable at run time
    """Django's user admin, where every change of someone's roles is recorded in the audit log.

    Anyone holding the admin role ticks the roles of local users here. Only a superuser may do
    more: set a password (whoever sets one can sign in as that person, and act in their name in
    the audit log, a superuser's too), make someone staff or superuser, add or delete users.
    The roles of people from an identity provider come from its groups alone: nobody here can
    make them staff, superuser or a member of a group."""

    filter_horizontal = ("user_permissions",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_role(request.user, Role.ADMIN)

    def has_view_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return has_role(request.user, Role.ADMIN)

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return has_role(request.user, Role.ADMIN)

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        if obj is not None and not request.user.is_superuser:
            return ROLE_MANAGER_FIELDSETS
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(
        self, request: HttpRequest, obj: User | None = None
    ) -> list[str] | tuple[str, ...]:
        fields = super().get_readonly_fields(request, obj)
        if not request.user.is_superuser:
            fields = (*fields, *ROLE_MANAGER_READ_ONLY)
        if obj is not None and ExternalIdentity.objects.filter(user=obj).exists():
            return (*fields, "is_staff", "is_superuser", "groups", "user_permissions")
        return fields

    def formfield_for_manytomany(
        self, db_field: "ManyToManyField[Any, Any]", request: HttpRequest, **kwargs: Any
    ) -> "forms.ModelMultipleChoiceField[Any] | None":  # not subscriptable at run time
        if db_field.name == "groups":  # the roles, ticked as the README says
            kwargs |= {"widget": forms.CheckboxSelectMultiple, "label": "Roles"}
            kwargs["help_text"] = ROLES_HELP
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        if not request.user.is_superuser:
            return deny(request, "is for superusers only")
        return super().user_change_password(request, id, form_url)

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
