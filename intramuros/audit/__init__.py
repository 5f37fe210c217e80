"""Audit log. Use `from intramuros.audit import record`."""


def record(**kwargs):
    from intramuros.audit.services import record as _record

    return _record(**kwargs)
