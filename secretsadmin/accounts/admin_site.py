"""Django's admin as the place where the admin role manages roles.

Whoever holds the admin role may open it (the staff flag plays no part); anyone else signed in is
refused, and the refusal recorded, as on every other page. What each person may change there is
the user admin's to say (`admin.UserAdmin`).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from .access import deny
from .roles import Role, has_role


class RoleAdminSite(admin.AdminSite):
    site_header = site_title = "secretsadmin administration"
    site_url = "/"

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and has_role(request.user, Role.ADMIN)

    def admin_view[V: Callable[..., HttpResponseBase]](self, view: V, cacheable: bool = False) -> V:
        admitted = super().admin_view(view, cacheable)

        @wraps(admitted)
        def refusing(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            # Django would send someone signed in without the role to its own login form.
            if request.user.is_authenticated and not self.has_permission(request):
                return deny(request, "requires the admin role")
            return admitted(request, *args, **kwargs)

        return cast(V, refusing)

    @method_decorator(never_cache)
    @login_not_required
    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The dashboard's own sign-in page: SSO, OIDC and `LOCAL_LOGIN=false` hold here too,
        and the admin's form, which admits only staff, is never shown."""
        if not request.user.is_authenticated:
            index = reverse("admin:index", current_app=self.name)
            return redirect_to_login(request.GET.get("next", index))
        if not self.has_permission(request):
            return deny(request, "requires the admin role")
        return super().login(request, extra_context)
