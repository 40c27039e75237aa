"""Subscribers: model operations, CSV import/export, signed link tokens, preferences, consent."""
