"""Reading hand-edited TOML configuration files with every problem named by file and line.

Shared by ``schedule.toml`` (planning) and ``audiences.toml`` (content vocabulary):
``read`` loads and parses a file, ``lines`` finds where a value was written, ``fields``
reads typed values and collects problems instead of stopping at the first.
"""
