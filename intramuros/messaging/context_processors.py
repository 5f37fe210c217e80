from django.utils.functional import SimpleLazyObject

from intramuros.accounts.access import has_capability


def unread(request):
    """The unread count shown in the navigation, counted only if the page shows it (an htmx partial does
    not), and once per request however many templates of the page ask for it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not has_capability(user, "messages.use"):
        return {}
    from intramuros.messaging.selectors import unread_count

    def count() -> int:
        if not hasattr(request, "_unread_messages"):
            request._unread_messages = unread_count(user=user)
        return request._unread_messages

    return {"unread_messages": SimpleLazyObject(count)}
