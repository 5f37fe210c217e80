"""FHIR R4B: the API under /fhir/, and whole-practice export and import as NDJSON."""
