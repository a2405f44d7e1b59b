"""WTForms (Flask-WTF, CSRF on every form): syntax at the edge, rules in validators/."""
