"""Rendering the practice's letter templates safely.

A dedicated Django template Engine with no loaders, no {% load %}, no {% include %}/{% extends %},
no {% debug %}/{% url %}/{% csrf_token %}, and only a short list of harmless filters; templates see only the
explicit dict of plain values built by placeholders.py. Unknown placeholders and broken HTML are reported
by name, before anything is saved. The output goes through an HTML sanitiser (nh3) so that no script,
frame or remote resource can ever reach the PDF or the browser preview.
"""

from __future__ import annotations

from html.parser import HTMLParser

import nh3
from django.template import Context, Engine, Library, TemplateSyntaxError, defaultfilters, defaulttags
from django.template.base import FilterExpression, Variable, VariableNode
from django.utils.translation import gettext as _

ALLOWED_TAGS = ("if", "elif", "else", "endif", "for", "empty", "endfor", "with", "endwith", "comment",
                "endcomment", "firstof", "spaceless", "endspaceless")
ALLOWED_FILTERS = ("date", "time", "upper", "lower", "title", "capfirst", "default", "default_if_none",
                   "linebreaks", "linebreaksbr", "yesno", "floatformat", "join", "length", "first", "last",
                   "pluralize", "truncatewords", "truncatechars", "add", "cut", "center", "ljust", "rjust",
                   "wordwrap")

register = Library()
for _name in ALLOWED_TAGS:
    if _name in defaulttags.register.tags:
        register.tags[_name] = defaulttags.register.tags[_name]
for _name in ALLOWED_FILTERS:
    register.filters[_name] = defaultfilters.register.filters[_name]


class SandboxEngine(Engine):
    default_builtins: list[str] = []


ENGINE = SandboxEngine(builtins=["intramuros.documents.sandbox"], loaders=[], libraries={}, autoescape=True,
                       debug=False, string_if_invalid="")

# HTML allowed in letters: structure and emphasis only, with classes for the template's CSS.
HTML_TAGS = {"p", "br", "div", "span", "strong", "b", "em", "i", "u", "s", "small", "sub", "sup", "h1", "h2",
             "h3", "h4", "ul", "ol", "li", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "blockquote",
             "hr", "section", "header", "footer", "address", "dl", "dt", "dd"}
VOID_TAGS = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source"}
FORBIDDEN_TAGS = {"script", "style", "iframe", "object", "embed", "link", "img", "form", "input", "base", "meta",
                  "svg", "math", "video", "audio", "frame", "frameset", "applet"}
HTML_ATTRIBUTES = {"*": {"class"}, "td": {"colspan", "rowspan", "class"}, "th": {"colspan", "rowspan", "class"}}


class TemplateProblem(ValueError):
    """What is wrong with a template or a letter text, said in one sentence naming the culprit."""


def _expressions(node):
    """Every FilterExpression used by a node (printed variables, conditions, loops, with)."""
    if isinstance(node, VariableNode):
        yield node.filter_expression
    for attr in ("sequence", "filter_expression"):
        value = getattr(node, attr, None)
        if isinstance(value, FilterExpression) and not isinstance(node, VariableNode):
            yield value
    for condition, _nodelist in getattr(node, "conditions_nodelists", []):
        yield from _condition_expressions(condition)
    extra = getattr(node, "extra_context", None)
    if isinstance(extra, dict):
        yield from extra.values()
    for var in getattr(node, "vars", []) or []:  # firstof
        if isinstance(var, FilterExpression):
            yield var


def _condition_expressions(condition):
    if condition is None:
        return
    value = getattr(condition, "value", None)
    if isinstance(value, FilterExpression):
        yield value
    for side in ("first", "second"):
        child = getattr(condition, side, None)
        if child is not None:
            yield from _condition_expressions(child)


def _check_node(node, schema: dict, bound: set[str]) -> None:
    for expression in _expressions(node):
        var = expression.var
        if not isinstance(var, Variable) or var.lookups is None:
            continue  # a literal
        root, *rest = var.lookups
        if root in bound:
            continue
        if root not in schema:
            raise TemplateProblem(_("Unknown placeholder {{ %(name)s }}: use one of the placeholders listed "
                                    "beside the editor.") % {"name": ".".join(var.lookups)})
        level = schema[root]
        for part in rest:
            if not isinstance(level, dict) or part not in level:
                raise TemplateProblem(_("Unknown placeholder {{ %(name)s }}: use one of the placeholders listed "
                                        "beside the editor.") % {"name": ".".join(var.lookups)})
            level = level[part]
    inner_bound = set(bound)
    inner_bound.update(getattr(node, "loopvars", []) or [])
    if getattr(node, "loopvars", None):
        inner_bound.add("forloop")
    extra = getattr(node, "extra_context", None)
    if isinstance(extra, dict):
        inner_bound.update(extra)
    for attr in getattr(node, "child_nodelists", ()):
        for child in getattr(node, attr, None) or []:
            _check_node(child, schema, inner_bound)
    for _condition, nodelist in getattr(node, "conditions_nodelists", []):
        for child in nodelist:
            _check_node(child, schema, inner_bound)


class _HTMLChecker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int]] = []
        self.problem = ""

    def _fail(self, message: str) -> None:
        if not self.problem:
            self.problem = message

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        if tag in FORBIDDEN_TAGS:
            self._fail(_("The tag <%(tag)s> (line %(line)s) is not allowed in a letter: remove it.")
                       % {"tag": tag, "line": line})
        elif tag not in HTML_TAGS:
            self._fail(_("The tag <%(tag)s> (line %(line)s) is not supported in letters: use paragraphs, "
                         "headings, lists, tables and emphasis.") % {"tag": tag, "line": line})
        for name, _value in attrs:
            if name not in ("class", "colspan", "rowspan"):
                self._fail(_("The attribute %(attr)s of <%(tag)s> (line %(line)s) is not allowed: put styles in "
                             "the CSS field and use class=\"...\".") % {"attr": name, "tag": tag, "line": line})
        if tag not in VOID_TAGS:
            self.stack.append((tag, line))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        line = self.getpos()[0]
        if tag in VOID_TAGS:
            return
        if not self.stack:
            self._fail(_("Broken HTML: </%(tag)s> on line %(line)s closes nothing.") % {"tag": tag, "line": line})
            return
        open_tag, open_line = self.stack[-1]
        if open_tag != tag:
            self._fail(_("Broken HTML: </%(tag)s> on line %(line)s, but <%(open)s> opened on line %(open_line)s "
                         "is still open.") % {"tag": tag, "line": line, "open": open_tag, "open_line": open_line})
            return
        self.stack.pop()

    def close_check(self) -> str:
        self.close()
        if not self.problem and self.stack:
            tag, line = self.stack[-1]
            self._fail(_("Broken HTML: <%(tag)s> opened on line %(line)s is never closed.")
                       % {"tag": tag, "line": line})
        return self.problem


def check_html(html: str) -> None:
    checker = _HTMLChecker()
    checker.feed(html)
    problem = checker.close_check()
    if problem:
        raise TemplateProblem(problem)


def check_css(css: str) -> None:
    lowered = css.lower()
    if "</" in lowered or "<!--" in lowered:
        raise TemplateProblem(_("The CSS must not contain HTML tags (found “</”): keep only style rules."))
    if "@import" in lowered:
        raise TemplateProblem(_("@import is not allowed in the CSS: write the rules themselves."))


def compile_template(source: str, *, schema: dict):
    """Compile `source`, or raise TemplateProblem naming the bad tag, filter or placeholder."""
    try:
        template = ENGINE.from_string(source)
    except TemplateSyntaxError as exc:
        message = str(exc)
        if "Invalid block tag" in message:
            raise TemplateProblem(
                _("This template uses a tag that letters cannot use (%(detail)s): only if, for, with and comment "
                  "are available.") % {"detail": message.split(":", 1)[-1].strip().rstrip(".")}
            ) from None
        if "Invalid filter" in message:
            raise TemplateProblem(_("%(detail)s: this filter is not available in letters.")
                                  % {"detail": message}) from None
        raise TemplateProblem(_("The template cannot be read: %(detail)s.") % {"detail": message}) from None
    for node in template.nodelist:
        _check_node(node, schema, set())
    return template


def sanitize(html: str) -> str:
    return nh3.clean(html, tags=HTML_TAGS, attributes=HTML_ATTRIBUTES, link_rel=None, strip_comments=True)


def render_letter(source: str, values: dict, *, schema: dict | None = None) -> str:
    """Fill the placeholders of `source` with `values`; check the HTML; return sanitised HTML."""
    # The static check in compile_template has already verified every placeholder path against the schema,
    # so rendering cannot silently drop an unknown one.
    template = compile_template(source, schema=schema if schema is not None else values)
    html = template.render(Context(values, autoescape=True))
    check_html(html)
    return sanitize(html)


def check_letter_html(html: str) -> str:
    """A letter text edited by hand (no placeholders left): check and sanitise it."""
    check_html(html)
    return sanitize(html)
