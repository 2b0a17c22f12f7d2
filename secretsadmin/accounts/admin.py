from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import User
from django.shortcuts import render

from secretsadmin.audit import services as audit

from .models import ExternalIdentity
from .role_changes import record_roles_change
from .roles import forget_roles, roles_of

admin.site.unregister(User)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    """Django's user admin, where every change of someone's roles is recorded in the audit log.
    The roles of people from an identity provider come from its groups alone: nobody here can
    make them staff, superuser or a member of a group."""

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and ExternalIdentity.objects.filter(user=obj).exists():
            return (*fields, "is_staff", "is_superuser", "groups", "user_permissions")
        return fields

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except audit.AuditUnavailable:
            # The change went back with the event that could not record it.
            return render(request, "audit/unavailable.html", status=503)

    def save_model(self, request, obj, form, change):
        # `obj` already carries the form's changes: the roles they change are the stored ones.
        obj._roles_before = roles_of(User.objects.get(pk=obj.pk)) if change else frozenset()
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the groups, saved last
        user = form.instance
        forget_roles(user)
        record_roles_change(
            audit.Actor.from_request(request), user, user._roles_before, roles_of(user)
        )
