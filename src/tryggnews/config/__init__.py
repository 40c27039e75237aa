"""Settings: declared as data (``declared``), read once at the edge (``settings``)."""

from tryggnews.config.declared import PREFIX, SETTINGS, Setting
from tryggnews.config.settings import Settings, load_settings

__all__ = ["PREFIX", "SETTINGS", "Setting", "Settings", "load_settings"]
