"""The reader's pages, one module a family of pages. Each view is a plain
function that answers GET and HEAD; a list page is a filter form bound to
request.GET (talks/forms.py), and an HTMX request gets the named partial of
the same template.

- browse: the lists across the record, filtered and faceted (talks, timeline)
- talk: one talk's pages (the talk, its delegations, its positions, compare)
- milestones: a milestone's own page (an agreement, a ceasefire…)
- people: parties and people, as lists and one by one
- sources: the source documents, with their cited passages marked
- search: search by any spelling
- site: the home page, the health check and the error handlers

Open data (JSON, CSV) lives apart, in talks/exports.py.
"""
