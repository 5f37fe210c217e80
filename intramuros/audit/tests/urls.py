"""The project's URLs plus one page reading a medical summary through the patient access gate."""

from django.http import HttpResponse
from django.urls import path

from intramuros.accounts.access import capability_required
from intramuros.patients.access import patient_for_user
from intramuros.urls import handler403, handler404, handler500  # noqa: F401
from intramuros.urls import urlpatterns as project


@capability_required("clinical.view")
def summary(request, patient_id):
    patient = patient_for_user(request.user, patient_id, part="summary")
    return HttpResponse(f"summary of {patient.pk}")


urlpatterns = [path("test-summary/<int:patient_id>/", summary, name="test_summary"), *project]
