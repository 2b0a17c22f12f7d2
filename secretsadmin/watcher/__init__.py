"""The one background process (`manage.py watch`): periodic jobs run by whichever replica leads.

A job registers in its app's `watch` module (`registry.jobs`), is handed a `Context` each round it
is due, and asks `context.budget` before each upstream call."""
