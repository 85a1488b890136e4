# El idioma como lo llaman quienes lo hablan, en los menús del terapeuta.
language-name = Español
