# Las notas de un toque del terapeuta cuando se retrasa (app::late::PRESETS).
late-in-5-minutes = Estaré con usted en 5 minutos.
late-in-10-minutes = Estaré con usted en 10 minutos.
