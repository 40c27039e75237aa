"""The public archive: which sent issues and blocks the public may read, each issue's
page content rendered once per version, and the Atom feed of them all."""
