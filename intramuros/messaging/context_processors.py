from django.utils.functional import SimpleLazyObject

from intramuros.accounts.access import has_capability


def unread(request):
    """The unread count for the templates that show it (the home page's block), counted only if one does,
    and once per request with the navigation's badge (core.navigation.BADGES)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not has_capability(user, "messages.use"):
        return {}
    return {"unread_messages": SimpleLazyObject(lambda: unread_for(request))}


def unread_for(request) -> int:
    """The user's unread messages, counted once per request (the navigation's badge, the home page)."""
    if not hasattr(request, "_unread_messages"):
        from intramuros.messaging.selectors import unread_count

        request._unread_messages = unread_count(user=request.user)
    return request._unread_messages
