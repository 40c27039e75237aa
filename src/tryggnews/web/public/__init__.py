"""The public pages, in Swedish: sign-up, confirmation, preference centre, "email me my
link", one-click unsubscribe and the accessibility statement.

One Blueprint named ``public`` (built in ``blueprint``) serves them all; each page
module (``signup``, ``preferences``, ``unsubscribe``, ``about``) defines its views
and a ``register`` that adds its URL rules, so a new kind of page is a new module
and one more line in ``blueprint``. The pages share the per-app state (``state``),
the signed links (``links``) and the labels and dates the templates show
(``labels``).
"""
