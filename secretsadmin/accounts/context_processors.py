from django.http import HttpRequest

from .roles import Role, has_role, roles_of


def roles(request: HttpRequest) -> dict[str, object]:
    """What the signed-in user may do, so templates can hide what the server would refuse."""
    user = request.user
    return {
        "user_roles": sorted(roles_of(user)),
        "can_view": has_role(user, Role.VIEWER),
        "can_edit": has_role(user, Role.EDITOR),
        "can_audit": has_role(user, Role.AUDITOR),
    }
