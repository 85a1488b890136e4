# The language as its own speakers name it, in the clinician's language menus.
language-name = English
