from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the admin may show events, never add, change or delete one."""

    list_display = ("sequence", "time", "actor_username", "action", "target", "outcome")
    list_filter = ("outcome", "provider")
    search_fields = ("action", "actor_username", "target", "request_id")
    # Counting a million rows on every page buys nothing here.
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
