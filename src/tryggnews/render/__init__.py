"""Rendering: Markdown → sanitised HTML, Jinja2 → MJML → HTML, the text part, and lint."""
