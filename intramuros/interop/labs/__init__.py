"""Lab results in: parsing HL7 v2 and HPRIM, matching to a patient, filing as observations."""
