from intramuros.accounts.access import has_capability


def unread(request):
    """The unread count shown in the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not has_capability(user, "messages.use"):
        return {}
    from intramuros.messaging.selectors import unread_count

    return {"unread_messages": unread_count(user=user)}
