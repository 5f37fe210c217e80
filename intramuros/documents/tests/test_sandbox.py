import datetime

import pytest

from intramuros.documents.placeholders import sample_values
from intramuros.documents.sandbox import TemplateProblem, check_letter_html, render_letter


def render(source):
    return render_letter(source, sample_values())


def test_placeholders_are_filled():
    html = render("<p>{{ patient.civility }} {{ patient.name }}, née le {{ patient.birth_date|date:'d/m/Y' }}</p>")
    assert "Jeanne MARTIN" in html
    assert "14/03/1980" in html


def test_unknown_placeholder_is_named():
    with pytest.raises(TemplateProblem, match=r"patient\.nmae"):
        render("<p>{{ patient.nmae }}</p>")
    with pytest.raises(TemplateProblem, match=r"secret"):
        render("<p>{% if secret %}x{% endif %}</p>")
    with pytest.raises(TemplateProblem, match=r"patient\.name\.upper"):
        render("<p>{{ patient.name.upper }}</p>")


def test_methods_of_values_cannot_be_called():
    with pytest.raises(TemplateProblem, match=r"patient\.name\.split"):
        render("<ul>{% for w in patient.name.split %}<li>{{ w }}</li>{% endfor %}</ul>")


def test_loop_variables_are_known_inside_the_loop():
    html = render("<ul>{% for c in 'ab' %}<li>{{ c }}{{ forloop.counter }}</li>{% endfor %}</ul>")
    assert "<li>a1</li>" in html
    html = render("{% with n=patient.last_name %}<p>{{ n }}</p>{% endwith %}")
    assert "MARTIN" in html


@pytest.mark.parametrize("source", [
    "{% load static %}<p>x</p>",
    "{% include 'base.html' %}",
    "{% debug %}",
    "{% url 'core:home' %}",
    "{% csrf_token %}",
    "{{ patient.name|safe }}",
])
def test_dangerous_tags_and_filters_are_refused(source):
    with pytest.raises(TemplateProblem):
        render(source)


def test_broken_html_is_reported_with_the_tag_and_line():
    with pytest.raises(TemplateProblem, match=r"<strong> opened on line 2 is never closed"):
        render("<p>ok</p>\n<strong>oops")
    with pytest.raises(TemplateProblem, match=r"</div>"):
        render("<p>x</div>")
    with pytest.raises(TemplateProblem, match=r"not closed|Unclosed|cannot be read"):
        render("{% if patient.name %}<p>x</p>")


def test_scripts_styles_and_images_are_refused():
    for source in ("<script>alert(1)</script>", "<p style=\"color:red\">x</p>", "<img src=\"http://x/y.png\">",
                   "<p onclick=\"x()\">x</p>"):
        with pytest.raises(TemplateProblem):
            render(source)


def test_patient_data_is_escaped():
    values = sample_values()
    values["patient"]["name"] = "<script>x</script>"
    html = render_letter("<p>{{ patient.name }}</p>", values)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_hand_edited_letter_is_checked():
    assert check_letter_html("<p>Cher confrère,</p>") == "<p>Cher confrère,</p>"
    with pytest.raises(TemplateProblem):
        check_letter_html("<p>unclosed <em>x</p>")


def test_today_is_a_date():
    assert isinstance(sample_values()["today"], datetime.date)
