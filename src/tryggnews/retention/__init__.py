"""Retention (gallring): how long each kind of personal data is kept, and the job that
deletes what is past its time (delivery rows are rolled up first)."""
