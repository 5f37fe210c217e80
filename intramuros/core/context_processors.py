from intramuros.accounts.access import capabilities
from intramuros.core import urlcache
from intramuros.core.navigation import NAV, LanguageSwitch, NavBar


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_bar": "", "caps": frozenset(), "language_switch": LanguageSwitch(request)}
    caps = capabilities(user)
    items = []
    current = request.path
    for name, label, capability in NAV:
        if capability and capability not in caps:
            continue
        url = urlcache.url(name)
        if url is None:
            continue
        active = current == url if url == "/" else current.startswith(url)
        items.append({"key": name, "url": url, "label": label, "active": active})
    return {"nav_items": items, "nav_bar": NavBar(request, items), "caps": caps,
            "language_switch": LanguageSwitch(request)}
