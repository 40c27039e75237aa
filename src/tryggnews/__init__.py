"""tryggnews: the newsletter pipeline behind "Trygg i Österåker"."""

__version__ = "0.1.0"
