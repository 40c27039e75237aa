"""Languages: the gettext catalogues of fixed text (Swedish source), and Babel formatting
of dates and numbers per reader language, with each language's writing direction.

The API other rooms use (see docs/languages.md)::

    shipped_catalogues().gettext("ar", NEWSLETTER)("Läs i webbläsaren")
    direction("ar") == "rtl"
    format_long(date(2027, 4, 28), "en") == "Wednesday, 28 April 2027"
"""

from tryggnews.i18n.catalogues import (
    DOMAINS,
    LOCALES_DIR,
    MESSAGES,
    N_,
    NEWSLETTER,
    Catalogues,
    catalogue_path,
    catalogue_problems,
    shipped_catalogues,
)
from tryggnews.i18n.formatting import (
    format_day,
    format_long,
    format_number,
    format_plain_date,
    format_range,
)
from tryggnews.i18n.languages import RIGHT_TO_LEFT, SOURCE_LANGUAGE, babel_locale, direction

__all__ = [
    "DOMAINS",
    "LOCALES_DIR",
    "MESSAGES",
    "NEWSLETTER",
    "N_",
    "RIGHT_TO_LEFT",
    "SOURCE_LANGUAGE",
    "Catalogues",
    "babel_locale",
    "catalogue_path",
    "catalogue_problems",
    "direction",
    "format_day",
    "format_long",
    "format_number",
    "format_plain_date",
    "format_range",
    "shipped_catalogues",
]
