from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at run time
    """Read-only: the admin may show events, never add, change or delete one."""

    list_display = ("sequence", "time", "actor_username", "action", "target", "outcome")
    list_filter = ("outcome", "provider")
    search_fields = ("action", "actor_username", "target", "request_id")
    # Counting a million rows on every page buys nothing here.
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
