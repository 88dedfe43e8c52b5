"""Reports for the people who run the desk: counted, never stored per person.

counts.py   what is counted as it happens (questions per day, language, category, entry and outcome)
store.py    the read queries behind every report (SQL only here), over counts, tickets, feedback and publishes
charts.py   each report as data (columns and rows: the table, the CSV) and as a server-drawn SVG chart
api.py      /v1/reports/... (JSON, CSV) for editors and admins; the page is /reports (web/routes.py)
"""
