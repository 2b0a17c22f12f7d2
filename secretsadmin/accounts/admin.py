from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import User

from .models import ExternalIdentity

admin.site.unregister(User)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    """Django's user admin, except that the roles of people from an identity provider come from
    its groups alone: nobody here can make them staff, superuser or a member of a group."""

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and ExternalIdentity.objects.filter(user=obj).exists():
            return (*fields, "is_staff", "is_superuser", "groups", "user_permissions")
        return fields
