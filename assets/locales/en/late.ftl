# The clinician's one-tap running-late notes (app::late::PRESETS), as a
# client reads them; the English must be the stored words exactly.
late-in-5-minutes = I'll be with you in 5 minutes
late-in-10-minutes = I'll be with you in 10 minutes
