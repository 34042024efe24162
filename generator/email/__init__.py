"""The email renderer: view model, templates, inlined CSS, plain text, MIME (README, "The emails")."""
