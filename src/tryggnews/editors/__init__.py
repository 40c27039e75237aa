"""The editors' workspace below the web layer: accounts, block and issue edits, media, mail.

Everything here takes a session, a clock's ``now`` and explicit arguments; only
``web.editor`` and ``cli.users`` read settings.
"""
