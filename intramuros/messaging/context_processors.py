from intramuros.accounts.access import has_capability


def unread(request):
    """The unread count shown in the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not has_capability(user, "messages.use"):
        return {}
    from intramuros.messaging.selectors import unread_count

    # Counted once per request, however many templates of the page ask for it.
    if not hasattr(request, "_unread_messages"):
        request._unread_messages = unread_count(user=user)
    return {"unread_messages": request._unread_messages}
